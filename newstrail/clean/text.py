"""Plain-text normalisation: paragraphs, sentences and the shapes of lines."""
from __future__ import annotations

import re
import unicodedata

from .patterns import QUOTE_MARKS, REPORTING_VERB, SENTENCE_BREAK, TERMINAL

# Scraped text is full of no-break and zero-width characters that make equal lines
# look different ("The\u00a0Independent"); they carry no meaning for the reader.
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_RUNS = re.compile(r" {2,}")
_UNIT_NOISE = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    return "\n".join(_RUNS.sub(" ", line).strip() for line in text.split("\n"))


def paragraphs(text: str) -> list[str]:
    """Non-empty lines of normalised text, hard-wrapped lines joined back together.

    A line is a continuation when the previous one stops mid-sentence and this one
    starts in lower case: that is what wrapping at a fixed width produces, and
    never what a headline, byline or new paragraph looks like.
    """
    out: list[str] = []
    previous_blank = True
    for line in normalise(text).split("\n"):
        if not line:
            previous_blank = True
            continue
        if out and not previous_blank and _is_continuation(out[-1], line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous_blank = False
    return out


def _is_continuation(previous: str, line: str) -> bool:
    return line[0].islower() and not TERMINAL.search(previous) and not previous.endswith(":")


def sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping their closing quotes."""
    cuts: list[tuple[int, int]] = []
    for match in SENTENCE_BREAK.finditer(paragraph):
        group = "space" if match.group("space") is not None else "glue"
        cuts.append((match.start(group), match.end(group)))
    pieces: list[str] = []
    start = 0
    for cut_start, cut_end in cuts:
        pieces.append(paragraph[start:cut_start])
        start = cut_end
    pieces.append(paragraph[start:])
    return [p.strip() for p in pieces if p.strip()]


def words(text: str) -> list[str]:
    return text.split()


def unit_key(text: str) -> str:
    """Case- and punctuation-insensitive form of a line, for recurrence counts.

    Digits are kept: sentences that differ only in a number are different facts.
    """
    return _UNIT_NOISE.sub(" ", text.lower()).strip()


def sentence_shaped(text: str) -> bool:
    """Ends like a sentence, or is long enough to be running text anyway."""
    return bool(TERMINAL.search(text)) or len(words(text)) >= 30


def headline_shaped(text: str) -> bool:
    """Short, starts like a heading and does not end like a statement."""
    n = len(words(text))
    if not 2 <= n <= 30 or len(text) > 220:
        return False
    if text.rstrip("\"'”’»)").endswith((".", ":", ";", ",")):
        return False
    return text[0].isupper() or text[0].isdigit() or text[0] in "‘“\"'"


def label_shaped(text: str) -> bool:
    """A short line that is not a sentence: a heading, a button, a link text."""
    return len(words(text)) <= 12 and not TERMINAL.search(text) and not QUOTE_MARKS.search(text)


def reporting_shaped(text: str) -> bool:
    """Carries quotation marks or a reporting verb: the stuff articles are made of."""
    return bool(QUOTE_MARKS.search(text) or REPORTING_VERB.search(text))
