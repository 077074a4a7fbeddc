"""Reading local input safely: regular files only, within a size limit, into clean strings.

Input folders are written by scrapers and by other people: they can hold FIFOs and
sockets (opening one for reading blocks until a writer appears), links to devices
(``/dev/zero`` never ends), files far larger than any article, and JSON strings that
no database accepts. Everything local goes through here first.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import BinaryIO

from ..records import RawDocument
from .errors import IngestError, storable

# The most bytes read for one article-sized thing: a .txt/.html file, a .json or feed
# file (parsed whole), a JSON Lines line, a WARC record's page. News pages are well
# under this; the CLI's --max-bytes and the library's ``max_bytes`` raise it.
DEFAULT_MAX_BYTES = 10_000_000

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a folder"))


def size_text(n: int) -> str:
    return f"{n / 1_000_000:.3g} MB"


def too_big(source: str, limit: int, what: str = "larger than") -> IngestError:
    return IngestError(source, f"{what} the {size_text(limit)} limit",
                       "raise the limit (--max-bytes, or max_bytes= in the library) if it really is an article")


def file_kind(mode: int) -> str | None:
    """What a non-regular file is ("a FIFO (named pipe)"), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(source: str, kind: str) -> IngestError:
    return IngestError(source, f"is {kind}, not a regular file; it was not read",
                       "remove it from the input folder or give regular files")


@contextmanager
def open_regular(path: Path, max_bytes: int | None = None) -> Iterator[BinaryIO]:
    """Open ``path`` for reading only when it is a regular file (after following links)
    of at most ``max_bytes``; IngestError otherwise.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer; the
    type is then checked on the open descriptor, so a file swapped for a FIFO between
    listing the folder and opening it is caught too.
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        if error.errno == errno.ENXIO:  # a socket, or a FIFO on some systems
            raise not_regular(source, file_kind(os.stat(path).st_mode) or "a special file") from None
        raise
    try:
        info = os.fstat(fd)
        if (kind := file_kind(info.st_mode)) is not None:
            raise not_regular(source, kind)
        if max_bytes is not None and info.st_size > max_bytes:
            raise too_big(source, max_bytes, f"{size_text(info.st_size)}, larger than")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        yield handle


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The whole of a regular file of at most ``max_bytes`` (checked on the bytes read
    as well as the size stated, which a growing file can outrun)."""
    with open_regular(path, max_bytes) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big(str(path), max_bytes)
    return data


def storable_document(doc: RawDocument) -> RawDocument:
    """Every string field of ``doc`` made storable (in place; returned for chaining)."""
    for f in fields(doc):
        value = getattr(doc, f.name)
        if isinstance(value, str):
            setattr(doc, f.name, storable(value))
    return doc
