"""Local files and folders: find what to read, and read plain text and HTML files."""
from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

from ..records import RawDocument
from .decoding import decode_bytes, looks_like_feed
from .errors import IngestError, Item, failure, guarded
from .feeds import read_feed_file
from .ids import document_id, file_stem
from .jsonfmt import read_json, read_jsonl
from .limits import DEFAULT_MAX_BYTES, file_kind, not_regular, open_regular, read_limited
from .warc import read_warc

# A reader gets the path and the most bytes it may hold for one article (``max_bytes``).
Reader = Callable[[Path, int], Iterator[Item]]
_SNIFF_BYTES = 2048
SUPPORTED = ".txt, .html, .json, .jsonl, RSS/Atom or WARC files"
NOT_TEXT = "cannot decode it as UTF-8 or any detected encoding: binary data, not text"


def read_text_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    yield _plain_document(path, "text", max_bytes)


def read_html_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    yield _plain_document(path, "html", max_bytes)


# Longest suffix first, so ``.warc.gz`` is not taken for some ``.gz``.
READERS: tuple[tuple[str, Reader], ...] = (
    (".warc.gz", read_warc), (".arc.gz", read_warc), (".warc", read_warc), (".arc", read_warc),
    (".txt", read_text_file), (".html", read_html_file), (".htm", read_html_file),
    (".jsonl", read_jsonl), (".json", read_json),
    (".xml", read_feed_file), (".rss", read_feed_file), (".atom", read_feed_file),
)


def read_path(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """Every item of a file, or of every readable file under a folder. Nothing larger
    than ``max_bytes`` is read whole (see :data:`limits.DEFAULT_MAX_BYTES`)."""
    if path.is_dir():
        yield from _read_folder(path, max_bytes)
    elif path.exists():
        yield from guarded(str(path), _read_given_file(path, max_bytes))
    else:
        yield failure(str(path), "no such file or folder", "check the path")


def _reader_for(path: Path) -> Reader | None:
    name = path.name.lower()
    return next((reader for suffix, reader in READERS if name.endswith(suffix)), None)


def _read_folder(folder: Path, max_bytes: int) -> Iterator[Item]:
    """Depth first, in name order so runs are reproducible. Only one folder's listing
    is held at a time; files are opened as the walk reaches them. Hidden entries and
    files of other types are skipped: folders of scraped pages hold all sorts.
    Linked folders are not followed, which rules out cycles. FIFOs, sockets and links
    to devices that carry a readable name are reported and never opened."""
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
            yield from _read_folder(path, max_bytes)
        elif (reader := _reader_for(path)) is not None:
            yield from guarded(entry.path, _read_entry(entry, path, reader, max_bytes))


def _read_entry(entry: os.DirEntry, path: Path, reader: Reader, max_bytes: int) -> Iterator[Item]:
    mode = entry.stat().st_mode  # follows a link; a dangling one raises OSError, reported
    if stat.S_ISDIR(mode):
        return  # a link to a folder: not followed (see _read_folder)
    if (kind := file_kind(mode)) is not None:
        raise not_regular(str(path), kind)
    yield from reader(path, max_bytes)


def _read_given_file(path: Path, max_bytes: int) -> Iterator[Item]:
    """A file named as input: its suffix decides, else a feed is recognised by content."""
    if (kind := file_kind(path.stat().st_mode)) is not None:
        raise not_regular(str(path), kind)
    reader = _reader_for(path)
    if reader is None:
        with open_regular(path) as head:
            if not looks_like_feed(head.read(_SNIFF_BYTES)):
                kind = f"'{path.suffix}'" if path.suffix else "(no extension)"
                raise IngestError(str(path), f"unsupported file type {kind}", f"give {SUPPORTED}")
        reader = read_feed_file
    yield from reader(path, max_bytes)


def _plain_document(path: Path, content_type: Literal["text", "html"], max_bytes: int) -> RawDocument:
    source = str(path)
    text = decode_bytes(read_limited(path, max_bytes), html=content_type == "html")
    if text is None:
        raise IngestError(source, NOT_TEXT, "re-save it as UTF-8 text, or remove it")
    if not text.strip():
        raise IngestError(source, "empty file", "remove it or add the article text")
    return RawDocument(source=source, content=text, content_type=content_type,
                       id=document_id(stem=file_stem(source)), group=str(path.parent))
