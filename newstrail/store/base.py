"""The store interface: everything the pipeline, exports and CLI need from a database.

Backends implement :class:`Store`. The pipeline only ever talks to this interface, so a
PostgreSQL backend can sit beside SQLite without touching any stage.
"""
from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..records import Article, Failure, Quote, Speaker, Story, Trail


@dataclass(slots=True)
class SpeakerRef:
    """One distinct (article, in-article speaker name) pair with its quote count.

    The speakers stage clusters these across the corpus; there are far fewer of
    them than quotes, so they stream cheaply out of the store.
    """

    article_id: str
    local: str
    kind: str
    titles: list[str] = field(default_factory=list)
    quote_count: int = 0
    outlet: str | None = None


class Store(abc.ABC):
    """A place to keep articles, quotes, speakers, stories and trails."""

    url: str

    # -- articles -----------------------------------------------------------
    @abc.abstractmethod
    def article_versions(self, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Map each known id to its (content_hash, pipeline_version)."""

    @abc.abstractmethod
    def ids_with_hashes(self, hashes: Iterable[str]) -> dict[str, str]:
        """Map each known content hash to the id of the article that holds it."""

    @abc.abstractmethod
    def write_articles(self, items: Iterable[tuple[Article, list[Quote]]], *, pipeline_version: str) -> int:
        """Insert or update articles and replace their quotes, in one transaction."""

    @abc.abstractmethod
    def get_article(self, article_id: str) -> Article | None: ...

    @abc.abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    # -- quotes and speakers --------------------------------------------------
    @abc.abstractmethod
    def iter_quotes(self, article_id: str | None = None) -> Iterator[Quote]: ...

    @abc.abstractmethod
    def speaker_refs(self) -> Iterator[SpeakerRef]: ...

    @abc.abstractmethod
    def replace_speakers(self, speakers: list[Speaker], mapping: dict[tuple[str, str], str]) -> None:
        """Replace all speakers and point every quote at its canonical speaker."""

    @abc.abstractmethod
    def iter_speakers(self) -> Iterator[Speaker]: ...

    # -- stories and trails (filled by later stages) ------------------------------
    @abc.abstractmethod
    def iter_stories(self) -> Iterator[Story]: ...

    @abc.abstractmethod
    def iter_trails(self) -> Iterator[Trail]: ...

    # -- search, failures, state, stats -----------------------------------------------
    @abc.abstractmethod
    def search_quotes(self, query: str, limit: int = 20) -> list[Quote]: ...

    @abc.abstractmethod
    def search_articles(self, query: str, limit: int = 20) -> list[Article]: ...

    @abc.abstractmethod
    def record_failure(self, failure: Failure) -> None: ...

    @abc.abstractmethod
    def iter_failures(self) -> Iterator[Failure]: ...

    @abc.abstractmethod
    def get_state(self, key: str) -> Any | None:
        """Small JSON documents that stages keep between runs (e.g. boilerplate evidence)."""

    @abc.abstractmethod
    def set_state(self, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def iter_kind(self, kind: str) -> Iterator[Any]:
        """Records of one export kind: articles, quotes, speakers, stories or trails."""
        readers = {
            "articles": self.iter_articles,
            "quotes": self.iter_quotes,
            "speakers": self.iter_speakers,
            "stories": self.iter_stories,
            "trails": self.iter_trails,
        }
        try:
            return readers[kind]()
        except KeyError:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(readers)}") from None
