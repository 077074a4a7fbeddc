"""Canonical speakers across the corpus: who is one person, who must stay apart, and stable ids."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newstrail.records import Quote
from newstrail.speakers import SpeakerRef, assign_speakers, build_speakers, refs_from_quotes

GOLDEN = Path(__file__).parent / "golden"
SAMPLE = Path(__file__).resolve().parent.parent / "newstrail" / "data" / "sample"


def person(article_id: str, local: str, quotes: int = 1, titles: list[str] | None = None) -> SpeakerRef:
    return SpeakerRef(article_id, local, "person", titles or [], quotes)


def ids_of(refs: list[SpeakerRef]) -> dict[tuple[str, str], str]:
    return build_speakers(refs)[1]


def by_name(refs: list[SpeakerRef]) -> dict[str, object]:
    return {s.name: s for s in build_speakers(refs)[0]}


def test_accents_and_punctuation_fold_and_the_accented_form_is_canonical():
    refs = [person("a1", "Maros Sefcovic", 3), person("a2", "Maroš Šefčovič"), person("a3", "MAROS SEFCOVIC")]
    speakers, ids = build_speakers(refs)
    assert len(speakers) == 1
    assert speakers[0].name == "Maroš Šefčovič"  # accents are information, even when outnumbered
    assert speakers[0].aliases == ["MAROS SEFCOVIC", "Maros Sefcovic"]
    assert speakers[0].id == "maros-sefcovic"
    assert speakers[0].quote_count == 5 and speakers[0].article_ids == ["a1", "a2", "a3"]


@pytest.mark.parametrize("forms", [
    ["Dmitri Peskov", "Dmitry Peskov"],
    ["Volodymyr Zelensky", "Volodimir Zelenskyy", "Volodymyr Zelenskiy"],
    ["Oleksandr Syrskyi", "Olexandr Syrskyy"],
    ["Aleksandr Orlov", "Aleksander Orlov"],
])
def test_transliterations_are_one_person(forms):
    ids = ids_of([person(f"a{i}", f) for i, f in enumerate(forms)])
    assert len(set(ids.values())) == 1, ids


@pytest.mark.parametrize("a, b", [("Maria Lopez", "Marie Lopez"), ("John Smith", "Jean Smith"),
                                  ("Alan Price", "Alan Pryce"), ("Peter Marsh", "Helen Marsh")])
def test_similar_but_different_names_stay_apart(a, b):
    ids = ids_of([person("a1", a), person("a2", b)])
    assert ids[("a1", a)] != ids[("a2", b)]


def test_middle_initials_and_titles_are_ignored_but_titles_are_kept():
    refs = [person("a1", "Putin spokesman Dmitri S. Peskov"), person("a2", "Dmitry Peskov"),
            person("a3", "Dmitry Peskov", titles=["Kremlin spokesman"])]
    speakers, ids = build_speakers(refs)
    assert len(speakers) == 1
    assert speakers[0].name == "Dmitry Peskov"  # most frequent full form
    assert speakers[0].titles == ["Kremlin spokesman", "Putin spokesman"]
    assert "Putin spokesman Dmitri S. Peskov" in speakers[0].aliases


def test_honorific_surname_joins_the_only_full_name_with_that_surname():
    refs = [person("a1", "James Cleverly", 2), person("a2", "Mr Cleverly"), person("a3", "Foreign Secretary Cleverly")]
    speakers, ids = build_speakers(refs)
    assert [s.name for s in speakers] == ["James Cleverly"]
    assert speakers[0].aliases == ["Foreign Secretary Cleverly", "Mr Cleverly"]
    assert speakers[0].titles == ["Foreign Secretary", "Mr"]


def test_honorific_surname_with_two_candidates_stays_its_own_speaker():
    refs = [person("a1", "Peter Marsh"), person("a2", "Helen Marsh"), person("a3", "Mr Marsh"), person("a4", "Mr Marsh")]
    speakers = by_name(refs)
    assert set(speakers) == {"Peter Marsh", "Helen Marsh", "Mr Marsh"}
    assert speakers["Mr Marsh"].article_ids == ["a3", "a4"]
    assert speakers["Peter Marsh"].article_ids == ["a1"]


def test_an_initial_picks_the_candidate_whose_given_name_it_starts():
    refs = [person("a1", "Peter Marsh"), person("a2", "Helen Marsh"), person("a3", "P. Marsh")]
    ids = ids_of(refs)
    assert ids[("a3", "P. Marsh")] == ids[("a1", "Peter Marsh")] != ids[("a2", "Helen Marsh")]


def test_honorific_gender_that_contradicts_the_candidate_blocks_the_merge():
    refs = [person("a1", "Sir Alan Pryce"), person("a2", "Ms Pryce")]
    ids = ids_of(refs)
    assert ids[("a1", "Sir Alan Pryce")] != ids[("a2", "Ms Pryce")]
    speakers = by_name(refs)
    assert speakers["Alan Pryce"].titles == ["Sir"]


def test_surname_only_speakers_without_any_full_name_merge_across_articles():
    ids = ids_of([person("a1", "Mr Starmer"), person("a2", "Mr. Starmer"), person("a3", "Ms Starmer")])
    assert ids[("a1", "Mr Starmer")] == ids[("a2", "Mr. Starmer")] != ids[("a3", "Ms Starmer")]


def test_unnamed_sources_are_kept_per_article_and_never_join_people():
    refs = [SpeakerRef("a1", "a government source", "unnamed", [], 1),
            SpeakerRef("a2", "a government source", "unnamed", [], 2),
            SpeakerRef("a2", "Source", "person", [], 1)]
    speakers, ids = build_speakers(refs)
    assert ids[("a1", "a government source")] == "unnamed:a1:a-government-source"
    assert ids[("a2", "a government source")] == "unnamed:a2:a-government-source"
    assert ids[("a2", "Source")] == "source"
    assert {s.kind for s in speakers} == {"unnamed", "person"}


def test_organisations_merge_by_folded_name_without_the():
    refs = [SpeakerRef("a1", "the Kremlin", "organisation", [], 1), SpeakerRef("a2", "Kremlin", "organisation", [], 1),
            SpeakerRef("a3", "The Kremlin", "organisation", [], 1), person("a4", "Dmitry Kremlin")]
    speakers, ids = build_speakers(refs)
    organisation = next(s for s in speakers if s.kind == "organisation")
    assert organisation.name == "Kremlin" and organisation.article_ids == ["a1", "a2", "a3"]
    assert ids[("a4", "Dmitry Kremlin")] != organisation.id


def test_colliding_slugs_get_suffixes_in_a_fixed_order():
    refs = [SpeakerRef("a1", "Ali Baba", "organisation", [], 1), person("a2", "Ali Baba")]
    ids = ids_of(refs)
    assert ids[("a1", "Ali Baba")] == "ali-baba"  # "organisation" sorts before "person"
    assert ids[("a2", "Ali Baba")] == "ali-baba-2"


def test_duplicate_refs_add_up():
    speakers, _ = build_speakers([person("a1", "Grace Okafor", 2), person("a1", " Grace  Okafor ", 3)])
    assert len(speakers) == 1 and speakers[0].quote_count == 5 and speakers[0].aliases == []


POOL = [person("a1", "Maroš Šefčovič"), person("a2", "Maros Sefcovic"), person("a3", "Mr Sefcovic"),
        person("a4", "Peter Marsh"), person("a5", "Helen Marsh"), person("a6", "Mr Marsh"),
        person("a7", "Dmitri S. Peskov"), person("a8", "Dmitry Peskov"), person("a8", "Ms Truss"),
        SpeakerRef("a9", "a Whitehall source", "unnamed", [], 1), SpeakerRef("a9", "the Kremlin", "organisation", [], 1),
        SpeakerRef("a1", "Kremlin", "organisation", [], 2), person("a2", "Ali Baba"),
        SpeakerRef("a3", "Ali Baba", "organisation", [], 1), person("a9", "Liz Truss")]


@settings(max_examples=60, deadline=None)
@given(st.permutations(POOL))
def test_input_order_changes_nothing(refs):
    expected, expected_ids = build_speakers(list(POOL))
    copies = [SpeakerRef(r.article_id, r.local, r.kind, list(r.titles), r.quote_count) for r in refs]
    speakers, ids = build_speakers(copies)
    assert [s.to_dict() for s in speakers] == [s.to_dict() for s in expected]
    assert ids == expected_ids


def test_quotes_in_and_canonical_speakers_out():
    quotes = [Quote(id="q1", article_id="a1", text="x", speaker_local="Zoe Kovac", speaker_kind="person",
                    speaker_titles=["Harbour Minister"]),
              Quote(id="q2", article_id="a1", text="y", speaker_local="Zoe Kovac", speaker_kind="person"),
              Quote(id="q3", article_id="a2", text="z", speaker_local="Zoë Kovač", speaker_kind="person"),
              Quote(id="q4", article_id="a2", text="w")]
    refs = refs_from_quotes(quotes, outlets={"a1": "Northfield Courier"})
    assert [(r.article_id, r.local, r.quote_count, r.titles, r.outlet) for r in refs] == [
        ("a1", "Zoe Kovac", 2, ["Harbour Minister"], "Northfield Courier"), ("a2", "Zoë Kovač", 1, [], None)]
    speakers, mapping = build_speakers(refs)
    assign_speakers(quotes, speakers, mapping)
    assert [(q.speaker_id, q.speaker) for q in quotes] == [("zoe-kovac", "Zoë Kovač")] * 3 + [(None, None)]


def test_hundreds_of_thousands_of_refs_stay_fast():
    rng = random.Random(7)
    given_names = ["Anna", "Peter", "Helen", "Dmitri", "Dmitry", "Zoë", "Zoe", "Grace", "Alan", "Lena"]
    surnames = [f"Surname{i}" for i in range(5000)] + ["Marsh", "Kovač", "Kovac", "Smith"]
    refs = [person(f"a{i}", f"{rng.choice(['', 'Mr ', 'Ms '])}{rng.choice(given_names)} {rng.choice(surnames)}")
            for i in range(200_000)]
    start = time.perf_counter()
    speakers, ids = build_speakers(refs)
    assert time.perf_counter() - start < 30
    assert len(ids) == len(refs) and len(speakers) < len(refs) // 2


def test_sample_corpus_speakers_match_the_golden_file(nlp):
    """End to end on the bundled sample: ingest, clean, quotes, speakers."""
    try:
        from newstrail.quotes import extract_quotes
    except ImportError as error:  # the quotes stage is built in parallel
        pytest.skip(f"quotes stage not usable yet: {error}")
    from newstrail.clean import Cleaner
    from newstrail.ingest import iter_documents
    from newstrail.records import Article

    gold = json.loads((GOLDEN / "speakers_sample.json").read_text(encoding="utf-8"))
    failures: list[object] = []
    documents = list(iter_documents([str(SAMPLE)], on_error=failures.append))
    assert not failures, failures
    articles = [a for a in Cleaner().clean_batch(documents) if isinstance(a, Article)]
    quotes = [q for _, found in extract_quotes(articles, nlp=nlp) for q in found]
    speakers, _ = build_speakers(refs_from_quotes(quotes))
    named = {s.name: s for s in speakers}
    problems = []
    for expected in gold["people"]:
        found = named.get(expected["name"])
        if found is None:
            problems.append(f"no speaker named {expected['name']!r}")
            continue
        for key in ("aliases", "article_ids", "titles"):
            missing = set(expected[f"{key}_include"]) - set(getattr(found, key))
            if missing:
                problems.append(f"{expected['name']}: {key} lacks {sorted(missing)}")
    for expected in gold.get("organisations", []):
        found = named.get(expected["name"])
        if found is None or found.kind != "organisation":
            problems.append(f"no organisation named {expected['name']!r}")
        elif set(expected["article_ids_include"]) - set(found.article_ids):
            problems.append(f"{expected['name']}: article_ids lacks "
                            f"{sorted(set(expected['article_ids_include']) - set(found.article_ids))}")
    for first, second in gold["distinct"]:
        if first in named and second in named and named[first].id == named[second].id:
            problems.append(f"{first} and {second} merged")
    for source in gold["unnamed_per_article"]:
        holders = [s for s in speakers if s.kind == "unnamed" and s.name.casefold() == source["speaker"]
                   and set(s.article_ids) & set(source["article_ids"])]
        if len(holders) != len(source["article_ids"]):
            problems.append(f"{source['speaker']!r}: expected one speaker per article, got {len(holders)}")
    assert not problems, problems
