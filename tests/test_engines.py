"""Engines: the exports are the same whatever runs the per-article work, and how widely.

The corpus is recombined from the bundled sample (no ../shared needed), several batches
long, so every engine really ships tasks to its workers.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.scale import generate, sample_texts
from newstrail.engines import EngineError, open_engine
from newstrail.export import KINDS, rows
from newstrail.pipeline import TASK_SIZE, analyze
from newstrail.store import open_store

ARTICLES = 40
BATCH = 16  # three batches, two tasks in each full one


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("engines") / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for obj in generate(ARTICLES, sample_texts(), seed=11):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def exported(db: str) -> dict[str, list[dict]]:
    with open_store(db) as store:
        return {kind: list(rows(store, kind)) for kind in KINDS}


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict[str, list[dict]]:
    db = str(tmp_path_factory.mktemp("ref") / "inline.db")
    summary = analyze([corpus], db=db, batch_size=BATCH, workers=0)
    assert summary.ok and summary.added == ARTICLES
    return exported(db)


def test_reference_is_not_trivial(reference):
    assert len(reference["articles"]) == ARTICLES
    assert len(reference["quotes"]) > ARTICLES
    assert any(s["quote_count"] > 1 for s in reference["speakers"])
    assert BATCH > TASK_SIZE  # otherwise a batch would be one task and nothing would be spread


@pytest.mark.parametrize("engine,workers", [("local", 1), ("local", 2), ("dask", 2)])
def test_exports_identical_whatever_the_engine(corpus, reference, tmp_path, engine, workers):
    if engine == "dask":
        pytest.importorskip("distributed", reason="the dask engine needs the dist extra")
    db = str(tmp_path / f"{engine}{workers}.db")
    summary = analyze([corpus], db=db, batch_size=BATCH, engine=engine, workers=workers)
    assert summary.ok, summary.failures
    assert summary.stages["quotes"] > 0  # the workers did the work and said so
    got = exported(db)
    for kind in KINDS:
        assert got[kind] == reference[kind], f"{kind} differ on {engine} with {workers} workers"


def test_open_engine_errors_say_what_to_do():
    with pytest.raises(EngineError, match="unknown engine 'spark'; choose one of local, dask"):
        open_engine("spark")
    with pytest.raises(EngineError, match="--scheduler needs --engine dask"):
        open_engine("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(EngineError, match="--workers must be 0 or more"):
        open_engine("local", workers=-1)


def test_local_engine_keeps_input_order_whatever_the_costs():
    with open_engine("local", workers=2) as engine:
        assert engine.map(abs, [-3, 1, -2, 5, -4], costs=[1, 9, 2, 8, 3]) == [3, 1, 2, 5, 4]
    with open_engine("local", workers=0) as engine:
        assert engine.map(abs, [-1, -2]) == [1, 2]


def test_exports_identical_whatever_the_process(corpus, tmp_path):
    # Another engine is another set of processes, each with its own salt for string
    # hashing. Two runs in processes salted differently, with evidence caps small enough
    # that groups overflow, must store the same thing.
    import os
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from newstrail.clean import evidence\n"
        "evidence.MAX_UNITS = 6\n"
        "from newstrail.export import KINDS, rows\n"
        "from newstrail.pipeline import analyze\n"
        "from newstrail.store import open_store\n"
        "analyze([sys.argv[1]], db=sys.argv[2], batch_size=16, workers=0)\n"
        "with open_store(sys.argv[2]) as store:\n"
        "    print(json.dumps({kind: list(rows(store, kind)) for kind in KINDS}, sort_keys=True, default=str))\n"
    )
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", script, str(corpus), str(tmp_path / f"s{seed}.db")],
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(json.loads(done.stdout))
    assert outputs[0]["articles"] and outputs[0] == outputs[1]
