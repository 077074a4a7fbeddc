"""Unit tests of the PolNeAR scorer (benchmarks/polnear.py) on tiny hand-made cases.

No dataset and no model needed, except the textacy smoke test, which skips without them.
A trivial regex extractor stands in for newstrail so the harness is exercised end to end.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `benchmarks` lives at the repo root, beside `newstrail`
    sys.path.insert(0, str(ROOT))

from benchmarks import polnear as pn  # noqa: E402
from newstrail.records import Article, Quote  # noqa: E402

# ------------------------------------------------------------------ helpers


def gold(content: list[tuple[int, int]], *, source: list[tuple[int, int]] | None = None, source_text: str = "",
         speech: bool = True, kind: str = "indirect", gid: str = "E1") -> pn.GoldAttribution:
    return pn.GoldAttribution(id=gid, content=content, content_text="", source=source or [],
                              source_text=source_text, is_speech=speech, kind=kind)  # type: ignore[arg-type]


def pred(spans: list[tuple[int, int]], *, speaker: tuple[int, int] | None = None,
         name: str | None = None) -> pn.Prediction:
    return pn.Prediction(spans=spans, speaker_span=speaker, speaker_name=name)


def metrics_of(preds: Sequence[pn.Prediction], golds: Sequence[pn.GoldAttribution]) -> dict[str, float]:
    counts, _ = pn.score_doc(preds, golds)
    return pn.metrics(counts)


# ------------------------------------------------------------ .ann parsing

ANN = (
    "T1\tSource 0 3\tSam\n"
    "T2\tCue 4 8\tsaid\n"
    "T3\tContent 9 20;25 30\tfirst part\nsecond\n"  # record text with a newline inside
    "T4\tAttribution 4 8\tsaid\n"
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    "#1\tAnnotatorNotes T3\ta note\n"
    "T5\tCue 40 48\tbelieves\n"
    "T6\tContent 49 60\tit is fine.\n"
    "T7\tAttribution-no-source 40 48\tbelieves\n"
    "E2\tAttribution-no-source:T7 Content:T6 Cue:T5 \n"  # trailing space, no source
    "T8\tAttribution-no-source 70 74\tsays\n"
    "E3\tAttribution-no-source:T8 \n"  # no content: not a gold attribution
    "T9\tContent 80 85\tabcde\n"
    "T10\tContent 90 95\tfghij\n"
    "T11\tCue 86 89\tadd\n"
    "E4\tAttribution:T12 Cue:T11 Content:T9 Content2:T10\n"
)


def test_split_records_keeps_newlines_inside_a_record() -> None:
    records = pn.split_records(ANN)
    assert records[2] == "T3\tContent 9 20;25 30\tfirst part\nsecond"
    assert [r.split("\t")[0] for r in records][:6] == ["T1", "T2", "T3", "T4", "E1", "#1"]


def test_parse_text_bound_discontinuous() -> None:
    tid, bound = pn.parse_text_bound("T3\tContent 9 20;25 30\tfirst part second")
    assert tid == "T3" and bound.label == "Content" and bound.spans == [(9, 20), (25, 30)]


def test_parse_event_roles_and_trailing_space() -> None:
    assert pn.parse_event("E2\tAttribution-no-source:T7 Content:T6 Cue:T5 ") == (
        "E2", {"Attribution-no-source": "T7", "Content": "T6", "Cue": "T5"})


def test_parse_ann_keeps_events_with_content_only() -> None:
    text = "x" * 100
    golds = {g.id: g for g in pn.parse_ann(ANN, text)}
    assert set(golds) == {"E1", "E2", "E4"}
    assert golds["E1"].content == [(9, 20), (25, 30)] and golds["E1"].source == [(0, 3)]
    assert golds["E1"].source_text == "Sam" and golds["E1"].is_speech
    assert golds["E2"].source == [] and not golds["E2"].is_speech and not golds["E2"].in_recall
    assert golds["E4"].content == [(80, 85), (90, 95)]  # Content2 joins the content


def test_load_split_picks_first_annotator_and_limits(tmp_path: Path) -> None:
    base = tmp_path / "data" / "dev"
    (base / "text").mkdir(parents=True)
    (base / "attributions").mkdir()
    text = 'Sam said "we win" today.\r\nMore.'  # \r\n must stay two code points
    for art in ("a_story", "b_story"):
        (base / "text" / f"{art}.txt").write_bytes(text.encode("utf-8"))
    (base / "attributions" / "a_story_ff00.ann").write_text("T1\tContent 9 17\t\"we win\"\nE1\tContent:T1\n")
    (base / "attributions" / "a_story_0aaa.ann").write_text("")
    (base / "attributions" / "b_story_1234.ann").write_text("")
    docs = pn.load_split("dev", tmp_path)
    assert [(d.id, d.annotator) for d in docs] == [("a_story", "0aaa"), ("b_story", "1234")]
    assert docs[0].text == text and docs[0].attributions == []
    assert [d.id for d in pn.load_split("dev", tmp_path, limit=1)] == ["a_story"]
    with pytest.raises(FileNotFoundError):
        pn.load_split("test", tmp_path)


# ------------------------------------------------------- gold classification


@pytest.mark.parametrize("cue,expected", [
    ("said", True), ("told reporters", True), ("according to", True), ("has denied", True),
    ("urging", True), ("admitted", True), ("noted", True), ("wrote back:", True), ("tweets", True),
    ("believes", False), ("has learned", False), ("shows", False), ("wants", False), (":", False), ("", False),
])
def test_is_speech_cue(cue: str, expected: bool) -> None:
    assert pn.is_speech_cue(cue) is expected


@pytest.mark.parametrize("text,span,kind", [
    ('He said: “We will win.”', (9, 23), "direct"),
    ('He said it was “a disaster” for all of us.', (12, 42), "mixed"),
    ("He said Clinton’s plan was a disaster.", (8, 38), "indirect"),  # ’ is an apostrophe
    ('"We will win," he said.', (0, 14), "direct"),
    ('"We will win," he said.', (15, 22), "indirect"),
    # content starts inside the quote: the mark before it still opens the quote
    ('He said “we will win and then we will govern.”', (9, 46), "direct"),
])
def test_quote_kind(text: str, span: tuple[int, int], kind: str) -> None:
    assert pn.quote_kind([span], text) == kind


def test_quoted_mask_resets_at_paragraph_end() -> None:
    text = "“Open quote never closed\n\nplain words"
    mask = pn.quoted_mask(text)
    assert mask[1] and not mask[text.index("plain")]


def test_head_word() -> None:
    assert pn.head_word("The New York Post") == "Post"
    assert pn.head_word("Trump’s campaign") == "campaign"
    assert pn.head_word("Donald Trump's") == "Trump"
    assert pn.head_word("") is None


# ------------------------------------------------------------- overlap


def test_merge_spans() -> None:
    assert pn.merge_spans([(5, 8), (0, 3), (2, 4), (9, 9)]) == [(0, 4), (5, 8)]


@pytest.mark.parametrize("p,g,expected", [
    ([(0, 10)], [(0, 10)], 1.0),
    ([(0, 20)], [(0, 10)], 0.5),  # over-long prediction
    ([(0, 5)], [(0, 10)], 0.5),  # under-long prediction
    ([(0, 10)], [(10, 20)], 0.0),  # half-open: touching is not overlapping
    ([(0, 10), (20, 30)], [(0, 30)], 20 / 30),  # discontinuous prediction
    ([(5, 15)], [(0, 10), (12, 20)], 8 / 18),
    ([], [(0, 10)], 0.0),
])
def test_overlap(p: list[tuple[int, int]], g: list[tuple[int, int]], expected: float) -> None:
    assert pn.overlap(p, g) == pytest.approx(expected)
    assert pn.overlap(g, p) == pytest.approx(expected)  # symmetric


# ------------------------------------------------------------ matching


def test_match_is_greedy_one_to_one() -> None:
    golds = [gold([(0, 10)], gid="E1"), gold([(10, 20)], gid="E2")]
    preds = [pred([(0, 11)]), pred([(1, 10)])]  # both overlap E1; pred 0 best (10/11 > 9/10)
    matches = pn.match(preds, golds)
    assert [(m.pred, m.gold) for m in matches] == [(0, 0)]  # pred 1 finds E1 taken and misses E2


def test_match_prefers_highest_overlap_not_first_seen() -> None:
    golds = [gold([(0, 10)], gid="E1"), gold([(10, 30)], gid="E2")]
    preds = [pred([(5, 30)])]  # 5/25 with E1, 20/25 with E2
    assert [(m.pred, m.gold) for m in pn.match(preds, golds)] == [(0, 1)]


# ----------------------------------------------------- precision / recall


def test_precision_counts_all_golds_recall_only_the_recall_set() -> None:
    golds = [
        gold([(0, 10)], speech=True, gid="E1"),
        gold([(20, 30)], speech=False, gid="E2"),  # a belief: not in recall set
        gold([(40, 50)], speech=False, kind="direct", gid="E3"),  # quoted: in recall set
        gold([(60, 70)], speech=True, gid="E4"),
    ]
    preds = [pred([(0, 10)]), pred([(20, 30)]), pred([(80, 90)])]
    m = metrics_of(preds, golds)
    assert m["P@0.3"] == pytest.approx(2 / 3)  # E1 and the belief E2 both count as hits
    assert m["R@0.3"] == pytest.approx(1 / 3)  # E1 of {E1, E3, E4}
    assert m["F1@0.3"] == pytest.approx(2 * (2 / 3) * (1 / 3) / (2 / 3 + 1 / 3))
    assert m["direct_recall"] == 0.0


def test_thresholds_differ() -> None:
    golds = [gold([(0, 100)])]
    m = metrics_of([pred([(0, 50)])], golds)  # overlap 0.5
    assert m["P@0.3"] == m["R@0.3"] == 1.0
    assert m["P@0.8"] == m["R@0.8"] == m["F1@0.8"] == 0.0


def test_empty_denominators_give_zero() -> None:
    assert metrics_of([], [])["P@0.3"] == 0.0
    assert metrics_of([], [gold([(0, 5)])])["R@0.3"] == 0.0


def test_counts_add_up_over_documents() -> None:
    a, _ = pn.score_doc([pred([(0, 10)])], [gold([(0, 10)])])
    b, _ = pn.score_doc([pred([(50, 60)])], [gold([(0, 10)])])
    a.add(b)
    m = pn.metrics(a)
    assert (a.n_docs, a.n_pred, a.n_gold) == (2, 2, 2)
    assert m["P@0.3"] == 0.5 and m["R@0.3"] == 0.5


# ------------------------------------------------------------ speaker


def test_speaker_by_mention_or_name() -> None:
    g = gold([(0, 10)], source=[(20, 33)], source_text="Senator Smith")
    assert pn.speaker_checks(pred([(0, 10)], speaker=(30, 33)), g) == (True, False)  # "ith" overlaps
    assert pn.speaker_checks(pred([(0, 10)], speaker=(40, 42), name="Jane Smith"), g) == (False, True)
    assert pn.speaker_checks(pred([(0, 10)], speaker=(33, 40), name="Smithers"), g) == (False, False)
    assert pn.speaker_checks(pred([(0, 10)]), g) == (False, False)


def test_speaker_accuracy_excludes_golds_without_source_and_weak_matches() -> None:
    golds = [
        gold([(0, 10)], source=[(100, 105)], source_text="Smith", gid="E1"),
        gold([(20, 30)], source=[(110, 115)], source_text="Jones", gid="E2"),
        gold([(40, 50)], gid="E3"),  # no source: not scored for speaker
        gold([(60, 100)], source=[(120, 125)], source_text="Brown", gid="E4"),
    ]
    preds = [
        pred([(0, 10)], speaker=(100, 105)),  # right by mention
        pred([(20, 30)], name="Ann Smith"),  # wrong
        pred([(40, 50)], name="Anyone"),
        pred([(60, 65)], speaker=(120, 125)),  # overlap 5/40 < 0.3: not a match, not scored
    ]
    counts, _ = pn.score_doc(preds, golds)
    m = pn.metrics(counts)
    assert counts.n_speaker == 2
    assert m["speaker"] == 0.5 and m["speaker_mention"] == 0.5 and m["speaker_name"] == 0.0


# ------------------------------------------------ end to end with a regex extractor

_QUOTE_THEN_SAID = re.compile(r"“([^”]+)”,? (?:said|says) ([A-Z]\w+(?: [A-Z]\w+)*)")


def regex_extract(articles: Sequence[Article]) -> Iterator[tuple[Article, list[Quote]]]:
    """“…,” said Name  ->  a direct quote (marks included) with Name as speaker."""
    for article in articles:
        quotes = []
        for i, m in enumerate(_QUOTE_THEN_SAID.finditer(article.body)):
            start, end = m.start(), m.start(1) + len(m.group(1)) + 1
            quotes.append(Quote(
                id=f"{article.id}#{i}", article_id=article.id, text=article.body[start:end],
                start=start, end=end, spans=[[start, end]],
                speaker_mention=m.group(2), speaker_start=m.start(2), speaker_end=m.end(2),
                speaker_local=m.group(2), cue="said",
            ))
        quotes.append(Quote(id="t", article_id=article.id, text="x", section="title", start=0, end=1))
        yield article, quotes


REGEX_SYSTEM = pn.System("regex", regex_extract)
BODY = (
    "Vote Day.\n\n"
    "“We will win this state,” said Jane Roe at a rally.\n\n"
    "Roe believes the polls are wrong, her aides said.\n\n"
    "“It is over,” said Bob.\n"
)


def _doc() -> pn.GoldDoc:
    def at(s: str) -> tuple[int, int]:
        i = BODY.index(s)
        return (i, i + len(s))

    def content(tid: str, s: str) -> str:
        return f"{tid}\tContent {at(s)[0]} {at(s)[1]}\t{s}"

    ann = "\n".join([
        content("T1", "“We will win this state,”"),
        f"T2\tCue {at('said Jane')[0]} {at('said Jane')[0] + 4}\tsaid",
        f"T3\tSource {at('Jane Roe')[0]} {at('Jane Roe')[1]}\tJane Roe",
        "E1\tContent:T1 Cue:T2 Source:T3",
        content("T4", "the polls are wrong"),
        f"T5\tCue {at('believes')[0]} {at('believes')[1]}\tbelieves",
        "T6\tSource 0 4\tVote",
        "E2\tContent:T4 Cue:T5 Source:T6",
        content("T7", "Roe believes the polls are wrong"),
        f"T8\tCue {at('said.')[0]} {at('said.')[0] + 4}\tsaid",
        f"T9\tSource {at('her aides')[0]} {at('her aides')[1]}\ther aides",
        "E3\tContent:T7 Cue:T8 Source:T9",
    ]) + "\n"
    return pn.GoldDoc("doc1", BODY, "a1", pn.parse_ann(ann, BODY))


def test_end_to_end_with_regex_extractor() -> None:
    doc = _doc()
    assert [(g.id, g.kind) for g in doc.attributions] == [("E1", "direct"), ("E3", "indirect"), ("E2", "indirect")]
    result = pn.evaluate([doc], REGEX_SYSTEM)
    m = result.metrics
    # preds: "We will win…" (matches E1 exactly) and "It is over" (no gold); the title quote is ignored
    assert result.counts.n_pred == 2
    assert m["P@0.3"] == m["P@0.8"] == 0.5
    assert result.counts.n_recall_gold == 2  # E1 (direct, speech) and E3 (said); not E2 (believes)
    assert m["R@0.3"] == 0.5 and m["direct_recall"] == 1.0
    assert m["speaker"] == 1.0 and m["speaker_name"] == 1.0
    errors = list(pn.error_lines(result))
    assert any(e.startswith("MISS\tdoc1") and "her aides" in e for e in errors)
    assert any(e.startswith("FP\tdoc1") and "It is over" in e for e in errors)
    line = pn.summary_lines("dev", result)[0]
    assert line.startswith("polnear dev   regex") and "P@0.3=0.500" in line and "n_docs=1" in line


def test_harness_rejects_a_changed_body() -> None:
    def rewriting(articles: Sequence[Article]) -> Iterator[tuple[Article, list[Quote]]]:
        for a in articles:
            yield Article(id=a.id, source=a.source, body=a.body.strip()), []

    with pytest.raises(RuntimeError, match="changed the body"):
        pn.evaluate([_doc()], pn.System("rewriting", rewriting))


def test_cli_refuses_errors_dump_on_test(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        pn.main(["--split", "test", "--errors", str(tmp_path / "e.txt")])


def test_textacy_baseline_offsets() -> None:
    pytest.importorskip("textacy")
    pytest.importorskip(pn.SPACY_MODEL)
    system = pn.textacy_system()
    doc = pn.GoldDoc("t", BODY, "x", [])
    (preds,), _ = pn.run_extractor(system, [doc])
    for p in preds:  # every textacy quote starts and ends on a quotation mark
        a, b = p.spans[0]
        assert BODY[a] == "“" and BODY[b - 1] == "”"
