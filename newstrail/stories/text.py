"""Cheap, stable text features for grouping: content terms, names, shingle hashes.

Grouping must run over hundreds of thousands of articles, so nothing here parses:
regular expressions, a stop list and a crude suffix stripper. Everything is a pure
function of the text, so a feature computed today equals one computed next month
(signatures are stored and compared across runs; Python's ``hash`` is salted per
process, hence ``zlib.crc32``).
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from functools import lru_cache

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CAPITALISED = re.compile(r"(?<![\w’'\-])[A-Z][\w’'\-]+")
# A capitalised word at the start of a text, paragraph or sentence, or after an opening quote.
_OPENER = re.compile(r"(?:^|[.!?:;]\s+|\n\s*|[\"“‘(—–]\s*)([A-Z][\w’'\-]+)", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\w.,:])(?:\d{1,3}(?:,\d{3})+|\d{2,}|\d+\.\d+)(?![\w:]|[.,]\d)")
QUOTED = re.compile(r"[“\"]([^”“\"]{2,})[”\"]")

# Words that are capitalised for reasons other than naming a person, place or body:
# honorifics, calendar words, and the pronouns/determiners that open sentences.
_NOT_NAMES = frozenset("""
    mr mrs ms miss dr sir dame lord lady prof president minister secretary prime foreign home
    chancellor senator sen rep gov governor mayor general chief leader spokesman spokeswoman
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    the a an he she it they we i you his her their our its this that these those there here
    but and or if when while as in on at by for from with after before however meanwhile
    read more related advertisement comments share photo image video copyright getty images
    associated press reuters afp ap updated published news new
""".split())
STOP = frozenset(w.lower() for w in STOP_WORDS) | frozenset(
    "said says say told tell according added adding just like also would could year years time "
    "people new news week day month told asked mr mrs ms".split()
)


def fold(text: str) -> str:
    """Lower case without accents or typographic quotes: "Kovač’s" → "kovac's"."""
    text = text.replace("’", "'").replace("‘", "'").lower()
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Strip the commonest English inflections, so "talks"/"talk", "checked"/"check" meet."""
    if len(word) > 5 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Folded words of the text, in order (words repeat, so each is folded once)."""
    return [fold_word(w) for w in _WORD.findall(text)]


def content_terms(text: str, folded: list[str] | None = None) -> list[str]:
    """Stemmed content words (no stop words, nothing shorter than three letters) and
    numbers of two digits or more: years, tolls and magnitudes tell events apart.
    ``folded``: ``words(text)`` when the caller has it already."""
    found = [stem(w) for w in (words(text) if folded is None else folded) if len(w) > 2 and w not in STOP]
    found.extend("#" + n for n in _NUMBER.findall(text))
    return found


def names(text: str) -> list[str]:
    """Folded single words of capitalised names (people, places, bodies), with repeats.

    A capitalised word that opens a sentence is only a name when it is capitalised
    somewhere else too; that keeps "Fishing crews said…" from naming "fishing".
    Two passes of one regular expression each: this runs on every article.
    """
    every = Counter(_CAPITALISED.findall(text))
    if not every:
        return []
    openers = Counter(_OPENER.findall(text))
    found: list[str] = []
    for word, count in every.items():
        if count <= openers.get(word, 0):
            continue  # only ever seen opening a sentence
        folded = _name_word(word)
        if folded:
            found.extend([folded] * count)
    return found


@lru_cache(maxsize=200_000)
def _name_word(word: str) -> str | None:
    folded = fold_word(word).removesuffix("'s")
    if len(folded) < 3 or folded in _NOT_NAMES or folded in STOP:
        return None
    return folded


@lru_cache(maxsize=200_000)
def _crc(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


def word_hashes(text: str, folded: list[str] | None = None) -> np.ndarray:
    """Stable 32-bit hashes of the folded words, in order."""
    seq = words(text) if folded is None else folded
    return np.fromiter((_crc(w) for w in seq), dtype=np.uint64, count=len(seq))


def shingle_hashes(hashes: np.ndarray, size: int) -> np.ndarray:
    """Distinct hashes of every run of ``size`` consecutive words (fewer words: one run)."""
    if len(hashes) == 0:
        return hashes
    if len(hashes) < size:
        size = len(hashes)
    mixed = np.zeros(len(hashes) - size + 1, dtype=np.uint64)
    for k in range(size):
        # A polynomial over word hashes; uint64 overflow wraps, which is what we want.
        mixed = mixed * np.uint64(1_000_003) + hashes[k:len(hashes) - size + 1 + k]
    return np.unique(mixed & np.uint64(0xFFFFFFFF))
