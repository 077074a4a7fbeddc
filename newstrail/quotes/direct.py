"""Pairing quotations with reporting clauses: direct, interrupted, follow-on and mixed quotes.

Rules, applied per section in document order:

* **before**: a quotation that ends right before a frame (only commas or dashes between)
  is that clause's quote: “…,” he said.
* **after**: a quotation that opens right after a frame (a colon, comma or nothing
  between) and ends its sentence is the clause's quote: He added: “…”. A frame that
  ends its paragraph with a colon takes the quotation opening the next paragraph.
* **interruption**: after a "before" match, a quotation opening right after the frame in
  the same paragraph is the rest of the same quote (“…,” he said. “…”): one quote whose
  pieces are the two quotations; also one going on in lower case in the same sentence
  after a longer frame (“…,” he said, pointing at X, “you …”), or one opening the next
  sentence after a frame whose sentence goes on a little (“…,” one official said, speaking
  on condition of anonymity. “…”); never one that another frame signs (“…,” added Y).
* **lead-in**: a "before" quotation that finishes the writer's own words (using the tax
  ''is a misguided approach,'' said Mr. Burman) makes a mixed quote from the sentence start.
* **mixed**: a clause without a direct quote reports the clause the parser gives it;
  quotations inside that content make it a mixed quote. A frame ending its paragraph with
  a colon and nothing quoted after it reports the next paragraph (a block quote).
* **follow-on**: a quotation still unclaimed that stands as its own sentence (typically
  a paragraph that is only a quote) continues the speaker of the closest clause before
  it in the same or the previous paragraph, or of the follow-on quote before it.
  Quoted fragments inside unattributed prose (scare quotes, titles) are not quotes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clauses import Clause, names_quotation
from .marks import Paragraph, Quotation

# A direct quote this share of a content around it is the quote itself (see ``outermost``).
_QUOTE_SHARE = 0.8
# What may separate a quotation from the frame that follows it: “…,” he said.
_GAP_BEFORE = re.compile(r"[\s,;—–-]*")
# What may separate a frame from the quotation it introduces: he said: “…”.
_GAP_AFTER = re.compile(r"[\s,:—–-]*")
# What may separate the frame of an interrupted quote from its second part.
_GAP_INTERRUPTION = re.compile(r"[\s,.;:—–-]*")
_COLON_TO_END = re.compile(r"\s*:\s*")
_CLOSED_BY = frozenset(".!?,")
_FRAME_CLOSE = re.compile(r"\s*[.!?]?\s*")
_SENTENCE_BREAK = re.compile(r"[.!?…]\s|[“”\"]")
_INNER_SENTENCE_BREAK = re.compile(r"\b(?!vs\.)[a-z]+[.!?][\s]+[A-Z]")
_SENTENCE_START = re.compile(r"[.!?…][”\"’']*\s+")
_MAX_RESUME_GAP = 120  # characters of frame between the two parts of a resumed quote
# A frame's sentence that goes on with another action or person ("…,” she said, and her
# husband cut in. “…”) hands the next quotation to whoever that is.
_TAIL_GOES_ON = re.compile(r"\b(?:and|then|but|while|before|after)\b")
# A quotation ends its sentence when nothing but closing punctuation follows, or a new
# sentence starts.
_SENTENCE_END_AFTER = re.compile(r"[\s.!?…)\]]*(?:$|(?<=[.!?…\s])\s*[A-Z“\"‘(])")
_SENTENCE_END_BEFORE = re.compile(r"(?:^|[.!?…:)\]”\"]\s*)$")


@dataclass(slots=True)
class Attribution:
    """A quote before it becomes a Quote record: its pieces and what attributes it."""

    kind: str  # "direct", "indirect", "mixed"
    pieces: list[list[list[int]]]  # groups of [start, end]; a new group after an interruption
    clause: Clause | None = None
    antecedent: Clause | None = None  # for follow-on quotes: the clause whose speaker goes on
    quotations: list[Quotation] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.pieces[0][0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][-1][1]

    @property
    def speaker_clause(self) -> Clause | None:
        return self.clause or self.antecedent


class _Section:
    """Quotations and clauses of one section and which quotations are taken."""

    def __init__(self, text: str, paras: list[Paragraph], quotations: list[Quotation], clauses: list[Clause]):
        self.text = text
        self.paras = paras
        self.quotations = quotations
        self.clauses = sorted(clauses, key=lambda c: c.cue_start)
        self.taken: set[int] = set()

    def free(self) -> list[tuple[int, Quotation]]:
        return [(i, q) for i, q in enumerate(self.quotations) if i not in self.taken]

    def gap(self, start: int, end: int, pattern: re.Pattern[str]) -> bool:
        return start <= end and pattern.fullmatch(self.text[start:end]) is not None

    def ends_sentence(self, quotation: Quotation) -> bool:
        last = quotation.last
        if not last.closed:
            return True
        para = self.paras[last.paragraph]
        return _SENTENCE_END_AFTER.match(self.text, last.outer_end, para.end) is not None

    def complete(self, quotation: Quotation) -> bool:
        """“We’ll see,” when asked …: punctuation inside the closing mark ends the quoted words,
        so what follows the quote is the writer's, not part of what the clause reports."""
        last = quotation.last
        return last.close_mark is not None and self.text[last.close_mark - 1:last.close_mark] in _CLOSED_BY

    def several_sentences(self, quotation: Quotation) -> bool:
        """Vance said, “We are ready. … the salt” - the first …: quoted words that hold a
        sentence break are a statement of their own, whatever follows the closing mark."""
        first = quotation.first
        return _INNER_SENTENCE_BREAK.search(self.text, first.start, quotation.last.end) is not None

    def starts_sentence(self, quotation: Quotation) -> bool:
        first = quotation.first
        para = self.paras[first.paragraph]
        # Hardening (issue 7): only the tail matters; searching the whole paragraph prefix per quotation was quadratic.
        return _SENTENCE_END_BEFORE.search(self.text[max(para.start, first.open_mark - 256):first.open_mark]) is not None

    def before(self, clause: Clause) -> int | None:
        mention = clause.mention
        if mention is None or not clause.frame_start <= mention.start < clause.frame_end:
            return None  # "…, adding": a borrowed subject does not attribute the quote before it
        reports_after = clause.content is not None and clause.content[0] >= clause.frame_end
        for i, q in self.free():
            if q.last.paragraph == clause.paragraph and self.gap(q.last.outer_end, clause.frame_start, _GAP_BEFORE):
                if reports_after and not self.starts_sentence(q):
                    # "In his book, ''Make Your Kid a Millionaire,'' Mr. McKinley suggested looking
                    # at …": the clause reports what follows it; the title before it is no quote.
                    return None
                # “… out of control.” South Korea said …: a full stop inside the marks ends the
                # sentence, so the next one's frame does not attribute it.
                # But “… missing.” Trump said. (the frame alone, then the sentence ends) is its quote.
                if self.text[q.last.end - 1:q.last.end] == "." and clause.cue != "―" \
                        and self.text[clause.frame_start:clause.frame_start + 1].isupper() \
                        and not _inverted(self.text, clause) and not self.frame_ends_sentence(clause):
                    return None
                return i
        return None

    def frame_ends_sentence(self, clause: Clause) -> bool:
        return clause.content is None and _FRAME_CLOSE.fullmatch(
            self.text, clause.frame_end, min(clause.sentence_end, self.paras[clause.paragraph].end)) is not None

    def after(self, clause: Clause) -> int | None:
        for i, q in self.free():
            first = q.first
            if first.paragraph == clause.paragraph and self.gap(clause.frame_end, first.open_mark, _GAP_AFTER):
                if self.ends_sentence(q) or self.complete(q) or self.several_sentences(q):
                    return i
                # “…” as the verb's object inside a sentence: a sign that read “Hispanics 4 Trump”
                # at the rally. It is the quote unless the clause reports more words around it.
                content = clause.content
                quoted = q.last.outer_end - first.open_mark
                if self.text[clause.frame_end:first.open_mark].strip() == "" and (
                        content is None or quoted >= _QUOTE_SHARE * (content[1] - content[0])):
                    return i
                return None
            if first.paragraph == clause.paragraph + 1 and first.open_mark == self.paras[first.paragraph].start:
                para = self.paras[clause.paragraph]
                if _COLON_TO_END.fullmatch(self.text, clause.frame_end, para.end):
                    return i
        return None

    def interruption(self, clause: Clause) -> int | None:
        for i, q in self.free():
            if q.first.paragraph == clause.paragraph and (
                    self.gap(clause.frame_end, q.first.open_mark, _GAP_INTERRUPTION) or self.resumed(clause, q)
                    or self.after_frame_sentence(clause, q)):
                return None if self.signed(q, clause) else i
        return None

    def after_frame_sentence(self, clause: Clause, quotation: Quotation) -> bool:
        """“…,” one official said, speaking on condition of anonymity. “…”: the frame's
        sentence goes on a little and ends, and the next sentence of the paragraph is a
        quotation of its own: the rest of the same quote."""
        between = self.text[clause.frame_end:quotation.first.open_mark]
        tail = between.rstrip()
        return 0 < len(tail) <= _MAX_RESUME_GAP and tail[-1] in ".!?" \
            and _SENTENCE_BREAK.search(tail[:-1]) is None and self.starts_sentence(quotation) \
            and self.ends_sentence(quotation) and _TAIL_GOES_ON.search(tail) is None \
            and not any(other is not clause and clause.frame_end <= other.cue_start < quotation.first.open_mark
                        and other.content is not None for other in self.clauses)

    def resumed(self, clause: Clause, quotation: Quotation) -> bool:
        """“Every time you say that,” Tester said, referring to …, “you give ammunition …”:
        the quote goes on in lower case within the same sentence after a longer frame."""
        words = self.text[quotation.first.start:quotation.first.start + 1]
        between = self.text[clause.frame_end:quotation.first.open_mark]
        return words.islower() and clause.frame_end <= quotation.first.open_mark <= clause.sentence_end \
            and _SENTENCE_BREAK.search(between) is None and len(between) <= _MAX_RESUME_GAP \
            and not self.reported_between(clause.frame_end, quotation.first.open_mark)

    def reported_between(self, start: int, mark: int) -> bool:
        """“…,” Lund replied, before adding that she thinks “ferries …”: a second reporting verb
        between the frame and a lower-case quotation whose content takes in that quotation makes
        it part of what that verb reports, not the rest of the first quote."""
        return any(start <= other.cue_start < mark and other.content is not None
                   and other.content[0] <= mark < other.content[1] for other in self.clauses)

    def signed(self, quotation: Quotation, clause: Clause) -> bool:
        """Does a frame of its own follow the quotation (“…,” added Rep. Clyburn)? Then it is
        that clause's quote, not the rest of the one before."""
        last = quotation.last
        return any(other is not clause and other.mention is not None and other.paragraph == last.paragraph
                   and other.frame_start <= other.mention.start < other.frame_end
                   and self.gap(last.outer_end, other.frame_start, _GAP_BEFORE) for other in self.clauses)

    def lead_in(self, quotation: Quotation, clause: Clause) -> int | None:
        """Where the sentence starts when a one-paragraph quotation continues words of its own
        (the mark follows a word, not punctuation); None when the quote stands alone."""
        first = quotation.first
        if len(quotation.segments) > 1:
            return None
        para = self.paras[first.paragraph]
        before = self.text[para.start:first.open_mark].rstrip()
        if not before or not before[-1].isalnum():
            return None
        # The sentence start by punctuation: the parser's sentences split at "the 13th Amendment".
        breaks = list(_SENTENCE_START.finditer(self.text, para.start, first.open_mark))
        start = breaks[-1].end() if breaks else para.start
        return start if any(c.isalnum() for c in self.text[start:first.open_mark]) else None

    def take(self, index: int) -> Quotation:
        self.taken.add(index)
        return self.quotations[index]

    def quoted_within(self, start: int, end: int) -> bool:
        return any(start <= q.first.open_mark < end for q in self.quotations)

    def inside(self, span: tuple[int, int]) -> list[int]:
        """Free quotations that start inside the span."""
        return [i for i, q in self.free() if span[0] <= q.first.open_mark < span[1]]


