"""Bytes to text, and what kind of text it is."""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_SNIFF_BYTES = 2048
# What opens an HTML document once any XML declaration and comments are skipped. The
# skipping is a loop, not a regex: "(<!--.*?-->\s*)*" backtracks exponentially on a page
# that opens with a few dozen comments (30 took minutes).
_HTML_OPEN = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE)
_SPACE = re.compile(r"\s*")
_HTML_TAG = re.compile(r"<(?:p|div|br|span|a|article|section|h[1-6]|ul|ol|li|em|strong|b|i|figure|blockquote)"
                       r"(?:\s[^<>]*)?/?>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"</[a-z][a-z0-9]*\s*>|<br\s*/?>", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_ESCAPED = re.compile("[\udc80-\udcff]")
_FEW_STRAYS = 8
_BINARY_CONTROL = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f\x7f]")  # never in text, unlike \t\n\f\r or ESC


def decode_bytes(data: bytes, *, declared: str | None = None, html: bool = False) -> str | None:
    """Decode ``data`` or return None when it is not text.

    Tried in order: a byte-order mark, the ``declared`` charset (an HTTP header),
    UTF-8, an HTML ``<meta charset>`` (when ``html``), UTF-8 with a few stray
    Windows-1252 bytes, then charset detection. Valid UTF-8 wins over a meta tag
    because pages are often re-saved without updating it.
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
    return _checked(_mostly_utf8(data) or _detect(data))


def looks_like_html(text: str) -> bool:
    """True for a document or fragment of HTML markup, false for prose that mentions a tag."""
    if _HTML_OPEN.match(text, _prolog_end(text)):
        return True
    return bool(_HTML_TAG.search(text) and _CLOSE_TAG.search(text))


def _prolog_end(text: str) -> int:
    """Where the markup starts after whitespace, an ``<?xml …?>`` declaration and comments."""
    position = _SPACE.match(text).end()
    if text.startswith("<?xml", position):
        close = text.find(">", position)
        position = len(text) if close < 0 else _SPACE.match(text, close + 1).end()
    while text.startswith("<!--", position):
        close = text.find("-->", position + 4)
        if close < 0:
            return len(text)
        position = _SPACE.match(text, close + 3).end()
    return position


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


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few bytes of another encoding pasted in (a Latin-1 "é" in a
    UTF-8 page): each stray byte is read as Windows-1252, what such bytes almost
    always are, and the rest as UTF-8. Detection would either give up on such text or
    read all of it as a single-byte code page, garbling every UTF-8 character."""
    text = data.decode("utf-8", "surrogateescape")  # a stray byte b -> U+DC00+b
    strays = len(_ESCAPED.findall(text))
    if not 0 < strays <= max(_FEW_STRAYS, len(data) // 200):
        return None
    return _ESCAPED.sub(lambda m: bytes([ord(m.group()) - 0xDC00]).decode("cp1252", "replace"), text)


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):  # LookupError: an unknown charset name
        return None


def _checked(text: str | None) -> str | None:
    """``text`` without stray NULs, or None when it is binary data rather than text.

    A few NULs in running text are debris (a botched scrape, a padded file) and are
    dropped; many of them, or many other control characters, mean a binary file or a
    wrong guess of the encoding, which would only feed garbage to the later stages.
    """
    if text is None:
        return None
    allowed = max(_FEW_STRAYS, len(text) // 1000)
    if nuls := text.count("\x00"):
        if nuls > allowed:
            return None
        text = text.replace("\x00", "")
    if len(_BINARY_CONTROL.findall(text)) > allowed * 10:
        return None
    return text
