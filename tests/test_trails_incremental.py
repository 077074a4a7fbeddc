"""Incremental trails: a run reads only what its new articles reach, and the trails come out
as a full rebuild over every stored quote gives them (SQLite and PostgreSQL)."""
from __future__ import annotations

from contextlib import contextmanager

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


def _spy(store, name: str, seen: list) -> None:
    """Record what the run asks the real store's ``name`` for (first argument, listed)."""
    original = getattr(store, name)

    def recording(ids, *args):
        ids = list(ids)
        seen.extend(ids)
        return original(ids, *args)

    setattr(store, name, recording)


def _unspy(store, *names: str) -> None:
    for name in names:
        delattr(store, name)


def _others(store, count: int = 20) -> None:
    for n in range(count):  # unrelated articles: more than the new ones, so runs stay incremental
        _write(store, f"old{n}", [f"Story {n} says the {n}th pier was closed for repairs all of last year"],
               day=1 + n % 9, speaker=f"person-{n}", name=f"Person{n} Surname{n}")


def test_a_run_reads_only_the_quotes_its_articles_reach(store):
    _others(store)
    _write(store, "first", [LINES[0]], day=10)
    update_trails(store)
    read: list[str] = []
    _spy(store, "quotes_of_articles", read)  # a spy on the real store: which articles' quotes the run reads
    store.iter_quotes = None  # and no scan of every quote
    _write(store, "second", [LINES[0] + " and the spring"], day=11)
    update_trails(store)
    assert set(read) == {"first", "second"}
    _unspy(store, "quotes_of_articles", "iter_quotes")
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert trail.article_ids == ["first", "second"]


def _write_with_indirect(store, article_id: str, quoted: str | None, said: str, day: int) -> None:
    """An article quoting Ana Ruiz (``quoted``, if given) and reporting what she said (``said``)."""
    body = (f"“{quoted},” she said.\n\n" if quoted else "") + f"Ana Ruiz said {said}."
    spans = [(body.index(said), "indirect", said)]
    if quoted:
        spans.insert(0, (body.index(quoted), "direct", quoted))
    quotes = [Quote(id=f"{article_id}:q{n}", article_id=article_id, text=text, kind=kind, start=start,
                    end=start + len(text), spans=[[start, start + len(text)]], speaker_id="ana-ruiz",
                    speaker="Ana Ruiz", speaker_local="Ana Ruiz") for n, (start, kind, text) in enumerate(spans)]
    article = Article(id=article_id, source=f"{article_id}.txt", body=body, outlet=f"Outlet {article_id}",
                      published=f"2024-03-{day:02d}", content_hash=article_id + (quoted or "") + said)
    store.write_batch(WriteBatch([(article, quotes)], "v"))


def test_a_trail_that_gains_members_is_rebuilt_from_its_record(store):
    # A stored trail that new quotes join is matched through its wordings and rebuilt from
    # its stored record: its members' articles are not read again, and the trails come out
    # as one pass over everything makes them.
    _others(store)
    for name, day, text in (("a", 5, LINES[0]), ("b", 6, LINES[0] + " if we can"), ("c", 7, LINES[0])):
        _write(store, name, [text], day=day)
    _write(store, "x1", [LINES[2]], day=5, speaker="ben-ode", name="Ben Ode")
    _write(store, "x2", [LINES[2]], day=6, speaker="ben-ode", name="Ben Ode")
    update_trails(store)
    assert len(list(store.iter_trails())) == 2

    steps = [
        ("d", [LINES[0]], 8),  # joins the trail
        ("e", [LINES[0].replace("winter", "wintr")], 2),  # earlier than its first: a new id and first
        ("f", [LINES[0] + " and " + LINES[2]], 9),  # joins both trails into one
    ]
    for name, texts, day in steps:
        read: list[str] = []
        forms: list[str] = []
        _spy(store, "quotes_of_articles", read)
        _spy(store, "trail_forms", forms)
        _write(store, name, texts, day=day)
        update_trails(store)
        _unspy(store, "quotes_of_articles", "trail_forms")
        assert set(read) == {name}
        assert forms
        _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert trail.article_ids[0] == "e"
    assert "spelling" in {v["kind"] for v in trail.variants}  # the others against the new first

    # An indirect rendering in a new article links to the stored trail as a paraphrase (the
    # article's quote of other words of the trail brings the trail into the pass).
    read = []
    _spy(store, "quotes_of_articles", read)
    _write_with_indirect(store, "g", LINES[0],
                         "the harbour board had not answered a single one of their letters since May", day=12)
    update_trails(store)
    _unspy(store, "quotes_of_articles")
    assert set(read) == {"g"}
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert [p["article_id"] for p in trail.paraphrases] == ["g"]


