"""A :class:`Store` over SQLAlchemy Core: the parts every SQL database shares.

Dialect specifics (connection pragmas, the full-text index and its query) live in
the small subclasses in ``sqlite.py`` and ``postgres.py``.
"""
from __future__ import annotations

import itertools
import re
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa

from ..records import Article, Failure, Quote, Speaker, Story, Trail
from . import schema as t
from .base import SpeakerBlock, SpeakerPlacement, SpeakerRef, Store, StoryPass, TrailIndex, TrailMerge, WriteBatch

# The number of articles the story index holds (kept with it, in each pass's transaction).
STORIES_INDEXED_KEY = "stories.indexed"

# Rows per round trip when streaming reads; large enough to amortise, small enough to stay flat in memory.
_FETCH = 1000


def _replace_failure(conn: sa.Connection, failure: Failure, now: str) -> None:
    """Record ``failure``; the same failure seen before (a rerun over the same bad file)
    is kept once, with its latest time, so rerunning a corpus leaves the counts as they were."""
    f = t.failures.c
    conn.execute(sa.delete(t.failures).where(f.source == failure.source, f.stage == failure.stage,
                                             f.error == failure.error))
    conn.execute(sa.insert(t.failures).values(**failure.to_dict(), at=now))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _ref_row(ref: SpeakerRef) -> dict[str, Any]:
    return {"article_id": ref.article_id, "local": ref.local, "kind": ref.kind, "titles": list(ref.titles),
            "quote_count": ref.quote_count, "outlet": ref.outlet, "block": ref.block}


def _ref_of(row: Any) -> SpeakerRef:
    return SpeakerRef(row["article_id"], row["local"], row["kind"], list(row["titles"] or []),
                      row["quote_count"], row["outlet"], row["block"])


def _speaker_row(speaker: Speaker, placement: SpeakerPlacement) -> dict[str, Any]:
    return dict(speaker.to_dict(), block=placement.block, base_id=placement.base_id, summary=placement.summary)


