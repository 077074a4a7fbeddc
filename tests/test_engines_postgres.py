"""PostgreSQL end to end: `newstrail analyze` into a real server chosen by $NEWSTRAIL_DB or
--db postgresql://…, exports equal to SQLite's, and search served by PostgreSQL's own
full-text index."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from newstrail.cli import main
from newstrail.export import KINDS
from newstrail.store import open_store
from newstrail.store.postgres import PostgresStore
from pgutil import fresh_pg_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newstrail" / "data" / "sample"


@pytest.fixture
def pg_url() -> str:
    return fresh_pg_url()


def _export_all(capsys, db: str | None) -> dict[str, str]:
    out = {}
    for kind in KINDS:
        argv = ["export", kind] + (["--db", db] if db else [])
        assert main(argv) == 0
        out[kind] = capsys.readouterr().out
    return out


def test_sample_into_postgres_exports_what_sqlite_does(pg_url, tmp_path, capsys, monkeypatch):
    sqlite_db = str(tmp_path / "sample.db")
    assert main(["analyze", str(SAMPLE), "--db", sqlite_db, "--no-progress", "--workers", "0"]) == 0
    # The server comes from the environment, as a team sharing one database would set it.
    monkeypatch.setenv("NEWSTRAIL_DB", pg_url)
    assert main(["analyze", str(SAMPLE), "--no-progress", "--workers", "0"]) == 0
    capsys.readouterr()
    with open_store(None) as store:
        assert isinstance(store, PostgresStore)
    from_pg = _export_all(capsys, None)
    monkeypatch.delenv("NEWSTRAIL_DB")
    from_sqlite = _export_all(capsys, sqlite_db)
    assert from_pg["articles"].count("\n") == 13
    assert from_pg["quotes"].count("\n") > 50
    for kind in KINDS:
        assert from_pg[kind] == from_sqlite[kind], kind


def test_postgres_search_goes_through_its_full_text_index(pg_url, capsys):
    assert main(["analyze", str(SAMPLE), "--db", pg_url, "--no-progress", "--workers", "0"]) == 0
    with open_store(pg_url) as store:
        quote = next(q for q in store.iter_quotes() if len(q.text.split()) > 4)
        word = max(quote.text.split(), key=len).strip(".,;:'\"“”‘’")
        assert any(hit.id == quote.id for hit in store.search_quotes(word, limit=100))
        with store.engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: make the planner show its index
            plan = "\n".join(row[0] for row in conn.execute(sa.text(
                "EXPLAIN SELECT id FROM quotes WHERE fts @@ plainto_tsquery('simple', :q)"), {"q": word}))
    assert "quotes_fts" in plan, plan
