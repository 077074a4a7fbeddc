"""HTML: main text and metadata through trafilatura (dates through htmldate)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura

# htmldate without its extensive search: that search guesses from any date-like
# string on the page (copyright years, "related" teasers), and a wrong date is
# worse than none. ``original_date`` prefers publication over modification.
DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}

# HTML has no use for entity declarations; in a page they are an attack on an XML
# parser (reading local files, or "billion laughs" expansion). lxml's HTML parser does
# not expand them, but such a page is refused before any parser sees it.
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
# libxml2 stops building the tree below this depth (without its "huge" option, which
# stays off: it also lifts the limits that protect memory).
PARSER_MAX_DEPTH = 255
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_PAGE = re.compile(r"<(?:!doctype|html|head|body)[\s>]", re.IGNORECASE)


@dataclass(slots=True)
class HtmlExtract:
    text: str  # main text, one paragraph a line
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    date: str | None = None


def fragment_text(html: str) -> str | None:
    """The text of markup that is not a page, or None for a page (or nothing readable).

    A JSON ``text`` field or a feed summary may be prose with a few tags in it (an
    embedded post, a link), which is sniffed as HTML; trafilatura looks for a page's main
    block and finds none there. Its text nodes, line breaks kept, are the article.
    """
    if _PAGE.search(html) or nesting_depth(html) > PARSER_MAX_DEPTH:
        return None
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return None
    text = root.text_content().strip()
    return text or None


def refusal(html: str) -> str | None:
    """Why a page is not parsed at all (problem; advice), or None when it may be."""
    if _ENTITY_DECLARATION.search(html):
        return ("the page declares XML entities (<!ENTITY>), which can read local files or expand "
                "without end; it was not parsed; remove the DOCTYPE or pass the article's text")
    return None


def no_text_reason(html: str) -> str:
    """Why trafilatura found no main text (problem; advice), for the failure message."""
    if (depth := nesting_depth(html)) > PARSER_MAX_DEPTH:
        return (f"the HTML nests elements {depth} levels deep, past the parser's limit of {PARSER_MAX_DEPTH}, "
                "so no text was found; pass the article's text instead")
    return ("no main text found in the HTML; check that the page is an article (not an index or consent "
            "page) or pass its text")


def nesting_depth(html: str) -> int:
    """The deepest element nesting, roughly (by tags, ignoring void and self-closed ones)."""
    depth = deepest = 0
    for closing, name, self_closed in _TAG.findall(html):
        if self_closed or name.lower() in _VOID:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


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
