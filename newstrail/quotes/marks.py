"""Quotation marks: paragraphs, quoted segments and quotes continued over paragraphs.

Scanning is character-level and never fails: an unbalanced mark yields a segment that
runs to the end of its paragraph, a stray closing mark is ignored.

Conventions (decided here, relied on everywhere else):

* A :class:`Segment` is one quoted stretch inside ONE paragraph; its ``start``/``end``
  cover the words between the marks (marks excluded, outer whitespace trimmed).
* A quote left open at the end of a paragraph continues when the next paragraph opens
  with a quotation mark (the news convention for multi-paragraph quotes). The pieces
  form one :class:`Quotation` with one segment per paragraph, so a quote's spans are
  one piece per paragraph and never include the paragraph break or the re-opening mark.
  Both marks must be of one kind (straight or typographic): a stray straight mark left
  open before a paragraph that opens with “ is a typo or an excerpt, not the same quote.
* Single quotes (‘…’ and '…') count only outside double quotes and only where they
  cannot be apostrophes (Russia’s, don’t, months’ time) and only when they close in
  their paragraph: British headlines quote with them.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Clean bodies separate paragraphs with a blank line; other text (PolNeAR, feeds) often with a
# single line break. Either ends a paragraph: quote marks never carry over a line break
# except by the multi-paragraph convention handled in ``quotations``.
PARAGRAPH_BREAK = re.compile(r"[ \t\r\f\v\u00a0]*\n\s*")

DOUBLE_OPENING = frozenset("“„‟«")
DOUBLE_CLOSING = frozenset("”»")
STRAIGHT_DOUBLE = '"'
SINGLE_OPENING = frozenset("‘‛")
SINGLE_CLOSING = frozenset("’")
STRAIGHT_SINGLE = "'"
ALL_MARKS = DOUBLE_OPENING | DOUBLE_CLOSING | SINGLE_OPENING | SINGLE_CLOSING | {STRAIGHT_DOUBLE, STRAIGHT_SINGLE}
# Characters a paragraph-opening quote may start with.
OPENERS = DOUBLE_OPENING | SINGLE_OPENING | {STRAIGHT_DOUBLE, STRAIGHT_SINGLE}
HAS_DOUBLE_MARK = re.compile(r"[\"“”„‟«»]")
_ANY_MARK = re.compile("[" + re.escape("".join(sorted(ALL_MARKS))) + "]")


@dataclass(slots=True)
class Paragraph:
    index: int
    start: int
    end: int


@dataclass(slots=True)
class Segment:
    """Quoted words inside one paragraph (offsets into the section text)."""

    start: int
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int | None  # offset of the closing mark; None when left open
    paragraph: int
    double: bool = True
    close_width: int = 1  # 2 for the '' of some US papers

    @property
    def closed(self) -> bool:
        return self.close_mark is not None

    @property
    def outer_end(self) -> int:
        """Offset just after the closing mark (or the words, when left open)."""
        return self.close_mark + self.close_width if self.close_mark is not None else self.end


@dataclass(slots=True)
class Quotation:
    """A quote as written: one segment, or several when it runs over paragraphs."""

    segments: list[Segment] = field(default_factory=list)

    @property
    def first(self) -> Segment:
        return self.segments[0]

    @property
    def last(self) -> Segment:
        return self.segments[-1]

    @property
    def spans(self) -> list[list[int]]:
        return [[s.start, s.end] for s in self.segments]


def paragraphs(text: str) -> list[Paragraph]:
    """Non-empty paragraphs of ``text`` (separated by line breaks), whitespace-trimmed."""
    found: list[Paragraph] = []
    position = 0
    for match in [*PARAGRAPH_BREAK.finditer(text), None]:
        stop = match.start() if match else len(text)
        start, end = _trim(text, position, stop)
        if end > start:
            found.append(Paragraph(len(found), start, end))
        position = match.end() if match else len(text)
    return found


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_word(ch: str) -> bool:
    return ch.isalnum()


class _Scanner:
    """Finds the quoted segments of one paragraph."""

    def __init__(self, text: str, paragraph: Paragraph) -> None:
        self.text = text
        self.paragraph = paragraph
        self.segments: list[Segment] = []
        self.double_open: int | None = None
        self.open_width = 1
        self.width = 1  # width of the mark being read
        self.single_open: int | None = None

    def char(self, i: int) -> str:
        return self.text[i] if self.paragraph.start <= i < self.paragraph.end else " "

    def scan(self) -> list[Segment]:
        skipped = -1  # the second apostrophe of a '' mark
        for match in _ANY_MARK.finditer(self.text, self.paragraph.start, self.paragraph.end):
            i = match.start()
            if i == skipped:
                continue
            ch = self.text[i]
            if ch == STRAIGHT_SINGLE and self.char(i + 1) == STRAIGHT_SINGLE:
                # ''Quoted'': two apostrophes stand for a double quotation mark (New York Times).
                self.width = 2
                self.double_mark(i, STRAIGHT_DOUBLE)
                self.width = 1
                skipped = i + 1
            elif ch in DOUBLE_OPENING or ch in DOUBLE_CLOSING or ch == STRAIGHT_DOUBLE:
                self.double_mark(i, ch)
            elif self.double_open is None:
                self.single_mark(i, ch)
        if self.double_open is not None:
            self.emit(self.double_open, None, double=True)
        # An unclosed single quote is far more likely an apostrophe than a quote.
        return self.segments

    def double_mark(self, i: int, ch: str) -> None:
        if self.double_open is None:
            if ch in DOUBLE_CLOSING and not (self.char(i - 1).isspace() and _is_word(self.char(i + 1))):
                return  # stray closing mark: ignore (but ”Word at a paragraph's start opens a quote)
            self.single_open = None  # a double quote cannot sit inside a single one here
            self.double_open, self.open_width = i, self.width
        elif ch in DOUBLE_OPENING:
            # Opened again without closing: the first quote was left open by mistake. A stray
            # straight mark before typographic ones ('"Trump tried … interjecting, “Only …”')
            # quotes nothing at all.
            if self.text[self.double_open] != STRAIGHT_DOUBLE or self.open_width != 1:
                self.emit(self.double_open, None, double=True, stop=i)
            self.double_open, self.open_width = i, self.width
        else:
            self.emit(self.double_open, i, double=True)
            self.double_open = None

    def single_mark(self, i: int, ch: str) -> None:
        before, after = self.char(i - 1), self.char(i + 1)
        opens = (ch in SINGLE_OPENING or ch == STRAIGHT_SINGLE) and not _is_word(before) and not after.isspace()
        closes = (ch in SINGLE_CLOSING or ch == STRAIGHT_SINGLE) and not before.isspace() and not _is_word(after)
        if self.single_open is not None and closes:
            self.emit(self.single_open, i, double=False)
            self.single_open = None
        elif self.single_open is None and opens:
            self.single_open = i

    def emit(self, open_mark: int, close_mark: int | None, *, double: bool, stop: int | None = None) -> None:
        end = close_mark if close_mark is not None else (stop if stop is not None else self.paragraph.end)
        width = self.open_width if double else 1
        start, end = _trim(self.text, open_mark + width, end)
        if end > start and self.text[end - 1] == ",":  # “…,” he said: the comma is the attribution's
            end -= 1
        if any(_is_word(c) for c in self.text[start:end]):
            self.segments.append(Segment(start, end, open_mark, close_mark, self.paragraph.index, double,
                                         self.width if double and close_mark is not None else 1))


def segments(text: str, paragraph: Paragraph) -> list[Segment]:
    """Quoted segments of one paragraph, in order."""
    if not any(c in ALL_MARKS for c in text[paragraph.start:paragraph.end]):
        return []
    return _Scanner(text, paragraph).scan()


def opens_with_quote(text: str, paragraph: Paragraph, found: list[Segment]) -> bool:
    """Does the paragraph begin with a quotation mark that opens a segment?"""
    return bool(found) and found[0].open_mark == paragraph.start


def _straight(text: str, segment: Segment) -> bool:
    return text[segment.open_mark] in (STRAIGHT_DOUBLE, STRAIGHT_SINGLE)


def quotations(text: str, paras: list[Paragraph], found_by_paragraph: dict[int, list[Segment]] | None = None
               ) -> Iterator[Quotation]:
    """Every quotation of a section, continued quotes joined, in document order.

    ``found_by_paragraph``: the segments of each paragraph when already scanned.
    """
    current: Quotation | None = None
    for paragraph in paras:
        found = found_by_paragraph[paragraph.index] if found_by_paragraph is not None else segments(text, paragraph)
        rest = found
        if (current is not None and opens_with_quote(text, paragraph, found) and found[0].double
                and _straight(text, current.last) == _straight(text, found[0])):
            current.segments.append(found[0])
            rest = found[1:]
            if not rest and not found[0].closed:
                continue  # still open: the quote goes on into the next paragraph
            yield current
            current = None
        elif current is not None:
            yield current
            current = None
        for segment in rest:
            quotation = Quotation([segment])
            if segment is found[-1] and not segment.closed and segment.double:
                current = quotation
            else:
                yield quotation
    if current is not None:
        yield current
