"""Incremental runs: speakers are re-clustered only where new articles landed, and the
result is exactly what clustering the whole corpus again would give (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from benchmarks.scale import generate, sample_texts
from newstrail.pipeline import analyze, update_speakers
from newstrail.records import Article, Quote
from newstrail.speakers import article_refs, build_speaker_index
from newstrail.store import WriteBatch, open_store
from pgutil import fresh_pg_url as _pg_url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = str(tmp_path / "t.db") if request.param == "sqlite" else _pg_url()
    with open_store(url) as s:
        yield s


def _quote(article_id: str, n: int, local: str, kind: str, titles: tuple[str, ...] = ()) -> Quote:
    return Quote(id=f"{article_id}:q{n}", article_id=article_id, text=f"words {n}", start=0, end=5,
                 spans=[[0, 5]], speaker_local=local, speaker=local, speaker_kind=kind,  # type: ignore[arg-type]
                 speaker_titles=list(titles))


def _write(store, article_id: str, speakers: list[tuple[str, str]]) -> list[Quote]:
    quotes = [_quote(article_id, n, local, kind) for n, (local, kind) in enumerate(speakers)]
    article = Article(id=article_id, source=f"{article_id}.txt", body="text", outlet="The Harbour Gazette",
                      content_hash=article_id + str(len(speakers)))
    store.write_batch(WriteBatch([(article, quotes)], "v", article_refs(quotes, article.outlet)))
    return quotes


def _full_rebuild(store):
    """Clustering every stored ref from scratch: what the incremental result must equal."""
    with store.engine.connect() as conn:
        blocks = set(conn.execute(sa.text("SELECT DISTINCT block FROM speaker_refs")).scalars())
    return build_speaker_index(store.refs_in_blocks(blocks))


def _check_equals_full_rebuild(store) -> None:
    speakers, mapping, placement = _full_rebuild(store)
    assert sorted(store.iter_speakers(), key=lambda s: s.id) == sorted(speakers, key=lambda s: s.id)
    names = {s.id: s.name for s in speakers}
    for quote in store.iter_quotes():
        assert quote.speaker_id == mapping.get((quote.article_id, quote.speaker_local)), quote.id
        assert quote.speaker == names.get(quote.speaker_id, quote.speaker_local), quote.id
    with store.engine.connect() as conn:
        # What the next run places new refs from: each speaker's summary and each ref's speaker.
        stored = dict(conn.execute(sa.text("SELECT id, summary FROM speakers")).all())
        pointers = {(a, local): s_id for a, local, s_id in
                    conn.execute(sa.text("SELECT article_id, local, speaker_id FROM speaker_refs"))}
    assert {i: json.loads(v) if isinstance(v, str) else v for i, v in stored.items()} == \
        {i: p.summary for i, p in placement.items()}
    assert pointers == mapping
    assert store.dirty_speaker_blocks() == {}


@pytest.mark.parametrize("per_pass", [2000, 1], ids=["one-pass", "block-by-block"])
def test_incremental_speakers_equal_a_full_rebuild(store, per_pass, monkeypatch):
    monkeypatch.setattr("newstrail.pipeline.SPEAKER_BLOCKS_PER_PASS", per_pass)
    # An organisation and a person whose names make the same id sit in different blocks:
    # their -2 suffix must be numbered as a full rebuild numbers it.
    _write(store, "a1", [("Ana Ruiz", "organisation"), ("a Whitehall source", "unnamed")])
    update_speakers(store)
    _check_equals_full_rebuild(store)
    _write(store, "a2", [("Ana Ruiz", "person"), ("Tom Marsh", "person")])
    update_speakers(store)
    _check_equals_full_rebuild(store)
    assert {s.id for s in store.iter_speakers()} >= {"ana-ruiz", "ana-ruiz-2"}
    _write(store, "a3", [("Ms Ruiz", "person"), ("Mr Marsh", "person"), ("the Kremlin", "organisation")])
    update_speakers(store)
    _check_equals_full_rebuild(store)
    # Rewriting a1 without the organisation frees "ana-ruiz" for the person.
    _write(store, "a1", [("Kremlin", "organisation")])
    update_speakers(store)
    _check_equals_full_rebuild(store)
    assert "ana-ruiz-2" not in {s.id for s in store.iter_speakers()}


def test_a_new_article_reclusters_only_the_blocks_it_touches(store):
    for n in range(30):
        _write(store, f"old{n}", [(f"Person{n} Surname{n}", "person"), (f"Agency {n}", "organisation")])
    update_speakers(store)
    asked: list[set[str]] = []
    original = store.refs_in_blocks

    def recording(blocks):
        asked.append(set(blocks))
        return original(blocks)

    store.refs_in_blocks = recording  # a spy on the real store: which blocks a run reads
    # Another mention of a known person and organisation: placed from the stored
    # summaries, no block's refs read.
    _write(store, "new", [("Ms Surname3", "person"), ("Agency 4", "organisation")])
    done = update_speakers(store)
    assert (done.placed, done.reclustered, asked) == (2, 0, [])
    _check_equals_full_rebuild(store)
    asked.clear()  # the check itself read every block
    # A second Surname3 by given name: "Ms Surname3" no longer has one candidate, so that
    # block alone is clustered again.
    _write(store, "newer", [("Ann Surname3", "person"), ("Agency 5", "organisation")])
    done = update_speakers(store)
    assert (done.placed, done.reclustered) == (1, 1)
    assert set().union(*asked) == {"p:surname3"}
    del store.refs_in_blocks
    _check_equals_full_rebuild(store)
    assert {s.name for s in store.iter_speakers() if "Ms Surname3" in s.aliases or s.name == "Ms Surname3"} \
        == {"Ms Surname3"}


def test_two_runs_into_one_database_equal_a_full_rebuild(tmp_path):
    lines = [json.dumps(obj) for obj in generate(24, sample_texts(), seed=5)]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[:14]) + "\n")
    second.write_text("\n".join(lines[14:]) + "\n")
    db = str(tmp_path / "inc.db")
    assert analyze([first], db=db, workers=0).ok
    summary = analyze([first, second], db=db, workers=0)
    assert (summary.added, summary.unchanged) == (10, 14)
    with open_store(db) as store:
        _check_equals_full_rebuild(store)


# Names that reach every rule of the speakers stage, a few per surname so that short
# forms often have one candidate: given-name variants (Jonathon and Johnathan are not
# one spelling apart, Jonathan is from both), initials, honorifics of both genders,
# accents, an organisation whose id a person's would take, unnamed sources.
_PEOPLE = ["Grace Marsh", "Tom Marsh", "G. Marsh", "T. Marsh", "Mr Marsh", "Mrs Marsh", "Marsh",
           "Sir Tom Marsh", "Dame Grace Marsh",
           "Dmitri S. Peskov", "Dmitry Peskov", "Mr Peskov", "Mrs Peskov", "Peskov", "Lord Peskov",
           "Zoë Kovač", "Zoe Kovac", "Ms Kovac", "Mr Kovac",
           "Jonathon Hale", "Johnathan Hale", "Jonathan Hale", "Mr Hale", "J. Hale",
           "Ana Ruiz", "Ms Ruiz"]
_ORGS = ["the Kremlin", "Kremlin", "Marsh Holdings", "Ana Ruiz"]
_TITLES = [(), (), (), ("Mr",), ("Mrs",), ("Foreign Secretary",)]


def _write_titled(store, article_id: str, speakers: list[tuple[str, str, tuple[str, ...]]]) -> None:
    quotes = [_quote(article_id, n, local, kind, titles) for n, (local, kind, titles) in enumerate(speakers)]
    article = Article(id=article_id, source=f"{article_id}.txt", body="text", outlet="The Harbour Gazette",
                      content_hash=f"{article_id}:{speakers}")
    store.write_batch(WriteBatch([(article, quotes)], "v", article_refs(quotes, article.outlet)))


def _random_runs(store, seed: int, steps: int) -> tuple[int, int]:
    """Write random articles one at a time, checking each run against a full rebuild;
    return the blocks settled by placing refs and by re-clustering."""
    import random

    rng = random.Random(seed)
    placed = reclustered = 0
    for step in range(steps):
        speakers = []
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            if roll < 0.8:
                speakers.append((rng.choice(_PEOPLE), "person", rng.choice(_TITLES)))
            elif roll < 0.95:
                speakers.append((rng.choice(_ORGS), "organisation", ()))
            else:
                speakers.append(("a senior source", "unnamed", ()))
        # Now and then an article is rewritten: its old refs leave their blocks.
        article_id = f"a{rng.randrange(step)}" if step > 3 and rng.random() < 0.1 else f"a{step}"
        _write_titled(store, article_id, speakers)
        done = update_speakers(store)
        placed, reclustered = placed + done.placed, reclustered + done.reclustered
        _check_equals_full_rebuild(store)
    return placed, reclustered


def test_placing_new_refs_equals_a_full_rebuild_at_every_step(store):
    placed = reclustered = 0
    for seed in range(8 if "sqlite" in type(store).__name__.lower() else 2):
        with store.engine.begin() as conn:  # each seed starts from an empty store
            for table in ("quotes", "speaker_refs", "speakers", "speaker_dirty", "articles"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
        p, r = _random_runs(store, seed, 40)
        placed, reclustered = placed + p, reclustered + r
    # Both ways were taken, so both were checked against the rebuild.
    assert placed > 20 and reclustered > 20, (placed, reclustered)


def test_a_given_name_that_joins_two_people_is_clustered_again(store):
    # Jonathon and Johnathan are two people (two edits apart); Jonathan is one edit from
    # each, so with it they are one person: placing it in either would be wrong.
    _write(store, "a1", [("Jonathon Hale", "person"), ("Johnathan Hale", "person")])
    update_speakers(store)
    assert len([s for s in store.iter_speakers() if "hale" in s.id]) == 2
    _write(store, "a2", [("Jonathan Hale", "person")])
    done = update_speakers(store)
    assert (done.placed, done.reclustered) == (0, 1)
    _check_equals_full_rebuild(store)
    assert len([s for s in store.iter_speakers() if "hale" in s.id]) == 1
