"""Idempotence and updates, on SQLite and PostgreSQL.

* Analyzing the same corpus twice changes nothing: every export (jsonl and csv) is
  byte for byte the same, and so are the counts (failures included).
* Analyzing a changed version of an article replaces its quotes and its speakers'
  records follow; the other articles are untouched.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from newstrail.export import export
from newstrail.pipeline import analyze
from newstrail.store import open_store
from pgutil import fresh_pg_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newstrail" / "data" / "sample"
KINDS = ("articles", "quotes", "speakers", "stories", "trails")

ORIGINAL = """Port strike talks collapse

The harbour minister, Elena Varga, said on Monday that the port would stay open whatever the union decided.

"We will not let a few hundred people close the country's busiest port," Ms Varga told reporters in Kessling.

Union leader Tomas Brandt said the offer was an insult to his members.
"""
CHANGED = """Port strike talks collapse

The harbour minister, Elena Varga, said on Monday that the port would close for a week of repairs.

"The cranes are older than most of the dockers who drive them," Ms Varga told reporters in Kessling.

Shipping agent Priya Nair said the closure would cost exporters dearly.
"""


def pg_url() -> str:
    return fresh_pg_url()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path) -> str:
    return str(tmp_path / "i.db") if request.param == "sqlite" else pg_url()


def snapshot(db: str, out: Path) -> dict[str, bytes | dict[str, int]]:
    """Every export in jsonl and csv, as bytes, and the counts."""
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, bytes | dict[str, int]] = {}
    with open_store(db) as store:
        for kind in KINDS:
            for fmt in ("jsonl", "csv"):
                path = out / f"{kind}.{fmt}"
                export(store, kind, fmt, path)
                found[path.name] = path.read_bytes()
        found["counts"] = store.counts()
    return found


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    (folder / "zz_port.txt").write_text(ORIGINAL)
    (folder / "zz_broken.txt").write_bytes(b"")  # a failure, recorded on both runs
    return folder


def test_analyzing_the_same_corpus_twice_changes_nothing(db, tmp_path):
    folder = corpus(tmp_path)
    first = analyze([folder], db=db)
    assert first.added > 10 and first.quotes > 20 and first.failed == 1
    before = snapshot(db, tmp_path / "first")
    assert before["counts"]["quotes"] > 20
    second = analyze([folder], db=db)
    assert (second.added, second.updated, second.quotes, second.duplicates) == (0, 0, 0, first.duplicates)
    assert second.unchanged == first.added and second.failed == 1
    after = snapshot(db, tmp_path / "second")
    assert after["counts"] == before["counts"]
    for name in before:
        assert after[name] == before[name], f"{name} changed on the second run"


def test_same_corpus_given_in_pieces_or_again_as_a_copy_changes_nothing(db, tmp_path):
    """Reruns over part of the corpus, and a copy of a file under another name, add nothing."""
    folder = corpus(tmp_path)
    analyze([folder], db=db)
    before = snapshot(db, tmp_path / "first")
    files = sorted(folder.glob("*.txt"))
    analyze(files[:3], db=db)
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(files[0], copy / "renamed.txt")
    summary = analyze([copy], db=db)
    assert summary.duplicates == 1 and summary.added == 0
    assert snapshot(db, tmp_path / "second") == before


def _port_quotes(db: str) -> tuple[list, dict[str, object]]:
    with open_store(db) as store:
        quotes = [q for q in store.iter_quotes() if q.article_id == "zz_port"]
        speakers = {s.name: s for s in store.iter_speakers()}
    return quotes, speakers


def test_a_changed_article_replaces_its_quotes_and_speakers_follow(db, tmp_path):
    folder = corpus(tmp_path)
    analyze([folder], db=db)
    old_quotes, old_speakers = _port_quotes(db)
    others_before = snapshot(db, tmp_path / "before")["quotes.jsonl"]
    assert any("few hundred people" in q.text for q in old_quotes)
    assert any(q.speaker == "Tomas Brandt" for q in old_quotes) and "Tomas Brandt" in old_speakers
    varga_before = old_speakers["Elena Varga"]

    (folder / "zz_port.txt").write_text(CHANGED)
    summary = analyze([folder], db=db)
    assert (summary.updated, summary.added) == (1, 0)
    assert summary.unchanged == summary.seen - 1  # all but the changed article
    new_quotes, new_speakers = _port_quotes(db)
    texts = " | ".join(q.text for q in new_quotes)
    assert "few hundred people" not in texts and "insult" not in texts
    assert "cranes are older" in texts and "cost exporters dearly" in texts
    assert len({q.id for q in new_quotes}) == len(new_quotes)
    with open_store(db) as store:
        article = store.get_article("zz_port")
        assert article is not None and "week of repairs" in article.body
        for q in new_quotes:  # offsets point into the new body
            assert all(article.body[a:b] in q.text for a, b in q.spans)
        assert not list(store.search_quotes("insult"))
    # Speakers follow: one who spoke only in the old version is gone, a new one appears,
    # and the quote counts are those of the new version.
    assert "Tomas Brandt" not in new_speakers and "Priya Nair" in new_speakers
    assert new_speakers["Elena Varga"].quote_count == sum(q.speaker == "Elena Varga" for q in new_quotes) \
        + varga_before.quote_count - sum(q.speaker == "Elena Varga" for q in old_quotes)
    # Everything else is as it was.
    def others(data: bytes) -> list[dict]:
        return [row for row in map(json.loads, data.decode().splitlines()) if row["article_id"] != "zz_port"]

    after = snapshot(db, tmp_path / "after")
    assert others(after["quotes.jsonl"]) == others(others_before)

    # Going back to the first version gives the first state again.
    (folder / "zz_port.txt").write_text(ORIGINAL)
    analyze([folder], db=db)
    restored, restored_speakers = _port_quotes(db)
    assert [q.to_dict() for q in restored] == [q.to_dict() for q in old_quotes]
    assert {n: s.to_dict() for n, s in restored_speakers.items()} == {n: s.to_dict() for n, s in old_speakers.items()}


def test_a_changed_json_item_with_the_same_id_is_updated(db, tmp_path):
    feed = tmp_path / "items.jsonl"
    item = {"id": "story-1", "title": "Port talks", "text": ORIGINAL.split("\n\n", 1)[1]}
    feed.write_text(json.dumps(item) + "\n")
    analyze([feed], db=db)
    item["text"] = CHANGED.split("\n\n", 1)[1]
    feed.write_text(json.dumps(item) + "\n")
    summary = analyze([feed], db=db)
    assert (summary.updated, summary.added) == (1, 0)
    with open_store(db) as store:
        (article,) = store.iter_articles()
        texts = [q.text for q in store.iter_quotes()]
    assert article.id == "story-1" and "week of repairs" in article.body
    assert any("cranes are older" in t for t in texts) and not any("few hundred" in t for t in texts)


UNRELATED = """Lantern festival returns to Westhaven harbour

