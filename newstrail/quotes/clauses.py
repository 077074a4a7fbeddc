"""Reporting clauses in a parsed paragraph: cue, speaker, the clause's extent, its content.

A clause is found from its cue (a reporting verb outside quotation marks, or "according
to"). Its *frame* is the attribution itself (speaker, cue, addressee, time and place:
"he told MPs on Monday"); what it reports is found next to the frame: a quotation right
before or after it (``direct.py``), else the reported clause from the parse (here).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from .cues import ACCORDING, ADDRESSEE_LEMMAS, INFINITIVE_CONTENT_LEMMAS, LEMMA_OF_FORM
from .mentions import Mention, mention_from_token

# Dependents of the cue that belong to the attribution, not to what was said.
_FRAME_DEPS = frozenset({"aux", "auxpass", "neg", "advmod", "prep", "npadvmod", "dative", "prt", "agent"})
# Subject-like dependents that follow the verb in inverted attributions ("…, warns Cleverly").
_INVERTED_DEPS = frozenset({"dobj", "attr", "npadvmod", "appos", "oprd", "nsubj", "dative"})
# The cue inherits its subject from these heads: "slammed …, saying", "is expected to say".
_INHERIT_DEPS = frozenset({"xcomp", "advcl", "conj"})
_ATTRIBUTION_CLOSE = re.compile(r"[\s.!?…]*$")
_CONTENT_TRIM = " \t\n,;:—–-"
_MIN_CONTENT_WORDS = 3
_MAX_SUBJECT_CLIMB = 3
# "is expected to say", "is set to announce": how far a governing verb may sit from the cue.
_MAX_CHAIN_GAP = 3
_COMPLEMENTISERS = frozenset({"that", "whether"})
_TRAILING_CONJUNCTIONS = frozenset({"and", "but", "or", "while", "as"})

InQuote = Callable[[int], bool]


@dataclass(slots=True)
class Clause:
    """One attribution: who (mention), how (cue), where its frame sits, what it reports."""

    paragraph: int
    cue: str
    cue_start: int
    frame_start: int
    frame_end: int
    sentence_start: int
    sentence_end: int
    mention: Mention | None
    content: tuple[int, int] | None = None  # reported clause from the parse, when any


def _end(token: Token) -> int:
    return token.idx + len(token.text)


def _is_cue_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") and token.lower_ in LEMMA_OF_FORM and token.dep_ != "amod"


def _is_complementiser(token: Token) -> bool:
    return token.dep_ == "mark" and token.lower_ in _COMPLEMENTISERS


def _is_passive(token: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children)


def _inverted_subject(verb: Token) -> Token | None:
    """The speaker after the verb: "said a Whitehall source", "warns Cleverly"."""
    previous = verb.nbor(-1) if verb.i > verb.sent.start else None
    if previous is None or previous.text not in {",", "”", "’", '"', "'", "—", "–"}:
        return None
    for child in verb.rights:
        if child.dep_ in _INVERTED_DEPS and child.pos_ in ("PROPN", "NOUN", "PRON"):
            return child
    return None


def subject_of(verb: Token) -> Token | None:
    """Who speaks through ``verb``: its subject, an inverted subject, or its head's subject."""
    if verb.dep_ == "acl" and verb.head.pos_ in ("PROPN", "NOUN") and verb.head.i < verb.i:
        return verb.head  # "Joe Biden saying he would talk"
    subject_deps = {"nsubj"}
    for _ in range(_MAX_SUBJECT_CLIMB):
        for child in verb.lefts:
            if child.dep_ in subject_deps:
                return child
        inverted = _inverted_subject(verb)
        if inverted is not None:
            return inverted
        for child in verb.rights:
            if child.dep_ == "nsubj":
                return child
        if verb.dep_ not in _INHERIT_DEPS or verb.head is verb or not verb.head.pos_ in ("VERB", "AUX"):
            return None
        verb = verb.head
        subject_deps = {"nsubj", "nsubjpass"}  # "she is expected to say"
    return None


