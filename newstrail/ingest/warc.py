"""WARC and ARC web archives (plain or gzipped), read record by record with warcio."""
from __future__ import annotations

import zlib
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
from .limits import DEFAULT_MAX_BYTES, open_regular, size_text

_HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """The HTML pages an archive holds: ``response`` records of successful HTTP
    requests with an HTML content type. Requests, metadata, redirects, error pages,
    images and scripts are skipped: they are not articles.

    The WARC-Date is when the page was crawled, not when it was published, so it is
    never given as ``published``; cleaning finds the date in the page.

    The archive may be any size; a page larger than ``max_bytes`` is reported and
    skipped. A truncated archive (a download or copy cut short) yields the records
    before the cut, then one failure saying where it ends.
    """
    source = str(path)
    with open_regular(path) as stream:
        n, last = 0, None
        try:
            # arc2warc: ARC records come through with WARC record types.
            for n, record in enumerate(ArchiveIterator(stream, arc2warc=True), start=1):
                last = record
                if _is_html_page(record) and (item := _document(record, source, n, max_bytes)) is not None:
                    yield item
        except ArchiveLoadFailed as error:
            raise IngestError(source, f"not a readable WARC/ARC file ({_first_line(error)})",
                              "check that the file is complete and not corrupted") from None
        except (IngestError, OSError):
            raise
        except Exception:  # warcio trips over a record cut off inside its headers
            raise _truncated(source, n + 1) from None
        if last is not None and _unread(last):
            raise _truncated(source, n)
        if n and _gzip_cut_short(path):  # warcio ends quietly when a gzip member stops early
            raise _truncated(source, n, where="after")
        if n == 0:
            problem = "no WARC/ARC records found" + (" (a truncated or corrupt archive?)" if stream.tell() else
                                                     ": the file is empty")
            raise IngestError(source, problem, "check that the file is complete and not corrupted")


def _is_html_page(record: ArcWarcRecord) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode() or ""
    content_type = (record.http_headers.get_header("Content-Type") or "").lower()
    return status.startswith("2") and content_type.startswith(_HTML_TYPES)


def _document(record: ArcWarcRecord, container: str, index: int, max_bytes: int) -> Item | None:
    source = f"{container}#{index}"
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    charset = _charset(record.http_headers.get_header("Content-Type") or "")
    # content_stream() undoes chunked transfer and gzip/deflate content encoding, so
    # the limit applies to the page as decoded, whatever its compressed size.
    payload = record.content_stream().read(max_bytes + 1)
    if len(payload) > max_bytes:
        return failure(source, f"archived page {url or ''} is larger than the {size_text(max_bytes)} limit",
                       "raise the limit (--max-bytes, or max_bytes= in the library) if it really is an article")
    if _unread(record):
        return None  # cut off by the end of the file: reported once the archive ends
    text = decode_bytes(payload, declared=charset, html=True)
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


def _unread(record: ArcWarcRecord) -> bool:
    """True when the file ended before the record did (the rest of it is read first)."""
    raw = record.raw_stream
    while raw.read(1 << 16):
        pass
    return getattr(raw, "limit", 0) > 0


def _gzip_cut_short(path: Path) -> bool:
    """True when a gzipped file ends part-way through a member (or is corrupt).
    Decompresses into a small window that is thrown away: bounded memory for any size."""
    window = 1 << 16
    with open_regular(path) as stream:
        if stream.read(2) != b"\x1f\x8b":
            return False
        stream.seek(0)
        member, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
        try:
            for data in iter(lambda: stream.read(window), b""):
                while data:
                    fed = True
                    member.decompress(data, window)
                    while member.unconsumed_tail and not member.eof:
                        member.decompress(member.unconsumed_tail, window)
                    data = b""
                    if member.eof:  # the next member starts right after this one
                        data = member.unused_data
                        member, fed = zlib.decompressobj(zlib.MAX_WBITS | 16), False
        except zlib.error:
            return True
    return fed and not member.eof


def _truncated(source: str, index: int, where: str = "inside") -> IngestError:
    return IngestError(source, f"the archive is truncated or corrupt {where} record {index}; "
                       "the records before it were read",
                       "download or copy the archive again to read the rest")


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
