"""RSS and Atom feeds, parsed by feedparser: one document per entry."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import feedparser

from ..records import RawDocument
from .decoding import looks_like_html
from .errors import IngestError, Item, failure
from .ids import document_id, file_stem
from .limits import DEFAULT_MAX_BYTES, read_limited

_HTML_TYPES = ("text/html", "application/xhtml+xml")
# An entity declaration is how XML reads local files or URLs (external entities, XXE)
# and how a kilobyte becomes gigabytes (nested entities, "billion laughs"). feedparser
# strips most of them and never fetches external ones, but a feed has no business
# declaring entities at all, so such a feed is refused before any parser sees it.
# UTF-16/32 feeds are checked after dropping their NUL bytes, which hide the pattern.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(slots=True)
class Entry:
    """What a feed says about one article; ``content`` is what the feed itself carries
    (often a summary: a feed read from the web has its links fetched for the full text)."""

    index: int  # 1-based place in the feed
    link: str | None
    title: str | None
    byline: str | None
    published: str | None
    outlet: str | None
    content: str | None
    content_type: Literal["text", "html"]

    def document(self, *, source: str, id: str, group: str, content: str | None = None,
                 content_type: Literal["text", "html"] | None = None, url: str | None = None) -> RawDocument:
        """A RawDocument with this entry's hints, holding ``content`` (fetched from the
        link) or else the entry's own content."""
        return RawDocument(
            source=source,
            content=content if content is not None else self.content or "",
            content_type=content_type or self.content_type,
            id=id,
            url=url or self.link,
            title=self.title,
            byline=self.byline,
            outlet=self.outlet,
            published=self.published,
            group=group,
        )


def read_feed_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """A feed saved to disk. Links are not followed: reading a file never goes online."""
    source = str(path)
    for entry in parse_feed(read_limited(path, max_bytes), source):
        item_source = f"{source}#{entry.index}"
        if entry.content is None:
            yield failure(item_source, "feed entry has no content or summary",
                          "fetch the feed from its URL to read the linked articles")
            continue
        yield entry.document(source=item_source,
                             id=document_id(url=entry.link, stem=file_stem(source), index=entry.index),
                             group=entry.outlet or source)


def parse_feed(data: bytes, source: str, *, base_url: str | None = None) -> list[Entry]:
    """The entries of a feed, or IngestError when ``data`` is not one. Relative links
    are resolved against ``base_url`` (where the feed was fetched from)."""
    # A file object, never bytes or str: given a string, feedparser may treat it as a
    # URL or a path and read that instead.
    if not data.strip():
        raise IngestError(source, "empty file", "remove it or give a feed")
    if declares_entities(data):
        raise IngestError(source, "the feed declares XML entities (<!ENTITY>), which can read local files "
                          "or expand without end; it was not parsed", "remove the DOCTYPE from the feed")
    headers = {"content-location": base_url} if base_url else None
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    except Exception as error:  # noqa: BLE001 - feedparser trips on some broken input
        raise IngestError(source, f"not a readable RSS or Atom feed ({type(error).__name__})",
                          "check the file or URL") from None
    if not parsed.version and not parsed.entries:
        reason = f" ({parsed.bozo_exception})" if parsed.get("bozo_exception") else ""
        raise IngestError(source, f"not an RSS or Atom feed{reason}", "check the file or URL")
    outlet = _text(parsed.feed.get("title"))
    return [_entry(n, raw, outlet) for n, raw in enumerate(parsed.entries, start=1)]


def declares_entities(data: bytes) -> bool:
    """True when an XML or HTML document declares entities in a DOCTYPE."""
    return bool(_ENTITY_DECLARATION.search(data) or (b"\x00" in data and _ENTITY_DECLARATION.search(
        data.replace(b"\x00", b""))))


def _entry(index: int, raw: Any, outlet: str | None) -> Entry:
    content, content_type = _content(raw)
    return Entry(
        index=index,
        link=_text(raw.get("link")),
        title=_text(raw.get("title")),
        byline=_byline(raw),
        # Only a stated publication date: ``updated`` may be any later edit.
        published=_text(raw.get("published")),
        outlet=outlet,
        content=content,
        content_type=content_type,
    )


def _content(raw: Any) -> tuple[str | None, Literal["text", "html"]]:
    details = [*raw.get("content", []), raw.get("summary_detail") or {}]
    for detail in details:
        value = _text(detail.get("value"))
        if value is not None:
            is_html = detail.get("type") in _HTML_TYPES or looks_like_html(value)
            return value, "html" if is_html else "text"
    return None, "text"


def _byline(raw: Any) -> str | None:
    names = [name for a in raw.get("authors", []) if (name := _text(a.get("name")))]
    return ", ".join(names) if names else _text(raw.get("author"))


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
