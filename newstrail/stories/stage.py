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
    """Group the store's new articles into stories; return what was done."""
    full = full or bool(store.get_state(PENDING_KEY)) or store.get_state(VERSION_KEY) not in (None, FEATURES_VERSION)
    if not full and store.get_state(VERSION_KEY) == FEATURES_VERSION and _nothing_new(store):
        return StoriesSummary(stories=store.counts().get("stories", 0))
    signer = Signer()
    grouper = StoryGrouper(config)
    previous: dict[str, str] = {}
    if not full:
        grouper.add((ArticleFeatures.from_json(a, data, sig) for a, data, sig in store.iter_story_features()
                     if data.get("v") == FEATURES_VERSION), new=False)
        for story in store.iter_stories():
            previous.update(dict.fromkeys(story.article_ids, story.id))
            grouper.join(story.article_ids)
            grouper.duplicate_of.update(story.near_duplicates or {})
    # From here until the stories are written, stored features would not match stored
    # stories: an interrupted run leaves the mark and the next run regroups everything.
    store.set_state(PENDING_KEY, True)
    articles = store.iter_articles() if full else store.iter_articles_to_group()
    fresh: set[str] = set()
    for chunk in _chunks(articles, 1000):
        features = [article_features(a, signer=signer) for a in chunk if a.id not in grouper.index]
        if not features:
            continue
        # Serialised before the grouper takes the terms over (it keeps them as arrays).
        store.write_story_features([(f.article_id, f.to_json(),
                                     f.signature.tobytes() if f.signature is not None else None) for f in features])
        fresh.update(f.article_id for f in features)
        grouper.add(features)
    links = grouper.link()

    by_id = {f.article_id: f for f in grouper.features}
    stories = make_stories(grouper.components(), by_id, grouper.duplicate_of)
    assigned = {a: s.id for s in stories for a in s.article_ids}
    changed = {a: s for a, s in assigned.items() if previous.get(a) != s or a in fresh}
    store.replace_stories(stories, changed)
    store.set_state(VERSION_KEY, FEATURES_VERSION)
    store.set_state(PENDING_KEY, False)
    return StoriesSummary(grouped=len(fresh), stories=len(stories), near_duplicates=len(grouper.duplicate_of),
                          links=len(links))


def _nothing_new(store: Store) -> bool:
    return next(iter(store.iter_articles_to_group()), None) is None


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