def test_paraphrases_follow_the_trails_as_one_pass_would(store):
    _others(store)
    said = "the harbour board had not answered a single one of their letters since May"
    _write(store, "a5", [LINES[2]], day=5)
    _write(store, "a6", [LINES[2]], day=6)
    update_trails(store)
    # Indirect speech alone in its article: it reaches the stored trail through its words.
    _write_with_indirect(store, "g", None, said, day=12)
    update_trails(store)
    _check_equals_full_rebuild(store)
    [trail] = store.iter_trails()
    assert [p["article_id"] for p in trail.paraphrases] == ["g"]
    # An earlier trail with the same words (sharing four in a row with the first, not six)
    # takes the paraphrase over, as one pass over everything gives it: the reached trail's
    # paraphrases are assigned afresh.
    other = "Not a single letter was answered, and the harbour board has gone quiet"
    _write(store, "b1", [other], day=1)
    _write(store, "b2", [other], day=2)
    update_trails(store)
    _check_equals_full_rebuild(store)
    trails = {t.article_ids[0]: t for t in store.iter_trails()}
    assert [p["article_id"] for p in trails["b1"].paraphrases] == ["g"]
    assert trails["a5"].paraphrases == []


def _as_version(store, version: int, *statements: str) -> None:
    """Make the store what an older version left: ``statements`` undo the newer schema."""
    with store.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {version}")


@contextmanager
def _upgraded(path):
    """The store at ``path`` opened by this version, its trails rebuilt once as the migration asks."""
    from newstrail.store.schema import TRAILS_REBUILD_KEY

    with open_store(str(path)) as store:
        assert store.get_state(TRAILS_REBUILD_KEY)
        update_trails(store)  # the rebuild
        assert not store.get_state(TRAILS_REBUILD_KEY)
        yield store


def test_trails_stored_before_their_words_were_kept_are_rebuilt_once(tmp_path):
    path = tmp_path / "v8.db"
    with open_store(str(path)) as store:
        _others(store)
        _write(store, "a5", [LINES[2]], day=5)
        _write(store, "a6", [LINES[2]], day=6)
        update_trails(store)
        _as_version(store, 8, "DROP TABLE trail_words")  # no trail words
    with _upgraded(path) as store:
        # Indirect speech alone in its article finds the trail through the words the rebuild kept.
        _write_with_indirect(store, "g", None, "the harbour board had not answered a single one of their "
                             "letters since May", day=12)
        update_trails(store)
        _check_equals_full_rebuild(store)
        [trail] = store.iter_trails()
        assert [p["article_id"] for p in trail.paraphrases] == ["g"]


def test_trails_stored_before_their_keys_were_indexed_are_rebuilt_once(tmp_path):
    path = tmp_path / "v9.db"
    with open_store(str(path)) as store:
        _write(store, "a1", [LINES[0], LINES[1]], day=1)
        _write(store, "a2", [LINES[0]], day=2)
        update_trails(store)  # one trail; LINES[1] on none
        _as_version(store, 9, "DROP INDEX ix_trail_keys_loose",  # no loose marks, no trail keys
                    "ALTER TABLE trail_keys DROP COLUMN loose", "DROP TABLE trail_form_keys")
    with _upgraded(path) as store:
        # A new article reaches the stored trail through its keys, and the quote on no trail
        # through its holder, both kept by the rebuild.
        _write(store, "a3", [LINES[0], LINES[1]], day=3)
        update_trails(store)
        _check_equals_full_rebuild(store)
        assert sorted(t.article_ids for t in store.iter_trails()) == [["a1", "a2", "a3"], ["a1", "a3"]]


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
