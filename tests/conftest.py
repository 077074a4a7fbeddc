"""Shared fixtures. Material in ../shared is read in place, never copied into the repo."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
SAMPLE = ROOT / "newstrail" / "data" / "sample"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS}: clone the project beside its shared/ folder to run these")
    return SEEDS


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"evaluation datasets not found at {path}")
    return path


@pytest.fixture(scope="session")
def nlp():
    from newstrail.nlp import load_nlp

    return load_nlp()