Thousands of visitors are expected in Westhaven on Saturday for the first lantern festival
since the old fish market was rebuilt.

"We have four hundred lanterns and one very nervous fire officer," said Ines Molnar, who
chairs the festival committee.

The parade leaves the lifeboat station at dusk.
"""


def _story_and_trails(db: str, article_id: str) -> tuple[str | None, list]:
    with open_store(db) as store:
        article = store.get_article(article_id)
        trails = [t for t in store.iter_trails() if article_id in t.article_ids]
    assert article is not None
    return article.story_id, trails


def test_a_changed_article_moves_story_and_leaves_its_trails(db, tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    radio = next(folder.glob("002_*.txt"))  # the Courier's report of the radio interview in 001
    original = radio.read_text(encoding="utf-8")
    analyze([folder], db=db)
    story, trails = _story_and_trails(db, radio.stem)
    partner_story, _ = _story_and_trails(db, next(folder.glob("001_*.txt")).stem)
    assert story is not None and story == partner_story
    assert trails, "the interview's quotes carried by both outlets should form trails"

    radio.write_text(UNRELATED, encoding="utf-8")
    assert analyze([folder], db=db).updated == 1
    moved, trails_after = _story_and_trails(db, radio.stem)
    assert moved != partner_story
    assert trails_after == []  # none of the interview's quotes is in the new version
    with open_store(db) as store:
        assert all(radio.stem not in s.article_ids for s in store.iter_stories() if s.id == partner_story)

    radio.write_text(original, encoding="utf-8")
    analyze([folder], db=db)
    back, trails_back = _story_and_trails(db, radio.stem)
    assert back == _story_and_trails(db, next(folder.glob("001_*.txt")).stem)[0]
    assert sorted(t.text for t in trails_back) == sorted(t.text for t in trails)