def _chunks(items: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _upsert(conn: sa.Connection, table: sa.Table) -> Any:
    """The dialect's INSERT, which takes ON CONFLICT (both SQLite and PostgreSQL have it)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _put_state(conn: sa.Connection, key: str, value: Any) -> None:
    conn.execute(sa.delete(t.state).where(t.state.c.key == key))
    conn.execute(sa.insert(t.state).values(key=key, value=value))


def _indexed_count(conn: sa.Connection) -> int:
    """Articles the story index holds."""
    return int(conn.execute(sa.select(t.state.c.value).where(t.state.c.key == STORIES_INDEXED_KEY)).scalar() or 0)


def _mark(conn: sa.Connection, table: sa.Table, key: str, values: Iterable[str]) -> None:
    """Upsert (value, now) marks: work a later stage must redo; it clears only marks it read."""
    rows = [{key: v, "mark": time.time_ns()} for v in sorted(set(values))]
    if not rows:
        return
    stmt = _upsert(conn, table)
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_={"mark": stmt.excluded.mark})
    for chunk in _chunks(rows):
        conn.execute(stmt, chunk)


def _clear_marks(conn: sa.Connection, table: sa.Table, marks: dict[str, int]) -> None:
    """Delete the marks that are still as they were read; a write since then keeps its own."""
    clear = (sa.delete(table).where(table.c.article_id == sa.bindparam("a"))
             .where(table.c.mark == sa.bindparam("m")))
    for chunk in _chunks(sorted(marks.items())):
        conn.execute(clear, [{"a": a, "m": m} for a, m in chunk])


class _Stale(Exception):
    """A pass's pending marks changed under it: nothing of it is written."""


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
        return self.write_batch(WriteBatch(list(items), pipeline_version))

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
            # Speakers set from outside the stage: it re-clusters and repoints every ref.
            conn.execute(sa.update(t.speaker_refs).values(speaker_id=None))
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

    # -- batched writes and incremental speakers ------------------------------------------
    def write_batch(self, batch: WriteBatch) -> int:
        now = _now()
        # The last item of an id wins, as if the items had been written one after another.
        latest = {article.id: (article, quotes) for article, quotes in batch.items}
        refs = {(r.article_id, r.local): r for r in batch.refs if r.article_id in latest}
        articles = [dict(a.to_dict(), pipeline_version=batch.pipeline_version, ingested_at=now)
                    for a, _ in latest.values()]
        quotes = [dict(q.to_dict(), seq=n) for _, qs in latest.values() for n, q in enumerate(qs)]
        with self.engine.begin() as conn:
            dirty = {r.block for r in refs.values() if r.block}
            # Replace, not merge: a changed article gets its quotes and refs recomputed from scratch,
            # and the blocks its old refs sat in must be re-clustered too.
            for chunk in _chunks(latest):
                dirty.update(conn.execute(sa.select(t.speaker_refs.c.block).distinct()
                                          .where(t.speaker_refs.c.article_id.in_(chunk))).scalars())
                conn.execute(sa.delete(t.quotes).where(t.quotes.c.article_id.in_(chunk)))
                conn.execute(sa.delete(t.speaker_refs).where(t.speaker_refs.c.article_id.in_(chunk)))
                conn.execute(sa.delete(t.trail_keys).where(t.trail_keys.c.article_id.in_(chunk)))
                self._retire_grouped(conn, chunk)
                conn.execute(sa.delete(t.articles).where(t.articles.c.id.in_(chunk)))
            features = {a: {"article_id": a, "features": data, "signature": sig}
                        for a, data, sig in batch.features if a in latest}
            # Old features went with their article (ON DELETE CASCADE).
            for table, rows in ((t.articles, articles), (t.quotes, quotes),
                                (t.speaker_refs, [_ref_row(r) for r in refs.values()]),
                                (t.story_features, list(features.values())),
                                (t.trail_keys, [{"key": k, "quote_id": q, "article_id": a}
                                                for k, q, a in batch.trail_keys if a in latest])):
                for chunk in _chunks(rows):
                    conn.execute(sa.insert(table), chunk)
            self._mark_dirty(conn, dirty)
            _mark(conn, t.trail_pending, "article_id", latest)
            _mark(conn, t.story_pending, "article_id", latest)
            for failure in batch.failures:
                _replace_failure(conn, failure, now)
            for key, value in batch.state.items():
                _put_state(conn, key, value)
        return len(latest)

    @staticmethod
    def _retire_grouped(conn: sa.Connection, article_ids: list[str]) -> None:
        """Keep what the story index must undo for grouped articles about to be replaced."""
        f, a, r = t.story_features, t.articles, t.story_retired
        grouped = (sa.select(f.c.article_id, a.c.story_id, f.c.features).join(a, a.c.id == f.c.article_id)
                   .where(f.c.article_id.in_(article_ids)).where(f.c.indexed == sa.true()))
        rows = [dict(row) for row in conn.execute(grouped).mappings()]
        if rows:
            conn.execute(sa.delete(r).where(r.c.article_id.in_([row["article_id"] for row in rows])))
            conn.execute(sa.insert(r), rows)

    def _mark_dirty(self, conn: sa.Connection, blocks: Iterable[str]) -> None:
        _mark(conn, t.speaker_dirty, "block", blocks)

    def _marks_of(self, table: sa.Table) -> dict[str, int]:
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.select(*table.c)).all())  # (key, mark) rows

    def dirty_speaker_blocks(self) -> dict[str, int]:
        return self._marks_of(t.speaker_dirty)

    def refs_in_blocks(self, blocks: Iterable[str]) -> Iterator[SpeakerRef]:
        r = t.speaker_refs
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(blocks))):
                for row in conn.execute(sa.select(r).where(r.c.block.in_(chunk))).mappings():
                    yield _ref_of(row)

    def speaker_blocks_for_bases(self, bases: Iterable[str]) -> set[str]:
        return self._distinct(t.speakers.c.block, t.speakers.c.base_id, bases)

    def speaker_bases_in_blocks(self, blocks: Iterable[str]) -> set[str]:
        return self._distinct(t.speakers.c.base_id, t.speakers.c.block, blocks)

    def _distinct(self, column: sa.Column, key: sa.Column, values: Iterable[str]) -> set[str]:
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(values))):
                found.update(conn.execute(sa.select(column).distinct().where(key.in_(chunk))).scalars())
        found.discard(None)  # type: ignore[arg-type]
        return found

    def replace_speaker_blocks(self, dirty: dict[str, int], blocks: Iterable[str], speakers: list[Speaker],
                               mapping: dict[tuple[str, str], str],
                               placement: dict[str, SpeakerPlacement]) -> int:
        blocks = sorted(set(blocks))
        names = {s.id: s.name for s in speakers}
        rows = [_speaker_row(s, placement[s.id]) for s in speakers]
        with self.engine.begin() as conn:
            # Only the refs (and their quotes) whose speaker or its name changes are
            # written: a block of a common surname holds thousands, and a new article
            # moves few of them, if any. What each points at now is on the ref.
            old_names: dict[str, str] = {}
            held: dict[tuple[str, str], str | None] = {}
            sp, r = t.speakers, t.speaker_refs
            for chunk in _chunks(blocks):
                old_names.update(conn.execute(sa.select(sp.c.id, sp.c.name).where(sp.c.block.in_(chunk))).all())
                held.update(((a, local), s_id) for a, local, s_id in conn.execute(
                    sa.select(r.c.article_id, r.c.local, r.c.speaker_id).where(r.c.block.in_(chunk))))
            moved = {key: s_id for key, s_id in mapping.items()
                     if held.get(key) != s_id or old_names.get(held.get(key) or "") != names.get(s_id)}
            for chunk in _chunks(blocks):
                conn.execute(sa.delete(sp).where(sp.c.block.in_(chunk)))
            for chunk in _chunks(rows):
                conn.execute(sa.insert(sp), chunk)
            self._point_refs(conn, moved, names)
            self._clear_dirty(conn, dirty)
            return conn.execute(sa.select(sa.func.count()).select_from(sp)).scalar_one()

    def speaker_blocks(self, blocks: Iterable[str]) -> dict[str, SpeakerBlock]:
        sp, r = t.speakers, t.speaker_refs
        out: dict[str, SpeakerBlock] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(blocks))):
                for row in conn.execute(sa.select(sp).where(sp.c.block.in_(chunk))).mappings():
                    out.setdefault(row["block"], SpeakerBlock()).speakers.append(
                        (Speaker.from_dict(dict(row)), row["base_id"], row["summary"]))
                placed = (sa.select(r.c.block, sa.func.count()).where(r.c.block.in_(chunk))
                          .where(r.c.speaker_id.is_not(None)).group_by(r.c.block))
                for block, count in conn.execute(placed):
                    out.setdefault(block, SpeakerBlock()).placed = count
                new = sa.select(r).where(r.c.block.in_(chunk)).where(r.c.speaker_id.is_(None))
                for row in conn.execute(new).mappings():
                    out.setdefault(row["block"], SpeakerBlock()).new.append(_ref_of(row))
        return out

    def speaker_base_counts(self, bases: Iterable[str]) -> dict[str, int]:
        sp = t.speakers
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(bases))):
                found.update(conn.execute(sa.select(sp.c.base_id, sa.func.count()).where(sp.c.base_id.in_(chunk))
                                          .group_by(sp.c.base_id)).all())
        return found

    def extend_speaker_blocks(self, dirty: dict[str, int], speakers: list[tuple[Speaker, SpeakerPlacement]],
                              mapping: dict[tuple[str, str], str]) -> int:
        sp = t.speakers
        names = {s.id: s.name for s, _ in speakers}
        with self.engine.begin() as conn:
            for chunk in _chunks([s.id for s, _ in speakers]):
                conn.execute(sa.delete(sp).where(sp.c.id.in_(chunk)))
            for chunk in _chunks([_speaker_row(s, p) for s, p in speakers]):
                conn.execute(sa.insert(sp), chunk)
            self._point_refs(conn, mapping, names)
            self._clear_dirty(conn, dirty)
            return conn.execute(sa.select(sa.func.count()).select_from(sp)).scalar_one()

    @staticmethod
    def _point_refs(conn: sa.Connection, mapping: dict[tuple[str, str], str], names: dict[str, str]) -> None:
        """Point refs, and their quotes, at their speakers (by id and canonical name)."""
        rows = [{"a_id": a_id, "loc": local, "s_id": s_id, "name": names.get(s_id, local)}
                for (a_id, local), s_id in sorted(mapping.items())]
        q, r = t.quotes, t.speaker_refs
        quotes = (sa.update(q).where(q.c.article_id == sa.bindparam("a_id"))
                  .where(q.c.speaker_local == sa.bindparam("loc"))
                  .values(speaker_id=sa.bindparam("s_id"), speaker=sa.bindparam("name")))
        refs = (sa.update(r).where(r.c.article_id == sa.bindparam("a_id")).where(r.c.local == sa.bindparam("loc"))
                .values(speaker_id=sa.bindparam("s_id")))
        for chunk in _chunks(rows):
            conn.execute(quotes, chunk)
            conn.execute(refs, chunk)

    @staticmethod
    def _clear_dirty(conn: sa.Connection, dirty: dict[str, int]) -> None:
        # A block marked again since it was read keeps its (new) mark: never forget a write.
        clear = (sa.delete(t.speaker_dirty).where(t.speaker_dirty.c.block == sa.bindparam("b"))
                 .where(t.speaker_dirty.c.mark == sa.bindparam("m")))
        for chunk in _chunks([{"b": b, "m": m} for b, m in sorted(dirty.items())]):
            conn.execute(clear, chunk)

    def index_speaker_refs(self, refs: Iterable[SpeakerRef]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.speaker_refs))
            # Speakers from before blocks were kept are rebuilt from the refs, block by block.
            conn.execute(sa.delete(t.speakers).where(t.speakers.c.block.is_(None)))
            blocks: set[str] = set()
            for chunk in _chunks(refs):
                conn.execute(sa.insert(t.speaker_refs), [_ref_row(r) for r in chunk])
                blocks.update(r.block for r in chunk if r.block)
            self._mark_dirty(conn, blocks)

    def iter_stories(self) -> Iterator[Story]:
        return self._stream(sa.select(t.stories).order_by(t.stories.c.id), Story)

    def iter_trails(self) -> Iterator[Trail]:
        return self._stream(sa.select(t.trails).order_by(t.trails.c.id), Trail)

    # -- stories and trails stages ----------------------------------------------------
    def iter_articles_to_group(self) -> Iterator[Article]:
        a, f = t.articles, t.story_features
        query = (sa.select(a).outerjoin(f, f.c.article_id == a.c.id)
                 .where(f.c.article_id.is_(None)).order_by(a.c.id))
        return self._stream(query, Article)

    def iter_story_features(self) -> Iterator[tuple[str, dict[str, Any], bytes | None]]:
        f = t.story_features
        query = sa.select(f.c.article_id, f.c.features, f.c.signature).order_by(f.c.article_id)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=_FETCH).execute(query):
                yield row.article_id, row.features, row.signature

    def write_story_features(self, rows: Iterable[tuple[str, dict[str, Any], bytes | None]]) -> None:
        f = t.story_features
        with self.engine.begin() as conn:
            for chunk in _chunks(rows):
                conn.execute(sa.delete(f).where(f.c.article_id.in_([r[0] for r in chunk])))
                conn.execute(sa.insert(f), [{"article_id": a, "features": d, "signature": sig}
                                            for a, d, sig in chunk])

    def replace_stories(self, stories: list[Story], changed: dict[str, str | None],
                        done: dict[str, int] | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t.stories))
            for chunk in _chunks(stories):
                conn.execute(sa.insert(t.stories), [s.to_dict() for s in chunk])
            update = (sa.update(t.articles).where(t.articles.c.id == sa.bindparam("a_id"))
                      .values(story_id=sa.bindparam("s_id")))
            for chunk in _chunks(changed.items()):
                conn.execute(update, [{"a_id": a, "s_id": s} for a, s in chunk])
            _clear_marks(conn, t.story_pending, done or {})

    def stories_pending(self) -> dict[str, int]:
        return self._marks_of(t.story_pending)

    # -- the story index -----------------------------------------------------------------
    def story_index_stats(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        d = t.story_df
        found: dict[str, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(terms))):
                found.update(conn.execute(sa.select(d.c.term, d.c.df).where(d.c.term.in_(chunk))).all())
            return _indexed_count(conn), found

    def story_postings(self, kind: str, values: Iterable[Any]) -> list[tuple[Any, str]]:
        table = {"quote_keys": t.story_quote_keys, "bands": t.story_bands}[kind]
        out: list[tuple[Any, str]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(values))):
                query = sa.select(table.c.key, table.c.article_id).where(table.c.key.in_(chunk))
                out.extend(tuple(r) for r in conn.execute(query))
        return out

    def story_anchor_candidates(self, terms: Iterable[str], min_shared: int, limit: int) -> list[str]:
        a = t.story_anchors
        shared = sa.func.count().label("shared")
        query = (sa.select(a.c.article_id).where(a.c.term.in_(sorted(set(terms)))).group_by(a.c.article_id)
                 .having(sa.func.count() >= min_shared).order_by(shared.desc(), a.c.article_id).limit(limit))
        query = query.add_columns(shared)
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def unindexed_story_features(self, after: str | None, limit: int
                                 ) -> list[tuple[str, dict[str, Any], bytes | None]]:
        f = t.story_features
        query = (sa.select(f.c.article_id, f.c.features, f.c.signature).where(f.c.indexed == sa.false())
                 .order_by(f.c.article_id).limit(limit))
        if after is not None:
            query = query.where(f.c.article_id > after)
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def story_unindexed_count(self) -> int:
        f = t.story_features
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(f).where(f.c.indexed == sa.false())).scalar_one()

    def story_unindexed_ids(self) -> set[str]:
        f = t.story_features
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(f.c.article_id).where(f.c.indexed == sa.false())).scalars())

    def story_features_of(self, article_ids: Iterable[str]
                          ) -> list[tuple[str, dict[str, Any], bytes | None, list | None]]:
        f = t.story_features
        out: list[tuple[str, dict[str, Any], bytes | None, list | None]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                query = sa.select(f.c.article_id, f.c.features, f.c.signature, f.c.near).where(f.c.article_id.in_(chunk))
                out.extend(tuple(row) for row in conn.execute(query))
        return out

    def stories_of_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        a = t.articles
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                query = sa.select(a.c.id, a.c.story_id).where(a.c.id.in_(chunk)).where(a.c.story_id.is_not(None))
                out.update(conn.execute(query).all())
        return out

    def get_stories(self, story_ids: Iterable[str]) -> list[Story]:
        return [s for chunk in _chunks(sorted(set(story_ids))) for s in self._by_ids(t.stories, Story, chunk)]

    def article_dates(self, article_ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        a = t.articles
        out: dict[str, tuple[str | None, str | None]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                query = sa.select(a.c.id, a.c.published, a.c.title).where(a.c.id.in_(chunk))
                out.update((row[0], (row[1], row[2])) for row in conn.execute(query))
        return out

    def story_retired(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        r = t.story_retired
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.select(r.c.article_id, r.c.story_id, r.c.features)
                                                        .order_by(r.c.article_id))]

    def write_story_pass(self, part: StoryPass) -> bool:
        try:
            with self.engine.begin() as conn:
                self._write_story_pass(conn, part)
        except _Stale:
            return False
        return True

    def _write_story_pass(self, conn: sa.Connection, part: StoryPass) -> None:
        f, p = t.story_features, t.story_pending
        for chunk in _chunks(sorted(part.done.items())):
            held = dict(conn.execute(sa.select(p.c.article_id, p.c.mark)
                                     .where(p.c.article_id.in_([a for a, _ in chunk]))).all())
            if any(held.get(a, m) != m for a, m in chunk):
                raise _Stale  # rolls the transaction back
        self._apply_df(conn, part.df)
        _put_state(conn, STORIES_INDEXED_KEY, _indexed_count(conn) + len(part.indexed) - len(part.retired))
        # Read once, a chunk at a time: a held run indexes every article at once. (Features
        # not indexed have no postings: a reset drops them all, and a replaced article's go
        # with its old features.)
        for chunk in _chunks(part.indexed):
            conn.execute(sa.update(f).where(f.c.article_id.in_([a for a, _, _, _ in chunk])).values(indexed=True))
            for table, rows in (
                (t.story_anchors, [{"term": v, "article_id": a} for a, terms, _, _ in chunk for v in terms]),
                (t.story_quote_keys, [{"key": v, "article_id": a} for a, _, keys, _ in chunk for v in keys]),
                (t.story_bands, [{"key": v, "article_id": a} for a, _, _, bands in chunk for v in bands]),
            ):
                if rows:
                    conn.execute(sa.insert(table), rows)
        near = sa.update(f).where(f.c.article_id == sa.bindparam("a")).values(near=sa.bindparam("n"))
        for chunk in _chunks(sorted(part.near.items())):
            conn.execute(near, [{"a": a, "n": [list(e) for e in lists]} for a, lists in chunk])
        if part.replace_all:
            conn.execute(sa.delete(t.stories))
        else:
            gone = sorted({*part.dropped, *(s.id for s in part.stories)})
            for chunk in _chunks(gone):
                conn.execute(sa.delete(t.stories).where(t.stories.c.id.in_(chunk)))
        for chunk in _chunks(part.stories):
            conn.execute(sa.insert(t.stories), [s.to_dict() for s in chunk])
        point = (sa.update(t.articles).where(t.articles.c.id == sa.bindparam("a_id"))
                 .values(story_id=sa.bindparam("s_id")))
        for chunk in _chunks(sorted(part.story_of.items())):
            conn.execute(point, [{"a_id": a, "s_id": s} for a, s in chunk])
        for chunk in _chunks(part.retired):
            conn.execute(sa.delete(t.story_retired).where(t.story_retired.c.article_id.in_(chunk)))
        _clear_marks(conn, p, part.done)

    @staticmethod
    def _apply_df(conn: sa.Connection, changes: dict[str, int]) -> None:
        rows = [{"term": term, "df": change} for term, change in sorted(changes.items()) if change]
        if not rows:
            return
        d = t.story_df
        stmt = _upsert(conn, d)
        stmt = stmt.on_conflict_do_update(index_elements=[d.c.term], set_={"df": d.c.df + stmt.excluded.df})
        for chunk in _chunks(rows, 2000):
            conn.execute(stmt, chunk)
        for chunk in _chunks(sorted(term for term, change in changes.items() if change < 0)):
            conn.execute(sa.delete(d).where(d.c.term.in_(chunk)).where(d.c.df <= 0))

    def reset_story_index(self) -> None:
        with self.engine.begin() as conn:
            for table in t.STORY_INDEX_TABLES:
                conn.execute(sa.delete(table))
            conn.execute(sa.update(t.story_features).values(indexed=False, near=None))
            conn.execute(sa.delete(t.stories))
            conn.execute(sa.update(t.articles).where(t.articles.c.story_id.is_not(None)).values(story_id=None))
            conn.execute(sa.delete(t.state).where(t.state.c.key == STORIES_INDEXED_KEY))

    def replace_trails(self, trails: list[Trail], mapping: dict[str, str], index: TrailIndex | None = None) -> None:
        with self.engine.begin() as conn:
            for table in (t.trails, t.trail_articles, t.trail_words, t.trail_form_keys):
                conn.execute(sa.delete(table))
            self._insert_trails(conn, trails, index)
            conn.execute(sa.update(t.quotes).where(t.quotes.c.trail_id.is_not(None)).values(trail_id=None))
            self._point_quotes(conn, mapping)
            self._mark_loose(conn, None)

    def reset_trails(self) -> None:
        with self.engine.begin() as conn:
            # The keys stay: they follow from the quotes alone. Every article is pending
            # again, so no holder is loose.
            for table in (t.trails, t.trail_articles, t.trail_words, t.trail_form_keys, t.trail_pending):
                conn.execute(sa.delete(table))
            conn.execute(sa.update(t.quotes).where(t.quotes.c.trail_id.is_not(None)).values(trail_id=None))
            conn.execute(sa.update(t.trail_keys).where(t.LOOSE).values(loose=False))
            conn.execute(sa.insert(t.trail_pending).from_select(
                ["article_id", "mark"], sa.select(t.articles.c.id, sa.literal(0, sa.BigInteger))))

    def _insert_trails(self, conn: sa.Connection, trails: list[Trail], index: TrailIndex | None = None) -> None:
        for chunk in _chunks(trails):
            conn.execute(sa.insert(t.trails), [tr.to_dict() for tr in chunk])
        links = [{"trail_id": tr.id, "article_id": a} for tr in trails
                 for a in dict.fromkeys([*tr.article_ids, *(p["article_id"] for p in tr.paraphrases or [])])]
        for chunk in _chunks(links):
            conn.execute(sa.insert(t.trail_articles), chunk)
        if index is not None:
            words = [{"trail_id": tr.id, "word": w} for tr in trails for w in sorted(set(index.words(tr)))]
            for chunk in _chunks(words, 2000):
                conn.execute(sa.insert(t.trail_words), chunk)
            keys = [{"trail_id": tr.id, "key": k} for tr in trails for k in sorted(set(index.keys(tr)))]
            for chunk in _chunks(keys, 2000):
                conn.execute(sa.insert(t.trail_form_keys), chunk)

    def _mark_loose(self, conn: sa.Connection, article_ids: Iterable[str] | None) -> None:
        """Set ``trail_keys.loose`` for the articles' keys (``None``: every key) from where
        their quotes now stand: on no trail, in an article not pending."""
        k, q, p = t.trail_keys, t.quotes, t.trail_pending
        loose = sa.and_(~sa.exists().where(q.c.id == k.c.quote_id, q.c.trail_id.is_not(None)),
                        ~sa.exists().where(p.c.article_id == k.c.article_id))
        if article_ids is None:
            conn.execute(sa.update(k).values(loose=loose))
            return
        for chunk in _chunks(sorted(set(article_ids))):
            conn.execute(sa.update(k).where(k.c.article_id.in_(chunk)).values(loose=loose))

    def _point_quotes(self, conn: sa.Connection, mapping: dict[str, str]) -> None:
        update = (sa.update(t.quotes).where(t.quotes.c.id == sa.bindparam("q_id"))
                  .values(trail_id=sa.bindparam("t_id")))
        for chunk in _chunks(sorted(mapping.items())):
            conn.execute(update, [{"q_id": q, "t_id": tr} for q, tr in chunk])

    def _insert_keys(self, conn: sa.Connection, keys: Iterable[tuple[int, str, str]]) -> None:
        for chunk in _chunks(keys, 2000):
            conn.execute(sa.insert(t.trail_keys), [{"key": k, "quote_id": q, "article_id": a} for k, q, a in chunk])

    def trails_pending(self) -> dict[str, int]:
        return self._marks_of(t.trail_pending)

    def quotes_of_articles(self, article_ids: Iterable[str], fields: Iterable[str] | None = None) -> list[Quote]:
        q = t.quotes
        columns = list(q.c) if fields is None else [q.c[name] for name in dict.fromkeys(["id", "article_id", *fields])]
        found: list[Quote] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                rows = conn.execute(sa.select(*columns).where(q.c.article_id.in_(chunk))
                                    .order_by(q.c.article_id, q.c.seq)).mappings()
                found.extend(Quote.from_dict(_interned(row, _REPEATED_QUOTE_FIELDS)) for row in rows)
        return found

    def quote_trail_ids(self, quote_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        q = t.quotes
        found: dict[str, tuple[str, str | None]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(quote_ids))):
                for row in conn.execute(sa.select(q.c.id, q.c.article_id, q.c.trail_id).where(q.c.id.in_(chunk))):
                    found[row.id] = (row.article_id, row.trail_id)
        return found

    def trail_key_holders(self, article_ids: Iterable[str], limit: int
                          ) -> tuple[set[tuple[str, str]], set[str], dict[int, int]]:
        """What the articles' quotes reach through their trail keys: the loose holders
        (quote id, article id) and the trails holding a key; and the holder counts, pending
        ones included, of the keys held by more than ``limit`` quotes, which reach nothing.
        Found by joins in the database, which read each trail's keys once and never the
        holders on a trail: neither the keys nor those holders travel."""
        k, f = t.trail_keys, t.trail_form_keys
        loose: set[tuple[str, str]] = set()
        trails: set[str] = set()
        common: dict[int, int] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                theirs = sa.select(k.c.key).where(k.c.article_id.in_(chunk)).distinct().subquery()
                usable = []
                for key, n in conn.execute(sa.select(k.c.key, sa.func.count()).join(theirs, theirs.c.key == k.c.key)
                                           .group_by(k.c.key)):
                    if n > limit:
                        common[key] = n
                    else:
                        usable.append(key)
                for keys in _chunks(usable):
                    # The holders on trails are not read: each trail's keys are kept once.
                    loose.update(tuple(row) for row in conn.execute(
                        sa.select(k.c.quote_id, k.c.article_id).where(k.c.key.in_(keys), t.LOOSE)))
                    trails.update(conn.execute(sa.select(f.c.trail_id).distinct().where(f.c.key.in_(keys))).scalars())
        return loose, trails, common

    def trail_forms(self, trail_ids: Iterable[str]) -> list[Quote]:
        q = t.quotes
        columns = (q.c.trail_id, q.c.text, q.c.kind, q.c.speaker_id, q.c.speaker)
        found: list[Quote] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(trail_ids))):
                rows = conn.execute(sa.select(*columns).distinct().where(q.c.trail_id.in_(chunk))
                                    .where(q.c.kind != "indirect").order_by(*columns)).mappings()
                found.extend(Quote(id="", article_id="", **_interned(row, _REPEATED_QUOTE_FIELDS)) for row in rows)
        return found

    def articles_with_trail_keys(self, article_ids: Iterable[str]) -> set[str]:
        k = t.trail_keys
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                found.update(conn.execute(sa.select(k.c.article_id).distinct().where(k.c.article_id.in_(chunk)))
                             .scalars())
        return found

    def add_trail_keys(self, article_ids: Iterable[str], keys: Iterable[tuple[int, str, str]]) -> None:
        with self.engine.begin() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                conn.execute(sa.delete(t.trail_keys).where(t.trail_keys.c.article_id.in_(chunk)))
            self._insert_keys(conn, keys)

    def trail_paraphrases(self, trail_ids: Iterable[str]) -> list[tuple[str, str, str]]:
        q = t.quotes
        found: list[tuple[str, str, str]] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(trail_ids))):
                found.extend(tuple(row) for row in conn.execute(
                    sa.select(q.c.id, q.c.article_id, q.c.trail_id).where(q.c.trail_id.in_(chunk))
                    .where(q.c.kind == "indirect")))
        return found

    def trail_word_postings(self, words: Iterable[str], limit: int) -> tuple[dict[str, list[str]], set[str]]:
        w = t.trail_words
        postings: dict[str, list[str]] = {}
        stock: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(words))):
                counts = conn.execute(sa.select(w.c.word, sa.func.count()).where(w.c.word.in_(chunk))
                                      .group_by(w.c.word)).all()
                stock.update(word for word, n in counts if n > limit)
                telling = [word for word, n in counts if n <= limit]
                for word, trail_id in conn.execute(sa.select(w.c.word, w.c.trail_id).where(w.c.word.in_(telling))):
                    postings.setdefault(word, []).append(trail_id)
        return postings, stock

    def trails_listing(self, article_ids: Iterable[str]) -> dict[str, set[str]]:
        ta = t.trail_articles
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids))):
                for article_id, trail_id in conn.execute(sa.select(ta.c.article_id, ta.c.trail_id)
                                                         .where(ta.c.article_id.in_(chunk))):
                    found.setdefault(article_id, set()).add(trail_id)
        return found

    def quote_ids_in_trails(self, trail_ids: Iterable[str]) -> list[str]:
        found: list[str] = []
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(trail_ids))):
                found.extend(conn.execute(sa.select(t.quotes.c.id).where(t.quotes.c.trail_id.in_(chunk))).scalars())
        return found

    def update_trails_part(self, pending: dict[str, int], old_trails: Iterable[str], trails: list[Trail],
                           mapping: dict[str, str], quote_ids: Iterable[str],
                           merges: Iterable[TrailMerge] = (), index: TrailIndex | None = None) -> int:
        """One transaction: drop ``old_trails``, write ``trails``, re-point ``quote_ids`` (only
        those in ``mapping`` get a trail), rebuild the ``merges``' stored trails a batch at a
        time (their members follow the new id) and clear the pending marks that were read
        (a write since then keeps its mark), and mark which of the re-pointed quotes' keys
        are now loose."""
        quote_ids = sorted(set(quote_ids))
        with self.engine.begin() as conn:
            self._drop_trails(conn, old_trails)
            touched = set(pending)
            for chunk in _chunks(quote_ids):
                touched.update(conn.execute(sa.select(t.quotes.c.article_id).distinct()
                                            .where(t.quotes.c.id.in_(chunk))).scalars())
                conn.execute(sa.update(t.quotes).where(t.quotes.c.id.in_(chunk)).values(trail_id=None))
            self._insert_trails(conn, trails, index)
            self._point_quotes(conn, mapping)
            rename = (sa.update(t.quotes).where(t.quotes.c.trail_id == sa.bindparam("old"))
                      .values(trail_id=sa.bindparam("new")))
            q = t.quotes
            for batch in _chunks(merges, 200):
                ids = sorted({s for m in batch for s in m.stored})
                stored: dict[str, Trail] = {}
                speakers: dict[str, tuple[str | None, str | None]] = {}
                for chunk in _chunks(ids):
                    stored.update((row["id"], Trail.from_dict(dict(row))) for row in
                                  conn.execute(sa.select(t.trails).where(t.trails.c.id.in_(chunk))).mappings())
                    speakers.update((row.id, (row.speaker_id, row.speaker)) for row in conn.execute(
                        sa.select(q.c.id, q.c.speaker_id, q.c.speaker).where(q.c.trail_id.in_(chunk))))
                built, pointed = [], {}
                for merge in batch:
                    built.append(merge.build([stored[s] for s in merge.stored if s in stored], speakers, pointed))
                renames = [{"old": s, "new": tr.id} for merge, tr in zip(batch, built) for s in merge.stored
                           if s != tr.id]
                self._drop_trails(conn, ids)
                if renames:
                    conn.execute(rename, renames)
                self._insert_trails(conn, built, index)
                self._point_quotes(conn, pointed)
            _clear_marks(conn, t.trail_pending, pending)
            # Members renamed by a merge stay on a trail: only the re-pointed quotes change.
            self._mark_loose(conn, touched)
            return conn.execute(sa.select(sa.func.count()).select_from(t.trails)).scalar_one()

    def _drop_trails(self, conn: sa.Connection, trail_ids: Iterable[str]) -> None:
        for chunk in _chunks(sorted(set(trail_ids))):
            conn.execute(sa.delete(t.trails).where(t.trails.c.id.in_(chunk)))
            conn.execute(sa.delete(t.trail_articles).where(t.trail_articles.c.trail_id.in_(chunk)))
            conn.execute(sa.delete(t.trail_words).where(t.trail_words.c.trail_id.in_(chunk)))
            conn.execute(sa.delete(t.trail_form_keys).where(t.trail_form_keys.c.trail_id.in_(chunk)))

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

    # -- exploration: filtered, ranked search and single-record reads -------------------------
    def _fts_rank(self, stmt: sa.Select, table: str, query: Any) -> tuple[sa.Select, Any]:
        """Restrict ``stmt`` to rows of ``table`` matching the parsed query; return it with a
        score expression where higher is better (dialect subclasses implement this)."""
        raise NotImplementedError

    def search_ranked(self, target: str, query: Any, *, speaker_ids: list[str] | None = None,
                      outlet: str | None = None, since: str | None = None, until: str | None = None,
                      kind: str | None = None, limit: int = 20) -> list[tuple[str, float]]:
        q, a = t.quotes, t.articles
        if target == "quotes":
            stmt = sa.select(q.c.id).select_from(q.join(a, a.c.id == q.c.article_id))
            if speaker_ids is not None:
                stmt = stmt.where(q.c.speaker_id.in_(speaker_ids))
            if kind:
                stmt = stmt.where(q.c.kind == kind)
        elif target == "articles":
            stmt = sa.select(a.c.id).select_from(a)
            if speaker_ids is not None:
                quoted = sa.select(q.c.article_id).where(q.c.speaker_id.in_(speaker_ids))
                stmt = stmt.where(a.c.id.in_(quoted))
        else:
            raise ValueError(f"cannot search {target!r}; choose quotes or articles")
        if outlet:
            # Part of the name, any case; LIKE wildcards the person typed are taken literally.
            pattern = "%" + outlet.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(sa.func.lower(a.c.outlet).like(pattern, escape="\\"))
        # ISO 8601 text sorts like time, so date bounds are string comparisons.
        if since:
            stmt = stmt.where(a.c.published >= since)
        if until:
            stmt = stmt.where(a.c.published < until)
        newest = (a.c.published.is_(None), a.c.published.desc())
        if query:
            stmt, score = self._fts_rank(stmt, target, query)
            stmt = stmt.add_columns(score.label("score")).order_by(sa.desc("score"), *newest)
        else:
            stmt = stmt.add_columns(sa.literal(0.0).label("score")).order_by(*newest)
        stmt = stmt.order_by(q.c.seq if target == "quotes" else a.c.id).limit(limit)
        try:
            with self.engine.connect() as conn:
                return [(row[0], float(row[1] or 0.0)) for row in conn.execute(stmt)]
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.DataError) as exc:
            # A query the parser let through but the index rejects: a person's error, not a crash.
            if query and re.search(r"fts5|tsquery|syntax", str(exc.orig), re.IGNORECASE):
                from ..search import QuerySyntaxError

                raise QuerySyntaxError(f"the full-text index rejected {query.text!r} ({str(exc.orig).splitlines()[0]})",
                                       "use plain words; quote a phrase with \"…\"") from None
            raise

    def get_articles(self, ids: Iterable[str]) -> list[Article]:
        return self._by_ids(t.articles, Article, list(dict.fromkeys(ids)))

    def get_quotes(self, ids: Iterable[str]) -> list[Quote]:
        return self._by_ids(t.quotes, Quote, list(dict.fromkeys(ids)))

    def _one(self, table: sa.Table, record: type, key: str) -> Any | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == key)).mappings().first()
        return record.from_dict(dict(row)) if row else None

    def get_speaker(self, speaker_id: str) -> Speaker | None:
        return self._one(t.speakers, Speaker, speaker_id)

    def get_story(self, story_id: str) -> Story | None:
        return self._one(t.stories, Story, story_id)

    def get_trail(self, trail_id: str) -> Trail | None:
        return self._one(t.trails, Trail, trail_id)

    def outlets(self) -> list[str]:
        query = sa.select(t.articles.c.outlet).where(t.articles.c.outlet.is_not(None)).distinct()
        with self.engine.connect() as conn:
            return sorted(row[0] for row in conn.execute(query))

    def iter_speaker_quotes(self, speaker_id: str) -> Iterator[Quote]:
        query = (sa.select(t.quotes).where(t.quotes.c.speaker_id == speaker_id)
                 .order_by(t.quotes.c.article_id, t.quotes.c.seq))
        return self._stream(query, Quote)

    # -- failures, state, counts ------------------------------------------------
    def record_failure(self, failure: Failure) -> None:
        # The same failure seen again (a rerun over the same bad file) is kept once, with
        # its latest time: analyzing a corpus twice leaves the counts as they were.
        with self.engine.begin() as conn:
            _replace_failure(conn, failure, _now())

    def iter_failures(self) -> Iterator[Failure]:
        return self._stream(sa.select(t.failures).order_by(t.failures.c.id), Failure)

    def get_state(self, key: str) -> Any | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.state.c.value).where(t.state.c.key == key)).scalar()

    def set_state(self, key: str, value: Any) -> None:
        with self.engine.begin() as conn:
            _put_state(conn, key, value)

    def counts(self) -> dict[str, int]:
        tables = {"articles": t.articles, "quotes": t.quotes, "speakers": t.speakers,
                  "stories": t.stories, "trails": t.trails, "failures": t.failures}
        with self.engine.connect() as conn:
            return {name: conn.execute(sa.select(sa.func.count()).select_from(tbl)).scalar_one()
                    for name, tbl in tables.items()}

    def close(self) -> None:
        self.engine.dispose()


# Quote fields whose values repeat from row to row (an article's id on each of its quotes,
# a speaker's name, "said"): one string each instead of one per row when a stage holds
# the quotes of a whole pass.
_REPEATED_QUOTE_FIELDS = ("article_id", "kind", "section", "speaker", "speaker_id", "speaker_local",
                          "speaker_kind", "speaker_mention", "cue")


def _interned(row, names: tuple[str, ...]) -> dict:
    data = dict(row)
    for name in names:
        if isinstance(data.get(name), str):
            data[name] = sys.intern(data[name])
    return data
