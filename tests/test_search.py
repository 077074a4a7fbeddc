"""Search: the query language, highlighting, filters and ranking, on every store backend and via the CLI."""
from __future__ import annotations

import json

import pytest

from newstrail.cli import main
from newstrail.records import Article, Quote, Speaker
from newstrail.search import (
    Query, QuerySyntaxError, SearchError, SearchOptions, Term, find_matches, parse_query, search,
)
from newstrail.store import SQLiteStore, open_store
from pgutil import fresh_pg_url as _pg_url


# -- the query language ---------------------------------------------------------------------------
def test_plain_words_phrases_prefixes_or_and_exclusions_parse():
    q = parse_query('Port  "walk out" dock* bay OR harbour -mediator NOT Kovač')
    assert q.groups == (
        (Term(("port",)),), (Term(("walk", "out")),), (Term(("dock",), prefix=True),),
        (Term(("bay",)), Term(("harbour",))),
    )
    assert q.excluded == (Term(("mediator",)), Term(("kovač",)))
    # Every word is a quoted FTS5 string; operators are ours, never the user's.
    assert q.fts5() == '("port" AND "walk out" AND "dock" * AND ("bay" OR "harbour")) NOT ("mediator" OR "kovač")'
    assert q.tsquery() == "('port') & (('walk' <-> 'out')) & ('dock':*) & ('bay' | 'harbour') & !'mediator' & !'kovač'"


def test_punctuation_and_sql_in_a_query_are_only_words():
    q = parse_query("harbour' OR 1=1 --; DROP TABLE quotes")
    assert [t.words for t in q.terms] == [("harbour",), ("1", "1"), ("drop",), ("table",), ("quotes",)]
    assert q.groups[0] == (Term(("harbour",)), Term(("1", "1")))
    assert not parse_query("   ") and not parse_query("... !!")


@pytest.mark.parametrize("text, fragment", [
    ('"walk out', 'second "'),
    ("strike OR", "word OR word"),
    ("OR strike", "word OR word"),
    ("strike OR OR pay", "word OR word"),
    ("(strike)", "alternatives"),
    ("-strike", "at least one word"),
    ("NOT strike", "at least one word"),
    ("strike NOT", "word NOT other"),
    ("*", "prefix like dock*"),
    ("d*", "two letters"),
    ('""', "between the quote marks"),
])
def test_malformed_queries_raise_one_clear_error_with_a_hint(text, fragment):
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(text)
    assert fragment in info.value.hint
    assert repr(text) in info.value.message  # names what was typed


def test_matches_fold_case_and_accents_and_follow_phrases_and_prefixes():
    text = "Zoë KOVAČ said the dockers' walk-out would end; dockworkers agreed. Walk out!"
    terms = parse_query('kovac dock* "walk out"').terms
    spans = find_matches(text, terms)
    assert [text[s:e] for s, e in spans] == ["KOVAČ", "dockers", "walk-out", "dockworkers", "Walk out"]
    assert find_matches(text, parse_query("kov").terms) == []  # a whole word unless asked for a prefix


@pytest.mark.parametrize("options, fragment", [
    (SearchOptions("x", since="14/03/2023"), "YYYY-MM-DD"),
    (SearchOptions("x", until="2023-02-30"), "YYYY-MM-DD"),
    (SearchOptions("x", since="2023-04", until="2023-03"), "swap"),
    (SearchOptions("x", kind="shouted"), "direct"),
    (SearchOptions("x", kind="direct", target="articles"), "drop --kind"),
    (SearchOptions("x", limit=0), "1 to 1000"),
    (SearchOptions(""), "filter"),
])
def test_bad_options_are_search_errors_with_hints(tmp_path, options, fragment):
    with open_store(tmp_path / "s.db") as store, pytest.raises(SearchError) as info:
        search(store, options)
    assert fragment in info.value.hint


# -- on every backend ------------------------------------------------------------------------------------


def _article(aid: str, outlet: str, published: str | None, body: str) -> Article:
    return Article(id=aid, source=f"/x/{aid}.txt", title=f"Title {aid}", outlet=outlet, published=published,
                   body=body, content_hash=aid)


