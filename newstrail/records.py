"""Plain typed records that flow through the pipeline and out of the exports.

Every record has ``to_dict``/``from_dict``. The field names of Article, Quote,
Speaker, Story and Trail are the export contract: add fields, never rename.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Literal

QuoteKind = Literal["direct", "indirect", "mixed"]
SpeakerKind = Literal["person", "organisation", "unnamed"]


_ATOMIC = frozenset({str, int, float, bool, type(None), bytes})


def _plain(value: Any) -> Any:
    """What ``dataclasses.asdict`` makes of a field value: lists and dicts copied all the way
    down. Written out because asdict deep-copies every string and number on the way (Python
    3.11), which made turning records into rows a large part of each batch's write."""
    kind = type(value)
    if kind in _ATOMIC:
        return value
    if kind is list:
        return [_plain(v) for v in value]
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, _Record):
        return value.to_dict()
    return copy.deepcopy(value)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


class _Record:
    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = _field_names(cls)
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class RawDocument(_Record):
    """One article as it came in, before cleaning.

    ``content`` is plain text or HTML (``content_type``). The hint fields come
    from structured input (JSON fields, feed entries, WARC headers) and win over
    anything guessed from the text when they are set.
    """

    source: str  # path, URL, or "path#N" for the N-th item of a container file
    content: str
    content_type: Literal["text", "html"] = "text"
    id: str | None = None  # given id (file stem, JSON id); None: derive from url/source
    url: str | None = None
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None  # as given; normalised during cleaning
    # Documents that share a group (same folder, same host, same declared
    # outlet) are compared with each other to learn recurring boilerplate.
    group: str | None = None


@dataclass(slots=True)
class Article(_Record):
    id: str
    source: str
    title: str | None = None
    byline: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, None when unknown
    body: str = ""  # clean text, paragraphs separated by "\n\n"
    removed: list[str] = field(default_factory=list)  # boilerplate removed, in order
    story_id: str | None = None
    standfirst: str | None = None
    url: str | None = None
    content_hash: str | None = None


@dataclass(slots=True)
class Quote(_Record):
    id: str
    article_id: str
    text: str
    kind: QuoteKind = "direct"
    start: int = 0  # offsets into the text of ``section`` (the body unless stated)
    end: int = 0
    spans: list[list[int]] = field(default_factory=list)
    speaker: str | None = None  # canonical name (or the in-article name before speakers run)
    speaker_id: str | None = None
    speaker_mention: str | None = None  # words in the text naming the speaker: "he", "Mr Cleverly"
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None  # reporting verb or phrase: "said", "told MPs", "according to"
    trail_id: str | None = None
    section: Literal["body", "title", "standfirst"] = "body"
    speaker_kind: SpeakerKind | None = None
    speaker_titles: list[str] = field(default_factory=list)  # roles the article gives the speaker
    # The fullest name this article gives the speaker ("James Cleverly", "a Whitehall source").
    # The speakers stage maps it to a canonical Speaker across the corpus.
    speaker_local: str | None = None


@dataclass(slots=True)
class Speaker(_Record):
    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    quote_count: int = 0
    kind: SpeakerKind = "person"


@dataclass(slots=True)
class Story(_Record):
    id: str
    title: str | None = None
    article_ids: list[str] = field(default_factory=list)  # in publication order
    first_seen: str | None = None  # earliest publication date among its articles
    # Near-duplicates among the articles: copy's id → id of the article it repeats.
    near_duplicates: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Trail(_Record):
    id: str
    speaker_id: str | None
    speaker: str | None
    text: str
    article_ids: list[str] = field(default_factory=list)
    first_seen: str | None = None
    # Wordings that differ from ``text``: {"text", "kind" (truncated, extended,
    # punctuation, spelling, altered), "diff" (what differs, readable), "article_ids"}.
    variants: list[dict[str, Any]] = field(default_factory=list)
    # Every verbatim appearance: {"article_id", "quote_id", "outlet", "published", "text", "variant"}.
    appearances: list[dict[str, Any]] = field(default_factory=list)
    origin: str | None = None  # where it was first said, when a text names it: "an interview with The Telegraph"
    # Indirect-speech renderings in other articles: {"article_id", "quote_id", "outlet", "published", "text"}.
    paraphrases: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Failure(_Record):
    """A document that could not be processed: recorded, skipped, reported."""

    source: str
    stage: str
    error: str


EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "articles": ("id", "source", "title", "byline", "outlet", "published", "body", "removed", "story_id"),
    "quotes": (
        "id", "article_id", "text", "kind", "start", "end", "spans", "speaker", "speaker_id",
        "speaker_mention", "speaker_start", "speaker_end", "cue", "trail_id",
    ),
    "speakers": ("id", "name", "aliases", "titles", "article_ids", "quote_count"),
    "stories": ("id", "title", "article_ids"),
    "trails": ("id", "speaker_id", "speaker", "text", "article_ids", "first_seen", "variants"),
}
