"""Clean: boilerplate removal, HTML main text, metadata (title, byline, outlet, date).

Contract used by the pipeline::

    cleaner = Cleaner(state=None)        # state: dict previously returned by cleaner.state()
    cleaner.clean_batch(docs: list[RawDocument]) -> list[Article | Failure]
    cleaner.state() -> dict              # JSON-serialisable corpus evidence, persisted by the store

The same work split for engines that finish documents on other processes (the output
is identical to ``clean_batch``)::

    prepared = [prepare(doc) for doc in docs]      # anywhere: pure per document
    cleaner.observe(prepared)                      # in one place, in input order
    view = cleaner.evidence_view(groups)           # read-only copy of those groups' evidence
    finish(item, view) -> Article | Failure        # anywhere

Per document: HTML goes through trafilatura first (``html.py``); then the text, plain
or extracted, goes through our boilerplate remover (``boilerplate.py``), which uses
named patterns and the corpus evidence of ``evidence.py``; then the headline block
gives title, standfirst, byline and dateline (``metadata.py``). Structured hints on
the RawDocument win over HTML metadata, which wins over what the text says.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..records import Article, Failure, RawDocument
from .boilerplate import MIN_RECURRING, Paragraph, evidence_units, strip_boilerplate
from .evidence import Evidence
from ..ingest.errors import one_line
from .html import HtmlExtract, extract, fragment_text, no_text_reason, refusal
from .metadata import (
    REMOVED_ROLES, Header, iso_date, normalise_date, outlet_from_boilerplate, outlet_from_host,
    outlet_from_name, parse_header, person_names, strip_title_suffix,
)
from .text import paragraphs

__all__ = ["Cleaner", "Prepared", "finish", "prepare"]

STAGE = "clean"
_WORD = re.compile(r"[^\W_]")  # a letter or digit, in any script


@dataclass(slots=True)
class _Prepared:
    doc: RawDocument
    paras: list[str]
    html: HtmlExtract | None
    group: str | None


Prepared = _Prepared  # public name for type hints; the fields stay private to this package


class Cleaner:
    """Turns RawDocuments into Articles, learning recurring boilerplate per group as it goes."""

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self._evidence = Evidence(state)

    def state(self) -> dict[str, Any]:
        return self._evidence.to_state()

    def clean_batch(self, docs: list[RawDocument]) -> list[Article | Failure]:
        """Observe every document of the batch first, so each is judged against all of them."""
        prepared = [prepare(doc) for doc in docs]
        self.observe(prepared)
        return [finish(item, self._evidence) for item in prepared]

    def observe(self, prepared: list[Prepared | Failure]) -> None:
        """Count the evidence units of prepared documents, in order (failures are skipped)."""
        for item in prepared:
            if isinstance(item, _Prepared) and item.group is not None:
                self._evidence.observe(item.group, item.doc.id or item.doc.source, evidence_units(item.paras))

    def evidence_view(self, groups: Iterable[str | None]) -> Evidence:
        """A copy of the evidence of ``groups`` only: small enough to ship to a worker with its documents."""
        return self._evidence.subset((g for g in groups if g is not None), min_count=MIN_RECURRING)


def prepare(doc: RawDocument) -> Prepared | Failure:
    """The per-document first half of cleaning: HTML main text and paragraphs."""
    return _guard(doc, _prepare)


def finish(item: Prepared | Failure, evidence: Evidence) -> Article | Failure:
    """The second half: boilerplate judged against ``evidence``, then the headline block."""
    if isinstance(item, Failure):
        return item
    return _guard(item.doc, lambda _: _finish(item, evidence))


def _finish(item: _Prepared, evidence: Evidence) -> Article | Failure:
    doc, html = item.doc, item.html
    cleaned = strip_boilerplate(item.paras, lambda unit: evidence.document_frequency(item.group, unit))
    hint_title = doc.title or (html.title if html else None)
    header = parse_header(cleaned, hint_title=hint_title, find_title=html is None)
    body = "\n\n".join(p.text for p in cleaned if p.text and p.index not in header.roles)
    removed = _removed(cleaned, header)
    if not body:
        return Failure(doc.source, STAGE, f"{doc.source}: no article text left after removing boilerplate "
                                          "and headline lines; check that the input is an article, "
                                          "not an index, consent or error page")
    if not _WORD.search(body):
        return Failure(doc.source, STAGE, f"{doc.source}: no words in the text, only punctuation or symbols; "
                                          "check that the input is an article")
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
        result = step(doc)
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch
        detail = " ".join(str(exc).split())  # one line, whatever the exception says
        result = Failure(doc.source, STAGE, f"{doc.source}: cleaning failed ({type(exc).__name__}: {detail}); "
                                            "the document was skipped, please report it with the input attached")
    if isinstance(result, Failure):  # a source may carry a newline (a file name): still one line
        result.error = one_line(result.error)
    return result


def _prepare(doc: RawDocument) -> _Prepared | Failure:
    html = None
    if doc.content_type == "html":
        if (problem := refusal(doc.content)) is not None:
            return Failure(doc.source, STAGE, f"{doc.source}: {problem}")
        html = extract(doc.content, doc.url)
        if html is None:
            if (fragment := fragment_text(doc.content)) is None:
                return Failure(doc.source, STAGE, f"{doc.source}: {no_text_reason(doc.content)}")
            return _Prepared(doc, paragraphs(fragment), None, _group(doc))
    text = html.text if html else doc.content
    return _Prepared(doc, paragraphs(text), html, _group(doc))


def _group(doc: RawDocument) -> str | None:
    return doc.group or doc.outlet or (urlsplit(doc.url).hostname if doc.url else None)


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
