"""Golden search evaluation: the questions in benchmarks/explore.py must keep their scores."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.explore import GOLDEN, analyze_sample, quality
from newstrail.store import open_store

FLOORS = json.loads((Path(__file__).resolve().parent.parent / "benchmarks" / "floors.json").read_text())["search"]


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> dict[str, float]:
    db = tmp_path_factory.mktemp("golden") / "sample.db"
    analyze_sample(db)
    with open_store(db) as store:
        return quality(store)


@pytest.mark.parametrize("metric", ["p_at_1", "mrr_at_5"])
def test_search_quality_floor(scores, metric):
    assert scores["n"] == len(GOLDEN)
    assert scores[metric] >= FLOORS[metric], f"search {metric} = {scores[metric]:.3f}, below its floor {FLOORS[metric]}"
