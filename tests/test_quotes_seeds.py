"""Quotes of the five seed articles (read in place from ../shared/seeds, never copied).

Every expectation was written down by reading the seeds: who says each quote, how it is
attributed, and where it runs. Fragments are short on purpose.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from newstrail.quotes import extract_quotes
from newstrail.records import Article, Quote, RawDocument

pytestmark = pytest.mark.seeds

# Only for when the cleaning stage is unavailable: lines any reader drops as page furniture.
_BOILERPLATE = re.compile(r"Your support|Your donation|is trusted by|Join (our|thought)|^Comments$|"
                          r"Notifications can|Stay up to date|Please refresh|Thank you for registering|"
                          r"From reproductive rights|This election is still|Help us keep", re.MULTILINE)


def _minimal_clean(path: Path) -> Article:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    kept = [line for line in lines if line and not _BOILERPLATE.search(line)]
    return Article(id=path.stem[:3], source=str(path), body="\n\n".join(kept))


def _articles(seeds_dir: Path) -> list[Article]:
    paths = sorted(seeds_dir.glob("*.txt"))
    try:
        from newstrail.clean import Cleaner
    except ImportError:
        return [_minimal_clean(p) for p in paths]
    docs = [RawDocument(source=str(p), id=p.stem[:3], content=p.read_text(encoding="utf-8"), group="seeds")
            for p in paths]
    return [a for a in Cleaner().clean_batch(docs) if isinstance(a, Article)]


@pytest.fixture(scope="module")
def quotes(seeds_dir, nlp) -> dict[str, list[Quote]]:
    articles = _articles(seeds_dir)
    assert len(articles) == 5
    return {article.id: found for article, found in extract_quotes(articles, nlp=nlp)}


def _one(quotes: dict[str, list[Quote]], article: str, fragment: str) -> Quote:
    found = [q for q in quotes[article] if fragment in q.text]
    assert len(found) == 1, f"{article}: {len(found)} quotes contain {fragment!r}"
    return found[0]


CLEVERLY = [
    ("000", "Putin may use Ukraine peace talks to rearm", "Cleverly"),
    ("000", "the West should be ‘very, very careful’", "The Foreign Secretary"),
    ("000", "rebuild Russia’s battered forces", "Foreign Secretary James Cleverly"),
    ("000", "Western powers needed to be “very, very careful”", "Mr Cleverly"),
    ("000", "a ceasefire is actually just used by Putin", "he"),
    ("000", "would really engage “in good faith”", "Mr Cleverly"),
    ("000", "I use the word ‘peace’ in inverted commas", "he"),
    ("000", "simply as cover to rearm", "He"),
    ("000", "six, 12, 18 months’ time", "he"),
    ("001", "bolster his ailing army", "the British Foreign Secretary"),
    ("001", "pretend to engage in negotiations", "James Cleverly"),
    ("001", "a ceasefire is actually just used by Putin", "He"),
    ("001", "to be “very, very careful”", "he"),
    ("001", "we need to be cautious", "Mr Cleverly"),
]


@pytest.mark.parametrize(("article", "fragment", "mention"), CLEVERLY)
def test_every_cleverly_quote(quotes, article, fragment, mention):
    quote = _one(quotes, article, fragment)
    assert (quote.speaker_local, quote.speaker_mention, quote.speaker_kind) == ("James Cleverly", mention, "person")


@pytest.mark.parametrize(("article", "opening", "closing", "cue", "pieces"), [
    ("000", "The resolution to this needs to be sustainable", "most latest wave of aggression.", "added", 4),
    ("001", "The resolution to this needs to be sustainable", "most latest wave of aggression.",
     "told The Telegraph", 3),
])
def test_multi_paragraph_cleverly_quotes(quotes, article, opening, closing, cue, pieces):
    quote = _one(quotes, article, opening)
    assert (quote.kind, quote.cue, quote.speaker_local, len(quote.spans)) == ("direct", cue, "James Cleverly", pieces)
    assert quote.text.startswith(opening) and quote.text.endswith(closing)


@pytest.mark.parametrize(("article", "mention"), [("000", "US President Joe Biden"), ("001", "US President Joe Biden")])
def test_biden_in_000_and_001_is_not_cleverly(quotes, article, mention):
    # 001: "He made his remarks in the wake of US President Joe Biden saying he would …":
    # the participle's speaker is the name right before it, not the sentence's subject.
    quote = _one(quotes, article, "prepared to talk to Mr Putin")
    assert (quote.speaker_local, quote.speaker_mention) == ("Joe Biden", mention)


def test_003_trump_content_stops_before_the_next_clause(quotes):
    quote = _one(quotes, "003", "he will end the war in Ukraine")
    assert quote.speaker_local == "Donald Trump" and quote.text.endswith("war in Ukraine")


def test_lammy_quote_is_split_around_its_attribution(quotes):
    quote = _one(quotes, "002", "Putin’s invasion may have stalled")
    assert (quote.cue, quote.speaker_local, quote.speaker_mention) == ("told MPs", "David Lammy", "he")
    assert " … Reports suggest he may be seeking" in quote.text
    assert quote.text.endswith("democratically-elected government of Ukraine.")
    assert "shadow foreign secretary" in quote.speaker_titles


def test_no10_spokesperson_and_they_added(quotes):
    said = _one(quotes, "002", "appalling humanitarian situation in Mariupol")
    added = _one(quotes, "002", "offered his full support to Ukraine")
    assert (said.speaker_local, said.speaker_kind) == ("a No 10 spokesperson", "unnamed")
    assert (added.speaker_mention, added.speaker_local, added.speaker_kind) == (
        "They", "a No 10 spokesperson", "unnamed")
    assert "Putin’s regime" in added.text  # the quote runs on into the next paragraph


def test_truss_quotes_in_002(quotes):
    for fragment in ("is “not serious” about", "We know that Putin is not serious", "uneasy settlement of 2014",
                     "value of sanctions degrades", "Sanctions were put on by G7"):
        assert _one(quotes, "002", fragment).speaker_local == "Liz Truss", fragment
    standfirst = _one(quotes, "002", "We need to ensure future talks")
    assert (standfirst.section, standfirst.speaker_mention, standfirst.speaker_local) == (
        "standfirst", "foreign secretary", "Liz Truss")


def test_zelensky_in_002_through_his_title(quotes):
    quote = _one(quotes, "002", "Talked about critical humanitarian situation")
    assert (quote.speaker_mention, quote.speaker_local) == ("the Ukrainian president", "Volodymyr Zelensky")


def test_003_sources(quotes):
    whitehall = _one(quotes, "003", "backroom talks which will be crucial")
    assert (whitehall.kind, whitehall.speaker_local, whitehall.speaker_kind) == (
        "direct", "a Whitehall source", "unnamed")
    peskov = _one(quotes, "003", "There are indeed contacts")
    assert (peskov.speaker_mention, peskov.speaker_local) == ("Putin spokesman Dmitri S. Peskov", "Dmitri S. Peskov")
    assert _one(quotes, "003", "Britain will lead backroom talks").speaker_kind == "unnamed"
    for fragment in ("serious concerns in Kyiv", "ten-year war", "credible deterrent"):
        assert _one(quotes, "003", fragment).speaker_local == "Alexander Lord", fragment


def test_003_zelensky_follow_on_quotes(quotes):
    said = _one(quotes, "003", "First of all")
    follow = _one(quotes, "003", "common agenda between us")
    no_verb = _one(quotes, "003", "It could very well be Russia")
    assert said.cue == "said" and follow.cue is None and no_verb.cue is None
    for quote in (said, follow, no_verb):
        assert quote.speaker_local == "Volodymyr Zelensky"
    assert no_verb.speaker_mention == "President Zelensky"


def test_004_truss_expected_to_say_is_one_interrupted_quote(quotes):
    quote = _one(quotes, "004", "export dictatorship as a service")
    assert (quote.cue, quote.speaker_local, len(quote.spans)) == ("expected to say", "Liz Truss", 3)
    assert " … That is why regimes like Belarus" in quote.text


def test_004_sefcovic_and_starmer(quotes):
    told = _one(quotes, "004", "The United Kingdom are our neighbours")
    assert (told.speaker_local, told.cue, len(told.spans)) == ("Maros Sefcovic", "told MEPs", 2)
    assert "vice president of the European Commission" in told.speaker_titles
    adding = _one(quotes, "004", "But we need a good partner")
    assert (adding.kind, adding.cue, adding.speaker_local) == ("direct", "adding", "Maros Sefcovic")
    closing = _one(quotes, "004", "We must show that any attempts")
    assert (closing.cue, closing.speaker_mention, closing.speaker_local) == (None, "Sir Keir", "Keir Starmer")
    assert "Labour leader" in closing.speaker_titles


def test_quotes_point_at_their_words(quotes, seeds_dir):
    articles = {a.id: a for a in _articles(seeds_dir)}
    for article_id, found in quotes.items():
        article = articles[article_id]
        for quote in found:
            section = getattr(article, quote.section)
            assert quote.start == quote.spans[0][0] and quote.end == quote.spans[-1][1]
            words = [section[a:b] for a, b in quote.spans]
            assert all(w in quote.text for w in words)
            if quote.speaker_start is not None:
                assert section[quote.speaker_start:quote.speaker_end] == quote.speaker_mention


def test_nothing_from_boilerplate(quotes):
    texts = " ".join(q.text for found in quotes.values() for q in found)
    for marker in ("Your support", "The A Word", "commenting forum", "refresh"):
        assert marker not in texts
