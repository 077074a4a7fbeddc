"""One suite, run on every store backend: SQLite always, PostgreSQL when make test starts one."""
from __future__ import annotations

import pytest

from newstrail.records import Article, Failure, Quote, Speaker
from newstrail.store import open_store
from newstrail.store.sqlite import fts_query
from pgutil import fresh_pg_url as _pg_url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = str(tmp_path / "t.db") if request.param == "sqlite" else _pg_url()
    with open_store(url) as s:
        yield s


def _article(n: int, body: str = "The minister said talks would resume.") -> Article:
    return Article(id=f"a{n}", source=f"/x/a{n}.txt", title=f"Title {n}", body=body, removed=["Subscribe now"],
                   outlet="The Harbour Gazette", published="2023-03-14", content_hash=f"h{n}")


def _quote(article_id: str, n: int, local: str | None = "Ana Ruiz", text: str = "talks would resume") -> Quote:
    return Quote(id=f"{article_id}:q{n}", article_id=article_id, text=text, kind="indirect", start=4, end=20,
                 spans=[[4, 20]], speaker_local=local, speaker=local, speaker_kind="person",
                 speaker_titles=["Harbour Minister"], speaker_mention="she", speaker_start=0, speaker_end=3)


def test_round_trip(store):
    article = _article(1)
    quotes = [_quote("a1", 0), _quote("a1", 1, text="the port stays open")]
    store.write_articles([(article, quotes)], pipeline_version="v1")
    assert store.get_article("a1") == article
    assert list(store.iter_quotes("a1")) == quotes
    assert store.article_versions(["a1", "zz"]) == {"a1": ("h1", "v1")}
    assert store.ids_with_hashes(["h1", "nope"]) == {"h1": "a1"}


def test_rewrite_replaces_quotes_without_duplicates(store):
    store.write_articles([(_article(1), [_quote("a1", 0), _quote("a1", 1)])], pipeline_version="v1")
    changed = _article(1, body="The minister said nothing.")
    store.write_articles([(changed, [_quote("a1", 0, text="nothing")])], pipeline_version="v1")
    assert store.counts()["articles"] == 1
    assert [q.text for q in store.iter_quotes()] == ["nothing"]
    assert store.get_article("a1").body == "The minister said nothing."


def test_speaker_refs_and_replace(store):
    store.write_articles([(_article(1), [_quote("a1", 0), _quote("a1", 1)]),
                          (_article(2), [_quote("a2", 0, local="Ms Ruiz"), _quote("a2", 1, local=None)])],
                         pipeline_version="v1")
    refs = sorted((r.article_id, r.local, r.quote_count, r.outlet) for r in store.speaker_refs())
    assert refs == [("a1", "Ana Ruiz", 2, "The Harbour Gazette"), ("a2", "Ms Ruiz", 1, "The Harbour Gazette")]
    speaker = Speaker(id="ana-ruiz", name="Ana Ruiz", aliases=["Ms Ruiz"], article_ids=["a1", "a2"], quote_count=3)
    store.replace_speakers([speaker], {("a1", "Ana Ruiz"): "ana-ruiz", ("a2", "Ms Ruiz"): "ana-ruiz"})
    quotes = list(store.iter_quotes())
    assert [(q.speaker, q.speaker_id) for q in quotes] == [
        ("Ana Ruiz", "ana-ruiz"), ("Ana Ruiz", "ana-ruiz"), ("Ana Ruiz", "ana-ruiz"), (None, None)]
    assert list(store.iter_speakers()) == [speaker]


def test_search_is_parameterised_and_tolerant(store):
    store.write_articles([(_article(1), [_quote("a1", 0, text="the harbour will reopen")])], pipeline_version="v")
    assert [q.id for q in store.search_quotes("harbour reopen")] == ["a1:q0"]
    assert store.search_quotes("harbour closed") == []
    # Operators, quotes and SQL in user input are just words, never syntax.
    for nasty in ['"harbour', "harbour' OR 1=1 --", "NEAR(", "*", ""]:
        store.search_quotes(nasty)
    assert [a.id for a in store.search_articles("minister")] == ["a1"]