def _inverted(text: str, clause: Clause) -> bool:
    """"“…” Said Mr Smith": the frame opens with its cue, not with the speaker."""
    return clause.mention is not None and clause.mention.start > clause.cue_start


def _direct(section: _Section, clause: Clause) -> Attribution | None:
    found = section.before(clause)
    if found is not None:
        quotations = [section.take(found)]
        lead = section.lead_in(quotations[0], clause)
        second = section.interruption(clause)
        if second is not None:
            quotations.append(section.take(second))
        pieces = [q.spans for q in quotations]
        if lead is not None:
            # "… using the capital gains tax ''is a misguided approach,'' said Mr. Burman": the
            # quoted words finish a sentence of the writer's, which reports them all.
            pieces[0] = [[lead, quotations[0].last.end]]
            return Attribution("mixed", pieces, clause, quotations=quotations)
        return Attribution("direct", pieces, clause, quotations=quotations)
    found = section.after(clause)
    if found is not None:
        quotation = section.take(found)
        return Attribution("direct", [quotation.spans], clause, quotations=[quotation])
    return None


def _block_after_colon(section: _Section, clause: Clause) -> Attribution | None:
    """"The governor added:" ending its paragraph, the next one set off without quotation
    marks (a block quote): that paragraph is what he added."""
    para = section.paras[clause.paragraph]
    if clause.mention is None or clause.paragraph + 1 >= len(section.paras) \
            or not _COLON_TO_END.fullmatch(section.text, clause.frame_end, para.end):
        return None
    following = section.paras[clause.paragraph + 1]
    if section.quoted_within(following.start, following.end):
        return None
    return Attribution("indirect", [[[following.start, following.end]]], clause)


