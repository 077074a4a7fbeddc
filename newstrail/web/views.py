"""What each page shows, as plain JSON-ready data.

Every function here returns a dict that is both the page's JSON twin and the context its
HTML template renders, so the two can never disagree. Nothing here writes to the store.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import quote as urlquote

from ..records import Article, Quote, Story, Trail
from ..report import Series, day, paragraphs
from ..search import SearchOptions, search
from ..store import Store
from . import reads
from .reads import Page

_WORD = re.compile(r"[^\W_]+")
SPEAKER_TRAILS = 10  # the widest trails shown on a speaker's page


class NotFound(LookupError):
    """No record with that id; the app answers 404."""


class BadRequest(ValueError):
    """A parameter the app cannot use (a page number that is not one); the app answers 400."""


def href(kind: str, record_id: str) -> str:
    """The page of one record. Ids are URL-quoted whole, so no id can become a scheme or a path."""
    return f"/{kind}/{urlquote(record_id, safe='')}"


def _article_meta(a: Article, quote_count: int | None = None) -> dict[str, Any]:
    meta = {"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published, "day": day(a.published),
            "byline": a.byline, "story_id": a.story_id, "href": href("articles", a.id)}
    if quote_count is not None:
        meta["quotes"] = quote_count
    return meta


def _quote(q: Quote, article: Article | None = None) -> dict[str, Any]:
    data = {"id": q.id, "text": q.text, "kind": q.kind, "speaker": q.speaker, "speaker_id": q.speaker_id,
            "speaker_mention": q.speaker_mention, "cue": q.cue, "trail_id": q.trail_id, "article_id": q.article_id,
            "href": href("articles", q.article_id) + "#q-" + urlquote(q.id, safe=""),
            "speaker_href": href("speakers", q.speaker_id) if q.speaker_id else None}
    if article is not None:
        data.update(title=article.title, outlet=article.outlet, published=article.published, day=day(article.published))
    return data


def _series(rows: list[Series]) -> list[dict[str, Any]]:
    return [{"label": r.label, "href": r.href, "per_day": r.per_day} for r in rows]


def _trail(t: Trail) -> dict[str, Any]:
    return dict(t.to_dict(), href=href("trails", t.id),
                speaker_href=href("speakers", t.speaker_id) if t.speaker_id else None)


def _story_summary(story: Story, articles: dict[str, Article]) -> dict[str, Any]:
    members = [articles[a] for a in story.article_ids if a in articles]
    days = sorted(d for a in members if (d := day(a.published)))
    return {"id": story.id, "title": story.title, "href": href("stories", story.id), "articles": len(members),
            "outlets": sorted({a.outlet or "unknown outlet" for a in members}),
            "first": days[0] if days else None, "last": days[-1] if days else None}


# -- pages -------------------------------------------------------------------------------------
def index_view(store: Store) -> dict[str, Any]:
    return {"overview": reads.overview(store),
            "links": {"stories": "/stories", "speakers": "/speakers", "articles": "/articles", "trails": "/trails",
                      "search": "/search", "openapi": "/openapi.json"}}


def stories_view(store: Store, page: Page | None = None) -> dict[str, Any]:
    page = page or Page(1)
    stories, total = reads.stories_page(store, page)
    wanted = list(dict.fromkeys(a for s in stories for a in s.article_ids))
    articles = reads.article_meta(store, wanted)
    items = [_story_summary(s, articles) for s in stories]
    timeline = [Series(s.title or s.id, dict(Counter(d for a in s.article_ids if a in articles
                                                     and (d := day(articles[a].published)))),
                       href("stories", s.id)) for s in stories[:20]]
    return {"stories": items, "timeline": _series(timeline), "page": page.describe(total, "/stories")}


def story_view(store: Store, story_id: str) -> dict[str, Any]:
    story = store.get_story(story_id)
    if story is None:
        raise NotFound(f"no story {story_id!r}")
    found = reads.article_meta(store, list(dict.fromkeys(story.article_ids)))  # titles and dates, not the text
    articles = sorted(found.values(), key=lambda a: (a.published or "9999", a.id))
    in_story = {a.id for a in articles}
    quotes = [q for a in articles for q in store.iter_quotes(a.id)]
    count = Counter(q.article_id for q in quotes)
    by_id = {a.id: a for a in articles}
    # Shared quotes: the trails that cross two or more of this story's articles; where the
    # trails stage has not run, the same words from the same speaker in two articles.
    shared: list[dict[str, Any]] = []
    for trail in reads.trails_across(store, in_story):
        inside = [a for a in trail.article_ids if a in in_story]
        if len(inside) >= 2:
            shared.append(dict(_trail(trail), articles=[_article_meta(by_id[a]) for a in inside]))
    if not shared:
        groups: dict[tuple[str | None, str], list[Quote]] = defaultdict(list)
        for q in quotes:
            groups[(q.speaker_id or q.speaker, " ".join(_WORD.findall(q.text.casefold())))].append(q)
        for (_, _), members in groups.items():
            ids = list(dict.fromkeys(q.article_id for q in members))
            if len(ids) >= 2:
                first = members[0]
                shared.append({"id": None, "text": first.text, "speaker": first.speaker, "speaker_id": first.speaker_id,
                               "speaker_href": href("speakers", first.speaker_id) if first.speaker_id else None,
                               "href": None, "articles": [_article_meta(by_id[a]) for a in ids], "variants": []})
    outlets = Counter(a.outlet or "unknown outlet" for a in articles)
    timeline = [Series(outlet, dict(Counter(d for a in articles if (a.outlet or "unknown outlet") == outlet
                                            and (d := day(a.published)))))
                for outlet, _ in outlets.most_common()]
    summary = _story_summary(story, by_id)
    dups = dict(getattr(story, "near_duplicates", None) or {})  # copy's id → the article it repeats
    return {"story": dict(story.to_dict(), **summary),
            "articles": [dict(_article_meta(a, count[a.id]), near_duplicate_of=dups.get(a.id)) for a in articles],
            "outlets": [{"outlet": o, "articles": n} for o, n in outlets.most_common()],
            "shared_quotes": shared, "timeline": _series(timeline)}


def speakers_view(store: Store, page: Page | None = None) -> dict[str, Any]:
    page = page or Page(1)
    speakers, total = reads.speakers_page(store, page)
    # The list gives each speaker's number of articles, not the ids (thousands for some).
    return {"speakers": [dict({name: getattr(s, name) for name in s.__dataclass_fields__ if name != "article_ids"},
                              articles=n,
                              href=href("speakers", s.id)) for s, n in speakers],
            "page": page.describe(total, "/speakers")}


def speaker_view(store: Store, speaker_id: str, page: Page | None = None) -> dict[str, Any]:
    page = page or Page(1)
    speaker = store.get_speaker(speaker_id)
    if speaker is None:
        raise NotFound(f"no speaker {speaker_id!r}")
    found = reads.speaker_quotes(store, speaker_id, page)
    trails, trail_total = reads.trails_page(store, Page(1, size=SPEAKER_TRAILS), speaker_id=speaker_id)
    # The timeline: every quote, then the outlets with the most quotes (the rest are listed below it).
    per_outlet = [Series(outlet, found.per_outlet_day.get(outlet, {}))
                  for outlet, _ in found.by_outlet[:reads.TIMELINE_ROWS]]
    rows = ([Series("all outlets", found.per_day)] if found.per_day else []) + per_outlet
    # The number of articles, not their ids: thousands for the most quoted speakers.
    about = {name: getattr(speaker, name) for name in speaker.__dataclass_fields__ if name != "article_ids"}
    return {"speaker": dict(about, articles=len(speaker.article_ids)),
            "quotes": [_quote(q, a) for q, a in found.quotes],
            "quote_total": found.total,
            "by_outlet": [{"outlet": o, "quotes": n} for o, n in found.by_outlet],
            "trails": [_trail(tr) for tr in trails], "trail_total": trail_total,
            "timeline": _series(rows),
            "page": page.describe(found.total, href("speakers", speaker_id))}


def articles_view(store: Store, page: Page | None = None) -> dict[str, Any]:
    page = page or Page(1)
    items, total = reads.articles_page(store, page)
    return {"articles": [_article_meta(a, n) for a, n in items], "page": page.describe(total, "/articles")}


def article_view(store: Store, article_id: str) -> dict[str, Any]:
    article = store.get_article(article_id)
    if article is None:
        raise NotFound(f"no article {article_id!r}")
    quotes = list(store.iter_quotes(article_id))

    def cut(text: str | None, section: str) -> list[list[dict[str, Any]]]:
        mine = [q for q in quotes if q.section == section]
        return [[{"text": p.text, "quote_id": p.quote.id if p.quote else None} for p in para]
                for para in paragraphs(text or "", mine)]

    story = store.get_story(article.story_id) if article.story_id else None
    return {"article": dict(_article_meta(article), source=article.source, url=article.url,
                            standfirst=article.standfirst, body=article.body),
            "title_pieces": cut(article.title, "title"),
            "standfirst_pieces": cut(article.standfirst, "standfirst"),
            "paragraphs": cut(article.body, "body"),
            "quotes": [_quote(q) | {"section": q.section} for q in quotes],
            "removed": list(article.removed),
            "story": {"id": story.id, "title": story.title, "href": href("stories", story.id)} if story else None}


def trails_view(store: Store, page: Page | None = None) -> dict[str, Any]:
    page = page or Page(1)
    trails, total = reads.trails_page(store, page)
    return {"trails": [_trail(tr) for tr in trails], "page": page.describe(total, "/trails")}


def trail_view(store: Store, trail_id: str) -> dict[str, Any]:
    trail = store.get_trail(trail_id)
    if trail is None:
        raise NotFound(f"no quote trail {trail_id!r}")
    articles = store.get_articles(trail.article_ids)
    articles.sort(key=lambda a: (a.published or "9999", a.id))
    quotes = [q for a in articles for q in store.iter_quotes(a.id) if q.trail_id == trail.id]
    by_id = {a.id: a for a in articles}
    return {"trail": _trail(trail), "articles": [_article_meta(a) for a in articles],
            "quotes": [_quote(q, by_id.get(q.article_id)) for q in quotes]}


def search_view(store: Store, options: SearchOptions) -> dict[str, Any]:
    """Run a search (when there is anything to search for) and describe the form's choices."""
    data: dict[str, Any] = {"options": {name: getattr(options, name) for name in options.__dataclass_fields__},
                            "hits": [], "error": None, "ran": False}
    if options.query.strip() or options.filtered:
        hits = search(store, options)  # SearchError propagates: the app answers 400 with its hint
        data["ran"] = True
        data["hits"] = [dict(h.to_dict(), href=href("articles", h.article_id) + (
            "#q-" + urlquote(h.id, safe="") if h.target == "quotes" else ""),
            speaker_href=href("speakers", h.speaker_id) if h.speaker_id else None,
            pieces=[{"text": t, "match": m} for t, m in h.pieces()]) for h in hits]
    return data


def choices(store: Store) -> dict[str, Any]:
    """Speakers and outlets for the search form's suggestions."""
    return {"speakers": reads.speaker_names(store), "outlets": store.outlets()}
