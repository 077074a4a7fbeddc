"""The load benchmark's corpus and driver, small: pages cover every record once, the speaker
page's tallies match the store, and a short bounded run against the real server has no errors."""
from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from test_web import analyze_sample, serving

from benchmarks.load import build_corpus, drive, request_mix
from newstrail.store import open_store


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("load")
    sample = analyze_sample(folder, evil=False)
    db = folder / "corpus.db"
    with open_store(sample) as src, open_store(db) as dst:
        build_corpus(src, dst, 300)
    return db


@pytest.fixture(scope="module")
def base(corpus):
    with serving(corpus) as url:
        yield url


def test_the_corpus_has_what_the_benchmark_needs(corpus):
    with open_store(corpus) as store:
        counts = store.counts()
        top = next(store.iter_speakers())
        assert counts["articles"] == 300 and counts["quotes"] > 300 and counts["speakers"] > 10
        assert top.quote_count > 5 * next(s for i, s in enumerate(store.iter_speakers()) if i == 5).quote_count
        for article in list(store.iter_articles())[:40]:  # quotes still point at their text
            for q in store.iter_quotes(article.id):
                if q.section == "body":
                    assert all(0 <= a < b <= len(article.body) and article.body[a:b] in q.text for a, b in q.spans)


def test_list_pages_cover_every_record_once(base, corpus):
    with httpx.Client(base_url=base, timeout=30) as client, open_store(corpus) as store:
        for kind, key, everything in (("articles", "articles", [a.id for a in store.iter_articles()]),
                                      ("speakers", "speakers", [s.id for s in store.iter_speakers()]),
                                      ("stories", "stories", [s.id for s in store.iter_stories()]),
                                      ("trails", "trails", [t.id for t in store.iter_trails()])):
            seen, url = [], f"/{kind}.json"
            while url:
                data = client.get(url).json()
                assert len(data[key]) <= data["page"]["size"]
                seen += [item["id"] for item in data[key]]
                url = data["page"]["next"] and data["page"]["next"].replace(f"/{kind}?", f"/{kind}.json?")
            assert sorted(seen) == sorted(everything), kind
            assert data["page"]["total"] == len(everything)


def test_speaker_pages_add_up_to_the_stored_quotes(base, corpus):
    with open_store(corpus) as store:
        top = next(store.iter_speakers())
        quotes = list(store.iter_speaker_quotes(top.id))
        published = {a.id: a.published for a in store.get_articles({q.article_id for q in quotes})}
    href = f"/speakers/{quote(top.id, safe='')}"
    with httpx.Client(base_url=base, timeout=30) as client:
        first = client.get(href + ".json").json()
        assert first["quote_total"] == len(quotes) and len(first["quotes"]) == first["page"]["size"]
        assert sum(o["quotes"] for o in first["by_outlet"]) == len(quotes)
        all_row = next(r for r in first["timeline"] if r["label"] == "all outlets")
        assert sum(all_row["per_day"].values()) == sum(1 for q in quotes if published.get(q.article_id))
        seen = []
        for number in range(1, first["page"]["pages"] + 1):
            seen += [q["id"] for q in client.get(href + ".json", params={"page": number}).json()["quotes"]]
        assert sorted(seen) == sorted(q.id for q in quotes) and len(seen) == len(set(seen))
        days = [q["day"] or "9999" for q in client.get(href + ".json", params={"page": 2}).json()["quotes"]]
        assert days == sorted(days)  # oldest first, across pages too
        page = client.get(href, params={"page": 2})
        assert page.status_code == 200 and f"page 2 of {first['page']['pages']}" in page.text


def test_a_short_bounded_run_has_no_errors(base, corpus):
    with open_store(corpus) as store:
        mix = request_mix(store, 120, seed=3)
    assert Counter(kind for kind, _ in mix).keys() == {"page", "json", "search"}
    latencies, errors, elapsed = asyncio.run(drive(base, mix, concurrency=4, duration=60))
    assert not errors, dict(errors)
    assert sum(len(v) for v in latencies.values()) == len(mix) and elapsed < 60
