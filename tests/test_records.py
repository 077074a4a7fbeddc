"""Records turn into plain dicts exactly as ``dataclasses.asdict`` would make them."""
from __future__ import annotations

import copy
import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from newstrail.records import Article, Quote, Speaker, Story, Trail

LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8))
NESTED = st.recursive(LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(st.text(max_size=4), inner, max_size=3)),
                      max_leaves=12)
TEXTS = st.lists(st.text(max_size=8), max_size=4)


@given(spans=st.lists(st.lists(st.integers(), max_size=2), max_size=3), titles=TEXTS,
       start=st.integers(), speaker=st.one_of(st.none(), st.text(max_size=8)))
def test_a_quote_dict_is_asdict_and_a_copy(spans, titles, start, speaker):
    quote = Quote(id="q", article_id="a", text="words", start=start, spans=spans, speaker=speaker,
                  speaker_titles=titles)
    before = copy.deepcopy(quote)
    as_dict = quote.to_dict()
    assert as_dict == dataclasses.asdict(quote)
    assert Quote.from_dict(as_dict) == quote
    as_dict["spans"].append([0, 0])
    for span in as_dict["spans"]:
        span.append(-1)
    as_dict["speaker_titles"].append("changed")
    assert quote == before  # the lists were copied, not shared


@given(variants=st.lists(st.dictionaries(st.text(max_size=4), NESTED, max_size=3), max_size=3),
       appearances=st.lists(st.dictionaries(st.text(max_size=4), NESTED, max_size=3), max_size=3),
       article_ids=TEXTS)
def test_a_trail_with_nested_rows_is_asdict_all_the_way_down(variants, appearances, article_ids):
    trail = Trail(id="t", speaker_id=None, speaker="someone", text="words", article_ids=article_ids,
                  variants=variants, appearances=appearances)
    before = copy.deepcopy(trail)
    as_dict = trail.to_dict()
    assert as_dict == dataclasses.asdict(trail)
    for row in as_dict["appearances"]:
        row["added"] = object()
    assert trail == before  # the rows were copied, not shared


@given(aliases=TEXTS, near=st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
       removed=TEXTS)
def test_other_records_too(aliases, near, removed):
    for record in (Speaker(id="s", name="A Name", aliases=aliases), Story(id="st", near_duplicates=near),
                   Article(id="a", source="x", body="b", removed=removed)):
        assert record.to_dict() == dataclasses.asdict(record)
