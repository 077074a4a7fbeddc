"""Quality floor: quotes shared by two or more outlets of one BASIL event, found as one trail.

Runs the whole pipeline (benchmarks/stories.py ``bench_trails``) on the first ``limit``
BASIL events and asserts the share of shared quotes found as one trail is at least its
floor in benchmarks/floors.json (key "trails"). Skips when BASIL is not beside the project.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stories import DEFAULT_DATA, bench_trails  # noqa: E402

FLOORS = json.loads((ROOT / "benchmarks" / "floors.json").read_text(encoding="utf-8"))["trails"]


def test_trails_floor(tmp_path):
    if not (DEFAULT_DATA / "BASIL").is_dir():
        pytest.skip(f"BASIL not found under {DEFAULT_DATA}: clone the project beside its shared/ folder to run this")
    result = bench_trails(DEFAULT_DATA, FLOORS["limit"], workdir=tmp_path)
    assert result["shared"] > 0
    assert result["recall"] >= FLOORS["recall"], f"trails recall {result['recall']:.3f} < floor {FLOORS['recall']}"
