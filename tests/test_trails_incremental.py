"""Incremental trails: a run reads only what its new articles reach, and the trails come out
as a full rebuild over every stored quote gives them (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from newstrail.records import Article, Quote
from newstrail.store import WriteBatch, open_store
from newstrail.trails import build_trails, make_refs, update_trails
from pgutil import fresh_pg_url as _pg_url

LINES = [
    "We will keep the ferries running through the whole of the winter season",
    "Nobody on this coast should have to choose between heating and the rent",
    "The harbour board has not answered a single one of our letters since May",
    "Talks will resume on Friday and we expect the cranes to move next week",
]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = str(tmp_path / "t.db") if request.param == "sqlite" else _pg_url()
    with open_store(url) as s:
        yield s


def _write(store, article_id: str, texts: list[str], day: int, speaker: str = "ana-ruiz",
           name: str = "Ana Ruiz") -> None:
    body = "\n\n".join(f"“{text},” she said." for text in texts)
    quotes, position = [], 0
    for n, text in enumerate(texts):
        start = body.index(text, position)
        position = start + len(text)
        quotes.append(Quote(id=f"{article_id}:q{n}", article_id=article_id, text=text, kind="direct",
                            start=start, end=position, spans=[[start, position]], speaker_id=speaker,
                            speaker=name, speaker_local=name))
    article = Article(id=article_id, source=f"{article_id}.txt", body=body, outlet=f"Outlet {article_id}",
                      published=f"2024-03-{day:02d}", content_hash=article_id + "|".join(texts))
    store.write_batch(WriteBatch([(article, quotes)], "v"))


def _check_equals_full_rebuild(store) -> None:
    quotes = list(store.iter_quotes())
    articles = {a.id: (a.outlet, a.published, a.body) for a in store.iter_articles()}
    expected = build_trails(make_refs(quotes, articles))
    assert [t.to_dict() for t in store.iter_trails()] == [t.to_dict() for t in expected.trails]
    assert {q.id: q.trail_id for q in quotes if q.trail_id} == expected.mapping
    assert store.trails_pending() == {}


def test_incremental_trails_equal_a_full_rebuild(store):
    for n in range(6):  # unrelated articles: more than the new ones, so runs stay incremental
        _write(store, f"other{n}", [f"Story {n} says the {n}th pier was closed for repairs all of last year"],
               day=1, speaker=f"person-{n}", name=f"Person{n} Surname{n}")
    _write(store, "a", [LINES[0], LINES[1]], day=2)
    update_trails(store)
    _check_equals_full_rebuild(store)
    assert list(store.iter_trails()) == []  # one article: nothing to follow yet

    _write(store, "b", [LINES[1], LINES[2]], day=3)
    update_trails(store)
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert trail.article_ids == ["a", "b"]

    _write(store, "c", [LINES[2] + ", and that is a disgrace", LINES[3]], day=4)
    update_trails(store)
    _check_equals_full_rebuild(store)
    assert len(list(store.iter_trails())) == 2

    # A changed article: b no longer carries the quote c repeats, so that trail goes away.
    _write(store, "b", [LINES[1]], day=3)
    update_trails(store)
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert trail.article_ids == ["a", "b"]

    assert update_trails(store) == 1  # nothing pending: nothing read, the count unchanged


def test_a_run_reads_only_the_quotes_its_articles_reach(store):
    for n in range(20):
        _write(store, f"old{n}", [f"Story {n} says the {n}th pier was closed for repairs all of last year"],
               day=1 + n % 9, speaker=f"person-{n}", name=f"Person{n} Surname{n}")
    _write(store, "first", [LINES[0]], day=10)
    update_trails(store)
    read: list[str] = []
    original = store.quote_trail_ids

    def recording(ids):
        ids = list(ids)
        read.extend(ids)
        return original(ids)

    store.quote_trail_ids = recording  # a spy on the real store: which stored quotes the run reads
    store.iter_quotes = None  # and no scan of every quote
    _write(store, "second", [LINES[0] + " and the spring"], day=11)
    update_trails(store)
    assert set(read) == {"first:q0"}
    del store.quote_trail_ids, store.iter_quotes
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert trail.article_ids == ["first", "second"]


def test_first_run_after_the_upgrade_rebuilds_everything(tmp_path):
    from newstrail.store.schema import TRAILS_REBUILD_KEY

    with open_store(str(tmp_path / "t.db")) as store:
        for name, day in (("a", 1), ("b", 2), ("c", 3)):
            _write(store, name, [LINES[0]], day=day)
        # As the v6 migration leaves a database whose trails were built without keys.
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM trail_pending")
        store.set_state(TRAILS_REBUILD_KEY, True)
        update_trails(store)
        _check_equals_full_rebuild(store)
        [trail] = store.iter_trails()
        assert trail.article_ids == ["a", "b", "c"]
        assert not store.get_state(TRAILS_REBUILD_KEY)


def test_a_large_run_goes_in_passes_and_equals_one_pass(store):
    # A chain of articles, each repeating one quote of the one before: every pass of two
    # articles must reach back into what earlier passes stored.
    for n in range(7):
        _write(store, f"c{n}", [LINES[n % 4], LINES[(n + 1) % 4]], day=n + 1)
    update_trails(store, chunk=2)
    _check_equals_full_rebuild(store)
    assert {a for t in store.iter_trails() for a in t.article_ids} == {f"c{n}" for n in range(7)}


def test_full_forgets_and_rebuilds_in_passes(store):
    for n in range(5):
        _write(store, f"d{n}", [LINES[n % 4], LINES[(n + 2) % 4]], day=n + 1)
    update_trails(store)
    before = [t.to_dict() for t in store.iter_trails()]
    assert before
    assert update_trails(store, full=True, chunk=2) == len(before)
    assert [t.to_dict() for t in store.iter_trails()] == before
    _check_equals_full_rebuild(store)