def _verb_chain(verb: Token) -> list[Token]:
    """The cue and the verbs it hangs from by xcomp: "expected" ← "say"."""
    chain = [verb]
    while chain[-1].dep_ == "xcomp" and chain[-1].head.lower_ not in LEMMA_OF_FORM \
            and 0 < chain[-1].i - chain[-1].head.i <= _MAX_CHAIN_GAP:
        chain.append(chain[-1].head)
    return chain


def _frame_tokens(verb: Token, chain: list[Token], subject: Token | None, in_quote: InQuote) -> list[Token]:
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    tokens: list[Token] = list(chain)
    for link in chain:
        for child in link.children:
            allowed = child.dep_ in _FRAME_DEPS or (child.dep_ == "dobj" and lemma in ADDRESSEE_LEMMAS)
            if allowed and not any(in_quote(t.idx) or _is_complementiser(t) for t in child.subtree):
                tokens.extend(child.subtree if child.dep_ not in ("aux", "auxpass", "neg") else [child])
    if subject is not None and subject.sent == verb.sent:
        tokens.extend(subject.subtree)
    return sorted(set(tokens), key=lambda t: t.i)


def _contiguous(tokens: list[Token], anchor: Token) -> list[Token]:
    """The run of tokens around the anchor without gaps (a frame is one stretch of words)."""
    by_index = {t.i for t in tokens}
    first = last = anchor.i
    while first - 1 in by_index:
        first -= 1
    while last + 1 in by_index:
        last += 1
    return [t for t in tokens if first <= t.i <= last]


def _cue_text(verb: Token, chain: list[Token], subject: Token | None) -> str:
    """"said", "told MPs", "told The Telegraph", "expected to say"."""
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    if lemma in ADDRESSEE_LEMMAS:
        objects = [c for c in verb.rights if c.dep_ in ("dobj", "dative") and c.left_edge.i == verb.i + 1
                   and (subject is None or c.i != subject.i) and c.pos_ in ("PROPN", "NOUN", "PRON")]
        if objects:
            return verb.doc[verb.i: objects[0].i + 1].text
    if len(chain) > 1:
        top = chain[-1]
        return verb.doc[top.i: verb.i + 1].text
    return verb.text


