"""Incremental runs: speakers are re-clustered only where new articles landed, and the
result is exactly what clustering the whole corpus again would give (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from benchmarks.scale import generate, sample_texts
from newstrail.pipeline import analyze, update_speakers
from newstrail.records import Article, Quote
from newstrail.speakers import article_refs, build_speakers
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
    return build_speakers(store.refs_in_blocks(blocks))


def _check_equals_full_rebuild(store) -> None:
    speakers, mapping = _full_rebuild(store)
    assert sorted(store.iter_speakers(), key=lambda s: s.id) == sorted(speakers, key=lambda s: s.id)
    for quote in store.iter_quotes():
        assert quote.speaker_id == mapping.get((quote.article_id, quote.speaker_local)), quote.id
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
    _write(store, "new", [("Ms Surname3", "person"), ("Agency 4", "organisation")])
    update_speakers(store)
    assert set().union(*asked) == {"p:surname3", "o:agency 4"}
    del store.refs_in_blocks
    _check_equals_full_rebuild(store)


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
