"""Quote forms added while tuning on PolNeAR train/dev: each test is one construction, in
hand-written sentences (no corpus text)."""
from __future__ import annotations

from newstrail.quotes import extract_quotes
from newstrail.quotes.marks import paragraphs, quotations
from newstrail.records import Article


def _quotes(nlp, body: str):
    [(_, quotes)] = list(extract_quotes([Article(id="f", source="test", body=body)], nlp=nlp))
    return quotes


def _spanned(body: str, quote) -> list[str]:
    return [body[a:b] for a, b in quote.spans]


def test_stray_straight_mark_does_not_join_a_typographic_quote_in_the_next_paragraph():
    text = '"Maria thought the plan was absurd.\n\n“We will see,” she said.'
    found = list(quotations(text, paragraphs(text)))
    assert [[text[a:b] for a, b in q.spans] for q in found] == [
        ["Maria thought the plan was absurd."], ["We will see"]]


def test_stray_straight_mark_before_a_typographic_quote_quotes_nothing():
    text = '"Tom laughed it off by saying, “Only on Sundays.” Then he left.'
    found = list(quotations(text, paragraphs(text)))
    assert [[text[a:b] for a, b in q.spans] for q in found] == [["Only on Sundays."]]


def test_quote_closed_by_its_own_comma_is_direct_even_when_the_sentence_goes_on(nlp):
    body = "Senator Joan Miller had said, “We will see,” when asked about the budget."
    [quote] = _quotes(nlp, body)
    assert (quote.kind, quote.text, quote.speaker_local) == ("direct", "We will see", "Joan Miller")


def test_quote_after_cue_then_a_second_cue_with_its_own_that_clause(nlp):
    body = "She declared “What a night!” and said that the campaign would go on across the state."
    quotes = _quotes(nlp, body)
    direct = [q for q in quotes if q.kind == "direct"]
    assert [q.text for q in direct] == ["What a night!"]
    assert any(q.text.startswith("that the campaign would go on") and q.cue == "said" for q in quotes)


def test_closing_mark_hung_on_the_speaker_stays_out_of_the_mention(nlp):
    body = "“But why?” reporter Jane Holt asked him."
    [quote] = _quotes(nlp, body)
    assert (quote.text, quote.speaker_mention) == ("But why?", "reporter Jane Holt")


def test_interrupted_quote_does_not_swallow_the_next_speakers_quote(nlp):
    body = ("“The tax is a disgrace,” Rep. Ann Cole said on Friday. “It hurts families and it hurts "
            "workers,” added Rep. Tim Ross, the leader of the caucus.")
    first, second = _quotes(nlp, body)
    assert (first.text, first.speaker_local) == ("The tax is a disgrace", "Ann Cole")
    assert (second.text, second.speaker_local) == ("It hurts families and it hurts workers", "Tim Ross")


def test_quote_resumed_in_lower_case_after_a_longer_frame_is_one_quote(nlp):
    body = ("“Every time you say that,” Senator Paul Grant said, pointing at the chairman, "
            "“you give your critics a gift.”")
    [quote] = _quotes(nlp, body)
    assert _spanned(body, quote) == ["Every time you say that", "you give your critics a gift."]
    assert quote.speaker_local == "Paul Grant"


def test_quote_that_finishes_a_sentence_of_the_writer_is_mixed_from_the_sentence_start(nlp):
    body = "Whatever the goal, using the tax code ''is the wrong tool,'' said Mr. Burns, an economist."
    [quote] = _quotes(nlp, body)
    assert quote.kind == "mixed"
    assert body[quote.start:quote.end] == "Whatever the goal, using the tax code ''is the wrong tool"
    assert quote.speaker_mention == "Mr. Burns"


def test_title_before_a_clause_that_reports_what_follows_is_not_its_quote(nlp):
    body = "In his 2004 book, “Save Early,” Mr. Dale Price suggested that parents should start saving at birth."
    [quote] = _quotes(nlp, body)
    assert quote.kind == "indirect" and "Save Early" not in quote.text
    assert quote.text.startswith("that parents should start saving")


def test_colon_ending_a_paragraph_reports_the_unquoted_block_after_it(nlp):
    body = "The governor added:\n\nThe budget is balanced and the schools will stay open all year.\n\nThe end."
    [quote] = _quotes(nlp, body)
    assert quote.text == "The budget is balanced and the schools will stay open all year."
    assert (quote.kind, quote.speaker_mention, quote.cue) == ("indirect", "The governor", "added")


