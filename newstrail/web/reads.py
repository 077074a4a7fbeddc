"""The web app's bounded reads: one page of a list, counts and per-day tallies done by the database.

The pages must stay fast on a corpus of tens of thousands of articles and a speaker with
thousands of quotes, so no request may walk a whole table in Python. On a SQL store these
are single queries (aggregates, ``LIMIT``/``OFFSET`` pages); any other :class:`Store` gets
the same answers from its iterators (correct, not fast).
"""
from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..records import Article, Quote, Speaker, Story, Trail
from ..report import day
from ..store import Store
from ..store import schema as t

PAGE_SIZE = 50  # rows per page of every list
TIMELINE_ROWS = 8  # outlets drawn on a speaker's timeline (the rest are in the list below it)


@dataclass(slots=True)
class Page:
    """Which slice of a list a page shows."""

    number: int  # 1-based
    size: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def describe(self, total: int, path: str) -> dict[str, Any]:
        last = max(1, -(-total // self.size))
        return {"number": self.number, "size": self.size, "total": total, "pages": last,
                "prev": f"{path}?page={self.number - 1}" if self.number > 1 else None,
                "next": f"{path}?page={self.number + 1}" if self.number < last else None}


def _engine(store: Store) -> sa.Engine | None:
    engine = getattr(store, "engine", None)
    return engine if isinstance(engine, sa.Engine) else None


def _is_day(engine: sa.Engine, column: sa.ColumnElement) -> sa.ColumnElement:
    """``column`` starts with YYYY-MM-DD (what :func:`newstrail.report.day` accepts)."""
    if engine.dialect.name == "postgresql":
        return column.op("~")(r"^\d{4}-\d{2}-\d{2}")
    return column.op("GLOB")("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*")


def _json_len(column: sa.ColumnElement) -> sa.ColumnElement:
    # json_array_length exists under this name in SQLite and PostgreSQL (json type) alike.
    return sa.func.coalesce(sa.func.json_array_length(column), 0)


# -- the corpus overview -------------------------------------------------------------------------
# -- tallies kept until the data changes ----------------------------------------------------------
STALE_SECONDS = 10.0  # where a change cannot be seen cheaply (PostgreSQL), tallies are this old at most
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def data_version(store: Store) -> tuple[Any, ...]:
    """Changes whenever the stored data may have changed. A SQLite commit appends to the WAL file
    (a checkpoint rewrites the database file), so their sizes and times say it exactly; any other
    store gets a clock that ticks every ``STALE_SECONDS``."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        stamp: list[Any] = []
        for name in (path, path.with_name(path.name + "-wal")):
            try:
                st = name.stat()
                stamp += [st.st_mtime_ns, st.st_size, st.st_ino]
            except OSError:
                stamp += [None]
        return tuple(stamp)
    return (int(time.monotonic() // STALE_SECONDS),)


def cached(store: Store, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, remembered for ``key`` until :func:`data_version` changes. For tallies that
    must read thousands of rows (a speaker with thousands of quotes), not for pages of rows."""
    full = (id(store), data_version(store), *key)
    with _cache_lock:
        if full in _cache:
            _cache.move_to_end(full)
            return _cache[full]
    value = compute()
    with _cache_lock:
        _cache[full] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def overview(store: Store) -> dict[str, Any]:
    """What ``newstrail.report.overview`` computes, by aggregate queries (kept until the data changes)."""
    engine = _engine(store)
    if engine is None:
        from ..report import overview as full

        return full(store).to_dict()
    return cached(store, ("overview",), lambda: _overview(store, engine))


def _overview(store: Store, engine: sa.Engine) -> dict[str, Any]:
    a = t.articles.c
    counts = store.counts()
    with engine.connect() as conn:
        outlets = Counter()
        for outlet, n in conn.execute(sa.select(a.outlet, sa.func.count()).group_by(a.outlet)):
            outlets[outlet or "unknown outlet"] += n
        dated = _is_day(engine, a.published)
        first, last, n_dated = conn.execute(
            sa.select(sa.func.min(sa.func.substr(a.published, 1, 10)), sa.func.max(sa.func.substr(a.published, 1, 10)),
                      sa.func.count()).where(dated)).one()
        blocks = int(conn.execute(sa.select(sa.func.sum(_json_len(a.removed)))).scalar() or 0)
    total = counts.get("articles", 0)
    return {"articles": total, "outlets": [list(kv) for kv in sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))],
            "first": first, "last": last, "undated": total - n_dated, "speakers": counts.get("speakers", 0),
            "quotes": counts.get("quotes", 0), "stories": counts.get("stories", 0), "trails": counts.get("trails", 0),
            "failures": counts.get("failures", 0), "removed_blocks": blocks}


