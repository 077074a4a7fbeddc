"""Metadata: headline block (title, standfirst, byline, dateline), outlet and dates.

Better none than wrong: every field is None unless the evidence for it is clear.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Literal
from urllib.parse import urlsplit

from .boilerplate import Paragraph
from .patterns import (
    BYLINE_PREFIX, DATELINE, DATELINE_PREFIX, HAS_TIME, NAME_PARTICLES, NAME_WORD, NOT_NAME_WORDS,
    OUTLET_SIGNATURES, OUTLET_WORDS, ROLE_WORDS, TITLE_DASH_SUFFIX, TITLE_SUFFIX,
)
from .text import headline_shaped, sentence_shaped, unit_key, words

Role = Literal["title", "standfirst", "byline", "role", "dateline", "furniture"]
# Roles whose lines are publisher furniture: they go to Article.removed.
REMOVED_ROLES: frozenset[Role] = frozenset({"role", "furniture"})
MAX_HEADER_LINES = 8  # a headline block longer than this is not a headline block

# dateparser must never complete a date from the clock: all three parts must be in
# the text, and relative expressions ("2 hours ago") are not parsed at all.
DATEPARSER_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    "PREFER_DAY_OF_MONTH": "first",
    "DATE_ORDER": "DMY",
}


@dataclass(slots=True)
class Header:
    """What the headline block of a plain-text article says, and which lines it used."""

    title: str | None = None
    standfirst: str | None = None
    byline: str | None = None
    outlet: str | None = None  # named on the byline line: "By Tom Ferris, Northfield Courier"
    published: str | None = None
    roles: dict[int, Role] = field(default_factory=dict)  # Paragraph.index -> role


# ---------------------------------------------------------------- titles
def strip_title_suffix(title: str) -> str:
    """Drop site names and sections appended to a headline ("… | UK | News", "… - BBC News")."""
    while (match := TITLE_SUFFIX.search(title)) and len(words(match.group())) <= 5:
        title = title[:match.start()]
    if (match := TITLE_DASH_SUFFIX.search(title)) and match.group(1).strip() in known_outlet_names():
        title = title[:match.start()]
    return title.strip()


def same_title(a: str, b: str) -> bool:
    ka, kb = unit_key(strip_title_suffix(a)), unit_key(strip_title_suffix(b))
    return bool(ka and kb) and (ka == kb or ka.startswith(kb) or kb.startswith(ka))


# ---------------------------------------------------------------- bylines
def person_names(text: str) -> str | None:
    """The people a byline names ("By Jon Stone and Jo Bloggs, Political Editor"), else None."""
    text = BYLINE_PREFIX.sub("", text.strip())
    text = re.split(r"\s*[,|•]\s*(?=[^,|•]*\b(?:" + ROLE_WORDS.pattern + r"))", text, maxsplit=1, flags=re.I)[0]
    text = re.sub(r"\s+in\s+[A-Z][\w ]*$", "", text)  # "… in Kyiv"
    text = _split_outlet(text)[0]
    names = [n.strip() for n in re.split(r"\s*(?:,|;|&|\band\b)\s*", text) if n.strip()]
    if not names or not all(_is_person(n) for n in names):
        return None
    return ", ".join(names)


def _split_outlet(text: str) -> tuple[str, str | None]:
    """ "Tom Ferris, Northfield Courier" -> ("Tom Ferris", "Northfield Courier")."""
    head, sep, tail = text.rpartition(",")
    tail = tail.strip()
    if sep and tail and (tail in known_outlet_names() or tail.split()[-1].lower() in OUTLET_WORDS) \
            and tail[0].isupper():
        return head.strip(), _canonical_outlet(tail)
    return text, None


def outlet_from_byline(text: str | None) -> str | None:
    """The paper a byline line names after the reporter ("By Tom Ferris, Northfield Courier")."""
    if not text or not BYLINE_PREFIX.match(text.strip()):
        return None
    return _split_outlet(BYLINE_PREFIX.sub("", text.strip()))[1]


def _is_person(name: str) -> bool:
    parts = name.split()
    if not 2 <= len(parts) <= 4 or name in known_outlet_names():
        return False
    if any(p.lower() in NOT_NAME_WORDS for p in parts) or ROLE_WORDS.search(name):
        return False
    return all(NAME_WORD.match(p) or p.lower() in NAME_PARTICLES for p in parts) and NAME_WORD.match(parts[0]) is not None


def is_role_line(text: str) -> bool:
    return bool(ROLE_WORDS.search(text)) and len(words(text)) <= 8 and not sentence_shaped(text)


# ---------------------------------------------------------------- dates
def is_dateline(text: str) -> bool:
    return bool(DATELINE.match(text))


def normalise_date(text: str | None) -> str | None:
    """ISO 8601 from a date as written; a datetime when a time is given. None when unclear."""
    if not text or not text.strip():
        return None
    text = DATELINE_PREFIX.sub("", text.strip()).rstrip(".")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = _dateparser(text)
    if parsed is None:
        return None
    return parsed.isoformat() if HAS_TIME.search(text) else parsed.date().isoformat()


def _dateparser(text: str) -> datetime | None:
    import dateparser  # slow to import; only needed for dates not in ISO form

    return dateparser.parse(text, languages=["en"], settings=DATEPARSER_SETTINGS)


def iso_date(value: date | datetime | str | None) -> str | None:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return normalise_date(value)


# ---------------------------------------------------------------- outlets
@cache
def _outlet_table() -> dict[str, str]:
    raw = resources.files("newstrail.data").joinpath("outlets.json").read_text(encoding="utf-8")
    return dict(json.loads(raw)["hosts"])


@cache
def known_outlet_names() -> frozenset[str]:
    return frozenset(_outlet_table().values())


def outlet_from_host(url_or_host: str | None) -> str | None:
    """Outlet of a known host or any of its parent domains; None for unknown hosts."""
    if not url_or_host:
        return None
    host = (urlsplit(url_or_host).hostname if "/" in url_or_host else url_or_host) or ""
    labels = host.lower().removeprefix("www.").split(".")
    table = _outlet_table()
    for i in range(len(labels) - 1):
        if (name := table.get(".".join(labels[i:]))) is not None:
            return name
    return None


def outlet_from_name(name: str | None) -> str | None:
    """A site name from HTML metadata: a host is mapped through the table, a name kept."""
    if not name or not name.strip():
        return None
    name = name.strip()
    if re.fullmatch(r"[\w.-]+\.[a-z]{2,}", name, re.I):
        return outlet_from_host(name)
    return name


def outlet_from_boilerplate(removed: list[str]) -> str | None:
    """The publisher naming itself in its own boilerplate ("notifications from The Independent")."""
    for text in removed:
        for pattern in OUTLET_SIGNATURES.values():
            if match := pattern.search(text):
                return _canonical_outlet(match.group("name"))
    return None


def _canonical_outlet(name: str) -> str:
    for known in known_outlet_names():
        if known.lower() in (name.lower(), f"the {name.lower()}"):
            return known
    return name


# ---------------------------------------------------------------- headline block
def parse_header(paras: list[Paragraph], *, hint_title: str | None, find_title: bool = True) -> Header:
    """Read the headline block of plain text: title, standfirst, byline, role, dateline, furniture.

    The block is what comes before the first sentence of the article; a block with
    no sentence after it, or longer than ``MAX_HEADER_LINES``, is not a headline
    block and nothing is taken from it. Cleaning a clean body again finds no block,
    since the body starts with that first sentence: that keeps cleaning idempotent.

    ``find_title=False`` (HTML, where the title comes from metadata) only takes out a
    first line repeating ``hint_title`` and bylines/datelines right after it.
    """
    header = Header()
    kept = [p for p in paras if p.text]
    pos = 0
    if kept and _is_title(kept, hint_title, find_title):
        header.roles[kept[0].index] = "title"
        header.title = strip_title_suffix(kept[0].text)
        pos = 1
        if find_title and pos < len(kept) and _is_standfirst(kept, pos):
            header.roles[kept[pos].index] = "standfirst"
            header.standfirst = kept[pos].text
            pos += 1
    if not find_title:
        _take_meta_lines(kept[pos:], header)
        return header
    start = next((j for j, p in enumerate(kept[pos:]) if _starts_body(p.text)), None)
    if start is None or start > MAX_HEADER_LINES:
        return Header()
    _classify_block(kept[pos:pos + start], header)
    return header


def _starts_body(text: str) -> bool:
    return sentence_shaped(text) and not _is_meta_line(text)


def _is_title(kept: list[Paragraph], hint_title: str | None, find_title: bool) -> bool:
    text = kept[0].text
    if hint_title:
        return same_title(text, hint_title)
    if not (find_title and headline_shaped(text)) or _is_meta_line(text) or person_names(text):
        return False
    # "Is this the end?" may be a headline or the opening question of a body: only
    # a line set apart from what follows is a headline.
    return not sentence_shaped(text) or _set_apart(kept, 0)


def _is_meta_line(text: str) -> bool:
    return is_dateline(text) or bool(BYLINE_PREFIX.match(text) and person_names(text))


def _is_standfirst(kept: list[Paragraph], pos: int) -> bool:
    """The line after the headline is a standfirst when it is a deck, not the lede.

    A deck either is not a full sentence, or is set apart from what follows by
    removed furniture or by byline/dateline lines. A sentence running straight on
    into the next paragraph is the first paragraph of the article.
    """
    text = kept[pos].text
    if _is_meta_line(text) or person_names(text) or len(words(text)) > 60:
        return False
    return not sentence_shaped(text) or _set_apart(kept, pos)


def _set_apart(kept: list[Paragraph], pos: int) -> bool:
    """Removed material or a metadata line separates this paragraph from the next."""
    if pos + 1 >= len(kept):
        return False
    para, following = kept[pos], kept[pos + 1]
    gap = following.index > para.index + 1 or bool(following.removed)
    return gap or _is_meta_line(following.text) or person_names(following.text) is not None


def _take_meta_lines(lines: list[Paragraph], header: Header) -> None:
    """HTML text: only datelines and "By …" lines right at the top are metadata."""
    for para in lines:
        if is_dateline(para.text):
            header.roles[para.index] = "dateline"
            header.published = header.published or normalise_date(para.text)
        elif BYLINE_PREFIX.match(para.text) and (name := person_names(para.text)):
            header.roles[para.index] = "byline"
            header.byline = header.byline or name
            header.outlet = header.outlet or outlet_from_byline(para.text)
        else:
            return


def _classify_block(lines: list[Paragraph], header: Header) -> None:
    """Sort the lines between headline and first sentence into byline, role, dateline, furniture."""
    for i, para in enumerate(lines):
        text = para.text
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        if is_dateline(text):
            header.roles[para.index] = "dateline"
            header.published = header.published or normalise_date(text)
        elif header.byline is None and (name := person_names(text)) and (
                BYLINE_PREFIX.match(text) or is_role_line(nxt) or is_dateline(nxt)):
            header.roles[para.index] = "byline"
            header.byline = name
            header.outlet = outlet_from_byline(text)
        elif header.byline is not None and is_role_line(text):
            header.roles[para.index] = "role"
        else:
            header.roles[para.index] = "furniture"
