"""Local files and folders: find what to read, and read plain text and HTML files."""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from ..records import RawDocument
from .decoding import decode_bytes, looks_like_feed
from .errors import IngestError, Item, failure, guarded
from .feeds import read_feed_file
from .ids import document_id, file_stem
from .jsonfmt import read_json, read_jsonl
from .warc import read_warc

Reader = Callable[[Path], Iterator[Item]]
_SNIFF_BYTES = 2048
SUPPORTED = ".txt, .html, .json, .jsonl, RSS/Atom or WARC files"


def read_text_file(path: Path) -> Iterator[Item]:
    yield _plain_document(path, "text")


def read_html_file(path: Path) -> Iterator[Item]:
    yield _plain_document(path, "html")


# Longest suffix first, so ``.warc.gz`` is not taken for some ``.gz``.
READERS: tuple[tuple[str, Reader], ...] = (
    (".warc.gz", read_warc), (".arc.gz", read_warc), (".warc", read_warc), (".arc", read_warc),
    (".txt", read_text_file), (".html", read_html_file), (".htm", read_html_file),
    (".jsonl", read_jsonl), (".json", read_json),
    (".xml", read_feed_file), (".rss", read_feed_file), (".atom", read_feed_file),
)


def read_path(path: Path) -> Iterator[Item]:
    """Every item of a file, or of every readable file under a folder."""
    if path.is_dir():
        yield from _read_folder(path)
    elif path.exists():
        yield from guarded(str(path), _read_given_file(path))
    else:
        yield failure(str(path), "no such file or folder", "check the path")


def _reader_for(path: Path) -> Reader | None:
    name = path.name.lower()
    return next((reader for suffix, reader in READERS if name.endswith(suffix)), None)


def _read_folder(folder: Path) -> Iterator[Item]:
    """Depth first, in name order so runs are reproducible. Only one folder's listing
    is held at a time; files are opened as the walk reaches them. Hidden entries and
    files of other types are skipped: folders of scraped pages hold all sorts.
    Linked folders are not followed, which rules out cycles."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        yield failure(str(folder), f"cannot list the folder ({error.strerror or error})",
                      "check that it is readable")
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _read_folder(path)
        elif entry.is_file() and (reader := _reader_for(path)) is not None:
            yield from guarded(entry.path, reader(path))


def _read_given_file(path: Path) -> Iterator[Item]:
    """A file named as input: its suffix decides, else a feed is recognised by content."""
    reader = _reader_for(path)
    if reader is None:
        with path.open("rb") as head:
            if not looks_like_feed(head.read(_SNIFF_BYTES)):
                kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
                raise IngestError(str(path), f"unsupported file type {kind}", f"give {SUPPORTED}")
        reader = read_feed_file
    yield from reader(path)


def _plain_document(path: Path, content_type: Literal["text", "html"]) -> RawDocument:
    source = str(path)
    text = decode_bytes(path.read_bytes(), html=content_type == "html")
    if text is None:
        raise IngestError(source, "cannot decode the text as UTF-8 or any detected encoding",
                          "re-save it as UTF-8")
    if not text.strip():
        raise IngestError(source, "empty file", "remove it or add the article text")
    return RawDocument(source=source, content=text, content_type=content_type,
                       id=document_id(stem=file_stem(source)), group=str(path.parent))
