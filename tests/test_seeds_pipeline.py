"""The seeds as an integration fixture: analyze a copy through the CLI, read the export back."""
from __future__ import annotations

import json
import shutil

import pytest

from newstrail.cli import main


@pytest.fixture(scope="module")
def exported(seeds_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("seeds")
    corpus = work / "seeds"
    shutil.copytree(seeds_dir, corpus)
    db = work / "seeds.db"
    assert main(["analyze", str(corpus), "--db", str(db), "--no-progress"]) == 0
    out = {}
    for kind in ("articles", "quotes", "speakers"):
        target = work / f"{kind}.jsonl"
        assert main(["export", kind, "--db", str(db), "-o", str(target)]) == 0
        out[kind] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    return out


def by_id(rows):
    return {r["id"]: r for r in rows}


def test_all_five_stored(exported):
    assert sorted(by_id(exported["articles"])) == [
        "000_981bbf66759760c1", "001_f7e464825455dc94", "002_8118a7fe16fe1c56",
        "003_5bcf9f9216a96b61", "004_b09ec2368354391f"]


def test_metadata(exported):
    articles = by_id(exported["articles"])
    a004 = articles["004_b09ec2368354391f"]
    assert a004["byline"] == "Jon Stone"
    assert a004["published"].startswith("2022-01-20")
    assert a004["outlet"] == "The Independent"
    for i in ("000_981bbf66759760c1", "002_8118a7fe16fe1c56"):
        assert articles[i]["outlet"] == "The Independent"
    assert articles["000_981bbf66759760c1"]["title"] == "Putin may use Ukraine peace talks to rearm, warns Cleverly"
    assert articles["001_f7e464825455dc94"]["title"] is None
    assert articles["003_5bcf9f9216a96b61"]["title"].endswith("for 3rd time")
    assert articles["004_b09ec2368354391f"]["title"].startswith("Britain and US warn Putin")
    for a in articles.values():
        assert a["published"] is None or a["id"].startswith("004")  # never the ingestion date


def test_bodies_are_clean(exported):
    for a in exported["articles"]:
        body = a["body"]
        for marker in ("Your support", "Your donation", "commenting forum", "Thank you for registering",
                       "Notifications can be", "refresh the page", "is trusted by"):
            assert marker not in body, (a["id"], marker)
        assert a["removed"] or a["id"].startswith(("001", "003"))


def test_quotes_have_speakers(exported):
    quotes = exported["quotes"]
    speakers = {q["speaker"] for q in quotes}
    for name in ("James Cleverly", "Liz Truss", "David Lammy", "Volodymyr Zelensky", "Keir Starmer"):
        assert any(s and name.split()[-1] in s for s in speakers), name
    cleverly = [s for s in exported["speakers"] if "Cleverly" in s["name"]]
    assert len(cleverly) == 1 and set(cleverly[0]["article_ids"]) >= {"000_981bbf66759760c1", "001_f7e464825455dc94"}
