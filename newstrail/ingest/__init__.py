"""Ingest: turn paths, folders and URLs into a stream of RawDocument.

Contract used by the pipeline:

    iter_documents(inputs, *, fetcher=None, on_error) -> Iterator[RawDocument]

* streaming: one document at a time, never the whole corpus in memory;
* every RawDocument has ``id``, ``source``, ``content_type`` and ``group`` set;
* a bad input calls ``on_error(Failure(source, "ingest", one-line message))`` and
  iteration goes on with the next input.

One module per kind of source: ``files`` (folders, .txt, .html), ``jsonfmt`` (.json,
.jsonl), ``feeds`` (RSS/Atom), ``warc`` (WARC/ARC) and ``http`` (URLs); ``ids`` holds
the id rules.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..records import Failure, RawDocument
from .errors import Item, failure, guarded
from .files import SUPPORTED, read_path
from .http import Fetcher, FetchError, Page, read_url
from .ids import document_id, normalize_url
from .limits import DEFAULT_MAX_BYTES, storable_document

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def iter_documents(inputs: Iterable[str], *, fetcher: Fetcher | None = None,
                   on_error: Callable[[Failure], None], max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[RawDocument]:
    """Yield the documents of files, folders and http(s) URLs, in input order.

    Folders are walked recursively in name order. URLs are fetched with ``fetcher``;
    without one, a default :class:`Fetcher` is made on the first URL and closed when
    iteration ends. Every input that cannot be read, and every bad item inside one,
    is passed to ``on_error`` and skipped.

    ``max_bytes`` bounds what is held in memory for one article: a file, a JSON Lines
    line, an archived page, a fetched response (for the default fetcher). Larger ones
    are reported, never read whole. Only regular files are opened: FIFOs, sockets and
    devices are reported and skipped. Every string of a document is storable: lone
    surrogates (from JSON escapes) become U+FFFD and NUL characters are dropped.
    """
    own_fetcher: Fetcher | None = None
    try:
        for value in inputs:
            if value.lower().startswith(("http://", "https://")):
                if fetcher is None:
                    fetcher = own_fetcher = Fetcher(max_bytes=max_bytes)
                items: Iterable[Item] = guarded(value, read_url(value, fetcher))
            else:
                items = _local_items(value, max_bytes)
            for item in items:
                if isinstance(item, Failure):
                    on_error(item)
                else:
                    yield storable_document(item)
    finally:
        if own_fetcher is not None:
            own_fetcher.close()


def _local_items(value: str, max_bytes: int) -> Iterator[Item]:
    if scheme := _SCHEME.match(value):
        yield failure(value, f"unsupported URL scheme '{scheme.group(1)}'", f"give http(s) URLs or {SUPPORTED}")
    elif not value.strip():
        # Path("") is the current folder: reading it by accident would surprise.
        yield failure(repr(value), "empty input", "give a file, folder or URL")
    else:
        yield from read_path(Path(value), max_bytes)


__all__ = ["DEFAULT_MAX_BYTES", "FetchError", "Fetcher", "Page", "document_id", "iter_documents", "normalize_url"]