# -- lists, one page at a time --------------------------------------------------------------------
_ARTICLE_META = ("id", "source", "title", "byline", "outlet", "published", "story_id")


def _newest_first(engine: sa.Engine) -> list[sa.ColumnElement]:
    a = t.articles.c
    if engine.dialect.name == "sqlite":
        # SQLite puts NULL last when descending, and can then walk the published index.
        return [a.published.desc(), a.id.desc()]
    return [a.published.desc().nulls_last(), a.id.desc()]


def articles_page(store: Store, page: Page) -> tuple[list[tuple[Article, int]], int]:
    """Newest first (undated last): one page of articles, each with its number of quotes, and the total."""
    engine = _engine(store)
    if engine is None:
        counts = Counter(q.article_id for q in store.iter_quotes())
        items = sorted(store.iter_articles(), key=lambda x: (x.published or "", x.id), reverse=True)
        return [(x, counts[x.id]) for x in items[page.offset:page.offset + page.size]], len(items)
    a, q = t.articles.c, t.quotes.c
    stmt = (sa.select(*(getattr(a, c) for c in _ARTICLE_META))
            .order_by(*_newest_first(engine)).limit(page.size).offset(page.offset))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        ids = [r["id"] for r in rows]
        counts = dict(conn.execute(sa.select(q.article_id, sa.func.count()).where(q.article_id.in_(ids))
                                   .group_by(q.article_id)).all()) if ids else {}
        total = conn.execute(sa.select(sa.func.count()).select_from(t.articles)).scalar_one()
    return [(Article.from_dict(r), counts.get(r["id"], 0)) for r in rows], total


def article_meta(store: Store, ids: list[str]) -> dict[str, Article]:
    """Articles without their text (for lists that show titles, outlets and dates)."""
    engine = _engine(store)
    if engine is None or not ids:
        return {x.id: x for x in store.get_articles(ids)}
    a = t.articles.c
    found: dict[str, Article] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            query = sa.select(*(getattr(a, c) for c in _ARTICLE_META)).where(a.id.in_(chunk))
            for row in conn.execute(query).mappings():
                found[row["id"]] = Article.from_dict(dict(row))
    return found


def speakers_page(store: Store, page: Page) -> tuple[list[tuple[Speaker, int]], int]:
    """Most quoted first: one page of speakers, each with the number of its articles, and the total."""
    engine = _engine(store)
    if engine is None:
        items = list(store.iter_speakers())
        return [(s, len(s.article_ids)) for s in items[page.offset:page.offset + page.size]], len(items)
    s = t.speakers.c
    cols = [c for c in t.speakers.c if c.name != "article_ids"]
    stmt = (sa.select(*cols, _json_len(s.article_ids).label("n_articles"))
            .order_by(s.quote_count.desc(), s.id).limit(page.size).offset(page.offset))
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
        total = conn.execute(sa.select(sa.func.count()).select_from(t.speakers)).scalar_one()
    speakers = [(Speaker.from_dict({k: v for k, v in r.items() if k != "n_articles"}), r["n_articles"]) for r in rows]
    return speakers, total


def speaker_names(store: Store, limit: int = 500) -> list[str]:
    """The names of the ``limit`` most quoted speakers (the search form's suggestions)."""
    engine = _engine(store)
    if engine is None:
        return [s.name for s, _ in zip(store.iter_speakers(), range(limit))]
    s = t.speakers.c
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(s.name).order_by(s.quote_count.desc(), s.id).limit(limit))]


