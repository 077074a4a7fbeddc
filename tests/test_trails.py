"""Quote trails: appearances across articles, variants, origins, paraphrases."""
from __future__ import annotations

import json
import random

import pytest

from newstrail import pipeline
from newstrail.records import Quote
from newstrail.store import open_store
from newstrail.trails import QuoteRef, build_trails, fold_words, origin_of, quoted_text


def _ref(qid: str, article: str, text: str, *, kind: str = "direct", speaker: str | None = "ana-ruiz",
         outlet: str = "Gazette", published: str | None = "2023-03-14") -> QuoteRef:
    quote = Quote(id=qid, article_id=article, text=text, kind=kind, speaker_id=speaker,
                  speaker=speaker and speaker.replace("-", " ").title())
    shown = quoted_text(quote)
    return QuoteRef(quote, outlet, published, fold_words(shown), shown)


BASE = "We will not let one dispute sink a whole coast, and we will find a table for them by Friday."


def _variant_kind(other: str) -> dict:
    refs = [_ref("a:q1", "a", BASE), _ref("b:q1", "b", other, outlet="Courier", published="2023-03-15")]
    result = build_trails(refs)
    assert len(result.trails) == 1
    trail = result.trails[0]
    assert trail.text == BASE and trail.article_ids == ["a", "b"]
    assert len(trail.variants) == 1
    return trail.variants[0]


def test_variant_truncated():
    v = _variant_kind("We will not let one dispute sink a whole coast")
    assert v["kind"] == "truncated" and "find a table" in v["diff"]


def test_variant_extended():
    v = _variant_kind(BASE + " Nobody wins when the cranes stand still.")
    assert v["kind"] == "extended" and "cranes stand still" in v["diff"]


def test_variant_punctuation():
    v = _variant_kind(BASE.replace(",", "").replace("Friday.", "Friday!"))
    assert v["kind"] == "punctuation"


def test_variant_spelling():
    v = _variant_kind(BASE.replace("whole", "hole"))
    assert v["kind"] == "spelling" and "'whole' → 'hole'" in v["diff"]


def test_variant_words_altered():
    v = _variant_kind(BASE.replace("sink a whole coast", "ruin the entire region"))
    assert v["kind"] == "altered" and "ruin the entire region" in v["diff"]


def test_same_text_no_variant_and_first_seen():
    refs = [_ref("b:q1", "b", BASE, published="2023-03-16"), _ref("a:q1", "a", BASE, published="2023-03-14")]
    trail = build_trails(refs).trails[0]
    assert trail.variants == [] and trail.first_seen == "2023-03-14"
    assert [a["article_id"] for a in trail.appearances] == ["a", "b"]


def test_one_article_is_no_trail():
    assert build_trails([_ref("a:q1", "a", BASE), _ref("a:q2", "a", "Something else entirely was said here today")]
                        ).trails == []


def test_different_speakers_short_quotes_do_not_join():
    refs = [_ref("a:q1", "a", "very, very careful", speaker="james-cleverly"),
            _ref("b:q1", "b", "very, very careful", speaker="liz-truss")]
    assert build_trails(refs).trails == []


def test_paraphrase_linked_not_verbatim():
    refs = [
        _ref("a:q1", "a", BASE),
        _ref("b:q1", "b", BASE, outlet="Courier"),
        _ref("c:q1", "c", "she would not let one dispute sink the whole coast and would find them a table by Friday",
             kind="indirect", outlet="Meridian"),
    ]
    result = build_trails(refs)
    trail = result.trails[0]
    assert [p["article_id"] for p in trail.paraphrases] == ["c"]
    assert "c" not in trail.article_ids
    assert result.mapping["c:q1"] == trail.id


def test_order_independent():
    refs = [_ref(f"{c}:q1", c, BASE if c != "d" else BASE[:60], published=f"2023-03-1{n}")
            for n, c in enumerate("abcd")]
    expected = build_trails(refs)
    for seed in range(3):
        shuffled = refs[:]
        random.Random(seed).shuffle(shuffled)
        again = build_trails(shuffled)
        assert [t.to_dict() for t in again.trails] == [t.to_dict() for t in expected.trails]


