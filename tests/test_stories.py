"""Stories: near-duplicates, grouping of one event across outlets, incremental runs."""
from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from newstrail import pipeline
from newstrail.records import Article
from newstrail.stories import GroupingConfig, Signer, StoryGrouper, article_features, group_articles, story_id
from newstrail.stories.dedup import jaccard, near_duplicate_pairs
from newstrail.stories.stage import update_stories
from newstrail.stories.text import names
from newstrail.store import open_store
from pgutil import fresh_pg_url as _pg_url

SAMPLE = Path(__file__).resolve().parent.parent / "newstrail" / "data" / "sample"


def _partition(stories) -> set[frozenset[str]]:
    return {frozenset(s.article_ids) for s in stories}


def _story_of(store) -> dict[str, str]:
    return {a.id: a.story_id for a in store.iter_articles()}


# ------------------------------------------------------------------ seeds and sample
@pytest.fixture(scope="module")
def seeds_store(seeds_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    pipeline.analyze([seeds_dir], db=db)
    with open_store(db) as store:
        yield store


def _by_prefix(store) -> dict[str, str]:
    return {a_id[:3]: s for a_id, s in _story_of(store).items()}


@pytest.mark.seeds
def test_seeds_same_interview_is_one_story(seeds_store):
    stories = _by_prefix(seeds_store)
    assert stories["000"] is not None
    assert stories["000"] == stories["001"]


@pytest.mark.seeds
def test_seeds_different_occasions_stay_apart(seeds_store):
    stories = _by_prefix(seeds_store)
    assert len({stories["000"], stories["002"], stories["003"], stories["004"]}) == 4


@pytest.mark.seeds
def test_seeds_stories_exported(seeds_store):
    stories = list(seeds_store.iter_stories())
    assert len(stories) == 4
    assert sorted(a for s in stories for a in s.article_ids) == sorted(_story_of(seeds_store))
    joint = next(s for s in stories if len(s.article_ids) == 2)
    assert joint.title == "Putin may use Ukraine peace talks to rearm, warns Cleverly"
    assert all(_story_of(seeds_store)[a] == joint.id for a in joint.article_ids)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("sample") / "sample.db"
    pipeline.analyze([SAMPLE], db=db)
    with open_store(db) as store:
        yield store


# Read from the sample articles: who covered which occasion.
SAMPLE_TOGETHER = [
    ("001_ad8413c24c2a22fb", "002_ce88aaadea20863a"),  # Kovač on the Coastline radio programme, two outlets
    ("004_63f27c1b3a4e8f71", "005_6692cdef9f0ed31d"),  # Varenian patrol boats in the outer bay, two outlets
    ("009_994b8d45ac3937b4", "meridian-2023-03-22-deal"),  # the overnight deal that ended the strike
]
SAMPLE_APART = [
    ("000_8deb8fe5975bc3b2", "009_994b8d45ac3937b4"),  # the walkout vs the deal
    ("008_b5d941802d2b76c9", "009_994b8d45ac3937b4"),  # talks collapse vs the deal two days later
    ("008_b5d941802d2b76c9", "meridian-2023-03-21-pryce"),  # the collapse vs the chairman's interview
    ("001_ad8413c24c2a22fb", "007_c45d1698b17878ea"),  # the radio interview vs the rally
    ("004_63f27c1b3a4e8f71", "010_9ea150a431451d8b"),  # the patrols vs the boundary talks announcement
    ("003_40b031ca61b8e15e", "009_994b8d45ac3937b4"),  # the chamber's losses vs the deal
]


def test_sample_stories(sample_store):
    stories = _story_of(sample_store)
    for a, b in SAMPLE_TOGETHER:
        assert stories[a] == stories[b], (a, b)
    for a, b in SAMPLE_APART:
        assert stories[a] != stories[b], (a, b)


# ------------------------------------------------------------------ near-duplicates
def _edited_copy(article: Article, new_id: str) -> Article:
    # Syndication: another outlet, a new headline, a few words changed, a paragraph dropped.
    paragraphs = article.body.split("\n\n")
    body = "\n\n".join(paragraphs[:-1]).replace(" said ", " told reporters ", 2)
    return Article(id=new_id, source=new_id, title="Copy: " + (article.title or ""), outlet="Wire Copy",
                   published=article.published, body=body)


def _sample_articles(sample_store) -> list[Article]:
    return list(sample_store.iter_articles())


def test_near_duplicates_flagged(sample_store):
    articles = _sample_articles(sample_store)
    original = next(a for a in articles if a.id.startswith("008"))
    copy = _edited_copy(original, "zz-copy-of-008")
    result = group_articles(articles + [copy])
    assert result.duplicate_of == {"zz-copy-of-008": original.id}
    story = next(s for s in result.stories if copy.id in s.article_ids)
    assert original.id in story.article_ids
    assert story.near_duplicates == {copy.id: original.id}


def test_distinct_articles_are_not_near_duplicates(sample_store):
    signer = Signer()
    features = [article_features(a, signer=signer) for a in _sample_articles(sample_store)]
    assert near_duplicate_pairs(features) == []
    # Two reports of one interview share quotes but are not copies of each other.
    by_id = {f.article_id: f for f in features}
    assert jaccard(by_id["001_ad8413c24c2a22fb"].signature, by_id["002_ce88aaadea20863a"].signature) < 0.3


def test_band_index_finds_what_datasketch_lsh_finds():
    # The numpy band index must answer as MinHashLSH queries (plus the Jaccard check) do.
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    from newstrail.stories.dedup import NUM_PERM, NearDuplicates

    rng = np.random.default_rng(3)
    rows = []
    for _ in range(60):  # families of copies, each copy with some of its hash values changed
        base = rng.integers(1, 2**32 - 1, NUM_PERM, dtype=np.uint64)
        for _ in range(int(rng.integers(1, 5))):
            copy = base.copy()
            changed = rng.random(NUM_PERM) < rng.uniform(0.0, 0.6)
            copy[changed] = rng.integers(1, 2**32 - 1, int(changed.sum()), dtype=np.uint64)
            rows.append(copy)
    signatures = np.stack(rows).astype(np.uint32)
    new = rng.random(len(rows)) < 0.5
    lsh = MinHashLSH(threshold=0.6, num_perm=NUM_PERM)
    expected = set()
    order = list(np.flatnonzero(~new)) + list(np.flatnonzero(new))  # old rows indexed first, as a run does
    for i in order:
        m = MinHash(num_perm=NUM_PERM, hashvalues=signatures[i].astype(np.uint64), scheme="affine32")
        if new[i]:
            for j in lsh.query(m):
                if jaccard(signatures[i], signatures[j]) >= 0.6:
                    expected.add((min(i, j), max(i, j)))
        lsh.insert(int(i), m)
    left, right, score = NearDuplicates(threshold=0.6).pairs(signatures, new)
    assert set(zip(left.tolist(), right.tolist())) == expected
    assert len(expected) > 20  # the families do make pairs
    assert all(s == jaccard(signatures[a], signatures[b]) for a, b, s in zip(left, right, score))


# ------------------------------------------------------------------ features
def test_names_skip_sentence_openers_and_titles():
    text = "Fishing crews left. The Harbour Minister, Zoë Kovač, said Kovač would act. Monday was calm."
    found = set(names(text))
    assert {"harbour", "kovac", "zoe"} <= found
    assert "fishing" not in found and "monday" not in found and "minister" not in found


def test_story_ids_are_stable():
    assert story_id(["b", "a"]) == story_id(["a", "b"]) == story_id(["a"])
    assert story_id(["a"]) != story_id(["b"])


# ------------------------------------------------------------------ order and increments
def test_same_articles_any_order_same_stories(sample_store):
    articles = _sample_articles(sample_store)
    expected = _partition(group_articles(articles).stories)
    for seed in range(3):
        shuffled = articles[:]
        random.Random(seed).shuffle(shuffled)
        assert _partition(group_articles(shuffled).stories) == expected


def test_grouper_incremental_equals_one_shot(sample_store):
    articles = _sample_articles(sample_store)
    signer = Signer()
    one_shot = StoryGrouper()
    one_shot.add(article_features(a, signer=signer) for a in articles)
    one_shot.link()
    features = [article_features(a, signer=signer) for a in articles]  # add() takes the terms over
    stepwise = StoryGrouper()
    for start in range(0, len(features), 4):
        stepwise.add(features[start:start + 4])
        stepwise.link()
    assert stepwise.components() == one_shot.components()


@pytest.mark.parametrize("parts", [2, 3])
def test_incremental_in_parts_equals_one_shot_on_ecbplus(parts):
    import sys

    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.stories import DEFAULT_DATA, load_ecbplus

    if not (DEFAULT_DATA / "ECBplus").is_dir():
        pytest.skip(f"ECB+ not found under {DEFAULT_DATA}")
    articles, _ = load_ecbplus(DEFAULT_DATA, limit=8)  # hard negatives: two events per topic
    expected = _partition(group_articles(articles).stories)
    shuffled = articles[:]
    random.Random(parts).shuffle(shuffled)
    signer = Signer()
    grouper = StoryGrouper()
    size = -(-len(shuffled) // parts)
    for start in range(0, len(shuffled), size):
        grouper.add(article_features(a, signer=signer) for a in shuffled[start:start + size])
        grouper.link()
    assert {frozenset(c) for c in grouper.components()} == expected


def test_pipeline_incremental_matches_one_shot(sample_store, tmp_path):
    files = sorted(SAMPLE.iterdir())
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for n, path in enumerate(files):
        shutil.copy(path, (first if n % 2 else second) / path.name)
    db = tmp_path / "inc.db"
    pipeline.analyze([first], db=db)
    with open_store(db) as store:
        before = _story_of(store)
        pipeline.analyze([second], store=store)
        after = _story_of(store)
        stored = list(store.iter_stories())
    assert all(after[a] for a in after) and set(before) < set(after)
    assert _partition(stored) == {frozenset(ids) for ids in _groups(_story_of(sample_store))}


def _groups(assignment: dict[str, str]) -> list[list[str]]:
    out: dict[str, list[str]] = {}
    for a, s in assignment.items():
        out.setdefault(s, []).append(a)
    return list(out.values())


def test_rerun_changes_nothing(sample_store):
    before = _story_of(sample_store)
    summary = update_stories(sample_store)
    assert summary.grouped == 0
    assert _story_of(sample_store) == before


def test_changed_article_is_regrouped(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SAMPLE, corpus)
    db = tmp_path / "c.db"
    pipeline.analyze([corpus], db=db)
    with open_store(db) as store:
        assert len(list(store.iter_story_features())) == len(list(store.iter_articles()))
        edited = corpus / "009_994b8d45ac3937b4.txt"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nThe port reopens on Thursday.\n", encoding="utf-8")
        pipeline.analyze([corpus], store=store)
        assert {a for a, _, _ in store.iter_story_features()} == {a.id for a in store.iter_articles()}
        stories = _story_of(store)
        assert stories["009_994b8d45ac3937b4"] == stories["meridian-2023-03-22-deal"]
        full = update_stories(store, full=True)
        assert full.grouped == len(stories)
        assert _story_of(store) == stories


def test_config_thresholds_matter(sample_store):
    articles = _sample_articles(sample_store)
    strict = GroupingConfig(link=1.1, mutual_link=1.1, mutual_link_undated=1.1, neighbour_link=1.1, quote_link=1.1)
    assert all(len(s.article_ids) == 1 for s in group_articles(articles, strict).stories)


# ------------------------------------------------------------------ store backends


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_stories_and_trails_on_each_backend(backend, tmp_path, sample_store):
    url = str(tmp_path / "b.db") if backend == "sqlite" else _pg_url()
    with open_store(url) as store:
        pipeline.analyze([SAMPLE], store=store)
        assert _partition(store.iter_stories()) == _partition(sample_store.iter_stories())
        assert _story_of(store) == _story_of(sample_store)
        trails = list(store.iter_trails())
        assert [t.to_dict() for t in trails] == [t.to_dict() for t in sample_store.iter_trails()]
        assert store.counts()["stories"] == len(list(store.iter_stories()))


def test_migration_adds_story_columns_to_an_older_database(tmp_path):
    import sqlalchemy as sa

    db = tmp_path / "old.db"
    open_store(db).close()
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # take the database back to before the stories migration
        conn.exec_driver_sql("DROP TABLE story_features")
        for table, column in (("stories", "first_seen"), ("stories", "near_duplicates"), ("trails", "appearances"),
                              ("trails", "origin"), ("trails", "paraphrases")):
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.exec_driver_sql("UPDATE schema_version SET version = 2")
    engine.dispose()
    pipeline.analyze([SAMPLE], db=db)
    with open_store(db) as store:
        assert any(len(s.article_ids) > 1 for s in store.iter_stories())
        assert list(store.iter_trails())
