"""Quality floor for cleaning: a fixed slice of the ScrapingHub and L3S-GN1 sets.

The full numbers come from ``benchmarks/cleaning.py`` (``make bench-clean``); this test
scores the first pages of each set so that ``make test`` notices a regression in
HTML extraction or in the plain-text boilerplate remover within seconds.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import cleaning

FLOORS = json.loads((Path(__file__).parents[1] / "benchmarks" / "floors.json").read_text())["cleaning"]


@pytest.mark.parametrize("dataset", ["scrapinghub", "l3s"])
def test_cleaning_floor(dataset, shared_data):
    folder = shared_data / cleaning.LOADERS[dataset][0]
    if not folder.is_dir():
        pytest.skip(f"{folder} not found: the {dataset} floor needs ../shared/data")
    floor = FLOORS[dataset]
    scores = dict(cleaning.evaluate(dataset, shared_data, limit=floor["limit"]))
    got = scores["newstrail"]
    assert got.f1 >= floor["F1"], f"{dataset}: F1 {got.f1:.3f} < floor {floor['F1']}"
    assert got.precision >= floor["P"], f"{dataset}: P {got.precision:.3f} < floor {floor['P']}"
    assert got.recall >= floor["R"], f"{dataset}: R {got.recall:.3f} < floor {floor['R']}"
