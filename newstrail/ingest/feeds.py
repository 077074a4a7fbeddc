"""RSS and Atom feeds, parsed by feedparser: one document per entry."""
from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import feedparser

from ..records import RawDocument
from .decoding import looks_like_html
from .errors import IngestError, Item, failure
from .ids import document_id, file_stem

_HTML_TYPES = ("text/html", "application/xhtml+xml")


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


def read_feed_file(path: Path) -> Iterator[Item]:
    """A feed saved to disk. Links are not followed: reading a file never goes online."""
    source = str(path)
    for entry in parse_feed(path.read_bytes(), source):
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
    headers = {"content-location": base_url} if base_url else None
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.version and not parsed.entries:
        reason = f" ({parsed.bozo_exception})" if parsed.get("bozo_exception") else ""
        raise IngestError(source, f"not an RSS or Atom feed{reason}", "check the file or URL")
    outlet = _text(parsed.feed.get("title"))
    return [_entry(n, raw, outlet) for n, raw in enumerate(parsed.entries, start=1)]


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
