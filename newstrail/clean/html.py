"""HTML: main text and metadata through trafilatura (dates through htmldate)."""
from __future__ import annotations

from dataclasses import dataclass

import trafilatura

# htmldate without its extensive search: that search guesses from any date-like
# string on the page (copyright years, "related" teasers), and a wrong date is
# worse than none. ``original_date`` prefers publication over modification.
DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}


@dataclass(slots=True)
class HtmlExtract:
    text: str  # main text, one paragraph a line
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    date: str | None = None


def extract(html: str, url: str | None) -> HtmlExtract | None:
    """Main text and metadata of a page; None when trafilatura finds no main text."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_images=False,
        date_extraction_params=DATE_PARAMS,
    )
    if doc is None or not getattr(doc, "text", None):
        return None
    return HtmlExtract(
        text=doc.text,
        title=doc.title or None,
        author=doc.author or None,
        sitename=doc.sitename or None,
        date=doc.date or None,
    )