def stories_page(store: Store, page: Page) -> tuple[list[Story], int]:
    """Largest first: one page of stories, and the total."""
    engine = _engine(store)
    if engine is None:
        items = sorted(store.iter_stories(), key=lambda x: (-len(x.article_ids), x.id))
        return items[page.offset:page.offset + page.size], len(items)
    order = cached(store, ("story_order",), lambda: _order(engine, t.stories, _json_len(t.stories.c.article_ids).desc(),
                                                          t.stories.c.id))
    return _by_ids(engine, t.stories, Story, [i for i, _ in order[page.offset:page.offset + page.size]]), len(order)


def _order(engine: sa.Engine, table: sa.Table, *order_by: sa.ColumnElement,
           extra: sa.ColumnElement | None = None) -> list[tuple[str, Any]]:
    """Every id of ``table`` in list order (with one more column): sorting a whole table by a
    JSON array's length is the slow part of a list page, so the order is kept (see :func:`cached`)."""
    column = extra if extra is not None else sa.null()
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table.c.id, column).order_by(*order_by))]


def _by_ids(engine: sa.Engine, table: sa.Table, record: type, ids: list[str]) -> list[Any]:
    if not ids:
        return []
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table).where(table.c.id.in_(ids))).mappings()
        found = {r["id"]: record.from_dict(dict(r)) for r in rows}
    return [found[i] for i in ids if i in found]


def trails_page(store: Store, page: Page, speaker_id: str | None = None) -> tuple[list[Trail], int]:
    """Widest first: one page of quote trails (of one speaker, when given), and the total."""
    engine = _engine(store)
    if engine is None:
        items = sorted((x for x in store.iter_trails() if speaker_id is None or x.speaker_id == speaker_id),
                       key=lambda x: (-len(x.article_ids), x.first_seen or "", x.id))
        return items[page.offset:page.offset + page.size], len(items)
    tr = t.trails.c
    order = cached(store, ("trail_order",), lambda: _order(
        engine, t.trails, _json_len(tr.article_ids).desc(), sa.func.coalesce(tr.first_seen, ""), tr.id,
        extra=tr.speaker_id))
    if speaker_id is not None:
        order = [row for row in order if row[1] == speaker_id]
    return _by_ids(engine, t.trails, Trail, [i for i, _ in order[page.offset:page.offset + page.size]]), len(order)


def trails_across(store: Store, article_ids: set[str]) -> list[Trail]:
    """The trails that cross two or more of ``article_ids`` (a story's shared quotes)."""
    engine = _engine(store)
    if engine is None:
        return [x for x in store.iter_trails() if len(set(x.article_ids) & article_ids) >= 2]
    by_article = cached(store, ("trails_by_article",), lambda: _trails_by_article(engine))
    hits = Counter(tid for a in article_ids for tid in by_article.get(a, ()))
    wanted = sorted(tid for tid, n in hits.items() if n >= 2)
    return _by_ids(engine, t.trails, Trail, wanted)


def _trails_by_article(engine: sa.Engine) -> dict[str, list[str]]:
    """Article id → the trails through it (read once per data version: id and article list only)."""
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for tid, ids in conn.execute(sa.select(t.trails.c.id, t.trails.c.article_ids).order_by(t.trails.c.id)):
            for a in dict.fromkeys(ids or ()):
                out.setdefault(a, []).append(tid)
    return out


# -- one speaker's quotes ---------------------------------------------------------------------------
@dataclass(slots=True)
class SpeakerQuotes:
    quotes: list[tuple[Quote, Article | None]]  # one page, oldest first
    total: int
    by_outlet: list[tuple[str, int]]  # most quotes first
    per_day: dict[str, int]  # every quote, all outlets
    per_outlet_day: dict[str, dict[str, int]]


