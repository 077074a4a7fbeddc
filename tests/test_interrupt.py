"""Interrupted runs: SIGKILL an analyze at several points of a 200-article run.

Whatever the moment, the database holds whole batches (every stored article with
exactly its quotes), SQLite's integrity check passes, and running the same command
again finishes the job: the exports then equal those of a run never interrupted.
On SQLite and on PostgreSQL.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.scale import generate, sample_texts
from newstrail.export import KINDS, rows
from newstrail.store import open_store
from pgutil import fresh_pg_url as _pg_url

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 200
BATCH = 16
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("interrupt") / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for obj in generate(ARTICLES, sample_texts(), seed=7):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def _command(corpus: Path, db: str, workers: int) -> list[str]:
    return [sys.executable, "-m", "newstrail", "analyze", str(corpus), "--db", db, "--batch-size", str(BATCH),
            "--workers", str(workers), "--no-progress", "--json"]


def _exported(db: str) -> dict[str, list[dict]]:
    with open_store(db) as store:
        return {kind: list(rows(store, kind)) for kind in KINDS}


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, list[dict]]:
    db = str(tmp_path_factory.mktemp("reference") / "ref.db")
    done = subprocess.run(_command(corpus, db, 0), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    exported = _exported(db)
    assert len(exported["articles"]) == ARTICLES
    return exported


def _count_articles(db: str) -> int:
    if db.startswith("postgresql://"):
        engine = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
        except sa.exc.ProgrammingError:  # the tables are not created yet
            return 0
        finally:
            engine.dispose()
    if not Path(db).exists():
        return 0
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def _kill_when(proc: subprocess.Popen, db: str, at_least: int) -> bool:
    """SIGKILL the run once ``at_least`` articles are committed; False when it finished first."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if _count_articles(db) >= at_least:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("the run neither finished nor reached the kill point in time")


def _check_whole_batches(db: str, reference: dict[str, list[dict]]) -> int:
    """Every stored article is a reference article with exactly its quotes; stored = whole batches."""
    got = _exported(db)
    # The corpus-wide stages (speakers, stories, trails) may not have run yet after a
    # kill: compare everything but the fields they fill in.
    corpus_wide = {"story_id", "speaker", "speaker_id", "trail_id"}

    def own(record: dict) -> dict:
        return {k: v for k, v in record.items() if k not in corpus_wide}

    ref_articles = {a["id"]: own(a) for a in reference["articles"]}
    for article in got["articles"]:
        assert own(article) == ref_articles[article["id"]]
    stored_ids = {a["id"] for a in got["articles"]}
    ref_quotes = [own(q) for q in reference["quotes"] if q["article_id"] in stored_ids]
    assert [own(q) for q in got["quotes"]] == ref_quotes
    order = sorted(ref_articles)  # ids are numbered in input order
    assert stored_ids == set(order[:len(stored_ids)])
    assert len(stored_ids) % BATCH == 0 or len(stored_ids) == ARTICLES
    return len(stored_ids)


def _sqlite_integrity(db: str) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _interrupt_and_resume(corpus, reference, db: str, kill_at: int, workers: int) -> None:
    psutil = pytest.importorskip("psutil", reason="psutil (bench or dist extra) watches the worker processes")

    proc = subprocess.Popen(_command(corpus, db, workers), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    children: list[psutil.Process] = []
    if workers:
        while proc.poll() is None and len(children) < workers and _count_articles(db) < kill_at:
            children = psutil.Process(proc.pid).children(recursive=True)
            time.sleep(0.05)
    killed = _kill_when(proc, db, kill_at)
    if db.endswith(".db"):
        _sqlite_integrity(db)
    stored = _check_whole_batches(db, reference)
    assert not killed or stored >= kill_at
    # Worker processes of a killed run must not linger: they notice the parent is gone.
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"worker processes outlived the killed run: {alive}"
    done = subprocess.run(_command(corpus, db, workers), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["unchanged"] == stored and summary["added"] == ARTICLES - stored
    if db.endswith(".db"):
        _sqlite_integrity(db)
    assert _exported(db) == reference


@pytest.mark.parametrize("kill_at,workers", [(1, 0), (ARTICLES // 2, 2), (ARTICLES, 0)],
                         ids=["first-batch", "half-way-2-workers", "before-speakers"])
def test_sqlite_run_killed_then_resumed(corpus, reference, tmp_path, kill_at, workers):
    _interrupt_and_resume(corpus, reference, str(tmp_path / "killed.db"), kill_at, workers)


@pytest.mark.parametrize("kill_at", [1, ARTICLES // 2], ids=["first-batch", "half-way"])
def test_postgres_run_killed_then_resumed(corpus, reference, kill_at):
    _interrupt_and_resume(corpus, reference, _pg_url(), kill_at, 0)