def test_failures_and_state(store):
    store.record_failure(Failure("bad.json", "ingest", "bad.json: invalid JSON; fix it"))
    assert [f.source for f in store.iter_failures()] == ["bad.json"]
    assert store.get_state("k") is None
    store.set_state("k", {"lines": {"x": 2}})
    store.set_state("k", {"lines": {"x": 3}})
    assert store.get_state("k") == {"lines": {"x": 3}}


def test_reopen_keeps_data_and_schema(tmp_path):
    path = tmp_path / "n.db"
    with open_store(path) as s:
        s.write_articles([(_article(1), [])], pipeline_version="v")
    with open_store(path) as s:
        assert s.counts()["articles"] == 1


def test_fts_query_quotes_every_word():
    assert fts_query('peace "talks" OR') == '"peace" AND "talks" AND "OR"'
    assert fts_query("cease*") == '"cease"*'
    assert fts_query('" ( ) ') == ""


def test_search_follows_a_changed_speaker_but_not_other_updates(store):
    store.write_articles([(_article(1), [_quote("a1", 0, text="the harbour will reopen")])], pipeline_version="v")
    speaker = Speaker(id="ana-vega", name="Ana Vega", article_ids=["a1"], quote_count=1)
    store.replace_speakers([speaker], {("a1", "Ana Ruiz"): "ana-vega"})
    assert [q.id for q in store.search_quotes("Vega harbour")] == ["a1:q0"]
    assert store.search_quotes("Ruiz harbour") == []
    assert [a.id for a in store.search_articles("minister")] == ["a1"]


def _fts_pages(path, table: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT id, block FROM {table}_fts_data ORDER BY id").fetchall()


def test_setting_trail_and_story_ids_leaves_the_text_index_alone(tmp_path):
    # Each re-index of a row writes a new index segment; the stages set ids on every row.
    import sqlite3

    path = tmp_path / "ids.db"
    with open_store(path) as s:
        s.write_articles([(_article(1), [_quote("a1", 0)])], pipeline_version="v")
    before = (_fts_pages(path, "quotes"), _fts_pages(path, "articles"))
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE quotes SET trail_id = 'trail-1'")
        conn.execute("UPDATE articles SET story_id = 'story-1'")
    assert (_fts_pages(path, "quotes"), _fts_pages(path, "articles")) == before
    with sqlite3.connect(path) as conn:  # the text itself still re-indexes
        conn.execute("UPDATE quotes SET text = 'the ferry is cancelled'")
    with open_store(path) as s:
        assert [q.id for q in s.search_quotes("ferry")] == ["a1:q0"]
        assert s.search_quotes("resume") == []


def test_migration_replaces_the_old_update_triggers(tmp_path):
    import sqlite3

    path = tmp_path / "old.db"
    with open_store(path) as s:
        s.write_articles([(_article(1), [_quote("a1", 0)])], pipeline_version="v")
    with sqlite3.connect(path) as conn:  # what version 7 made: a trigger firing on any update
        conn.execute("DROP TRIGGER quotes_au")
        conn.execute("CREATE TRIGGER quotes_au AFTER UPDATE ON quotes BEGIN INSERT INTO quotes_fts(quotes_fts, rowid,"
                     " text, speaker) VALUES ('delete', old.rowid, old.text, old.speaker); INSERT INTO quotes_fts("
                     "rowid, text, speaker) VALUES (new.rowid, new.text, new.speaker); END")
        conn.execute("UPDATE schema_version SET version = 7")
    with open_store(path):
        pass
    before = _fts_pages(path, "quotes")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE quotes SET trail_id = 'trail-1'")
    assert _fts_pages(path, "quotes") == before
    with open_store(path) as s:
        assert [q.id for q in s.search_quotes("talks resume")] == ["a1:q0"]
