"""Plain-text boilerplate remover: named patterns, appeal blocks and corpus evidence.

The rule for corpus evidence (why a recurring line may go, and when it may not):

* A unit is a paragraph, or one sentence of a paragraph, normalised by
  ``text.unit_key``. Units are counted in the first and last ``COUNT_EDGE``
  paragraphs, and judged only in the header or footer region: the first and last
  quarter of the paragraphs (at least 1, at most ``EDGE_MAX``), extended inwards
  paragraph by paragraph while the next one recurs too. Publisher furniture sits
  around the article, not inside it, and a background sentence an outlet repeats
  inside its articles is kept; but a short article with a long appeal block still
  loses the whole block.
* Inside such a run of furniture, a paragraph that recurs only in part (a plea
  whose figures changed this year) goes with its neighbours when one of its
  sentences recurs, none is somebody's words, and the paragraphs on both sides
  are furniture.
* A person's name line (a byline) is never removed on recurrence: the headline
  parser reads it, and a staff writer's name recurs across an outlet by nature.
* A unit is never removed on recurrence when it carries quotation marks or a
  reporting verb: two articles of one outlet often share a quoted sentence.
* Otherwise it is boilerplate when it occurs in at least ``MANY_DOCS`` (3) distinct
  articles of the group, or when it is label-shaped (at most 12 words, no
  sentence-final punctuation) and occurs in at least 2 articles and lies in the
  footer region. A repeated headline is a heading in the header region, so a
  label needs three articles there.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .patterns import APPEAL_CLOSER, APPEAL_MAX_PARAGRAPHS, APPEAL_OPENER, LINE_PATTERNS, SENTENCE_PATTERNS
from .text import label_shaped, reporting_shaped, sentence_shaped, sentences, unit_key, words

Region = Literal["header", "middle", "footer"]
DocumentFrequency = Callable[[str], int]

EDGE_MAX = 8  # paragraphs of header or footer at most, however long the article
COUNT_EDGE = 16  # paragraphs from each edge whose units are counted as evidence
MANY_DOCS = 3
# Fewer documents than this decide nothing in ``recurs``: workers are sent only the counts
# that reach it (see ``Evidence.subset``).
MIN_RECURRING = 2
MIN_SENTENCE_WORDS = 4  # shorter pieces are abbreviations split off ("Mr."), not sentences


@dataclass(slots=True)
class Paragraph:
    """One paragraph of the input and what the remover did to it."""

    index: int
    region: Region
    text: str  # what is left for the body; "" when the whole paragraph went
    removed: list[str] = field(default_factory=list)  # boilerplate taken out, in order
    # The first article paragraph after the header furniture (or the last before the
    # footer's): a plea often ends glued to it, so its leading (trailing) sentences
    # are judged like furniture, the rest of it like the middle.
    boundary: Literal["lead", "tail"] | None = None


def region_of(index: int, count: int) -> Region:
    edge = max(1, min(EDGE_MAX, count // 4))
    if index < edge:
        return "header"
    if index >= count - edge:
        return "footer"
    return "middle"


def evidence_units(paras: list[str]) -> set[str]:
    """The units of one document worth counting: near an edge, non-reporting, short enough."""
    units: set[str] = set()
    for i, para in enumerate(paras):
        if COUNT_EDGE <= i < len(paras) - COUNT_EDGE:
            continue
        for piece in [para, *sentences(para)]:
            if not reporting_shaped(piece) and len(words(piece)) <= 80:
                key = unit_key(piece)
                if key:
                    units.add(key)
    return units


def matches_line_pattern(text: str) -> bool:
    return any(p.match(text) for p in LINE_PATTERNS.values())


def matches_sentence_pattern(text: str) -> bool:
    # A sentence with quotation marks is somebody's words, whatever it says.
    return not reporting_shaped(text) and any(p.match(text) for p in SENTENCE_PATTERNS.values())


def recurs(text: str, region: Region, df: DocumentFrequency) -> bool:
    """The corpus-evidence rule of the module docstring."""
    if region == "middle" or reporting_shaped(text) or _names_a_person(text):
        return False
    n = df(unit_key(text))
    if n >= MANY_DOCS:
        return True
    return n >= MIN_RECURRING and region == "footer" and label_shaped(text)


def _names_a_person(text: str) -> bool:
    from .metadata import person_names  # metadata builds on this module

    return len(text) < 80 and person_names(text) is not None


def _extend_edges(out: list[Paragraph], df: DocumentFrequency) -> None:
    """Grow the header region downwards, and the footer upwards, through furniture.

    The region grows through recurring or pattern-matched paragraphs and through
    lines that are not sentences (headings, related-article links, bylines), and
    stops at the first sentence of the article, which becomes the boundary.
    """
    def furniture(para: Paragraph, region: Region) -> bool:
        return matches_line_pattern(para.text) or recurs(para.text, region, df)

    for order, region, boundary in ((out, "header", "lead"), (out[::-1], "footer", "tail")):
        inside = False
        for i, para in enumerate(order):
            nxt = order[i + 1] if i + 1 < len(order) else None
            if para.region == region:
                inside = True
            elif inside and para.region == "middle" and (
                    furniture(para, region) or not sentence_shaped(para.text)
                    or (nxt is not None and furniture(nxt, region) and _mostly_furniture(para.text, region, df))):
                para.region = region
            elif inside:
                if para.region == "middle" and para.boundary is None:
                    para.boundary = boundary
                break


def _mostly_furniture(text: str, region: Region, df: DocumentFrequency) -> bool:
    pieces = sentences(text)
    return (len(pieces) > 1 and not reporting_shaped(text)
            and any(recurs(piece, region, df) for piece in pieces))


def _drop_sandwiched(out: list[Paragraph], df: DocumentFrequency) -> None:
    for before, para, after in zip(out, out[1:], out[2:]):
        if (para.text and para.region != "middle" and not before.text and before.removed
                and not after.text and after.removed and _mostly_furniture(para.text, para.region, df)):
            _drop_all(para)


def strip_boilerplate(paras: list[str], df: DocumentFrequency) -> list[Paragraph]:
    out = [Paragraph(i, region_of(i, len(paras)), text) for i, text in enumerate(paras)]
    _extend_edges(out, df)
    for para in out:
        if matches_line_pattern(para.text) or recurs(para.text, para.region, df):
            _drop_all(para)
    _drop_sandwiched(out, df)
    _drop_appeal_blocks(out)
    for para in out:
        if para.text:
            _drop_sentences(para, df)
    _drop_glued(out, df)
    return out


def _drop_glued(out: list[Paragraph], df: DocumentFrequency) -> None:
    """Take recurring sentences off the article-facing edge of a boundary paragraph."""
    for para in out:
        if not para.text or para.boundary is None:
            continue
        pieces = sentences(para.text)
        edge = "header" if para.boundary == "lead" else "footer"
        order = range(len(pieces)) if para.boundary == "lead" else range(len(pieces) - 1, -1, -1)
        cut: list[int] = []
        for i in order:
            if len(cut) == len(pieces) - 1 or not recurs(pieces[i], edge, df):
                break
            cut.append(i)
        if cut:
            para.removed.extend(pieces[i] for i in sorted(cut))
            para.text = " ".join(p for i, p in enumerate(pieces) if i not in cut)


def _drop_all(para: Paragraph) -> None:
    if para.text:
        para.removed.append(para.text)
        para.text = ""


def _drop_appeal_blocks(paras: list[Paragraph]) -> None:
    """Remove a donation appeal from its heading up to and including its closing sentence.

    The paragraphs in between change wording from year to year; the heading and
    the closer do not. Without a closer nearby, only the heading went (as a line
    pattern), which is the safe failure.
    """
    for start, para in enumerate(paras):
        if not (para.removed and APPEAL_OPENER.match(para.removed[0])):
            continue
        end = _closer_index(paras, start)
        if end is None:
            continue
        for inner in paras[start + 1:end]:
            _drop_all(inner)
        _drop_through_closer(paras[end])


def _closer_index(paras: list[Paragraph], start: int) -> int | None:
    for j in range(start + 1, min(len(paras), start + 1 + APPEAL_MAX_PARAGRAPHS)):
        if any(APPEAL_CLOSER.match(s) for s in sentences(paras[j].text)):
            return j
    return None


def _drop_through_closer(para: Paragraph) -> None:
    pieces = sentences(para.text)
    last = max(i for i, s in enumerate(pieces) if APPEAL_CLOSER.match(s))
    para.removed.extend(pieces[:last + 1])
    para.text = " ".join(pieces[last + 1:])


def _drop_sentences(para: Paragraph, df: DocumentFrequency) -> None:
    """Take out boilerplate sentences, e.g. a plea glued to the article's first sentence."""
    pieces = sentences(para.text)
    if len(pieces) < 2:
        if matches_sentence_pattern(para.text):
            _drop_all(para)
        return
    kept: list[str] = []
    for piece in pieces:
        is_sentence = len(words(piece)) >= MIN_SENTENCE_WORDS
        if is_sentence and (matches_sentence_pattern(piece) or recurs(piece, para.region, df)):
            para.removed.append(piece)
        else:
            kept.append(piece)
    if len(kept) < len(pieces):
        para.text = " ".join(kept)