def speaker_quotes(store: Store, speaker_id: str, page: Page) -> SpeakerQuotes:
    """One page of a speaker's quotes (oldest first), with counts by outlet and by day over all of them."""
    engine = _engine(store)
    if engine is None:
        quotes = list(store.iter_speaker_quotes(speaker_id))
        articles = {x.id: x for x in store.get_articles({q.article_id for q in quotes})}
        quotes.sort(key=lambda q: ((articles[q.article_id].published if q.article_id in articles else None) or "9999",
                                   q.article_id, q.start))
        outlets: Counter[str] = Counter()
        per_day: Counter[str] = Counter()
        per_outlet: dict[str, Counter[str]] = {}
        for q in quotes:
            x = articles.get(q.article_id)
            name = (x.outlet if x else None) or "unknown outlet"
            outlets[name] += 1
            if x and (d := day(x.published)):
                per_day[d] += 1
                per_outlet.setdefault(name, Counter())[d] += 1
        chosen = quotes[page.offset:page.offset + page.size]
        return SpeakerQuotes([(q, articles.get(q.article_id)) for q in chosen], len(quotes),
                             sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0])), dict(per_day),
                             {k: dict(v) for k, v in per_outlet.items()})
    q, a = t.quotes.c, t.articles.c
    mine = q.speaker_id == speaker_id
    # Everything is tallied per article (a few thousand rows for the most quoted speaker, not
    # tens of thousands of quotes); only the page's quotes are read whole.
    per_article = sa.select(q.article_id, sa.func.count().label("n")).where(mine).group_by(q.article_id).subquery()
    stmt = (sa.select(per_article.c.article_id, per_article.c.n, a.published, a.outlet)
            .select_from(per_article.join(t.articles, a.id == per_article.c.article_id, isouter=True)))
    tallies = cached(store, ("speaker_tallies", speaker_id), lambda: _speaker_tallies(engine, stmt))
    wanted: list[str] = []
    skip, seen, end = 0, 0, page.offset + page.size
    for article_id, n in tallies.order:
        if seen + n > page.offset and seen < end:
            if not wanted:
                skip = page.offset - seen
            wanted.append(article_id)
        seen += n
    with engine.connect() as conn:
        rows: list[Quote] = []
        if wanted:
            found = [Quote.from_dict(dict(r)) for r in conn.execute(
                sa.select(t.quotes).where(mine, q.article_id.in_(wanted)).order_by(q.article_id, q.start)).mappings()]
            order = {aid: n for n, aid in enumerate(wanted)}
            found.sort(key=lambda x: (order[x.article_id], x.start))
            rows = found[skip:skip + page.size]
    articles = article_meta(store, wanted)
    return SpeakerQuotes([(x, articles.get(x.article_id)) for x in rows], seen, tallies.by_outlet,
                         tallies.per_day, tallies.per_outlet_day)


@dataclass(slots=True, frozen=True)
class _Tallies:
    order: list[tuple[str, int]]  # (article id, quotes), oldest article first
    by_outlet: list[tuple[str, int]]
    per_day: dict[str, int]
    per_outlet_day: dict[str, dict[str, int]]


def _speaker_tallies(engine: sa.Engine, stmt: sa.Select) -> _Tallies:
    with engine.connect() as conn:
        # Plain tuples and one Counter: this loop runs over thousands of articles.
        rows = sorted((tuple(r) for r in conn.execute(stmt)), key=lambda r: (r[2] or "9999", r[0]))
    grouped: Counter[tuple[str | None, str | None]] = Counter()
    for _, n, published, outlet in rows:
        grouped[(outlet, published[:10] if published else None)] += n
    outlets: Counter[str] = Counter()
    per_day: Counter[str] = Counter()
    per_outlet: dict[str, Counter[str]] = {}
    for (outlet, first10), n in grouped.items():
        name = outlet or "unknown outlet"
        outlets[name] += n
        if d := day(first10):
            per_day[d] += n
            per_outlet.setdefault(name, Counter())[d] += n
    return _Tallies([(r[0], r[1]) for r in rows], sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0])),
                    dict(per_day), {k: dict(v) for k, v in per_outlet.items()})