def test_colon_after_a_scene_setting_clause_does_not_become_the_content(nlp):
    body = ("The news set off another round of fighting on Friday: Republicans said they were sure "
            "the agency had mishandled the case.")
    [quote] = _quotes(nlp, body)
    assert quote.text.startswith("they were sure") and quote.speaker_mention == "Republicans"


def test_subordinate_cue_content_stops_where_the_main_clause_begins(nlp):
    body = ("While he acknowledged the budget was a major reason for the delay, Mr. Hale also noted "
            "that staff shortages had made things worse.")
    quotes = _quotes(nlp, body)
    texts = {q.cue: q.text for q in quotes}
    assert "Hale" not in texts.get("acknowledged", "")
    assert texts.get("noted", "").startswith("that staff shortages")


def test_full_stop_inside_the_marks_then_a_bare_frame_is_still_attributed(nlp):
    body = "“I hope you find the missing files.” Grant said.\n\nThe hearing went on."
    [quote] = _quotes(nlp, body)
    assert (quote.text, quote.speaker_mention, quote.cue) == ("I hope you find the missing files.", "Grant", "said")


def test_participle_after_a_comma_borrows_the_subject_of_the_verb_before_it(nlp):
    body = "Singer Ada Lind shared the news online last week, writing “Feels great to support someone I believe in.”"
    [quote] = _quotes(nlp, body)
    assert (quote.kind, quote.text, quote.speaker_local) == (
        "direct", "Feels great to support someone I believe in.", "Ada Lind")


def test_direct_only_verbs_wondered_opined_and_elaborated_attribute_the_quote_beside_them(nlp):
    body = ("“Will the bridge ever open?” the engineer wondered.\n\n"
            "“Parents should read the fine print,” opined the Harbor Ledger.\n\n"
            "She wondered whether the bridge would open.")
    quotes = _quotes(nlp, body)
    assert [(q.kind, q.text, q.speaker_mention, q.cue) for q in quotes] == [
        ("direct", "Will the bridge ever open?", "the engineer", "wondered"),
        ("direct", "Parents should read the fine print", "the Harbor Ledger", "opined")]


def test_lower_case_quotation_reported_by_a_second_cue_is_not_the_rest_of_the_first(nlp):
    body = '"Thank you, sir," Lane replied, before adding that he thinks "kids should speak with respect."'
    quotes = {q.cue: q for q in _quotes(nlp, body)}
    assert quotes["replied"].text == "Thank you, sir"
    assert "kids should speak with respect" in quotes["adding"].text


def test_one_word_before_a_parenthetical_frame_leaves_the_rest_of_the_sentence_as_content(nlp):
    body = "Otherwise, she said, the towns may simply steal trade from one another."
    [quote] = _quotes(nlp, body)
    assert (quote.text, quote.speaker_mention) == ("the towns may simply steal trade from one another", "she")


def test_participle_after_the_content_is_the_speakers_own_and_ends_the_content(nlp):
    body = ("Mr. Dole said Mr. Kane should quit the race for the sake of the party, echoing a memo "
            "from the treasurer.\n\nLane and Hale will meet next week, Price said, adding, \"They need to talk.\"")
    found = [(q.text, q.speaker_mention, q.cue) for q in _quotes(nlp, body)]
    assert ("Mr. Kane should quit the race for the sake of the party", "Mr. Dole", "said") in found
    assert any(cue == "echoing" and speaker == "Mr. Dole" for _, speaker, cue in found)
    assert ("Lane and Hale will meet next week", "Price", "said") in found
    assert ("They need to talk.", "Price", "adding") in found


def test_short_subject_before_a_frame_between_commas_joins_the_rest_of_the_sentence(nlp):
    body = "The answer, the adviser told them, was simple.\n\nThis season, he says, is different."
    found = [(q.text, q.speaker_mention) for q in _quotes(nlp, body)]
    assert found == [("The answer was simple", "the adviser"), ("This season is different", "he")]


def test_according_to_reports_the_clause_it_hangs_from_not_the_whole_sentence(nlp):
    body = ("Mr. Kane also met with Mr. Dole that day, as the paper reported, and he will help prepare "
            "Mr. Dole for the debate, according to three people briefed on the talks.\n\n"
            "Lane leads Hale by 271 delegates according to a count by the wire service, but the rebel "
            "has vowed to go on.")
    found = {q.text for q in _quotes(nlp, body) if q.cue == "according to"}
    assert found == {"he will help prepare Mr. Dole for the debate", "Lane leads Hale by 271 delegates"}


