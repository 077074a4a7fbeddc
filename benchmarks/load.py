"""Load benchmark: ``newstrail serve`` under a bounded mix of page, JSON and search requests.

    .venv/bin/python benchmarks/load.py                          # = make bench-load
    .venv/bin/python benchmarks/load.py --articles 2000 --requests 300
    .venv/bin/python benchmarks/load.py --db postgresql://…/empty_db   # the corpus in PostgreSQL

The corpus: the bundled sample is analyzed once, then perturbed copies of it (new ids, shifted
dates, outlets and speakers spread over variants, an extra paragraph of shuffled words) are
written straight through the store API until there are ``--articles`` articles. One speaker
stays the same in every copy, so the corpus holds a speaker with thousands of quotes. A SQLite
corpus is cached under ``out/load/`` (ignored by git) and reused by later runs.

The server is the real command (``python -m newstrail serve``: uvicorn in its own process) on
127.0.0.1. The load generator is an httpx async client with at most ``--concurrency`` requests
in flight; it stops after ``--requests`` requests or ``--duration`` seconds, whichever comes
first. It prints requests/s, p50/p99 latency and errors per request class, and whether the
target (no errors; p99 under 200 ms for pages and JSON) was met.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newstrail.records import Article, Quote, Speaker  # noqa: E402
from newstrail.store import Store, open_store  # noqa: E402
from newstrail.trails import TRAIL_INDEX  # noqa: E402

SAMPLE = ROOT / "newstrail" / "data" / "sample"
CACHE = ROOT / "out" / "load"
CORPUS_VERSION = 1  # bump when the generator changes, so cached corpora are rebuilt
SPEAKER_VARIANTS = 40  # each speaker but the most quoted one is split over this many people
OUTLET_VARIANTS = 6
TARGET_MS = 200.0

SEARCHES = ["strike", "port authority", '"not be bullied"', "dock*", "mediator", "deal -fish", "harbour OR port",
            "talks", "union leader", "cranes stand still"]


def _shift(published: str | None, days: int) -> str | None:
    """The same timestamp ``days`` later (dates spread the copies over a season)."""
    if not published or not re.match(r"\d{4}-\d{2}-\d{2}", published):
        return published
    moved = date.fromisoformat(published[:10]) + timedelta(days=days)
    return moved.isoformat() + published[10:]


def analyze_sample(db: Path) -> None:
    from newstrail.pipeline import analyze

    analyze([str(SAMPLE)], db=str(db), workers=0)


def build_corpus(source: Store, target: Store, articles_wanted: int, seed: int = 7) -> None:
    """Write perturbed copies of ``source`` into ``target`` until it holds ``articles_wanted`` articles."""
    rng = random.Random(seed)
    articles = list(source.iter_articles())
    quotes = {a.id: list(source.iter_quotes(a.id)) for a in articles}
    speakers = {s.id: s for s in source.iter_speakers()}
    stories = list(source.iter_stories())
    trails = list(source.iter_trails())
    star = max(speakers.values(), key=lambda s: s.quote_count).id if speakers else None
    vocabulary = sorted({w for a in articles for w in re.findall(r"[^\W\d_]{3,}", a.body)})
    copies = -(-articles_wanted // max(1, len(articles)))

    def speaker_of(sid: str | None, n: int) -> str | None:
        return sid if sid is None or sid == star else f"{sid}-v{n % SPEAKER_VARIANTS}"

    out_speakers: dict[str, Speaker] = {}
    written = 0
    for n in range(copies):
        batch: list[tuple[Article, list[Quote]]] = []
        for a in articles:
            if written >= articles_wanted:
                break
            aid = f"{a.id}~{n}"
            extra = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(20, 60))) if vocabulary else ""
            outlet = f"{a.outlet} {n % OUTLET_VARIANTS}" if a.outlet else None
            copy = replace(a, id=aid, source=f"{a.source}~{n}", title=f"{a.title or a.id} ({n})",
                           outlet=outlet, published=_shift(a.published, n % 120), story_id=None,
                           body=a.body + ("\n\n" + extra.capitalize() + "." if extra else ""),
                           content_hash=f"{a.content_hash}~{n}")
            qs = []
            for q in quotes[a.id]:
                sid = speaker_of(q.speaker_id, n)
                qs.append(replace(q, id=f"{aid}:{q.id.rsplit(':', 1)[-1]}", article_id=aid, speaker_id=sid,
                                  trail_id=f"{q.trail_id}~{n}" if q.trail_id else None))
                if sid is not None:
                    base = speakers.get(q.speaker_id)
                    s = out_speakers.get(sid)
                    if s is None:
                        suffix = "" if sid == star else f" {n % SPEAKER_VARIANTS}"
                        name = (base.name if base else q.speaker or sid) + suffix
                        s = out_speakers[sid] = Speaker(id=sid, name=name, aliases=list(base.aliases) if base else [],
                                                        titles=list(base.titles) if base else [],
                                                        kind=base.kind if base else "person")
                    s.quote_count += 1
                    if not s.article_ids or s.article_ids[-1] != aid:
                        s.article_ids.append(aid)
            batch.append((copy, qs))
            written += 1
        if batch:
            target.write_articles(batch, pipeline_version="bench-load")
    # Speakers, stories and trails through the stores' writers, ids following the copies.
    mapping = {}
    ordered = sorted(out_speakers.values(), key=lambda s: (-s.quote_count, s.id))
    for n in range(copies):
        for a in articles:
            for q in quotes[a.id]:
                sid = speaker_of(q.speaker_id, n)
                if sid and q.speaker_local:
                    mapping[(f"{a.id}~{n}", q.speaker_local)] = sid
    present = {a.id for a in target.iter_articles()}
    mapping = {k: v for k, v in mapping.items() if k[0] in present}
    target.replace_speakers(ordered, mapping)
    new_stories, changed = [], {}
    for n in range(copies):
        for s in stories:
            ids = [f"{x}~{n}" for x in s.article_ids if f"{x}~{n}" in present]
            if ids:
                new_stories.append(replace(s, id=f"{s.id}~{n}", title=f"{s.title or s.id} ({n})", article_ids=ids,
                                           near_duplicates={f"{k}~{n}": f"{v}~{n}" for k, v in
                                                            (s.near_duplicates or {}).items()}))
                changed.update({i: f"{s.id}~{n}" for i in ids})
    target.replace_stories(new_stories, changed)
    new_trails, quote_trails = [], {}
    for n in range(copies):
        for tr in trails:
            ids = [f"{x}~{n}" for x in tr.article_ids if f"{x}~{n}" in present]
            if ids:
                new_trails.append(replace(tr, id=f"{tr.id}~{n}", article_ids=ids,
                                          speaker_id=speaker_of(tr.speaker_id, n)))
        for a in articles:
            if f"{a.id}~{n}" in present:
                for q in quotes[a.id]:
                    if q.trail_id:
                        quote_trails[f"{a.id}~{n}:{q.id.rsplit(':', 1)[-1]}"] = f"{q.trail_id}~{n}"
    target.replace_trails(new_trails, quote_trails, TRAIL_INDEX)


def copy_records(source: Store, target: Store) -> None:
    """Every record of ``source`` into the empty ``target``, unchanged."""
    articles = list(source.iter_articles())
    target.write_articles([(a, list(source.iter_quotes(a.id))) for a in articles], pipeline_version="bench-load")
    quotes = list(source.iter_quotes())
    target.replace_speakers(list(source.iter_speakers()),
                            {(q.article_id, q.speaker_local): q.speaker_id for q in quotes
                             if q.speaker_id and q.speaker_local})
    target.replace_stories(list(source.iter_stories()), {a.id: a.story_id for a in articles if a.story_id})
    target.replace_trails(list(source.iter_trails()), {q.id: q.trail_id for q in quotes if q.trail_id}, TRAIL_INDEX)


def corpus(args: argparse.Namespace, tmp: Path) -> str:
    """The database to serve: cached SQLite under out/load/, or the PostgreSQL URL given, filled once."""
    sample = CACHE / "sample.db"
    if not sample.exists():  # analyzed once (the only NLP the benchmark runs), then reused
        CACHE.mkdir(parents=True, exist_ok=True)
        partial = tmp / "sample.db"
        analyze_sample(partial)
        with open_store(partial) as src, open_store(sample) as dst:
            copy_records(src, dst)
    db = args.db or str(CACHE / f"corpus-{args.articles}-v{CORPUS_VERSION}.db")
    with open_store(db) as store:
        have = store.counts()["articles"]
    if have == 0:
        started = time.perf_counter()
        with open_store(sample) as src, open_store(db) as dst:
            build_corpus(src, dst, args.articles)
        print(f"built corpus in {time.perf_counter() - started:.1f}s: {db}", file=sys.stderr)
    elif have < args.articles:
        raise SystemExit(f"error: {db} already holds {have} articles (fewer than {args.articles}); "
                         "give an empty database or remove the cached file")
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db: str, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """The real ``newstrail serve`` in its own process; its base URL."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newstrail", "serve", "--db", db, "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/static/app.css", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"newstrail serve did not start: {proc.stdout.read()}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def request_mix(store: Store, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (class, path) pairs: pages and their JSON twins over every kind of record, and searches."""
    from urllib.parse import quote, urlencode

    rng = random.Random(seed)
    speakers = [s.id for s in store.iter_speakers()]
    article_ids = [a.id for a in store.iter_articles()]
    stories = [s.id for s in store.iter_stories()]
    trails = [t.id for t in store.iter_trails()]
    outlets = store.outlets()

    def record_paths() -> list[str]:
        paths = ["/", "/articles", "/speakers", "/stories", "/trails", f"/articles?page={rng.randint(1, 50)}"]
        paths += [f"/speakers/{quote(speakers[0], safe='')}"] if speakers else []  # the one with thousands of quotes
        paths += [f"/speakers/{quote(rng.choice(speakers), safe='')}"] if speakers else []
        paths += [f"/articles/{quote(rng.choice(article_ids), safe='')}" for _ in range(3)] if article_ids else []
        paths += [f"/stories/{quote(rng.choice(stories), safe='')}"] if stories else []
        paths += [f"/trails/{quote(rng.choice(trails), safe='')}"] if trails else []
        return paths

    def twin(path: str) -> str:
        p, _, q = path.partition("?")
        return ("/index" if p == "/" else p) + ".json" + (f"?{q}" if q else "")

    def search_path() -> str:
        params = {"q": rng.choice(SEARCHES)}
        roll = rng.random()
        if roll < 0.2 and outlets:
            params["outlet"] = rng.choice(outlets).split()[0]
        elif roll < 0.35:
            params["target"] = "articles"
        elif roll < 0.45:
            params["since"] = "2023-03-15"
        return rng.choice(["/search", "/search.json"]) + "?" + urlencode(params)

    mix = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.4:
            mix.append(("page", rng.choice(record_paths())))
        elif roll < 0.8:
            mix.append(("json", twin(rng.choice(record_paths()))))
        else:
            mix.append(("search", search_path()))
    return mix


