"""The stories stage on a store, incrementally, with memory bounded.

A run computes features only for articles the store holds none for (new articles,
and changed ones: their features were deleted with their old version) and groups the
articles whose stored features are not indexed yet. Old article text is never read
again. Two ways, by corpus size:

* **Held** (at most ``held_limit`` articles, grouped and new, when the new ones are
  at least a fifth of them): every article's features are loaded; the new articles
  are compared with everything and the stories they could join (those holding one of
  their candidates) are grouped again together with them, from pairwise links; every
  other story keeps its grouping. On BASIL and ECB+ fed in two or four parts in random
  order the stories equal those of one run.
* **Bounded** (otherwise): the new articles go in passes of up to ``pass_size``. A
  pass holds its own articles and the grouped ones they could join, found through the
  story index (postings of each grouped article's anchor terms, quote shingles and
  MinHash bands; the corpus's document frequencies; each article's nearest list):
  their candidates, and every member of the stories those are in, up to
  ``REGROUP_LIMIT`` members a story. Those stories are grouped again with the new
  articles, from pairwise links, as a held run would; a larger story is merged whole
  with what links to it. A pass holds at most ``load_limit`` grouped articles (it
  takes fewer new ones when they reach more), so memory follows the pass and time the
  new articles, not the corpus. On ECB+ in four parts in random order, in passes of an
  eighth, the pairwise F1 equals one run's (0.895).

Each pass writes its index rows, stories and cleared marks in one transaction: an
interrupted run leaves whole passes, and the next run goes on with the articles still
not indexed. ``update_stories(store, full=True)`` regroups everything.
"""
from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..records import Article, Story
from ..store import Store, StoryPass
from ..store.schema import STORIES_REINDEX_KEY
from . import GroupingConfig, StoryGrouper, make_stories
from .dedup import NearDuplicates, Signer
from .features import FEATURES_VERSION, ArticleFeatures, article_features
from .grouping import CorpusStats, anchor_terms, indexed_quote_keys

# Set by runs of older versions while they wrote; still read: one full regroup.
PENDING_KEY = "stories.pending"
# The features version the stored features were computed with; another one regroups all.
VERSION_KEY = "stories.features_version"
# Up to this many articles a run may hold them all (about 10 KB each: 1.2 GB at most);
# beyond, it goes in passes.
HELD_LIMIT = 120_000
PASS_SIZE = 5_000
LOAD_LIMIT = 50_000  # grouped articles a bounded pass holds beside its own, at most (about 2 KB each)
_SLOGAN = 50  # a quote shingle held by more articles than this is no evidence of one event


@dataclass(slots=True)
class StoriesSummary:
    grouped: int = 0  # articles grouped (indexed) in this run
    stories: int = 0
    near_duplicates: int = 0
    links: int = 0


def update_stories(store: Store, config: GroupingConfig | None = None, *, full: bool = False,
                   held_limit: int = HELD_LIMIT, pass_size: int = PASS_SIZE,
                   load_limit: int = LOAD_LIMIT) -> StoriesSummary:
    """Group the store's articles not grouped yet into stories; return what was done.

    Articles without features (stored by an older version) get them computed here.
    ``full=True`` regroups everything; so does a changed features version.
    """
    config = config or GroupingConfig()
    recompute = store.get_state(VERSION_KEY) not in (None, FEATURES_VERSION)
    full = full or recompute or bool(store.get_state(PENDING_KEY)) or bool(store.get_state(STORIES_REINDEX_KEY))
    if full:
        store.reset_story_index()
    _compute_missing(store, recompute)
    pending = store.stories_pending()
    retired = store.story_retired()
    indexed, _ = store.story_index_stats(())
    waiting = store.story_unindexed_count()
    summary = StoriesSummary()
    if not full and not waiting and not retired and not pending:
        summary.stories = store.counts().get("stories", 0)
        return summary
    # Held when everything fits and the new articles are a good part of it: reading all
    # the features then costs little beside the new work. Otherwise in bounded passes,
    # whose time follows the new articles.
    if indexed + waiting <= held_limit and 4 * waiting >= indexed:
        _held_run(store, config, pending, retired, full, summary)
    else:
        _bounded_run(store, config, pending, retired, pass_size, load_limit, summary)
    store.set_state(VERSION_KEY, FEATURES_VERSION)
    store.set_state(PENDING_KEY, None)
    store.set_state(STORIES_REINDEX_KEY, None)
    summary.stories = store.counts().get("stories", 0)
    return summary


