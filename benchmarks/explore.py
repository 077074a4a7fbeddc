"""Exploration benchmark: search quality on the sample corpus, and search / report / web speed at scale.

    .venv/bin/python benchmarks/explore.py               # = make bench-explore
    .venv/bin/python benchmarks/explore.py --copies 20   # a smaller scaled corpus

Quality: hand-written questions about the bundled sample corpus (``GOLDEN``: a query and filters,
and a few words the right quote holds); P@1 and MRR@5 over them. The floors in
``benchmarks/floors.json`` ("search") are enforced by ``tests/test_search_floor.py``.

Speed: the analyzed sample is copied ``--copies`` times under new ids straight into a fresh
SQLite store (so the corpus grows without re-running the NLP); then it times searches (p50/p95
in ms), the HTML report, and the web app's pages over real HTTP on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import contextlib
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newstrail.search import SearchOptions, search  # noqa: E402
from newstrail.store import Store, open_store  # noqa: E402

SAMPLE = ROOT / "newstrail" / "data" / "sample"

# (query, filters, words the right quote holds). Written for the fictional sample corpus.
GOLDEN: list[tuple[str, dict, str]] = [
    ("cranes stand still", {}, "cranes stand still"),
    ("biscuits", {}, "biscuits to Varenia"),
    ("fish treaties", {}, "fish do not read treaties"),
    ("bullied", {"speaker": "Pryce"}, "bullied"),
    ("lost the trust", {}, "lost the trust of the town"),
    ("retired judge", {}, "retired judge"),
    ('"hardest ten days"', {}, "hardest ten days"),
    ("deal fair", {"kind": "direct"}, "fair one"),
    ("warships", {}, "not warships"),
    ("mediator", {"speaker": "Kovač", "until": "2023-03-15"}, "mediator"),
    ("relief recovery", {}, "Relief is the word"),
    ('"going back together"', {}, "going back together"),
    ("rally gates", {"kind": "indirect"}, "rally at the port gates"),
    ("boats bay careless", {}, "careless or calculated"),
    ("proud", {"outlet": "courier"}, "proud of it"),
]

SPEED_QUERIES = [SearchOptions("strike"), SearchOptions("port authority"), SearchOptions('"not be bullied"'),
                 SearchOptions("dock*"), SearchOptions("mediator", speaker="Kovač"),
                 SearchOptions("strike", outlet="gazette", since="2023-03-15"),
                 SearchOptions("deal", target="articles"), SearchOptions("", speaker="Peter Marsh")]


def analyze_sample(db: Path) -> None:
    from newstrail.pipeline import analyze

    analyze([str(SAMPLE)], db=str(db))


def quality(store: Store) -> dict[str, float]:
    """P@1 and MRR@5 of the golden questions."""
    first, reciprocal = 0, 0.0
    for query, filters, words in GOLDEN:
        hits = search(store, SearchOptions(query, limit=5, **filters))
        rank = next((n for n, h in enumerate(hits, 1) if words.lower() in h.text.lower()), None)
        first += rank == 1
        reciprocal += 1 / rank if rank else 0.0
        if rank != 1:
            print(f"  miss: {query!r} {filters} → rank {rank}", file=sys.stderr)
    return {"p_at_1": first / len(GOLDEN), "mrr_at_5": reciprocal / len(GOLDEN), "n": len(GOLDEN)}


def scaled(source: Store, target: Store, copies: int) -> None:
    """Copy every article and its quotes ``copies`` times under new ids, then the speakers."""
    articles = list(source.iter_articles())
    quotes = {a.id: list(source.iter_quotes(a.id)) for a in articles}
    for n in range(copies):
        batch = []
        for a in articles:
            aid = f"{a.id}~{n}"
            batch.append((replace(a, id=aid, content_hash=f"{a.content_hash}~{n}"),
                          [replace(q, id=f"{aid}:{q.id.rsplit(':', 1)[-1]}", article_id=aid) for q in quotes[a.id]]))
        target.write_articles(batch, pipeline_version="bench")
    speakers = list(source.iter_speakers())
    mapping = {(f"{q.article_id}~{n}", q.speaker_local): q.speaker_id
               for qs in quotes.values() for q in qs if q.speaker_id and q.speaker_local for n in range(copies)}
    target.replace_speakers(speakers, mapping)


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50={statistics.median(ordered) * 1000:.1f}ms p95={p95 * 1000:.1f}ms"


@contextlib.contextmanager
def _server(db: Path) -> Iterator[str]:
    import uvicorn

    from newstrail.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def speed(db: Path, rounds: int) -> None:
    import httpx

    from newstrail.report import render_html

    with open_store(db) as store:
        counts = store.counts()
        print(f"corpus       articles={counts['articles']} quotes={counts['quotes']} speakers={counts['speakers']}")
        timings: list[float] = []
        for _ in range(rounds):
            for options in SPEED_QUERIES:
                start = time.perf_counter()
                search(store, options)
                timings.append(time.perf_counter() - start)
        print(f"search       {_ms(timings)} n={len(timings)} (limit 20, {len(SPEED_QUERIES)} query shapes)")
        start = time.perf_counter()
        html = render_html(store)
        print(f"report       seconds={time.perf_counter() - start:.2f} size={len(html.encode()) / 1e6:.1f}MB")
        speaker = next(store.iter_speakers()).id
        article = next(store.iter_articles()).id
    pages = ["/", "/speakers", f"/speakers/{speaker}", f"/speakers/{speaker}.json", f"/articles/{article}",
             "/search?q=strike&outlet=gazette", "/search.json?q=mediator", "/stories", "/trails"]
    with _server(db) as base, httpx.Client(base_url=base, timeout=60) as client:
        for path in pages:
            samples = []
            for _ in range(max(3, rounds // 2)):
                start = time.perf_counter()
                response = client.get(path)
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, (path, response.status_code)
            print(f"web {path:<34} {_ms(samples)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=100, help="copies of the sample corpus for the speed run")
    parser.add_argument("--rounds", type=int, default=10, help="repetitions of each timed call")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.db"
        analyze_sample(sample)
        with open_store(sample) as store:
            q = quality(store)
        print(f"search-quality  P@1={q['p_at_1']:.3f} MRR@5={q['mrr_at_5']:.3f} n={q['n']}")
        big = Path(tmp) / "scaled.db"
        with open_store(sample) as src, open_store(big) as dst:
            scaled(src, dst, args.copies)
        speed(big, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