def _q(aid: str, n: int, text: str, local: str | None, kind: str = "direct") -> Quote:
    return Quote(id=f"{aid}:q{n}", article_id=aid, text=text, kind=kind, start=0, end=len(text), spans=[[0, len(text)]],
                 speaker=local, speaker_local=local, speaker_kind="person" if local else None)


CORPUS = [
    (_article("a1", "The Harbour Gazette", "2023-03-14T09:00:00+00:00", "The strike at the port goes on."),
     [_q("a1", 0, "the strike will go on until the port pays", "Peter Marsh", "indirect"),
      _q("a1", 1, "We will not be bullied by anyone", "Alan Pryce")]),
    (_article("a2", "Northfield Courier", "2023-03-18", "Dockers walk out as talks fail."),
     [_q("a2", 0, "Strike, strike and strike again: the port strike is all we have", "Peter Marsh"),
      _q("a2", 1, "A mediator will be named within days", "Zoë Kovač", "indirect")]),
    (_article("a3", "Meridian Daily", "2023-03-22T12:30:00+00:00", "A deal ends the strike at the port."),
     [_q("a3", 0, "the strike is over and the port is open", "Zoë Kovač", "mixed"),
      _q("a3", 1, "this deal is a fair deal for the dockworkers", "Peter Marsh")]),
    (_article("a4", "Meridian Daily", None, "Undated: the bay patrols continue."),
     [_q("a4", 0, "the patrols in the bay will continue while the strike lasts", None)]),
]
SPEAKERS = [Speaker(id="peter-marsh", name="Peter Marsh", aliases=["Mr Marsh"]),
            Speaker(id="zoe-kovac", name="Zoë Kovač", aliases=["Zoe Kovac"]),
            Speaker(id="alan-pryce", name="Alan Pryce")]


@pytest.fixture(params=["sqlite", "postgres"])
def corpus(request, tmp_path):
    url = str(tmp_path / "s.db") if request.param == "sqlite" else _pg_url()
    with open_store(url) as store:
        store.write_articles(CORPUS, pipeline_version="test")
        mapping = {(a.id, q.speaker_local): s.id for a, qs in CORPUS for q in qs for s in SPEAKERS
                   if q.speaker_local == s.name}
        store.replace_speakers(SPEAKERS, mapping)
        yield store


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_ranking_puts_the_densest_match_first_and_highlights_every_match(corpus):
    hits = search(corpus, "strike")
    assert ids(hits)[0] == "a2:q0"  # says "strike" four times
    assert set(ids(hits)) == {"a1:q0", "a2:q0", "a3:q0", "a4:q0"}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    top = hits[0]
    assert [top.text[s:e] for s, e in top.highlights] == ["Strike", "strike", "strike", "strike"]
    assert top.marked() .startswith("[Strike], [strike] and [strike] again")
    assert (top.speaker, top.speaker_id, top.outlet, top.published) == (
        "Peter Marsh", "peter-marsh", "Northfield Courier", "2023-03-18")


def test_phrase_prefix_or_and_exclusion(corpus):
    assert ids(search(corpus, '"not be bullied"')) == ["a1:q1"]
    assert ids(search(corpus, '"bullied be not"')) == []
    assert set(ids(search(corpus, "dock*"))) == {"a3:q1"}
    assert set(ids(search(corpus, "mediator OR bullied"))) == {"a1:q1", "a2:q1"}
    assert set(ids(search(corpus, "strike -port"))) == {"a4:q0"}
    # The speaker's name is indexed with the quote: "what Kovač said about …".
    for name in ("Kovač", "kovač") + (("Kovac",) if isinstance(corpus, SQLiteStore) else ()):
        hits = search(corpus, name)
        assert hits and all(h.speaker_id == "zoe-kovac" for h in hits), name


def test_filters_speaker_outlet_dates_kind(corpus):
    assert set(ids(search(corpus, "strike", speaker="marsh"))) == {"a1:q0", "a2:q0"}
    assert set(ids(search(corpus, "strike", speaker="zoe kovac"))) == {"a3:q0"}  # accents optional
    assert search(corpus, "strike", speaker="nobody at all") == []
    assert set(ids(search(corpus, "strike", outlet="meridian"))) == {"a3:q0", "a4:q0"}
    assert set(ids(search(corpus, "strike", outlet="100%_"))) == set()  # LIKE wildcards are literal
    assert set(ids(search(corpus, "strike", since="2023-03-15"))) == {"a2:q0", "a3:q0"}
    assert set(ids(search(corpus, "strike", until="2023-03-18"))) == {"a1:q0", "a2:q0"}  # inclusive day
    assert set(ids(search(corpus, "strike", since="2023-03", until="2023-03-17"))) == {"a1:q0"}
    assert set(ids(search(corpus, "strike", kind="mixed"))) == {"a3:q0"}
    assert ids(search(corpus, "strike", limit=2)) == ids(search(corpus, "strike"))[:2]