def _reported(section: _Section, clause: Clause) -> Attribution | None:
    if clause.content is None:
        return _block_after_colon(section, clause)
    start, end = clause.content
    inner = section.inside(clause.content)
    for i in inner:
        # A quotation the parse cut short still belongs whole to the content.
        end = max(end, section.take(i).first.outer_end)
    # Quoted words inside the content make it mixed, even when a clause inside the content
    # claimed the quotation first ("… would continue “for as long as …”").
    kind = "mixed" if inner or section.quoted_within(start, end) else "indirect"
    pieces = [[start, end]]
    if clause.content_after is not None and clause.content_after[0] >= end:
        after = section.inside(clause.content_after)
        kind = "mixed" if inner or after or section.quoted_within(*clause.content_after) else kind
        after_end = max([clause.content_after[1]] + [section.take(i).first.outer_end for i in after])
        pieces.append([clause.content_after[0], after_end])
        inner = inner + after
    return Attribution(kind, [pieces], clause, quotations=[section.quotations[i] for i in inner])


def _follow_ons(section: _Section, found: list[Attribution]) -> list[Attribution]:
    """Unclaimed quotations that stand alone continue the closest speaker before them."""
    extra: list[Attribution] = []
    for _, quotation in section.free():
        if not (section.starts_sentence(quotation) and section.ends_sentence(quotation)):
            continue
        antecedent = _closest_speaker(quotation, found + extra, section)
        extra.append(Attribution("direct", [quotation.spans], None, antecedent, [quotation]))
    return extra


