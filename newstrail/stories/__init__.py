"""Stories: coverage of one event across outlets, and near-duplicate copies.

The stage, in order:

1. ``features.article_features`` — terms, names, quoted-word hashes, date, MinHash
   signature of each new article (stored, so later runs never re-read old text);
2. ``dedup`` — MinHash LSH flags near-duplicates (syndicated or lightly edited copies);
3. ``grouping.StoryGrouper`` — links articles of one event, stories are the
   connected components;
4. ``make_stories`` — ``Story`` records with stable ids and titles.

``group_articles(articles)`` runs all of it in memory (benchmarks, tests);
``newstrail.stories.stage.update_stories(store)`` runs it incrementally on a store.
"""
from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..records import Article, Story
from .dedup import Signer
from .features import ArticleFeatures, article_features
from .grouping import GroupingConfig, Link, StoryGrouper

__all__ = [
    "ArticleFeatures", "GroupingConfig", "GroupingResult", "Link", "Signer", "StoryGrouper",
    "article_features", "group_articles", "make_stories", "story_id",
]


@dataclass(slots=True)
class GroupingResult:
    stories: list[Story]
    duplicate_of: dict[str, str] = field(default_factory=dict)  # article → the earlier copy it repeats
    links: list[Link] = field(default_factory=list)


def story_id(article_ids: Iterable[str]) -> str:
    """A story is named after its smallest article id: stable whatever the order of arrival."""
    return "story-" + hashlib.sha1(min(article_ids).encode("utf-8")).hexdigest()[:12]


def make_stories(components: list[list[str]], features: dict[str, ArticleFeatures],
                 duplicate_of: dict[str, str] | None = None) -> list[Story]:
    """Story records: articles in publication order, the title of the first article that has one."""
    duplicate_of = duplicate_of or {}
    stories = []
    for ids in components:
        def when(aid: str) -> tuple[str, str]:
            return (features[aid].published or "9999", aid)

        ordered = sorted(ids, key=when)
        title = next((features[a].title for a in ordered if features[a].title), None)
        dated = [features[a].published for a in ordered if features[a].published]
        stories.append(Story(
            id=story_id(ids), title=title, article_ids=ordered, first_seen=min(dated) if dated else None,
            near_duplicates={a: duplicate_of[a] for a in ordered if a in duplicate_of},
        ))
    return stories


def group_articles(articles: Iterable[Article], config: GroupingConfig | None = None) -> GroupingResult:
    """Group articles into stories in one go (no store): features, near-duplicates, links."""
    signer = Signer()
    grouper = StoryGrouper(config)
    # In chunks: the grouper keeps each article's terms as compact arrays, so memory stays
    # near the size of those arrays however the articles arrive.
    it = iter(articles)
    while chunk := list(itertools.islice(it, 1000)):
        grouper.add(article_features(a, signer=signer) for a in chunk)
    links = grouper.link()
    by_id = {f.article_id: f for f in grouper.features}
    return GroupingResult(make_stories(grouper.components(), by_id, grouper.duplicate_of),
                          dict(grouper.duplicate_of), links)
