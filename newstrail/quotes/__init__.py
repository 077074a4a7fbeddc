"""Quotes: direct, indirect and mixed quotes with in-article speaker attribution.

Contract used by the pipeline::

    extract_quotes(articles: Iterable[Article], *, nlp=None, batch_size=64)
        -> Iterator[tuple[Article, list[Quote]]]

How it works, per batch of articles:

1. ``marks``: every section (title, standfirst, body) is split into paragraphs and its
   quotation marks are scanned; quotes running over paragraphs are joined.
2. Only paragraphs with a reporting cue outside quotation marks are parsed, all of the
   batch in one ``nlp.pipe`` call with the lemmatizer and attribute ruler off (cues are
   matched by form, word classes read from the tags); the entity recogniser runs apart,
   only on a few words around each proper noun. A paragraph that is only a quote
   needs no parse: its speaker comes from context.
3. ``clauses`` finds reporting clauses (and, without a parse, dash signatures and
   ``Name: ‘…’`` headlines); ``direct`` pairs them with quotations (or with the reported
   clause for indirect and mixed quotes), adds follow-on quotes, and drops a quote that
   lies inside another one's content.
4. ``resolve`` maps each speaker mention to the person, organisation or unnamed source
   it names, across the whole article (only the clauses that attribute a quote speak).

Offsets: ``spans`` are the quoted words (marks excluded), one piece per paragraph of a
multi-paragraph quote and one more after an interrupting attribution; ``text`` joins
paragraph pieces with " " and interrupted parts with " … ".
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from spacy.tokens import Span

from ..records import Article, Quote
from .clauses import Clause, find_clauses, frameless_clauses
from .cues import CUE_WORD, DIRECT_CUE_WORD
from .direct import Attribution, attribute, outermost
from .marks import Paragraph, Quotation, Segment, paragraphs, quotations, segments
from .mentions import organisations, people, unparsed_bodies, unparsed_names
from .resolve import Entity, Registry, position, resolve_all

__all__ = ["extract_quotes"]

SECTIONS = ("title", "standfirst", "body")
# Pipes whose output is never read here; skipping them saves parse time (word classes
# come from the tags: ``cues.coarse``).
UNUSED_PIPES = ("lemmatizer", "attribute_ruler")
# Run apart, only in windows around proper nouns (``recognise_entities``).
ENTITY_PIPE = "ner"
_PROPER_TAGS = frozenset({"NNP", "NNPS"})
ENTITY_CONTEXT = 3
MAX_PARSE_CHARS = 20_000
INTERRUPTION_JOINER = " … "
PARAGRAPH_JOINER = " "


@dataclass(slots=True)
class _Section:
    name: str
    text: str
    paras: list[Paragraph]
    quotations: list[Quotation]
    segments: dict[int, list[Segment]]
    docs: dict[int, object] = field(default_factory=dict)  # paragraph index -> spaCy Doc

    def in_quote(self, paragraph: Paragraph):
        """Paragraph-relative test: is this character inside quotation marks?"""
        ranges = [(s.open_mark - paragraph.start, s.outer_end - paragraph.start)
                  for s in self.segments.get(paragraph.index, [])]
        return lambda i: any(a <= i < b for a, b in ranges)

    def to_parse(self) -> list[Paragraph]:
        # Hardening (issue 7): a paragraph past MAX_PARSE_CHARS is not parsed; clause finding is
        # quadratic in paragraph length (80k chars took 86 s, 900k never ended), no real one is this long.
        return [p for p in self.paras if p.end - p.start <= MAX_PARSE_CHARS
                and _has_cue(self.text, p, self.segments.get(p.index, []))]


def _has_cue(text: str, paragraph: Paragraph, found: list[Segment]) -> bool:
    """A cue word outside quotation marks: the only paragraphs worth parsing."""
    outside, position = [], paragraph.start
    for segment in found:
        outside.append(text[position:segment.open_mark])
        position = segment.outer_end
    outside.append(text[position:paragraph.end])
    words = " ".join(outside)
    return CUE_WORD.search(words) is not None or (bool(found) and DIRECT_CUE_WORD.search(words) is not None)


def _plan(article: Article) -> list[_Section]:
    sections = []
    for name in SECTIONS:
        text = getattr(article, name) or ""
        if not text.strip():
            continue
        paras = paragraphs(text)
        found = {p.index: segments(text, p) for p in paras}
        sections.append(_Section(name, text, paras, list(quotations(text, paras, found)), found))
    return sections


def _batched(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def extract_quotes(articles: Iterable[Article], *, nlp=None, batch_size: int = 64
                   ) -> Iterator[tuple[Article, list[Quote]]]:
    """Quotes of each article, articles in input order, quotes in document order."""
    if nlp is None:
        from ..nlp import load_nlp

        nlp = load_nlp()
    ner = nlp.get_pipe(ENTITY_PIPE) if ENTITY_PIPE in nlp.pipe_names else None
    disable = [name for name in (*UNUSED_PIPES, ENTITY_PIPE) if name in nlp.pipe_names]
    for batch in _batched(articles, max(1, batch_size)):
        plans = [_plan(article) for article in batch]
        units = [(section, paragraph) for sections in plans for section in sections for paragraph in section.to_parse()]
        texts = (section.text[p.start:p.end] for section, p in units)
        docs = list(nlp.pipe(texts, batch_size=256, disable=disable))
        if ner is not None:
            recognise_entities(ner, docs)
        for (section, paragraph), doc in zip(units, docs):
            section.docs[paragraph.index] = doc
        for article, sections in zip(batch, plans):
            yield article, _article_quotes(article, sections)


def _entity_windows(sent) -> list[tuple[int, int]]:
    """Token ranges of a sentence worth recognising: each run of proper nouns with its context."""
    windows: list[tuple[int, int]] = []
    for token in sent:
        if token.tag_ not in _PROPER_TAGS:
            continue
        start, end = max(sent.start, token.i - ENTITY_CONTEXT), min(sent.end, token.i + 1 + ENTITY_CONTEXT)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def recognise_entities(ner, docs: list) -> None:
    """Run the entity recogniser only where names are, and set the entities it finds.

    The recogniser of the small English pipeline has an embedding layer of its own and costs
    more than tagging and parsing together. A name is a run of proper nouns, and what the
    recogniser needs to tell a person from a place or a body is a few words around it (its
    embedding sees four tokens either side), so each run is recognised in a window of
    ``ENTITY_CONTEXT`` tokens either side, within its sentence; the rest of the text is not.
    """
    wanted = [(n, window) for n, doc in enumerate(docs) for sent in doc.sents for window in _entity_windows(sent)]
    found: list[list[Span]] = [[] for _ in docs]
    parts = (docs[n][a:b].as_doc() for n, (a, b) in wanted)
    for (n, (start, end)), part in zip(wanted, ner.pipe(parts, batch_size=256)):
        for ent in part.ents:
            # An entity cut by the window's edge is not trusted (its other half is outside).
            if (ent.start == 0 and start > 0 and docs[n][start - 1].tag_ in _PROPER_TAGS) or (
                    ent.end == len(part) and end < len(docs[n]) and docs[n][end].tag_ in _PROPER_TAGS):
                continue
            found[n].append(Span(docs[n], start + ent.start, start + ent.end, label=ent.label))
    for doc, spans in zip(docs, found):
        doc.set_ents(spans, default="outside")


def _article_quotes(article: Article, sections: list[_Section]) -> list[Quote]:
    registry = Registry()
    for section in sections:
        for paragraph in section.paras:
            if paragraph.index not in section.docs:
                words = section.text[paragraph.start:paragraph.end]
                registry.add_guesses(unparsed_names(words))
                registry.register_bodies(unparsed_bodies(words))
    for number, section in enumerate(sections):
        for index in sorted(section.docs):
            doc = section.docs[index]
            registry.register_entities(people(doc), position(number, section.paras[index].start))
            registry.register_bodies(organisations(doc))
    found: list[tuple[_Section, Attribution]] = []
    clauses: list[Clause] = []
    where: list[int | None] = []
    for number, section in enumerate(sections):
        section_clauses = [
            clause
            for paragraph in section.paras if paragraph.index in section.docs
            for clause in find_clauses(section.docs[paragraph.index], paragraph.index, paragraph.start,
                                       section.in_quote(paragraph))
        ]
        section_clauses += frameless_clauses(section.text, section.paras, section.segments)
        section_clauses.sort(key=lambda c: c.cue_start)
        clauses.extend(section_clauses)
        where.extend(position(number, c.mention.start) if c.mention is not None else None for c in section_clauses)
        attributions = attribute(section.text, section.paras, section.quotations, section_clauses)
        found.extend((section, a) for a in outermost(attributions))
    # Only the clauses that attribute a quote speak: a clause dropped inside another
    # quote's content must not become the latest speaker or lend anyone a title.
    used = {id(c) for _, a in found for c in (a.clause, a.antecedent) if c is not None}
    speaking = [(c, w) for c, w in zip(clauses, where) if id(c) in used]
    resolved = resolve_all(registry, [c.mention for c, _ in speaking], [w for _, w in speaking])
    entities = dict(zip((id(c) for c, _ in speaking), resolved))
    return [_quote(article, section, attribution, entities, n)
            for n, (section, attribution) in enumerate(found, start=1)]


def _quote(article: Article, section: _Section, attribution: Attribution, entities: dict[int, Entity | None],
           n: int) -> Quote:
    text = section.text
    spans = [piece for group in attribution.pieces for piece in group]
    words = INTERRUPTION_JOINER.join(PARAGRAPH_JOINER.join(text[a:b] for a, b in group)
                                     for group in attribution.pieces)
    quote = Quote(
        id=f"{article.id}:q{n}", article_id=article.id, text=words, kind=attribution.kind,  # type: ignore[arg-type]
        start=spans[0][0], end=spans[-1][1], spans=spans, section=section.name,  # type: ignore[arg-type]
    )
    clause = attribution.speaker_clause
    if clause is None or clause.mention is None:
        return quote
    mention = clause.mention
    quote.speaker_mention, quote.speaker_start, quote.speaker_end = mention.text, mention.start, mention.end
    quote.cue = attribution.clause.cue if attribution.clause is not None else None
    entity = entities.get(id(clause))
    if entity is not None:
        quote.speaker_local = quote.speaker = entity.display
        quote.speaker_kind = entity.kind  # type: ignore[assignment]
        quote.speaker_titles = list(entity.titles)
    elif mention.kind in ("pronoun", "self"):
        quote.speaker_kind = "person"
    else:
        quote.speaker_local = quote.speaker = mention.text
        quote.speaker_kind = "unnamed"
    return quote