async def drive(base: str, mix: list[tuple[str, str]], concurrency: int, duration: float,
                headers: dict[str, str] | None = None,
                slow: list[tuple[float, str]] | None = None
                ) -> tuple[dict[str, list[float]], dict[str, list[str]], float]:
    """Send ``mix`` with at most ``concurrency`` in flight, for at most ``duration`` seconds."""
    import httpx

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    queue = list(reversed(mix))
    deadline = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue and time.perf_counter() < deadline:
            kind, path = queue.pop()
            start = time.perf_counter()
            try:
                response = await client.get(path)
                await response.aread()
                ok = response.status_code == 200
                problem = f"{response.status_code} {path}"
            except httpx.HTTPError as exc:
                ok, problem = False, f"{type(exc).__name__} {path}"
            latencies[kind].append(time.perf_counter() - start)
            if slow is not None:
                slow.append((latencies[kind][-1], path))
            if not ok:
                errors[kind].append(problem)

    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, headers=headers) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def route_of(path: str) -> str:
    """``/speakers/zoe-kovac.json?page=2`` → ``/speakers/{id}.json``: the request's route."""
    p = path.split("?", 1)[0]
    json = p.endswith(".json")
    p = p.removesuffix(".json")
    parts = p.split("/")
    if len(parts) > 2:
        p = "/".join(parts[:2]) + "/{id}"
    return (p or "/") + (".json" if json else "")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the corpus (default 10,000)")
    parser.add_argument("--requests", type=int, default=2000, help="requests to send (default 2000)")
    parser.add_argument("--duration", type=float, default=120.0,
                        help="stop sending after this many seconds (default 120)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight at most (default 4)")
    parser.add_argument("--warmup", type=int, default=40, help="requests sent first and not counted (default 40)")
    parser.add_argument("--db", help="serve this database (a PostgreSQL URL is filled when empty) instead of the cache")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=1, help="newstrail serve --workers (default 1)")
    parser.add_argument("--routes", action="store_true", help="p50/p99 per route on stderr")
    parser.add_argument("--slowest", type=int, default=0, metavar="N", help="list the N slowest requests on stderr")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = corpus(args, Path(tmp))
    with open_store(db) as store:
        counts = store.counts()
        top = next(store.iter_speakers(), None)
        mix = request_mix(store, args.requests + args.warmup, args.seed)
    print(f"load corpus   articles={counts['articles']} quotes={counts['quotes']} speakers={counts['speakers']} "
          f"stories={counts['stories']} trails={counts['trails']} top_speaker_quotes={top.quote_count if top else 0} "
          f"backend={'postgresql' if '://' in db else 'sqlite'}")
    print(f"load machine  cpus={os.cpu_count()} load1={os.getloadavg()[0]:.2f} concurrency={args.concurrency} "
          f"workers={args.workers} "
          f"(client and server share these cores)")
    with serving(db, "--workers", str(args.workers)) as base:
        asyncio.run(drive(base, mix[:args.warmup], min(args.concurrency, 4), args.duration))
        slow: list[tuple[float, str]] = []
        latencies, errors, elapsed = asyncio.run(drive(base, mix[args.warmup:], args.concurrency, args.duration,
                                                       slow=slow))
    total = sum(len(v) for v in latencies.values())
    failed = sum(len(v) for v in errors.values())
    results = {"requests": total, "seconds": round(elapsed, 2), "rps": round(total / elapsed, 1), "errors": failed,
               "classes": {}}
    print(f"load total    requests={total} seconds={elapsed:.1f} rps={total / elapsed:.1f} errors={failed}")
    met = failed == 0
    for kind in ("page", "json", "search"):
        samples = latencies.get(kind, [])
        if not samples:
            continue
        p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
        results["classes"][kind] = {"n": len(samples), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1),
                                    "max_ms": round(max(samples) * 1000, 1), "errors": len(errors.get(kind, []))}
        print(f"load {kind:<8} n={len(samples)} p50={p50:.1f}ms p99={p99:.1f}ms max={max(samples) * 1000:.1f}ms "
              f"errors={len(errors.get(kind, []))}")
        if kind in ("page", "json") and p99 >= TARGET_MS:
            met = False
    for kind, problems in errors.items():
        for problem in problems[:5]:
            print(f"  error {kind}: {problem}", file=sys.stderr)
    for seconds, path in sorted(slow, reverse=True)[:args.slowest]:
        print(f"  slow {seconds * 1000:7.1f}ms {path}", file=sys.stderr)
    if args.routes:
        by_route: dict[str, list[float]] = defaultdict(list)
        for seconds, path in slow:
            by_route[route_of(path)].append(seconds)
        for route, samples in sorted(by_route.items(), key=lambda kv: -percentile(kv[1], 50)):
            print(f"  route {route:<28} n={len(samples):<4} p50={percentile(samples, 50) * 1000:6.1f}ms "
                  f"p99={percentile(samples, 99) * 1000:6.1f}ms", file=sys.stderr)
    results["target_met"] = met
    print(f"load target   zero errors, p99 < {TARGET_MS:.0f}ms for pages and JSON: {'met' if met else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