def test_filters_alone_list_newest_first(corpus):
    assert ids(search(corpus, "", speaker="Peter Marsh")) == ["a3:q1", "a2:q0", "a1:q0"]


def test_article_search_gives_snippets_and_filters_by_speaker(corpus):
    hits = search(corpus, SearchOptions("port", target="articles"))
    assert set(ids(hits)) == {"a1", "a3"}
    for hit in hits:
        assert [hit.text[s:e].lower() for s, e in hit.highlights] == ["port"]
        assert hit.target == "articles" and hit.speaker is None
    assert ids(search(corpus, SearchOptions("port", target="articles", speaker="Pryce"))) == ["a1"]


def test_store_search_ranked_is_parameterised(corpus):
    # Hostile text in every filter is data, never SQL or FTS syntax.
    nasty = "x' OR '1'='1"
    assert corpus.search_ranked("quotes", parse_query(nasty), outlet=nasty, since=nasty, speaker_ids=[nasty]) == []
    assert corpus.counts()["quotes"] == 7


# -- the command line ------------------------------------------------------------------------------
@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "cli.db"
    with open_store(path) as store:
        store.write_articles(CORPUS, pipeline_version="test")
        store.replace_speakers(SPEAKERS, {(a.id, q.speaker_local): s.id for a, qs in CORPUS for q in qs
                                          for s in SPEAKERS if q.speaker_local == s.name})
    return str(path)


def test_cli_jsonl_and_table(db, capsys):
    assert main(["search", "strike", "--outlet", "Gazette", "--format", "jsonl", "--db", db]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["a1:q0"]
    assert rows[0]["highlights"] == [[4, 10]] and rows[0]["outlet"] == "The Harbour Gazette"
    assert main(["search", "strike", "--speaker", "Marsh", "--since", "2023-03-15", "--db", db]) == 0
    out = capsys.readouterr().out
    # The table may wrap long cells at 80 columns; words survive.
    assert all(w in out for w in ("Peter", "Marsh", "Northfield", "2023-03-18", "again"))
    assert "Gazette" not in out and "2023-03-14" not in out
    assert main(["search", "--speaker", "Kovač", "--kind", "mixed", "--json", "--db", db]) == 0
    assert [json.loads(x)["id"] for x in capsys.readouterr().out.splitlines()] == ["a3:q0"]
    assert main(["search", "walk", "--articles", "--limit", "1", "--format", "jsonl", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "a2"


@pytest.mark.parametrize("argv, fragment", [
    (['"walk out'], "hint: close the phrase"),
    (["strike OR"], "hint: write: word OR word"),
    (["strike", "--since", "yesterday"], "hint: write it as YYYY-MM-DD"),
    (["strike", "--articles", "--kind", "direct"], "hint: drop --kind"),
    ([], "hint: give some words"),
])
def test_cli_bad_queries_are_one_line_with_a_hint(db, capsys, argv, fragment):
    assert main(["search", *argv, "--db", db]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragment in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_query_the_index_rejects_is_a_syntax_error_not_a_crash(corpus):
    # Should the parser ever let through something the index cannot read, the person still
    # gets one QuerySyntaxError with a hint (simulated with a query that renders badly).
    class Broken(Query):
        def fts5(self) -> str:
            return 'AND AND ("'

        def tsquery(self) -> str:
            return "& & ("

    with pytest.raises(QuerySyntaxError) as info:
        corpus.search_ranked("quotes", Broken(((Term(("x",)),),), (), "x AND"))
    assert "'x AND'" in info.value.message and info.value.hint


def test_outlet_choices_are_distinct_and_sorted(corpus):
    assert corpus.outlets() == ["Meridian Daily", "Northfield Courier", "The Harbour Gazette"]
