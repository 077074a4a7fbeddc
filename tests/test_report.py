"""The static HTML report: self-contained, complete, escaped; and its building blocks."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape

from test_web import EVIL_SCRIPT, analyze_sample, evil_markers

from newstrail.cli import main
from newstrail.records import Quote, Story
from newstrail.report import Series, day, overview, paragraphs, render_html, timeline_svg
from newstrail.store import open_store


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return analyze_sample(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report(sample_db, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("out") / "report.html"
    assert main(["report", "--db", str(sample_db), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(report):
    assert "<script" not in report.lower()
    # Nothing is fetched: no src attributes, stylesheets, imports, or url() in the style.
    # (Article text is escaped, so every "<" left in the file opens a real tag.)
    assert not re.search(r"<[^>]*\bsrc\s*=|<link\b|@import|url\(", report, re.IGNORECASE)
    assert not re.search(r'<[^>]*\bhref="(?!#)', report)
    assert "default-src 'none'" in report  # and the page says so to the browser


def test_report_overview_matches_the_store(report, sample_db):
    with open_store(sample_db) as store:
        articles = list(store.iter_articles())
        view = overview(store)
        counts = store.counts()
    days = sorted(d for a in articles if (d := day(a.published)))
    assert (view.articles, view.first, view.last) == (len(articles), days[0], days[-1])
    assert view.removed_blocks == sum(len(a.removed) for a in articles) > 0
    assert {o for o, _ in view.outlets} == {a.outlet or "unknown outlet" for a in articles}
    section = report.split('id="overview"')[1].split("</section>")[0]
    for label, value in (("articles", len(articles)), ("speakers", counts["speakers"]), ("quotes", counts["quotes"]),
                         ("first date", days[0]), ("last date", days[-1]), ("boilerplate removed", view.removed_blocks),
                         ("stories", counts["stories"]), ("quote trails", counts["trails"])):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in section, label
    for outlet, n in view.outlets:
        assert f"{escape(outlet)} — {n} article" in section


def test_report_lists_stories_speakers_trails_and_draws_timelines(report, sample_db):
    with open_store(sample_db) as store:
        speakers = list(store.iter_speakers())
        quotes = list(store.iter_quotes())
        stories = list(store.iter_stories())
    for s in speakers:
        assert f'id="speaker-{escape(s.id)}"' in report
    for q in quotes:
        assert str(escape(q.text)) in report
    for story in stories:
        assert f'id="story-{escape(story.id)}"' in report
    assert 'id="trail-t-1"' in report and "(as reported)" in report and "extended" in report
    svgs = re.findall(r"<svg class=\"timeline\".*?</svg>", report, re.S)
    assert len(svgs) == 2
    assert "Quotes per speaker over time" in svgs[0] and "Articles per story over time" in svgs[1]
    assert 'href="#speaker-' in svgs[0] and 'href="#story-s-strike"' in svgs[1]
    # One dot per (speaker, day) among the plotted speakers.
    assert svgs[0].count("<circle") > len([s for s in speakers[:12] if s.quote_count]) // 2


def test_report_escapes_every_field(report):
    for marker in evil_markers():
        assert marker not in report, marker
    assert str(escape(EVIL_SCRIPT)) in report


def test_empty_stories_and_trails_say_so(tmp_path):
    db = analyze_sample(tmp_path, evil=False, stories=False)
    with open_store(db) as store:
        store.replace_stories([], {})
        store.replace_trails([], {})
        html = render_html(store)
    assert "No stories yet" in html and "No quote trails yet" in html
    assert html.count("<svg") == 1  # the speaker timeline still draws


def test_empty_database_report(tmp_path):
    with open_store(tmp_path / "e.db") as store:
        html = render_html(store)
    assert "<dt>articles</dt><dd>0</dd>" in html and "No dated quotes to draw" in html


def test_timeline_svg_escapes_labels_and_places_dots_in_time():
    svg = timeline_svg([Series("<b>A</b>", {"2023-03-01": 1, "2023-03-11": 4}, href='x" onclick="y'),
                        Series("B", {"2023-03-06": 2}), Series("none", {})], title="T <i>", unit="quotes")
    assert "<b>" not in svg and "&lt;b&gt;A&lt;/b&gt;" in svg and "<i>" not in svg
    assert 'onclick="' not in svg
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert len(xs) == 3 and xs[0] < xs[2] < xs[1]  # 1 March, 6 March (row B), 11 March
    radii = [float(r) for r in re.findall(r' r="([\d.]+)"', svg)]
    assert radii[1] > radii[0]  # four quotes draw a bigger dot than one
    assert "none" not in svg  # series without dates are left out
    assert "2023-03-01" in svg and "2023-03-11" in svg
    single = timeline_svg([Series("A", {"2023-03-01": 2})], title="t")
    assert single.count("<circle") == 1
    assert "No dated" in timeline_svg([], title="t")


def test_paragraph_pieces_cover_the_text_once_and_mark_quotes():
    text = "He said “one two,” and then: “three four.”\n\nShe said five six."
    q1 = Quote(id="q1", article_id="a", text="one two", start=text.index("one"), end=text.index("one") + 7)
    q2 = Quote(id="q2", article_id="a", text="x", spans=[[text.index("three"), text.index("three") + 10],
                                                        [text.index("five"), text.index("five") + 8]])
    overlapping = Quote(id="q3", article_id="a", text="two", start=text.index("two"), end=text.index("two") + 3)
    paras = paragraphs(text, [q1, q2, overlapping])
    assert len(paras) == 2
    assert "".join(p.text for para in paras for p in para) == text.replace("\n\n", "")
    marked = [(p.text, p.quote.id) for para in paras for p in para if p.quote]
    assert marked == [("one two", "q1"), ("three four", "q2"), ("five six", "q2")]


def test_stories_with_missing_articles_still_render(tmp_path):
    db = analyze_sample(tmp_path, evil=False, stories=False)
    with open_store(db) as store:
        store.replace_stories([Story(id="ghost", title="Ghost story", article_ids=["gone-1", "gone-2"])], {})
        html = render_html(store)
    assert 'id="story-ghost"' in html and "0 articles" in html
