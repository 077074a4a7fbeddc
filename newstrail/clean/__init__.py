"""Clean: boilerplate removal, HTML main text, metadata (title, byline, outlet, date).

Contract used by the pipeline::

    cleaner = Cleaner(state=None)        # state: dict previously returned by cleaner.state()
    cleaner.clean_batch(docs: list[RawDocument]) -> list[Article | Failure]
    cleaner.state() -> dict              # JSON-serialisable corpus evidence, persisted by the store

Per document: HTML goes through trafilatura first (``html.py``); then the text, plain
or extracted, goes through our boilerplate remover (``boilerplate.py``), which uses
named patterns and the corpus evidence of ``evidence.py``; then the headline block
gives title, standfirst, byline and dateline (``metadata.py``). Structured hints on
the RawDocument win over HTML metadata, which wins over what the text says.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..records import Article, Failure, RawDocument
from .boilerplate import Paragraph, evidence_units, strip_boilerplate
from .evidence import Evidence
from .html import HtmlExtract, extract
from .metadata import (
    REMOVED_ROLES, Header, iso_date, normalise_date, outlet_from_boilerplate, outlet_from_host,
    outlet_from_name, parse_header, person_names, strip_title_suffix,
)
from .text import paragraphs

__all__ = ["Cleaner"]

STAGE = "clean"


@dataclass(slots=True)
class _Prepared:
    doc: RawDocument
    paras: list[str]
    html: HtmlExtract | None
    group: str | None


class Cleaner:
    """Turns RawDocuments into Articles, learning recurring boilerplate per group as it goes."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self._evidence = Evidence(state)

    def state(self) -> dict[str, Any]:
        return self._evidence.to_state()

    def clean_batch(self, docs: list[RawDocument]) -> list[Article | Failure]:
        """Observe every document of the batch first, so each is judged against all of them."""
        prepared = [_guard(doc, _prepare) for doc in docs]
        for item in prepared:
            if isinstance(item, _Prepared) and item.group is not None:
                self._evidence.observe(item.group, item.doc.id or item.doc.source, evidence_units(item.paras))
        return [item if isinstance(item, Failure) else _guard(item.doc, lambda _: self._finish(item))
                for item in prepared]

    def _finish(self, item: _Prepared) -> Article | Failure:
        doc, html = item.doc, item.html
        cleaned = strip_boilerplate(item.paras, lambda unit: self._evidence.document_frequency(item.group, unit))
        hint_title = doc.title or (html.title if html else None)
        header = parse_header(cleaned, hint_title=hint_title, find_title=html is None)
        body = "\n\n".join(p.text for p in cleaned if p.text and p.index not in header.roles)
        removed = _removed(cleaned, header)
        if not body:
            return Failure(doc.source, STAGE, f"{doc.source}: no article text left after removing boilerplate "
                                              "and headline lines; check that the input is an article, "
                                              "not an index, consent or error page")
        return Article(
            id=doc.id or doc.source,
            source=doc.source,
            url=doc.url,
            title=_title(doc, html, header),
            standfirst=header.standfirst,
            byline=_byline(doc, html, header),
            outlet=_outlet(doc, html, header, removed),
            published=_published(doc, html, header),
            body=body,
            removed=removed,
        )


def _guard(doc: RawDocument, step) -> Any:
    """Run one step for one document; a bug or odd input becomes a Failure, never an exception."""
    try:
        return step(doc)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        return Failure(doc.source, STAGE, f"{doc.source}: cleaning failed ({type(exc).__name__}: {exc}); "
                                          "the document was skipped, please report it with the input attached")


def _prepare(doc: RawDocument) -> _Prepared | Failure:
    html = None
    if doc.content_type == "html":
        html = extract(doc.content, doc.url)
        if html is None:
            return Failure(doc.source, STAGE, f"{doc.source}: no main text found in the HTML; check that the page "
                                              "is an article (not an index or consent page) or pass its text")
    text = html.text if html else doc.content
    group = doc.group or doc.outlet or (urlsplit(doc.url).hostname if doc.url else None)
    return _Prepared(doc, paragraphs(text), html, group)


def _removed(cleaned: list[Paragraph], header: Header) -> list[str]:
    out: list[str] = []
    for para in cleaned:
        out.extend(para.removed)
        if header.roles.get(para.index) in REMOVED_ROLES:
            out.append(para.text)
    return out


def _title(doc: RawDocument, html: HtmlExtract | None, header: Header) -> str | None:
    if doc.title and doc.title.strip():
        return doc.title.strip()
    if html and html.title:
        return strip_title_suffix(html.title)
    return header.title


def _byline(doc: RawDocument, html: HtmlExtract | None, header: Header) -> str | None:
    if doc.byline and doc.byline.strip():
        return doc.byline.strip()
    # trafilatura's author field is sometimes a site or a desk: only people pass.
    return (person_names(html.author) if html and html.author else None) or header.byline


def _outlet(doc: RawDocument, html: HtmlExtract | None, header: Header, removed: list[str]) -> str | None:
    if doc.outlet and doc.outlet.strip():
        return doc.outlet.strip()
    return (outlet_from_name(html.sitename) if html else None) or outlet_from_host(doc.url) \
        or header.outlet or outlet_from_boilerplate(removed)


def _published(doc: RawDocument, html: HtmlExtract | None, header: Header) -> str | None:
    return normalise_date(doc.published) or (iso_date(html.date) if html else None) or header.published