def _closest_speaker(quotation: Quotation, found: list[Attribution], section: _Section) -> Clause | None:
    """The last clause or attributed quote before the quotation, in its paragraph or the one before."""
    position = quotation.first.open_mark
    paragraph = quotation.first.paragraph
    candidates: list[tuple[int, Clause]] = []
    for clause in section.clauses:
        if clause.mention is not None and not clause.question and clause.cue_start < position \
                and clause.paragraph >= paragraph - 1:
            candidates.append((clause.cue_start, clause))
    for attribution in found:
        clause = attribution.speaker_clause
        last_paragraph = attribution.quotations[-1].last.paragraph if attribution.quotations else None
        if clause is not None and not clause.question and attribution.start < position \
                and last_paragraph is not None and last_paragraph >= paragraph - 1:
            candidates.append((attribution.start, clause))
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def attribute(text: str, paras: list[Paragraph], quotations: list[Quotation], clauses: list[Clause]
              ) -> list[Attribution]:
    """All quotes of one section, in document order."""
    section = _Section(text, paras, quotations, clauses)
    found: list[Attribution] = []
    pending: list[Clause] = []
    for clause in section.clauses:
        if clause.mention is not None:
            direct = _direct(section, clause)
        elif names_quotation(clause):
            # An ad titled “Sinking”: the quotation right after the words is the quote, no speaker.
            found_at = section.after(clause)
            direct = None if found_at is None else Attribution(
                "direct", [section.quotations[found_at].spans], clause, quotations=[section.take(found_at)])
        else:
            direct = None
        if direct is not None:
            found.append(direct)
        else:
            pending.append(clause)
    for clause in pending:
        reported = _reported(section, clause)
        if reported is not None:
            found.append(reported)
    found.extend(_follow_ons(section, found))
    return sorted(found, key=lambda a: a.start)


def outermost(found: list[Attribution]) -> list[Attribution]:
    """Drop quotes that lie wholly inside another quote of the section.

    "According to the source, the minister had asked officials to …" reports one
    statement: the clause inside the content ("had asked officials") is part of what
    the source said, not a second quote with its own speaker. The exception: a direct
    quote that makes up nearly all of the content around it ("the pair discussed the
    “…,” a spokesperson said") is the quote; the content around it goes.
    """
    pieces = [[piece for group in a.pieces for piece in group] for a in found]
    sizes = [sum(b - a for a, b in p) for p in pieces]

    def within(i: int, j: int) -> bool:
        return all(any(a <= s and e <= b for a, b in pieces[j]) for s, e in pieces[i])

    dropped: set[int] = set()
    for i in range(len(found)):
        for j in range(len(found)):
            if i == j or i in dropped or j in dropped or not within(i, j):
                continue
            if sizes[i] == sizes[j] and within(j, i) and i < j:
                continue  # the same extent twice: keep the first
            if found[i].kind == "direct" and found[j].kind != "direct" and sizes[i] >= _QUOTE_SHARE * sizes[j]:
                dropped.add(j)
            else:
                dropped.add(i)
    return [a for k, a in enumerate(found) if k not in dropped]