def test_cue_participle_after_a_closing_quote_ends_the_mixed_content_before_it(nlp):
    body = ('Ms. Reyes stressed that "the way ahead is to get both councils working together," suggesting '
            "that the only way to do that might be a plain renewal of the pact.")
    found = {q.cue: q.text for q in _quotes(nlp, body)}
    assert found["stressed"] == 'that "the way ahead is to get both councils working together,"'
    assert found["suggesting"].startswith("that the only way")


def test_title_slogan_or_chant_right_before_a_quotation_makes_it_a_quote_without_speaker(nlp):
    body = ("The league released an ad titled “Fair Game.”\n\n"
            "The hall broke into chants of “Ada! Ada!” as she walked in.\n\n"
            "The titled nobleman walked past the “plan” without a word.")
    quotes = _quotes(nlp, body)
    assert [(q.kind, q.text, q.speaker_mention) for q in quotes] == [
        ("direct", "Fair Game.", None), ("direct", "Ada! Ada!", None)]


def test_name_after_an_inverted_cue_speaks_even_when_parsed_as_a_later_verbs_subject(nlp):
    body = ("“The fund will run dry by spring,” said Harriet Voss, an analyst who is the head of the "
            "Lakeside Budget Office, “unless the council acts now.”\n\n"
            "“Nobody here has seen a winter like this one,” said the baker, who like most people on "
            "the street did not want to give her name.")
    quotes = _quotes(nlp, body)
    assert [(q.kind, q.text, q.speaker_mention) for q in quotes][:2] == [
        ("direct", "The fund will run dry by spring … unless the council acts now.", "Harriet Voss"),
        ("direct", "Nobody here has seen a winter like this one", "the baker")]


def test_quotation_of_several_sentences_after_a_comma_is_direct_whatever_follows(nlp):
    body = ('The mayor said, "We are ready. We have the crews. We have the salt" - the first time she '
            "had spoken since the storm.")
    [quote] = [q for q in _quotes(nlp, body) if q.cue == "said"]
    assert (quote.kind, quote.text) == ("direct", "We are ready. We have the crews. We have the salt")


def test_question_put_by_someone_unnamed_or_by_an_agent_is_its_own_content(nlp):
    body = ("Asked whether the bridge would reopen by June, Mayor Pia Lund said she hoped so.\n\n"
            "The director was asked by a reporter about the missing funds.\n\n"
            "“We will know more next week.”")
    quotes = _quotes(nlp, body)
    found = {q.text: q.speaker_mention for q in quotes}
    assert found["whether the bridge would reopen by June"] is None
    assert found["the missing funds"] == "a reporter"
    assert quotes[-1].text == "We will know more next week." and quotes[-1].speaker_mention != "a reporter"


def test_cue_hung_on_its_speaker_keeps_its_own_content(nlp):
    body = ("Voss, the county's longtime treasurer, repeated her warning about the deficit, calling the "
            "budget a “house of cards.”\n\n"
            "Lane and Hale issued a statement describing their talks as a “very good start.”\n\n"
            "She founded a small firm called Northwind Analytics.")
    found = {q.cue: (q.text, q.speaker_mention) for q in _quotes(nlp, body)}
    assert found["calling"] == ("the budget a “house of cards.”", "Voss")
    assert found["describing"] == ("their talks as a “very good start.”", "Lane")
    assert "called" not in found


def test_call_for_someone_to_act_and_pointed_to_report_their_object(nlp):
    body = ("Councillor Ana Brandt has called for the ferry board to publish its accounts.\n\n"
            "Brandt pointed to the late repairs on the northern pier.")
    found = {q.cue: (q.text, q.speaker_mention) for q in _quotes(nlp, body)}
    assert found["called"] == ("for the ferry board to publish its accounts", "Councillor Ana Brandt")
    assert found["pointed"] == ("to the late repairs on the northern pier", "Brandt")


def test_quote_resumed_after_the_frame_sentence_is_one_quote(nlp):
    body = ("“The ferry will run,” one harbour official said, speaking on condition of anonymity. "
            "“The crews are ready.”\n\n"
            "“Ask her,” Brandt said, and her deputy cut in. “We have no timetable yet.”")
    quotes = _quotes(nlp, body)
    first = next(q for q in quotes if q.text.startswith("The ferry will run"))
    assert first.text == "The ferry will run … The crews are ready." and len(first.spans) == 2
    assert first.speaker_mention == "one harbour official"
    # Another person steps in: the second quotation is not the rest of Brandt's.
    assert not any(q.text.startswith("Ask her …") for q in quotes)
