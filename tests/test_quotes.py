"""Quote extraction on small hand-written texts: marks, clauses, attribution, resolution."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newstrail.nlp import INSTALL_HINT, ModelNotInstalled, load_nlp
from newstrail.quotes import extract_quotes
from newstrail.quotes.marks import paragraphs, quotations
from newstrail.records import Article


def _quotes(nlp, body: str, **fields):
    article = Article(id="a", source="test", body=body, **fields)
    [(returned, quotes)] = list(extract_quotes([article], nlp=nlp))
    assert returned is article
    return quotes


def _spanned(body: str, quote) -> list[str]:
    return [body[a:b] for a, b in quote.spans]


# ------------------------------------------------------------------------------- marks


def test_multi_paragraph_quote_is_one_quotation_with_a_piece_per_paragraph():
    text = "He added: “One.\n\n“Two.\n\n“Three.”\n\nAfter."
    found = list(quotations(text, paragraphs(text)))
    assert [[text[a:b] for a, b in q.spans] for q in found] == [["One.", "Two.", "Three."]]


def test_apostrophes_are_not_single_quotes():
    text = "Russia’s forces don’t rest, and the ‘peace’ talks stall in six months’ time."
    found = list(quotations(text, paragraphs(text)))
    assert [[text[a:b] for a, b in q.spans] for q in found] == [["peace"]]


def test_mixed_straight_and_curly_marks_close_each_other():
    text = "to achieve “very concrete results.\" Then more."
    [quote] = list(quotations(text, paragraphs(text)))
    assert text[quote.first.start:quote.first.end] == "very concrete results."


def test_guillemets():
    text = "« Nous gagnerons », a-t-il dit."
    [quote] = list(quotations(text, paragraphs(text)))
    assert text[quote.first.start:quote.first.end] == "Nous gagnerons"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab .,\n“”‘’\"'«»:", max_size=80))
def test_any_marks_scan_without_error_and_stay_inside_the_text(text):
    for quote in quotations(text, paragraphs(text)):
        for start, end in quote.spans:
            assert 0 <= start < end <= len(text)


# --------------------------------------------------------------------------- model


def test_load_nlp_is_cached():
    assert load_nlp() is load_nlp()


def test_missing_model_error_says_how_to_install():
    with pytest.raises(ModelNotInstalled, match="pip install") as info:
        load_nlp("no_such_pipeline_xyz")
    assert isinstance(info.value, RuntimeError) and "\n" not in str(info.value)
    assert INSTALL_HINT in str(info.value)


# ------------------------------------------------------------------------ extraction


def test_direct_quote_with_trailing_attribution(nlp):
    body = "“We will win this state,” the senator said on Tuesday."
    [quote] = _quotes(nlp, body)
    assert (quote.kind, quote.text, quote.speaker_mention, quote.cue) == (
        "direct", "We will win this state", "the senator", "said")
    assert body[quote.speaker_start:quote.speaker_end] == "the senator"


def test_interrupted_quote_is_one_quote_with_two_spans(nlp):
    body = ("Labour's John Smith warned MPs on Monday.\n\n"
            "“The threat remains,” he told MPs. “We want an end to the bloodshed.”")
    [quote] = _quotes(nlp, body)
    assert _spanned(body, quote) == ["The threat remains", "We want an end to the bloodshed."]
    assert quote.text == "The threat remains … We want an end to the bloodshed."
    assert (quote.cue, quote.speaker_local) == ("told MPs", "John Smith")


def test_colon_quote_runs_over_paragraphs_and_follow_on_keeps_the_speaker(nlp):
    body = ("Anna Berg, the mayor of Springfield, said the vote went well.\n\n"
            "She added: “The budget is sound.\n\n“We will not cut services.”\n\n"
            "“Nobody should worry.”")
    reported, first, second = _quotes(nlp, body)
    assert (reported.kind, reported.text) == ("indirect", "the vote went well")
    assert _spanned(body, first) == ["The budget is sound.", "We will not cut services."]
    assert (first.speaker_mention, first.speaker_local, first.cue) == ("She", "Anna Berg", "added")
    assert "mayor of Springfield" in first.speaker_titles
    assert (second.text, second.speaker_local, second.cue) == ("Nobody should worry.", "Anna Berg", None)


def test_partial_quote_in_reported_speech_is_mixed(nlp):
    body = "Mr Cleverly said Western powers needed to be “very, very careful” if talks began."
    [quote] = _quotes(nlp, body)
    assert quote.kind == "mixed"
    assert quote.text.startswith("Western powers needed") and "“very, very careful”" in quote.text
    assert quote.speaker_mention == "Mr Cleverly"


def test_indirect_forms(nlp):
    body = ("Sanctions were working, the minister Jane Doe warned.\n\n"
            "According to Jane Doe, the economy had shrunk by a tenth.\n\n"
            "Ms Doe questioned whether the talks would ever begin.")
    quotes = _quotes(nlp, body)
    assert [(q.kind, q.text, q.speaker_local) for q in quotes] == [
        ("indirect", "Sanctions were working", "Jane Doe"),
        ("indirect", "the economy had shrunk by a tenth", "Jane Doe"),
        ("indirect", "whether the talks would ever begin", "Jane Doe"),
    ]
    assert [q.cue for q in quotes] == ["warned", "according to", "questioned"]


def test_unnamed_source_is_not_forced_onto_a_person_and_they_follows_it(nlp):
    body = ("Prime Minister Tom Lee met the envoy.\n\n"
            "“The talks were useful,” a government spokesperson said.\n\n"
            "They added: “More meetings will follow.”")
    first, second = _quotes(nlp, body)
    assert (first.speaker_local, first.speaker_kind) == ("a government spokesperson", "unnamed")
    assert (second.speaker_mention, second.speaker_local, second.speaker_kind) == (
        "They", "a government spokesperson", "unnamed")


def test_pronoun_follows_gender_and_role_resolves_through_title(nlp):
    body = ("Foreign Secretary Mary Jones met US Secretary of State Tom Brown.\n\n"
            "Ms Jones said the meeting had gone well for everyone.\n\n"
            "Mr Brown said the two countries remained close allies.\n\n"
            "She said that trade talks would start in spring.\n\n"
            "The foreign secretary added that she was hopeful about it.")
    quotes = _quotes(nlp, body)
    assert [q.speaker_local for q in quotes] == ["Mary Jones", "Tom Brown", "Mary Jones", "Mary Jones"]
    assert quotes[2].speaker_mention == "She"


def test_headline_role_resolves_forward_to_the_named_speaker(nlp):
    article = Article(id="h", source="t", title="Talks may fail, the Defence Secretary has warned",
                      body="John Hale said the talks could be used to rearm by the other side.")
    [(_, quotes)] = list(extract_quotes([article], nlp=nlp))
    title = next(q for q in quotes if q.section == "title")
    assert (title.text, title.speaker_local) == ("Talks may fail", "John Hale")
    assert article.title[title.start:title.end] == "Talks may fail"


def test_scare_quotes_without_attribution_are_not_quotes(nlp):
    assert _quotes(nlp, "The so-called “peace dividend” never came, and the ‘special operation’ went on.") == []


def test_odd_marks_degrade_gracefully(nlp):
    body = "“He said it was over, he said.\n\n” stray ” marks “ everywhere ‘ and ’ more\n\nPlain text."
    quotes = _quotes(nlp, body)
    for quote in quotes:
        for start, end in quote.spans:
            assert 0 <= start < end <= len(body)


def test_ids_and_offsets_are_in_document_order(nlp):
    body = "“First,” she said.\n\n“Second one here,” he said.\n\nShe said that a third thing was true."
    quotes = _quotes(nlp, body)
    assert [q.id for q in quotes] == ["a:q1", "a:q2", "a:q3"]
    assert [q.start for q in quotes] == sorted(q.start for q in quotes)
    assert all(q.article_id == "a" for q in quotes)


def test_paragraphs_without_cues_are_not_parsed(nlp):
    calls: list[str] = []

    class Counting:
        pipe_names = nlp.pipe_names

        def pipe(self, texts, **kwargs):
            texts = list(texts)
            calls.extend(texts)
            return nlp.pipe(texts, **kwargs)

        def get_pipe(self, name):
            return nlp.get_pipe(name)

    body = "A long paragraph about the weather and nothing else.\n\n“Only a quote here.”\n\nHe said it rained."
    list(extract_quotes([Article(id="p", source="t", body=body)], nlp=Counting()))
    assert calls == ["He said it rained."]


def test_entities_are_recognised_around_names_only(nlp):
    # The recogniser runs on windows around proper nouns; what it finds must be what a
    # whole-text pass finds for the names a speaker can be.
    from newstrail.quotes import recognise_entities

    texts = ["Harbour minister Grace Okafor told reporters on Monday that the Kessling Dockworkers' Union "
             "had rejected the offer, and that talks would resume in Varenna.",
             "The weather was fine, and nobody said anything at all.",
             "“We will not move,” said Peter Marsh, who leads the union."]
    disable = ["ner", "lemmatizer", "attribute_ruler"]
    docs = list(nlp.pipe(texts, disable=disable))
    recognise_entities(nlp.get_pipe("ner"), docs)
    full = list(nlp.pipe(texts))
    for doc, whole in zip(docs, full):
        people = {e.text for e in doc.ents if e.label_ == "PERSON"}
        assert people == {e.text for e in whole.ents if e.label_ == "PERSON"}
    assert {e.text for e in docs[0].ents if e.label_ == "PERSON"} == {"Grace Okafor"}
    assert not docs[1].ents
    assert "Peter Marsh" in {e.text for e in docs[2].ents if e.label_ == "PERSON"}
