"""WARC and ARC web archives (plain or gzipped), read record by record with warcio."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from ..records import RawDocument
from .decoding import decode_bytes
from .errors import IngestError, Item, failure
from .ids import document_id, file_stem

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(path: Path) -> Iterator[Item]:
    """The HTML pages an archive holds: ``response`` records of successful HTTP
    requests with an HTML content type. Requests, metadata, redirects, error pages,
    images and scripts are skipped: they are not articles.

    The WARC-Date is when the page was crawled, not when it was published, so it is
    never given as ``published``; cleaning finds the date in the page.
    """
    source = str(path)
    with path.open("rb") as stream:
        try:
            # arc2warc: ARC records come through with WARC record types.
            for n, record in enumerate(ArchiveIterator(stream, arc2warc=True), start=1):
                if _is_html_page(record) and (item := _document(record, source, n)) is not None:
                    yield item
        except ArchiveLoadFailed as error:
            raise IngestError(source, f"not a readable WARC/ARC file ({_first_line(error)})",
                              "check that the file is complete and not corrupted") from None


def _is_html_page(record: ArcWarcRecord) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode() or ""
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    return status.startswith("2") and content_type.startswith(_HTML_TYPES)


def _document(record: ArcWarcRecord, container: str, index: int) -> Item | None:
    source = f"{container}#{index}"
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    charset = _charset(record.http_headers.get_header("Content-Type") or "")
    # content_stream() undoes chunked transfer and gzip/deflate content encoding.
    text = decode_bytes(record.content_stream().read(), declared=charset, html=True)
    if text is None:
        return failure(source, f"cannot decode the archived page {url or ''}".rstrip(),
                       "check its charset; the other records are read")
    if not text.strip():
        return None  # an empty page is no article, like a redirect
    return RawDocument(
        source=source,
        content=text,
        content_type="html",
        id=document_id(url=url, stem=file_stem(container), index=index),
        url=url,
        group=(urlsplit(url).hostname if url else None) or container,
    )


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
