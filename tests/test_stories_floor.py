"""Quality floor: story grouping on BASIL (one event, three outlets) and ECB+ (two similar events per topic).

Runs the grouping of benchmarks/stories.py on both datasets in full (a few seconds) and
asserts every score is at least its floor in benchmarks/floors.json (key "stories").
Raise a floor when a change makes a number better for good; never lower one silently.
Skips when the datasets are not beside the project.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.stories import DEFAULT_DATA, load_basil, load_ecbplus, pairwise, run_grouping  # noqa: E402

FLOORS = json.loads((ROOT / "benchmarks" / "floors.json").read_text(encoding="utf-8"))["stories"]


@pytest.mark.parametrize("name, loader, folder", [("basil", load_basil, "BASIL"), ("ecbplus", load_ecbplus, "ECBplus")])
def test_story_grouping_floor(name, loader, folder):
    if not (DEFAULT_DATA / folder).is_dir():
        pytest.skip(f"{folder} not found under {DEFAULT_DATA}: clone the project beside its shared/ folder to run this")
    articles, gold = loader(DEFAULT_DATA)
    labels, _ = run_grouping(articles)
    scores = pairwise(labels, gold)
    print(f"stories {name} " + " ".join(f"{k}={scores[k]:.3f}" for k in ("P", "R", "F1", "ARI")))
    for metric, floor in FLOORS[name].items():
        assert scores[metric] >= floor, f"{name} {metric}={scores[metric]:.3f} fell below its floor {floor}"