@pytest.mark.parametrize("context, origin", [
    ("In an interview with The Daily Telegraph, he said", "in an interview with The Daily Telegraph"),
    ("Speaking on the Coastline radio programme, Ms Kovac said", "speaking on the Coastline radio programme"),
    ("the minister told MPs on Tuesday", "told MPs"),
    ("she wrote on social media", "wrote on social media"),
    ("he said at a press conference in Brussels", "at a press conference in Brussels"),
    ("he said, adding that talks would go on", None),
])
def test_origin(context, origin):
    assert origin_of(context) == origin


# ------------------------------------------------------------------ seeds
@pytest.fixture(scope="module")
def seeds_store(seeds_dir, tmp_path_factory):
    db = tmp_path_factory.mktemp("trails") / "seeds.db"
    pipeline.analyze([seeds_dir], db=db)
    with open_store(db) as store:
        yield store


@pytest.mark.seeds
def test_seeds_cleverly_trails_span_both_articles(seeds_store):
    cleverly = [t for t in seeds_store.iter_trails() if t.speaker == "James Cleverly"]
    assert len(cleverly) >= 2
    for trail in cleverly:
        assert {a[:3] for a in trail.article_ids} == {"000", "001"}
    texts = " | ".join(t.text for t in cleverly)
    assert "ceasefire is actually just used by Putin" in texts
    assert "needs to be sustainable" in texts


@pytest.mark.seeds
def test_seeds_trail_origins_and_paraphrase(seeds_store):
    trails = list(seeds_store.iter_trails())
    ceasefire = next(t for t in trails if "ceasefire is actually" in t.text)
    assert ceasefire.origin == "in an interview with The Daily Telegraph"
    resolution = next(t for t in trails if "needs to be sustainable" in t.text)
    assert any(a["origin"] == "told The Telegraph" for a in resolution.appearances)
    assert resolution.variants and resolution.variants[0]["kind"] in {"altered", "truncated", "extended"}
    assert [p["article_id"][:3] for p in resolution.paraphrases] == ["001"]
    assert "utilised by Russia" in resolution.paraphrases[0]["text"]


@pytest.mark.seeds
def test_seeds_quotes_point_at_trails(seeds_store):
    trails = {t.id: t for t in seeds_store.iter_trails()}
    linked = [q for q in seeds_store.iter_quotes() if q.trail_id]
    assert linked
    for q in linked:
        trail = trails[q.trail_id]
        ids = {a["quote_id"] for a in trail.appearances} | {p["quote_id"] for p in trail.paraphrases}
        assert q.id in ids


@pytest.mark.seeds
def test_seeds_export_trails(seeds_store, tmp_path):
    from newstrail.export import rows

    exported = list(rows(seeds_store, "trails"))
    assert exported
    assert list(exported[0])[:7] == ["id", "speaker_id", "speaker", "text", "article_ids", "first_seen", "variants"]
    json.dumps(exported)  # every value is plain JSON


# ------------------------------------------------------------------ sample corpus
@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent / "newstrail" / "data" / "sample"
    db = tmp_path_factory.mktemp("trails-sample") / "sample.db"
    pipeline.analyze([sample], db=db)
    with open_store(db) as store:
        yield store


def test_sample_radio_interview_trails(sample_store):
    # Kovač on the Coastline radio programme, reported by the Gazette (001) and the Courier (002).
    kovac = [t for t in sample_store.iter_trails() if set(t.article_ids) == {"001_ad8413c24c2a22fb",
                                                                            "002_ce88aaadea20863a"}]
    assert len(kovac) >= 2
    for trail in kovac:
        assert trail.speaker_id and "kovac" in trail.speaker_id
        assert trail.first_seen == "2023-03-14T09:15:00+00:00"  # the Gazette's, two hours before the Courier's
        assert "Coastline" in (trail.origin or "")
    table = next(t for t in kovac if "find a table" in t.text)
    assert table.variants and table.variants[0]["kind"] == "truncated"
    assert {a["outlet"] for a in table.appearances} == {"The Harbour Gazette", "Northfield Courier"}


def test_sample_paraphrase_across_outlets(sample_store):
    # The Gazette quotes Orlenko on fish and treaties; Meridian Daily reports it in indirect speech.
    fish = next(t for t in sample_store.iter_trails() if "fish do not read treaties" in t.text)
    assert [p["article_id"] for p in fish.paraphrases] == ["005_6692cdef9f0ed31d"]
    assert fish.origin == "told the Gazette"
