"""A :class:`Store` over SQLAlchemy Core: the parts every SQL database shares.

Dialect specifics (connection pragmas, the full-text index and its query) live in
the small subclasses in ``sqlite.py`` and ``postgres.py``.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from ..records import Article, Failure, Quote, Speaker, Story, Trail
from . import schema as t
from .base import SpeakerRef, Store

# Rows per round trip when streaming reads; large enough to amortise, small enough to stay flat in memory.
_FETCH = 1000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _chunks(items: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


class SQLStore(Store):
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        with self.engine.begin() as conn:
            t.migrate(conn, self._fts_setup)

    # -- hooks for the dialect subclasses ----------------------------------------
    def _fts_setup(self, conn: sa.Connection) -> None:
        """Create the full-text index (called once, by the first migration)."""

    def _fts_ids(self, conn: sa.Connection, table: str, query: str, limit: int) -> list[str]:
        raise NotImplementedError

    # -- articles ---------------------------------------------------------------
    def article_versions(self, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        found: dict[str, tuple[str | None, str | None]] = {}
        cols = (t.articles.c.id, t.articles.c.content_hash, t.articles.c.pipeline_version)
        with self.engine.connect() as conn:
            for chunk in _chunks(ids):
                for row in conn.execute(sa.select(*cols).where(t.articles.c.id.in_(chunk))):
                    found[row.id] = (row.content_hash, row.pipeline_version)
        return found

    def ids_with_hashes(self, hashes: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(hashes):
                query = sa.select(t.articles.c.content_hash, t.articles.c.id).where(
                    t.articles.c.content_hash.in_(chunk)
                )
                found.update({row.content_hash: row.id for row in conn.execute(query)})
        return found

    def write_articles(self, items: Iterable[tuple[Article, list[Quote]]], *, pipeline_version: str) -> int:
        now = _now()
        written = 0
        with self.engine.begin() as conn:
            for article, quotes in items:
                # Replace, not merge: a changed article gets its quotes recomputed from scratch.
                conn.execute(sa.delete(t.quotes).where(t.quotes.c.article_id == article.id))
                conn.execute(sa.delete(t.articles).where(t.articles.c.id == article.id))
                row = article.to_dict()
                row.update(pipeline_version=pipeline_version, ingested_at=now)
                conn.execute(sa.insert(t.articles).values(**row))
                if quotes:
                    conn.execute(
                        sa.insert(t.quotes),
                        [dict(q.to_dict(), seq=n) for n, q in enumerate(quotes)],
                    )
                written += 1
        return written

    def get_article(self, article_id: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.articles).where(t.articles.c.id == article_id)).mappings().first()
        return Article.from_dict(dict(row)) if row else None

    def _stream(self, query: sa.Select, record: type) -> Iterator[Any]:
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=_FETCH).execute(query)
            for row in result.mappings():
                yield record.from_dict(dict(row))

    def iter_articles(self) -> Iterator[Article]:
        return self._stream(sa.select(t.articles).order_by(t.articles.c.id), Article)

    # -- quotes and speakers -------------------------------------------------------
    def iter_quotes(self, article_id: str | None = None) -> Iterator[Quote]:
        query = sa.select(t.quotes).order_by(t.quotes.c.article_id, t.quotes.c.seq)
        if article_id is not None:
            query = query.where(t.quotes.c.article_id == article_id)
        return self._stream(query, Quote)

    def speaker_refs(self) -> Iterator[SpeakerRef]:
        q, a = t.quotes, t.articles
        query = (
            sa.select(q.c.article_id, q.c.speaker_local, q.c.speaker_kind, q.c.speaker_titles, a.c.outlet)
            .join(a, a.c.id == q.c.article_id)
            .where(q.c.speaker_local.is_not(None))
            .order_by(q.c.article_id, q.c.speaker_local)
        )
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=_FETCH).execute(query)
            for (article_id, local), group in itertools.groupby(rows, key=lambda r: (r.article_id, r.speaker_local)):
                group = list(group)
                titles = sorted({title for r in group for title in (r.speaker_titles or [])})
                kinds = [r.speaker_kind for r in group if r.speaker_kind]
                yield SpeakerRef(
                    article_id=article_id,
                    local=local,
                    kind=max(set(kinds), key=kinds.count) if kinds else "person",
                    titles=titles,
                    quote_count=len(group),
                    outlet=group[0].outlet,
                )

    def replace_speakers(self, speakers: list[Speaker], mapping: dict[tuple[str, str], str]) -> None:
        names = {s.id: s.name for s in speakers}
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.speakers))
            for chunk in _chunks(speakers):
                conn.execute(sa.insert(t.speakers), [s.to_dict() for s in chunk])
            conn.execute(sa.update(t.quotes).values(speaker_id=None, speaker=t.quotes.c.speaker_local))
            update = (
                sa.update(t.quotes)
                .where(t.quotes.c.article_id == sa.bindparam("a_id"))
                .where(t.quotes.c.speaker_local == sa.bindparam("local"))
                .values(speaker_id=sa.bindparam("s_id"), speaker=sa.bindparam("name"))
            )
            rows = [
                {"a_id": a_id, "local": local, "s_id": s_id, "name": names.get(s_id, local)}
                for (a_id, local), s_id in mapping.items()
            ]
            for chunk in _chunks(rows):
                conn.execute(update, chunk)

    def iter_speakers(self) -> Iterator[Speaker]:
        query = sa.select(t.speakers).order_by(t.speakers.c.quote_count.desc(), t.speakers.c.id)
        return self._stream(query, Speaker)

    def iter_stories(self) -> Iterator[Story]:
        return self._stream(sa.select(t.stories).order_by(t.stories.c.id), Story)

    def iter_trails(self) -> Iterator[Trail]:
        return self._stream(sa.select(t.trails).order_by(t.trails.c.id), Trail)

    # -- search --------------------------------------------------------------
    def _by_ids(self, table: sa.Table, record: type, ids: list[str]) -> list[Any]:
        if not ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).where(table.c.id.in_(ids))).mappings()
            found = {row["id"]: record.from_dict(dict(row)) for row in rows}
        return [found[i] for i in ids if i in found]  # keep the ranking order

    def search_quotes(self, query: str, limit: int = 20) -> list[Quote]:
        with self.engine.connect() as conn:
            ids = self._fts_ids(conn, "quotes", query, limit)
        return self._by_ids(t.quotes, Quote, ids)

    def search_articles(self, query: str, limit: int = 20) -> list[Article]:
        with self.engine.connect() as conn:
            ids = self._fts_ids(conn, "articles", query, limit)
        return self._by_ids(t.articles, Article, ids)

    # -- failures, state, counts ------------------------------------------------
    def record_failure(self, failure: Failure) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.insert(t.failures).values(**failure.to_dict(), at=_now()))

    def iter_failures(self) -> Iterator[Failure]:
        return self._stream(sa.select(t.failures).order_by(t.failures.c.id), Failure)

    def get_state(self, key: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.state.c.value).where(t.state.c.key == key)).scalar()

    def set_state(self, key: str, value: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.state).where(t.state.c.key == key))
            conn.execute(sa.insert(t.state).values(key=key, value=value))

    def counts(self) -> dict[str, int]:
        tables = {"articles": t.articles, "quotes": t.quotes, "speakers": t.speakers,
                  "stories": t.stories, "trails": t.trails, "failures": t.failures}
        with self.engine.connect() as conn:
            return {name: conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one()
                    for name, tbl in tables.items()}

    def close(self) -> None:
        self.engine.dispose()
