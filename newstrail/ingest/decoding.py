"""Bytes to text, and what kind of text it is."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 2048
_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                         re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<(?:p|div|br|span|a|article|section|h[1-6]|ul|ol|li|em|strong|b|i|figure|blockquote)"
                       r"(?:\s[^<>]*)?/?>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"</[a-z][a-z0-9]*\s*>|<br\s*/?>", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")


def decode_bytes(data: bytes, *, declared: str | None = None, html: bool = False) -> str | None:
    """Decode ``data`` or return None when it is not text.

    Tried in order: a byte-order mark, the ``declared`` charset (an HTTP header),
    UTF-8, an HTML ``<meta charset>`` (when ``html``), then charset detection. Valid
    UTF-8 wins over a meta tag because pages are often re-saved without updating it.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _checked(_try(data, encoding))
    candidates: list[str | None] = [declared, "utf-8"]
    if html and (meta := _META_CHARSET.search(data[:_SNIFF_BYTES])):
        candidates.append(meta.group(1).decode("ascii", "replace"))
    for candidate in candidates:
        if candidate and (text := _try(data, candidate)) is not None:
            return _checked(text)
    return _checked(_detect(data))


def looks_like_html(text: str) -> bool:
    """True for a document or fragment of HTML markup, false for prose that mentions a tag."""
    if _HTML_START.match(text):
        return True
    return bool(_HTML_TAG.search(text) and _CLOSE_TAG.search(text))


def looks_like_feed(data: bytes) -> bool:
    """True when the first bytes open an RSS, Atom or RDF feed."""
    return bool(_FEED_ROOT.search(data[:_SNIFF_BYTES]))


def _detect(data: bytes) -> str | None:
    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    # Western single-byte code pages often score the same; windows-1252 is what
    # unlabelled legacy web text mostly is (the WHATWG default), so it wins the tie.
    tied = (m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence))
    return str(next((m for m in tied if m.encoding == "cp1252"), best))


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):  # LookupError: an unknown charset name
        return None


def _checked(text: str | None) -> str | None:
    # A NUL never occurs in text that decoded correctly: it means a binary file
    # (or a wrong guess) that would only feed garbage to the later stages.
    return None if text is None or "\x00" in text else text