def _trimmed(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    text = doc.text
    while start < end and text[start] in _CONTENT_TRIM:
        start += 1
    while end > start and (text[end - 1] in _CONTENT_TRIM or text[end - 1] == "."):
        end -= 1
        words = text[start:end].rsplit(None, 1)
        if len(words) == 2 and words[1].lower() in _TRAILING_CONJUNCTIONS:
            end = start + len(words[0])
    if len(text[start:end].split()) < _MIN_CONTENT_WORDS:
        return None
    return start, end


def _subtree_extent(token: Token) -> tuple[int, int]:
    return token.left_edge.idx, _end(token.right_edge)


def _trailing_content(doc: Doc, frame_start: int, frame_end: int, sent_start: int, sent_end: int
                      ) -> tuple[int, int] | None:
    """"Putin may use talks to rearm, warns Cleverly": the words before an attribution that ends the sentence."""
    before = doc.text[sent_start:frame_start].rstrip()
    if not before.endswith((",", "—", "–")) or not _ATTRIBUTION_CLOSE.match(doc.text[frame_end:sent_end]):
        return None
    return _trimmed(doc, sent_start, sent_start + len(before))


def _colon_content(doc: Doc, frame_end: int, sent_end: int) -> tuple[int, int] | None:
    """"He added: the talks would go on": the words after a colon that ends the frame."""
    after = doc.text[frame_end:sent_end]
    stripped = after.lstrip()
    if not stripped.startswith(":"):
        return None
    return _trimmed(doc, frame_end + len(after) - len(stripped) + 1, sent_end)


def _complement_content(verb: Token, frame_end: int) -> tuple[int, int] | None:
    """"said ahead of the speech that …": a that-clause the parser hung elsewhere."""
    for token in verb.sent:
        if token.idx >= frame_end and _is_complementiser(token):
            return token.idx, verb.sent.end_char
    return None


def _outside_frame(extent: tuple[int, int], frame: tuple[int, int]) -> tuple[int, int]:
    """"who she said were “emboldened …”": content never includes its own attribution."""
    start, end = extent
    if start < frame[1] and frame[0] < end:
        return (frame[1], end) if end - frame[1] >= frame[0] - start else (start, frame[0])
    return extent


def _parse_content(verb: Token, frame: tuple[int, int], in_quote: InQuote) -> tuple[int, int] | None:
    """What the cue reports, from the parse: its clausal complement or infinitive."""
    doc, sent = verb.doc, verb.sent
    sent_start, sent_end = sent.start_char, sent.end_char
    for finder in (
        lambda: next((_subtree_extent(c) for c in verb.children if c.dep_ == "ccomp"), None),
        lambda: _trailing_content(doc, frame[0], frame[1], sent_start, sent_end),
        lambda: _colon_content(doc, frame[1], sent_end),
        lambda: _complement_content(verb, frame[1]),
    ):
        extent = finder()
        if extent is not None:
            extent = _outside_frame(extent, frame)
        if extent is not None and (found := _trimmed(doc, *extent)) is not None:
            return found
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    for child in verb.children:
        if child.dep_ == "xcomp" and lemma in INFINITIVE_CONTENT_LEMMAS:
            return _trimmed(doc, *_subtree_extent(child))
        # "acknowledged the “value of sanctions degrades over time”": an object that quotes.
        if child.dep_ == "dobj" and any(in_quote(t.idx) for t in child.subtree):
            return _trimmed(doc, *_subtree_extent(child))
    return None


def _according_clause(token: Token, paragraph: int, offset: int) -> Clause | None:
    """"According to X, …" or "…, according to X": the rest of the sentence is the content."""
    to = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if to is None or to.lower_ != "to":
        return None
    source = next((c for c in to.children if c.dep_ == "pobj"), None)
    phrase = list(token.subtree) if token.head is not token else [token, to]
    if source is not None:
        phrase = sorted(set(phrase) | {token, to} | set(source.subtree), key=lambda t: t.i)
    doc, sent = token.doc, token.sent
    frame_start, frame_end = phrase[0].idx, _end(phrase[-1])
    left = _trimmed(doc, sent.start_char, frame_start)
    right = _trimmed(doc, frame_end, sent.end_char)
    sides = [s for s in (left, right) if s is not None]
    content = max(sides, key=lambda s: s[1] - s[0]) if sides else None
    mention = mention_from_token(source, offset) if source is not None else None
    return Clause(paragraph, "according to", offset + token.idx, offset + frame_start, offset + frame_end,
                  offset + sent.start_char, offset + sent.end_char, mention, _shift(content, offset))


def _shift(span: tuple[int, int] | None, offset: int) -> tuple[int, int] | None:
    return None if span is None else (span[0] + offset, span[1] + offset)


def find_clauses(doc: Doc, paragraph: int, offset: int, in_quote: InQuote) -> list[Clause]:
    """Every reporting clause of a parsed paragraph (``offset``: where the paragraph starts)."""
    clauses = []
    for token in doc:
        if in_quote(token.idx):
            continue
        if token.lower_ == ACCORDING:
            clause = _according_clause(token, paragraph, offset)
            if clause is not None:
                clauses.append(clause)
            continue
        if not _is_cue_verb(token) or _is_passive(token):
            continue
        subject = subject_of(token)
        if subject is None:
            continue
        chain = _verb_chain(token)
        frame = _contiguous(_frame_tokens(token, chain, subject, in_quote), token)
        extent = (frame[0].idx, _end(frame[-1]))
        sent = token.sent
        clauses.append(Clause(
            paragraph=paragraph,
            cue=_cue_text(token, chain, subject),
            cue_start=offset + token.idx,
            frame_start=offset + extent[0],
            frame_end=offset + extent[1],
            sentence_start=offset + sent.start_char,
            sentence_end=offset + sent.end_char,
            mention=mention_from_token(subject, offset),
            content=_shift(_parse_content(token, extent, in_quote), offset),
        ))
    return clauses
