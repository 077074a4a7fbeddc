"""The stories stage on a store, incrementally.

A run computes features only for articles the store holds none for (new articles,
and changed ones: their features were deleted with their old version) and loads the
stored features of the rest, so old article text is never read again. The new
articles are compared with everything; the stories they could join (those holding
one of their candidates) are grouped again together with them, from pairwise links;
every other story keeps its grouping.

Bound on order independence: within one run the stories are a function of the set of
articles (links are pairwise, ties broken by article id). Across runs, a story out of
reach of every new article keeps the grouping decided when it was last touched, with
the document frequencies of that time; on BASIL and ECB+ fed in two or four parts in
random order the stories equal those of one run. ``update_stories(store, full=True)``
regroups everything from the stored articles.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..records import Article
from ..store import Store
from . import GroupingConfig, StoryGrouper, make_stories
from .dedup import Signer
from .features import FEATURES_VERSION, ArticleFeatures, article_features

# Set while a run is writing: features without their stories would never be linked.
PENDING_KEY = "stories.pending"
# The features version the stored features were computed with; another one regroups all.
VERSION_KEY = "stories.features_version"


@dataclass(slots=True)
class StoriesSummary:
    grouped: int = 0  # articles whose features were computed in this run
    stories: int = 0
    near_duplicates: int = 0
    links: int = 0


def update_stories(store: Store, config: GroupingConfig | None = None, *, full: bool = False) -> StoriesSummary:
    """Group the store's new articles into stories; return what was done.

    New articles are those marked pending by their write, whose features the workers
    computed and the write stored, and any article without features (stored by an
    older version): those are computed here. ``full=True`` regroups everything.
    """
    recompute = store.get_state(VERSION_KEY) not in (None, FEATURES_VERSION)
    full = full or recompute or bool(store.get_state(PENDING_KEY))
    pending = store.stories_pending()
    if not full and not pending and store.get_state(VERSION_KEY) == FEATURES_VERSION and _nothing_new(store):
        return StoriesSummary(stories=store.counts().get("stories", 0))
    grouper = StoryGrouper(config)
    previous: dict[str, str] = {}
    arrived: list[str] = []  # ids of the new articles whose stored features were loaded
    if not recompute:
        # Into the grouper a thousand at a time, as they are read: it keeps each article's
        # terms as compact arrays, the records with their term dicts would be ten times that.
        rows = (r for r in store.iter_story_features() if r[1].get("v") == FEATURES_VERSION)
        while chunk := list(itertools.islice(rows, 1000)):
            parts: tuple[list[ArticleFeatures], list[ArticleFeatures]] = ([], [])  # (stored before, new)
            for row in chunk:
                parts[full or row[0] in pending].append(ArticleFeatures.from_json(*row))
            grouper.add(parts[0], new=False)
            grouper.add(parts[1])
            arrived.extend(f.article_id for f in parts[1])
    fresh = set(arrived)
    if not full:
        for story in store.iter_stories():
            previous.update(dict.fromkeys(story.article_ids, story.id))
            # New articles (a changed one may still be listed) are linked afresh, never joined.
            grouper.join([a for a in story.article_ids if a not in fresh])
            grouper.duplicate_of.update(story.near_duplicates or {})
    # From here until the stories are written, features this run stores would not match
    # stored stories: an interrupted run leaves the mark and the next run regroups everything.
    store.set_state(PENDING_KEY, True)
    signer = Signer()
    articles = store.iter_articles() if recompute else store.iter_articles_to_group()
    for chunk in _chunks(articles, 1000):
        features = [article_features(a, signer=signer) for a in chunk if a.id not in grouper.index]
        if not features:
            continue
        # Serialised before the grouper takes the terms over (it keeps them as arrays).
        store.write_story_features([stored_features(f) for f in features])
        fresh.update(f.article_id for f in features)
        grouper.add(features)
    links = grouper.link()

    by_id = {f.article_id: f for f in grouper.features}
    stories = make_stories(grouper.components(), by_id, grouper.duplicate_of)
    assigned = {a: s.id for s in stories for a in s.article_ids}
    changed = {a: s for a, s in assigned.items() if previous.get(a) != s or a in fresh}
    store.replace_stories(stories, changed, done=pending)
    store.set_state(VERSION_KEY, FEATURES_VERSION)
    store.set_state(PENDING_KEY, False)
    return StoriesSummary(grouped=len(fresh), stories=len(stories), near_duplicates=len(grouper.duplicate_of),
                          links=len(links))


def stored_features(features: ArticleFeatures) -> tuple[str, dict, bytes | None]:
    """(article id, JSON, signature bytes): a row of the store's story features."""
    signature = features.signature.tobytes() if features.signature is not None else None
    return features.article_id, features.to_json(), signature


def _nothing_new(store: Store) -> bool:
    return next(iter(store.iter_articles_to_group()), None) is None


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
