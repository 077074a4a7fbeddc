"""The web app's bounded reads: one page of a list, counts and per-day tallies done by the database.

The pages must stay fast on a corpus of tens of thousands of articles and a speaker with
thousands of quotes, so no request may walk a whole table in Python. On a SQL store these
are single queries (aggregates, ``LIMIT``/``OFFSET`` pages); any other :class:`Store` gets
the same answers from its iterators (correct, not fast).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..records import Article, Quote, Speaker, Story, Trail
from ..report import day
from ..store import Store
from ..store import schema as t

PAGE_SIZE = 50  # rows per page of every list
TIMELINE_ROWS = 12  # outlets drawn on a speaker's timeline (the rest are in the list below it)


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
_REMOVED_TTL = 30.0  # seconds the boilerplate tally may lag an analysis that runs meanwhile
_removed_cache: dict[int, tuple[float, int]] = {}


def _removed_blocks(store: Store, conn: sa.Connection) -> int:
    """Boilerplate blocks removed over the corpus. Counting them reads every article row, so
    the number is kept for a few seconds rather than recounted on every visit."""
    now = time.monotonic()
    cached = _removed_cache.get(id(store))
    if cached and now - cached[0] < _REMOVED_TTL:
        return cached[1]
    blocks = int(conn.execute(sa.select(sa.func.sum(_json_len(t.articles.c.removed)))).scalar() or 0)
    _removed_cache[id(store)] = (now, blocks)
    return blocks


def overview(store: Store) -> dict[str, Any]:
    """What ``newstrail.report.overview`` computes, by aggregate queries."""
    engine = _engine(store)
    if engine is None:
        from ..report import overview as full

        return full(store).to_dict()
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
        blocks = _removed_blocks(store, conn)
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
            for row in conn.execute(sa.select(*(getattr(a, c) for c in _ARTICLE_META)).where(a.id.in_(chunk))).mappings():
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
    return [(Speaker.from_dict({k: v for k, v in r.items() if k != "n_articles"}), r["n_articles"]) for r in rows], total


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
    s = t.stories.c
    stmt = sa.select(t.stories).order_by(_json_len(s.article_ids).desc(), s.id).limit(page.size).offset(page.offset)
    with engine.connect() as conn:
        rows = [Story.from_dict(dict(r)) for r in conn.execute(stmt).mappings()]
        total = conn.execute(sa.select(sa.func.count()).select_from(t.stories)).scalar_one()
    return rows, total


def trails_page(store: Store, page: Page, speaker_id: str | None = None) -> tuple[list[Trail], int]:
    """Widest first: one page of quote trails (of one speaker, when given), and the total."""
    engine = _engine(store)
    if engine is None:
        items = sorted((x for x in store.iter_trails() if speaker_id is None or x.speaker_id == speaker_id),
                       key=lambda x: (-len(x.article_ids), x.first_seen or "", x.id))
        return items[page.offset:page.offset + page.size], len(items)
    tr = t.trails.c
    where = [tr.speaker_id == speaker_id] if speaker_id is not None else []
    stmt = (sa.select(t.trails).where(*where)
            .order_by(_json_len(tr.article_ids).desc(), sa.func.coalesce(tr.first_seen, ""), tr.id)
            .limit(page.size).offset(page.offset))
    with engine.connect() as conn:
        rows = [Trail.from_dict(dict(r)) for r in conn.execute(stmt).mappings()]
        total = conn.execute(sa.select(sa.func.count()).select_from(t.trails).where(*where)).scalar_one()
    return rows, total


def trails_across(store: Store, article_ids: set[str]) -> list[Trail]:
    """The trails that cross two or more of ``article_ids`` (a story's shared quotes)."""
    engine = _engine(store)
    if engine is None:
        return [x for x in store.iter_trails() if len(set(x.article_ids) & article_ids) >= 2]
    tr = t.trails.c
    # Only the id and article list of every trail are read; whole rows just for the matches.
    with engine.connect() as conn:
        wanted = [tid for tid, ids in conn.execute(sa.select(tr.id, tr.article_ids))
                  if ids and len(set(ids) & article_ids) >= 2]
        if not wanted:
            return []
        rows = {r["id"]: Trail.from_dict(dict(r))
                for r in conn.execute(sa.select(t.trails).where(tr.id.in_(wanted))).mappings()}
    return [rows[i] for i in wanted if i in rows]


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
    with engine.connect() as conn:
        tallies = sorted(conn.execute(stmt).all(), key=lambda r: (r.published or "9999", r.article_id))
        outlets: Counter[str] = Counter()
        per_day: Counter[str] = Counter()
        per_outlet: dict[str, Counter[str]] = {}
        wanted: list[str] = []
        skip, seen = 0, 0
        for r in tallies:
            name = r.outlet or "unknown outlet"
            outlets[name] += r.n
            if d := day(r.published):
                per_day[d] += r.n
                per_outlet.setdefault(name, Counter())[d] += r.n
            if seen + r.n > page.offset and seen < page.offset + page.size:
                if not wanted:
                    skip = page.offset - seen
                wanted.append(r.article_id)
            seen += r.n
        rows: list[Quote] = []
        if wanted:
            found = [Quote.from_dict(dict(r)) for r in conn.execute(
                sa.select(t.quotes).where(mine, q.article_id.in_(wanted)).order_by(q.article_id, q.start)).mappings()]
            order = {aid: n for n, aid in enumerate(wanted)}
            found.sort(key=lambda x: (order[x.article_id], x.start))
            rows = found[skip:skip + page.size]
    articles = article_meta(store, wanted)
    return SpeakerQuotes([(x, articles.get(x.article_id)) for x in rows], seen,
                         sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0])), dict(per_day),
                         {k: dict(v) for k, v in per_outlet.items()})
