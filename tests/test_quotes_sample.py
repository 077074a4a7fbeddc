"""Golden quotes of the bundled sample corpus (tests/golden/quotes_sample.json).

End to end on newstrail/data/sample: ingest, clean, quotes, speakers. Every golden quote
must come out once in its article and section, with its canonical speaker, the kind of
speaker, the quote kind and the number of parts (a quote interrupted by its attribution
has two). A golden ``text_fragment`` is a piece of the quote's text.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "quotes_sample.json"
SAMPLE = Path(__file__).resolve().parent.parent / "newstrail" / "data" / "sample"


@pytest.fixture(scope="module")
def sample_quotes(nlp):
    from newstrail.clean import Cleaner
    from newstrail.ingest import iter_documents
    from newstrail.quotes import extract_quotes
    from newstrail.records import Article
    from newstrail.speakers import assign_speakers, build_speakers, refs_from_quotes

    failures: list[object] = []
    documents = list(iter_documents([str(SAMPLE)], on_error=failures.append))
    assert not failures, failures
    articles = [a for a in Cleaner().clean_batch(documents) if isinstance(a, Article)]
    bodies = {a.id: a for a in articles}
    quotes = [q for _, found in extract_quotes(articles, nlp=nlp) for q in found]
    speakers, mapping = build_speakers(refs_from_quotes(quotes))
    assign_speakers(quotes, speakers, mapping)
    return quotes, bodies


GOLD = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("gold", GOLD, ids=[f"{g['article_id'][:3]}-{g['text_fragment'][:30]}" for g in GOLD])
def test_golden_quote(sample_quotes, gold):
    quotes, articles = sample_quotes
    section = gold.get("section", "body")
    found = [q for q in quotes if q.article_id == gold["article_id"] and q.section == section
             and gold["text_fragment"] in q.text]
    assert len(found) == 1, f"{len(found)} quotes contain {gold['text_fragment']!r}"
    quote = found[0]
    assert (quote.speaker or "").casefold() == gold["speaker"].casefold()
    assert quote.speaker_kind == gold["speaker_kind"]
    assert quote.kind == gold["kind"]
    assert len(quote.text.split(" … ")) == gold["spans"]  # parts around an interrupting attribution
    # The Quote contract: the text is the body at the spans, the mention is at its offsets.
    text = getattr(articles[quote.article_id], section)
    assert all(text[a:b] in quote.text for a, b in quote.spans)
    if quote.speaker_start is not None:
        assert text[quote.speaker_start:quote.speaker_end] == quote.speaker_mention


def test_no_quote_overlaps_another(sample_quotes):
    """A clause inside another quote's content is part of it, never a second, nested quote."""
    quotes, _ = sample_quotes
    by_place: dict[tuple[str, str], list] = {}
    for quote in quotes:
        by_place.setdefault((quote.article_id, quote.section), []).append(quote)
    for found in by_place.values():
        pieces = sorted((a, b, q.id) for q in found for a, b in q.spans)
        for (a1, b1, id1), (a2, b2, id2) in zip(pieces, pieces[1:]):
            assert id1 == id2 or b1 <= a2, f"{id1} and {id2} overlap"