def _compute_missing(store: Store, recompute: bool) -> None:
    """Features for the articles that have none (all of them when the version changed)."""
    signer = Signer()
    articles = store.iter_articles() if recompute else store.iter_articles_to_group()
    for chunk in _chunks(articles, 1000):
        store.write_story_features([stored_features(article_features(a, signer=signer)) for a in chunk])


# ---------------------------------------------------------------- held: everything in memory
def _held_run(store: Store, config: GroupingConfig, pending: dict[str, int],
              retired: list[tuple[str, str | None, dict]], full: bool, summary: StoriesSummary) -> None:
    grouper = StoryGrouper(config)
    # Into the grouper a thousand at a time, as they are read: it keeps each article's
    # terms as compact arrays, the records with their term dicts would be ten times that.
    fresh: set[str] = set()
    rows = (r for r in store.iter_story_features() if r[1].get("v") == FEATURES_VERSION)
    unindexed = None if full else store.story_unindexed_ids()
    while chunk := list(itertools.islice(rows, 1000)):
        parts: tuple[list[ArticleFeatures], list[ArticleFeatures]] = ([], [])  # (grouped before, new)
        for row in chunk:
            parts[unindexed is None or row[0] in unindexed].append(ArticleFeatures.from_json(*row[:3]))
        grouper.add(parts[0], new=False)
        grouper.add(parts[1])
        fresh.update(f.article_id for f in parts[1])
    previous: dict[str, str] = {}
    if not full:
        for story in store.iter_stories():
            previous.update(dict.fromkeys(story.article_ids, story.id))
            # New articles (a changed one may still be listed) are linked afresh, never joined.
            grouper.join([a for a in story.article_ids if a not in fresh])
            grouper.duplicate_of.update(story.near_duplicates or {})
    new_rows = sorted(grouper.index[a] for a in fresh)
    links = grouper.link()
    by_id = {f.article_id: f for f in grouper.features}
    stories = make_stories(grouper.components(), by_id, grouper.duplicate_of)
    assigned = {a: s.id for s in stories for a in s.article_ids}
    part = StoryPass(
        indexed=grouper.index_entries(new_rows),
        df=_minus(grouper.term_frequencies(new_rows), retired),
        near={grouper.features[i].article_id: lists for i, lists in grouper.near_lists.items()},
        stories=stories, replace_all=True,
        story_of={a: s for a, s in assigned.items() if previous.get(a) != s or a in fresh},
        retired=[r[0] for r in retired], done=pending,
    )
    summary.grouped += len(fresh)
    summary.links += len(links)
    summary.near_duplicates = len(grouper.duplicate_of)
    del grouper, by_id, links  # the index rows are arrays of their own; the write needs none of this
    if not store.write_story_pass(part):
        raise RuntimeError("articles were written while the stories stage ran; run it again")


def _minus(frequencies: dict[str, int], retired: list[tuple[str, str | None, dict]]) -> dict[str, int]:
    """Document-frequency changes: the new articles' terms in, the replaced ones' out."""
    changes = Counter(frequencies)
    for _, _, data in retired:
        changes.subtract(term for term, _ in data.get("t", []))
    return dict(changes)


# ---------------------------------------------------------------- bounded: pass by pass
def _bounded_run(store: Store, config: GroupingConfig, pending: dict[str, int],
                 retired: list[tuple[str, str | None, dict]], pass_size: int, load_limit: int,
                 summary: StoriesSummary) -> None:
    after: str | None = None
    size = pass_size
    while True:
        rows = store.unindexed_story_features(after, size)
        if not rows and not retired:
            break
        plan = _plan(store, config, rows, retired)
        # What a pass holds is its articles and what they reach: fewer articles when they
        # reach too much (a story covered hundreds of times), more again when they do not.
        while len(plan.rows) > 1 and len(plan.rows) + len(plan.load) > load_limit:
            plan = _plan(store, config, plan.rows[:len(plan.rows) // 2], retired)
        part, links, copies = _bounded_pass(store, config, plan)
        part.done = {r[0]: pending[r[0]] for r in plan.rows if r[0] in pending}
        if not store.write_story_pass(part):
            pending.update(store.stories_pending())  # replaced meanwhile: this pass again, anew
            continue
        summary.grouped += len(plan.rows)
        summary.links += links
        summary.near_duplicates += copies
        retired = []
        if not plan.rows:
            break
        after = plan.rows[-1][0]
        size = min(pass_size, 2 * len(plan.rows))
    # Marks no pass cleared (an article written without features, say): nothing left to do.
    left = {a: m for a, m in store.stories_pending().items() if pending.get(a) == m}
    if left:
        store.write_story_pass(StoryPass(done=left))


@dataclass(slots=True)
class _Plan:
    """What a pass reaches, before it loads anything."""

    rows: list[tuple]
    retired: list[tuple[str, str | None, dict]]
    changes: dict[str, int]  # document-frequency changes
    stats: CorpusStats
    leaving: set[str]  # articles leaving the stories they are in
    stories: dict[str, Story]  # the stories reached
    regrouped: set[str]  # those grouped again
    members: set[str]  # the grouped articles of those
    load: set[str]  # the grouped articles to hold, at most: candidates and members
    reach: set[str]  # the candidates


def _plan(store: Store, config: GroupingConfig, rows: list[tuple], retired: list[tuple[str, str | None, dict]]
          ) -> _Plan:
    new = [ArticleFeatures.from_json(*r[:3]) for r in rows]
    ours = {f.article_id for f in new}
    pass_df = Counter(term for f in new for term in f.terms)
    changes = _minus(pass_df, retired)
    count, df = store.story_index_stats(pass_df)
    stats = CorpusStats(count + len(new) - len(retired), {t: df.get(t, 0) + changes.get(t, 0) for t in pass_df})
    # A new article may still name its old story (one it was grouped in before a full
    # regroup was asked for): it leaves that story, as a replaced article does.
    current = store.stories_of_articles(ours)
    leaving = {r[0] for r in retired} | set(current)
    reach = _candidates(store, config, new, stats, ours | leaving)
    # The stories the new articles could join are grouped again, from pairwise links,
    # when they are small enough to load whole; a larger one is taken as grouped.
    current.update(store.stories_of_articles(reach))
    touched = set(current.values()) | {r[1] for r in retired if r[1]}
    stories = {s.id: s for s in store.get_stories(touched)}
    regrouped = {sid for sid, story in stories.items() if len(story.article_ids) <= REGROUP_LIMIT}
    members = {a for sid in regrouped for a in stories[sid].article_ids} - ours - leaving
    return _Plan(rows, retired, changes, stats, leaving, stories, regrouped, members,
                 (reach | members) - leaving - ours, reach - leaving - ours)


def _bounded_pass(store: Store, config: GroupingConfig, plan: _Plan) -> tuple[StoryPass, int, int]:
    grouper = StoryGrouper(config)
    grouper.corpus = plan.stats
    _load(store, grouper, plan, plan.reach)
    new = [ArticleFeatures.from_json(*r[:3]) for r in plan.rows]
    ours = {f.article_id for f in new}
    grouper.add(new)
    new_rows = list(grouper.new)
    _complete_df(store, grouper, plan)
    # First the new articles and their candidates alone, to see which stories they link
    # to: only those are grouped again (a story a new article merely neighbours keeps its
    # links), which keeps a pass near its own articles' stories. Then the same grouper,
    # with those stories' members added, links again: every link is recomputed from the
    # arrays it holds.
    story_of = {a: sid for sid, story in plan.stories.items() for a in story.article_ids}
    linked = {story_of.get(grouper.features[i].article_id) for link in grouper.link_bounded()
              for i in (link.a, link.b)}
    regrouped = plan.regrouped & linked
    members = {a for sid in regrouped for a in plan.stories[sid].article_ids} - ours - plan.leaving
    _load(store, grouper, plan, members - set(grouper.index))
    _complete_df(store, grouper, plan)
    grouper.new = new_rows
    links = grouper.link_bounded(regroup=[grouper.index[a] for a in members if a in grouper.index])
    part = StoryPass(
        indexed=grouper.index_entries(sorted(new_rows)), df=plan.changes,
        near={grouper.features[i].article_id: lists for i, lists in grouper.near_lists.items()},
        retired=[r[0] for r in plan.retired],
    )
    free = ours | {a for a in members if a in grouper.index}
    _merge_stories(store, grouper, free, plan.stories, regrouped, plan.leaving, part)
    return part, len(links), sum(1 for a in grouper.duplicate_of if a in ours)


def _load(store: Store, grouper: StoryGrouper, plan: _Plan, load: set[str]) -> None:
    """Add the grouped articles ``load`` to the grouper, with their stored nearest lists."""
    # A thousand at a time: the grouper keeps their terms as arrays.
    for chunk in _chunks(sorted(load), 1000):
        loaded = store.story_features_of(chunk)
        grouper.add((ArticleFeatures.from_json(*row[:3]) for row in loaded), new=False)
        grouper.stored_near.update((grouper.index[row[0]], [tuple(e) for e in (row[3] or [])]) for row in loaded)


def _complete_df(store: Store, grouper: StoryGrouper, plan: _Plan) -> None:
    """The corpus's frequencies of the terms the grouper holds that the plan has none for."""
    more = set(grouper.vocab) - set(plan.stats.df)
    _, df_more = store.story_index_stats(more)
    plan.stats.df.update({t: df_more.get(t, 0) + plan.changes.get(t, 0) for t in more})


REGROUP_LIMIT = 200  # members of a story a pass loads to group it again from its links


def _candidates(store: Store, config: GroupingConfig, new: list[ArticleFeatures], stats: CorpusStats,
                skip: set[str]) -> set[str]:
    """The grouped articles the pass's articles could link to: those sharing anchors (the
    most per article, as the grouper would compare them), a quote or a MinHash band."""
    reach: set[str] = set()
    for f in new:
        # Counted in the database, one article at a time: a pass's terms together would
        # bring back every holder of each, hundreds for a story covered that often. (The
        # articles skipped are not indexed, so they are never among those found.)
        found = store.story_anchor_candidates(anchor_terms(f.terms, stats, config), config.min_shared_anchors,
                                              config.max_candidates)
        reach.update(a for a in found if a not in skip)
    quote_holders: dict[object, list[str]] = defaultdict(list)
    keys = np.asarray(sorted({k for f in new for k in f.quote_keys}), dtype=np.int64)
    for key, article_id in store.story_postings("quote_keys", keys[indexed_quote_keys(keys)].tolist()):
        if article_id not in skip:
            quote_holders[key].append(article_id)
    reach.update(a for found in quote_holders.values() if len(found) <= _SLOGAN for a in found)
    signed = [f.signature for f in new if f.signature is not None and f.signature.any()]
    if signed:
        bands = NearDuplicates(threshold=config.near_duplicate).band_keys(np.stack(signed)).view(np.int64)
        reach.update(a for _, a in store.story_postings("bands", set(bands.ravel().tolist())) if a not in skip)
    return reach


def _merge_stories(store: Store, grouper: StoryGrouper, free: set[str], stories: dict[str, Story],
                   regrouped: set[str], leaving: set[str], part: StoryPass) -> None:
    """Fill ``part``'s stories: the ``free`` articles (new ones, and the members of the
    ``regrouped`` stories) go where their links take them; the other stories they reach
    are merged with them whole; the stories losing ``leaving`` articles are rebuilt."""
    held = [f.article_id for f in grouper.features]
    # Where each article is now; one leaving its story has a new row (or no place) to point.
    story_of = {a: s.id for s in stories.values() for a in s.article_ids if a not in leaving}
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        root = key
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[key] != root:
            parent[key], key = root, parent[key]
        return root

    def union(keys: list[str]) -> None:
        for key in keys[:1]:
            find(key)
        for key in keys[1:]:
            a, b = find(keys[0]), find(key)
            if a != b:
                parent[b] = a

    def key_of(a: str) -> str | None:
        if a in free:
            return "a:" + a
        return "s:" + story_of[a] if a in story_of else None

    groups: dict[int, list[str]] = defaultdict(list)
    for i, article_id in enumerate(held):
        groups[grouper.uf.find(i)].append(article_id)
    for members in groups.values():
        if any(a in free for a in members):
            union([k for a in members if (k := key_of(a)) is not None])
    # Copies found by earlier runs stay with their original, as in a held run.
    for sid in regrouped:
        for copy, original in (stories[sid].near_duplicates or {}).items():
            if copy in free and original in free:
                union(["a:" + copy, "a:" + original])
    for sid in stories:
        if sid not in regrouped:
            find("s:" + sid)
    merged: dict[str, list[str]] = defaultdict(list)
    for key in list(parent):
        merged[find(key)].append(key)
    # A story the pass reached but did not change is left as it is.
    rebuilt = [keys for keys in merged.values()
               if not (len(keys) == 1 and keys[0].startswith("s:") and not leaving & set(stories[keys[0][2:]].article_ids))]
    by_id = {f.article_id: f for f in grouper.features}
    olds = [a for keys in rebuilt for k in keys if k.startswith("s:") for a in stories[k[2:]].article_ids]
    dates = store.article_dates([a for a in [*free, *olds] if a not in by_id and a not in leaving])
    copies = {c: o for sid in regrouped for c, o in (stories[sid].near_duplicates or {}).items()}
    part.dropped.extend(regrouped)
    for keys in rebuilt:
        part.dropped.extend(k[2:] for k in keys if k.startswith("s:"))
        members: list[str] = []
        near_duplicates: dict[str, str] = {}
        for key in keys:
            if key.startswith("a:"):
                members.append(key[2:])
            elif key[2:] in stories:
                story = stories[key[2:]]
                members.extend(a for a in story.article_ids if a not in leaving)
                near_duplicates.update(story.near_duplicates or {})
        if not members:
            continue
        members = sorted(set(members))
        kept = set(members)
        near_duplicates.update((c, o) for c, o in copies.items() if c in kept)
        for copy in members:
            original = grouper.duplicate_of.get(copy)
            if original is not None:
                near_duplicates[copy] = original
        near_duplicates = {c: o for c, o in near_duplicates.items() if c in kept and o in kept}
        known = {a: by_id.get(a) or _dated(a, *dates.get(a, (None, None))) for a in members}
        story = make_stories([members], known, near_duplicates)[0]
        part.stories.append(story)
        part.story_of.update((a, story.id) for a in members if story_of.get(a) != story.id)


def _dated(article_id: str, published: str | None, title: str | None) -> ArticleFeatures:
    """What ``make_stories`` reads of an article the pass does not hold."""
    return ArticleFeatures(article_id, published=published, title=title)


def stored_features(features: ArticleFeatures) -> tuple[str, dict, bytes | None]:
    """(article id, JSON, signature bytes): a row of the store's story features."""
    signature = features.signature.tobytes() if features.signature is not None else None
    return features.article_id, features.to_json(), signature


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk
