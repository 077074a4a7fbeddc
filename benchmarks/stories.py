"""Stories and trails benchmarks: BASIL, ECB+, quote trails on BASIL, grouping at scale.

Usage (from the repository root)::

    .venv/bin/python benchmarks/stories.py [--sets basil,ecbplus,trails,scale] [--limit N]
        [--scale 10000,100000] [--data DIR] [--json FILE]

Output, one line per set::

    stories basil    P=0.990 R=0.980 F1=0.985 ARI=0.984  articles=300 gold=100 predicted=101  articles/s=…
    stories ecbplus  P=0.950 R=0.900 F1=0.924 ARI=0.920  articles=982 gold=86 predicted=…
    trails  basil    shared=… found=… recall=…  trails=… multi_outlet=…
    scale   10000    articles/s=… peak_rss_mb=… seconds=… stories=…

Data (read in place, never copied): ``../shared/data/BASIL`` and ``../shared/data/ECBplus``
(``--data`` or ``$NEWSTRAIL_DATA`` override the folder).

Conversion
----------
* BASIL: every ``articles/<year>/*.json`` becomes one ``Article``: title, body = the
  body paragraphs joined by blank lines, outlet = ``source`` (fox, nyt, hpo),
  published = ``date``. Gold story = ``triplet-uuid`` (100 events × 3 outlets).
* ECB+: every ``ECB+/<topic>/<doc>.xml`` becomes one ``Article`` whose body is its
  tokens rejoined (sentences as paragraphs), no title, no date, no outlet: the texts
  alone. Gold story = topic + component (``ecb`` or ``ecbplus``): each of the 43
  topics holds two similar but distinct events, the hard test of not merging.

Scoring
-------
Pairwise over all article pairs: a pair is positive when both articles are in one
story. P = correct positive pairs / predicted positive pairs, R = correct / gold
positive pairs, F1 their harmonic mean; ARI is the adjusted Rand index of the two
partitions. The grouping run is ``newstrail.stories.group_articles`` (features,
near-duplicates, links, components), exactly the code of the pipeline stage.

Trails on BASIL: the gold quotes are the phrase annotations marked ``quote: yes``.
A quote is *shared* when two or more outlets of one event carry it (same text after
folding case, accents and punctuation, at least five words). It is *found* when the
trails stage (on the quotes extracted by ``newstrail.quotes``) puts the quotes of the
outlets that contain it in one trail. The line shows how many shared quotes were
found; ``multi_outlet`` counts trails that span two or more outlets.

Scale: a synthetic corpus of N articles made from BASIL and ECB+ text: each article is
a recombination of paragraphs of one source event with words dropped and swapped, a
random date, and a random outlet. The timed part is the grouping stage only (feature
extraction, MinHash, LSH, linking, components); the line shows articles per second,
peak resident memory of the process (ru_maxrss) and the 10k→100k time ratio.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from math import comb
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from newstrail.records import Article  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


# ----------------------------------------------------------------- conversion
def load_basil(data: Path, limit: int | None = None) -> tuple[list[Article], dict[str, str]]:
    """BASIL articles and their gold story (the triplet id). ``limit``: first N events by id."""
    files = sorted(glob.glob(str(data / "BASIL" / "articles" / "*" / "*.json")))
    if not files:
        raise FileNotFoundError(f"BASIL not found under {data / 'BASIL'}")
    raw = [json.loads(Path(f).read_text(encoding="utf-8")) for f in files]
    events = sorted({r["triplet-uuid"] for r in raw})
    if limit:
        events = events[:limit]
    keep = set(events)
    articles, gold = [], {}
    for r in sorted(raw, key=lambda r: (r["triplet-uuid"], r["source"])):
        if r["triplet-uuid"] not in keep:
            continue
        body = "\n\n".join(" ".join(p) for p in r["body-paragraphs"] if p)
        aid = f"basil-{r['triplet-uuid'][:8]}-{r['source']}"
        articles.append(Article(id=aid, source=aid, title=r.get("title"), outlet=r["source"],
                                published=r.get("date"), body=body))
        gold[aid] = r["triplet-uuid"]
    return articles, gold


_NO_SPACE_BEFORE = re.compile(r" ([.,;:!?%)\]}'’”]|n't|'s|'re|'ve|'ll|'d|'m)")
_NO_SPACE_AFTER = re.compile(r"([(\[{$“‘]) ")


def _detokenise(tokens: list[str]) -> str:
    text = " ".join(tokens).replace("``", "“").replace("''", "”")
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    return _NO_SPACE_AFTER.sub(r"\1", text)


def load_ecbplus(data: Path, limit: int | None = None) -> tuple[list[Article], dict[str, str]]:
    """ECB+ documents and their gold event (topic + component). ``limit``: first N topics."""
    root = data / "ECBplus" / "ECB+"
    if not root.is_dir():
        raise FileNotFoundError(f"ECB+ not found under {root}")
    topics = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: int(p.name))
    if limit:
        topics = topics[:limit]
    token = re.compile(r'<token [^>]*sentence="(\d+)"[^>]*>([^<]*)</token>')
    articles, gold = [], {}
    for topic in topics:
        for path in sorted(topic.glob("*.xml")):
            sentences: dict[int, list[str]] = defaultdict(list)
            for sent, tok in token.findall(path.read_text(encoding="utf-8")):
                sentences[int(sent)].append(_unescape(tok))
            body = "\n\n".join(_detokenise(sentences[k]) for k in sorted(sentences))
            component = "ecbplus" if path.stem.endswith("ecbplus") else "ecb"
            aid = f"ecb-{path.stem}"
            articles.append(Article(id=aid, source=str(path.name), body=body))
            gold[aid] = f"{topic.name}-{component}"
    return articles, gold


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


# -------------------------------------------------------------------- scoring
def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall, F1 and adjusted Rand index of two labelings."""
    ids = sorted(gold)
    cont = Counter((predicted[i], gold[i]) for i in ids)
    pred_sizes = Counter(predicted[i] for i in ids)
    gold_sizes = Counter(gold[i] for i in ids)
    both = sum(comb(c, 2) for c in cont.values())
    pred_pairs = sum(comb(c, 2) for c in pred_sizes.values())
    gold_pairs = sum(comb(c, 2) for c in gold_sizes.values())
    p = both / pred_pairs if pred_pairs else 1.0
    r = both / gold_pairs if gold_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    total = comb(len(ids), 2)
    expected = pred_pairs * gold_pairs / total if total else 0.0
    maximum = (pred_pairs + gold_pairs) / 2
    ari = (both - expected) / (maximum - expected) if maximum != expected else 1.0
    return {"P": p, "R": r, "F1": f1, "ARI": ari, "articles": len(ids), "gold": len(gold_sizes),
            "predicted": len(pred_sizes)}


def run_grouping(articles: list[Article]) -> tuple[dict[str, str], float]:
    from newstrail.stories import group_articles

    started = time.perf_counter()
    result = group_articles(articles)
    seconds = time.perf_counter() - started
    labels = {aid: story.id for story in result.stories for aid in story.article_ids}
    return labels, seconds


def bench_set(name: str, articles: list[Article], gold: dict[str, str]) -> dict[str, float]:
    labels, seconds = run_grouping(articles)
    scores = pairwise(labels, gold)
    scores["articles/s"] = len(articles) / seconds if seconds else 0.0
    print(f"stories {name:<8} P={scores['P']:.3f} R={scores['R']:.3f} F1={scores['F1']:.3f} "
          f"ARI={scores['ARI']:.3f}  articles={scores['articles']} gold={scores['gold']} "
          f"predicted={scores['predicted']}  articles/s={scores['articles/s']:.0f}", flush=True)
    return scores


def errors(articles: list[Article], gold: dict[str, str], out=sys.stderr) -> None:
    """Print merged and split gold stories (development aid; train on BASIL/ECB+ only knowingly)."""
    labels, _ = run_grouping(articles)
    by_pred: dict[str, list[str]] = defaultdict(list)
    for aid, s in labels.items():
        by_pred[s].append(aid)
    for s, members in sorted(by_pred.items()):
        golds = Counter(gold[m] for m in members)
        if len(golds) > 1:
            print(f"MERGED {dict(golds)}", file=out)
    by_gold: dict[str, set[str]] = defaultdict(set)
    for aid, g in gold.items():
        by_gold[g].add(labels[aid])
    for g, preds in sorted(by_gold.items()):
        if len(preds) > 1:
            print(f"SPLIT {g} into {len(preds)}", file=out)


# --------------------------------------------------------------------- trails
_QUOTED = re.compile(r"[“\"]([^”“\"]+)[”\"]")
SHARED_MIN_WORDS = 6


def _fold_words(text: str) -> list[str]:
    from newstrail.trails import fold_words

    return fold_words(text)


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    first = needle[0]
    return any(haystack[i:i + n] == needle for i, w in enumerate(haystack) if w == first)


def shared_quotes(articles: list[Article], gold: dict[str, str]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Gold: (event, article A, article B, words) for every quotation of SHARED_MIN_WORDS+ words
    printed in A that B (another outlet of the same event) prints too; one entry per event and words."""
    by_event: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        by_event[gold[a.id]].append(a)
    found: dict[tuple[str, tuple[str, ...]], tuple[str, str, str, tuple[str, ...]]] = {}
    for event, members in sorted(by_event.items()):
        folded = {a.id: _fold_words(a.body) for a in members}
        for a in members:
            for span in _QUOTED.findall(a.body):
                words = tuple(_fold_words(span))
                if len(words) < SHARED_MIN_WORDS or (event, words) in found:
                    continue
                for b in members:
                    if b.id != a.id and b.outlet != a.outlet and _contains(folded[b.id], list(words)):
                        found[(event, words)] = (event, a.id, b.id, words)
                        break
    return list(found.values())


def _run_overlap(a: list[str], b: list[str]) -> int:
    import difflib

    return difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def trails_found(store, gold_shared) -> tuple[int, dict[str, int]]:
    """How many gold shared quotes have one trail holding their words in both articles."""
    by_article: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
    trails = list(store.iter_trails())
    for trail in trails:
        for app in trail.appearances or []:
            by_article[app["article_id"]].append((trail.id, _fold_words(app["text"])))
    found = 0
    for _, a, b, words in gold_shared:
        need = min(len(words), SHARED_MIN_WORDS)
        in_a = {t for t, w in by_article.get(a, []) if _run_overlap(list(words), w) >= need}
        in_b = {t for t, w in by_article.get(b, []) if _run_overlap(list(words), w) >= need}
        found += bool(in_a & in_b)
    outlets = sum(1 for t in trails if len({app.get("outlet") for app in (t.appearances or [])}) >= 2)
    return found, {"trails": len(trails), "multi_outlet": outlets}


def analyze_articles(articles: list[Article], db: Path):
    """Run the whole newstrail pipeline on articles written as JSON lines; return the open store."""
    from newstrail import pipeline
    from newstrail.store import open_store

    src = db.with_suffix(".jsonl")
    with src.open("w", encoding="utf-8") as out:
        for a in articles:
            out.write(json.dumps({"id": a.id, "title": a.title, "text": a.body, "outlet": a.outlet,
                                  "published": a.published}, ensure_ascii=False) + "\n")
    store = open_store(db)
    pipeline.analyze([src], store=store)
    return store


def bench_trails(data: Path, limit: int | None = None, workdir: Path | None = None) -> dict[str, float]:
    import tempfile

    articles, gold = load_basil(data, limit)
    gold_shared = shared_quotes(articles, gold)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        started = time.perf_counter()
        store = analyze_articles(articles, Path(tmp) / "basil.db")
        seconds = time.perf_counter() - started
        try:
            found, extra = trails_found(store, gold_shared)
        finally:
            store.close()
    recall = found / len(gold_shared) if gold_shared else 1.0
    print(f"trails  basil    shared={len(gold_shared)} found={found} recall={recall:.3f}  "
          f"trails={extra['trails']} multi_outlet={extra['multi_outlet']}  articles={len(articles)} "
          f"pipeline_seconds={seconds:.0f}", flush=True)
    return {"shared": len(gold_shared), "found": found, "recall": recall, **extra}


# ---------------------------------------------------------------------- scale
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")
_SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vo", "dri", "sel", "un", "bor", "ta", "ne", "qui", "zor", "pa", "lin"]


def _synthetic_events(data: Path) -> list[list[list[str]]]:
    """Real events as lists of articles, each a list of paragraphs (BASIL and ECB+)."""
    events: dict[str, list[list[str]]] = defaultdict(list)
    for loader in (load_basil, load_ecbplus):
        articles, gold = loader(data)
        for a in articles:
            events[gold[a.id]].append([p for p in a.body.split("\n\n") if p.strip()])
    return [v for _, v in sorted(events.items())]


def write_synthetic(data: Path, n: int, path: Path, seed: int = 7) -> None:
    """N synthetic articles as JSON lines: recombined, perturbed real coverage of one event.

    Each synthetic event takes one real event's articles, renames its capitalised words
    (so events drawn from one real event differ in their people and places, like ECB+'s
    hard negatives) and gets a date; each of its 1-8 articles takes paragraphs from
    several of the real articles, drops about one word in twenty and gets an outlet
    and a date within two days.
    """
    rng = random.Random(seed)
    pool = _synthetic_events(data)
    written, event = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < n:
            source = pool[event % len(pool)]
            names: dict[str, str] = {}

            def rename(m: re.Match) -> str:
                word = m.group(0)
                if word not in names:
                    names[word] = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
                return names[word]

            day = 730_000 + rng.randrange(9000)
            paragraphs = [[_CAPITALISED.sub(rename, p) for p in art] for art in source]
            for k in range(min(rng.randint(1, 8), n - written)):
                picked = []
                for art in rng.sample(paragraphs, min(len(paragraphs), 2)):
                    picked.extend(rng.sample(art, max(1, min(len(art), rng.randint(3, 8)))))
                body = "\n\n".join(" ".join(w for w in p.split() if rng.random() > 0.05) for p in picked)
                published = date.fromordinal(day + rng.randrange(3)).isoformat()
                out.write(json.dumps({"id": f"syn{event:06d}-{k}", "title": picked[0][:80], "text": body,
                                      "outlet": f"outlet{rng.randrange(40)}", "published": published,
                                      "event": event}) + "\n")
                written += 1
            event += 1


def _scale_child(path: str) -> None:
    """One timed grouping run in a fresh process, so peak memory is this run's alone."""
    from newstrail.stories import group_articles

    def articles():
        with open(path, encoding="utf-8") as src:
            for line in src:
                d = json.loads(line)
                yield Article(id=d["id"], source=d["id"], title=d["title"], body=d["text"],
                              outlet=d["outlet"], published=d["published"])

    started, cpu = time.perf_counter(), time.process_time()
    result = group_articles(articles())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gold = {}
    with open(path, encoding="utf-8") as src:
        for line in src:
            d = json.loads(line)
            gold[d["id"]] = str(d["event"])
    labels = {a: s.id for s in result.stories for a in s.article_ids}
    quality = pairwise(labels, gold)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"articles": len(labels), "seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak,
                      "stories": len(result.stories), "F1": quality["F1"], "P": quality["P"], "R": quality["R"]}))


def bench_scale(data: Path, sizes: list[int], workdir: Path | None = None) -> dict[str, dict]:
    import subprocess
    import tempfile

    out: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for n in sizes:
            path = Path(tmp) / f"synthetic-{n}.jsonl"
            write_synthetic(data, n, path)
            proc = subprocess.run([sys.executable, __file__, "--scale-child", str(path)],
                                  capture_output=True, text=True, check=True)
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["articles/s"] = r["articles"] / r["seconds"]
            out[str(n)] = r
            print(f"scale   {n:<8} articles/s={r['articles/s']:.0f} seconds={r['seconds']:.1f} "
                  f"cpu_seconds={r.get('cpu_seconds', float('nan')):.1f} load={os.getloadavg()[0]:.1f} "
                  f"peak_rss_mb={r['peak_rss_mb']:.0f} stories={r['stories']}  "
                  f"P={r['P']:.3f} R={r['R']:.3f} F1={r['F1']:.3f}", flush=True)
    if len(sizes) >= 2:
        a, b = str(sizes[0]), str(sizes[-1])
        ratio = out[b]["seconds"] / out[a]["seconds"]
        print(f"scale   {a}->{b} time x{ratio:.1f} for articles x{sizes[-1] / sizes[0]:.0f} "
              f"(linear would be x{sizes[-1] / sizes[0]:.0f})", flush=True)
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="basil,ecbplus,trails,scale")
    parser.add_argument("--limit", type=int, default=None, help="first N events (BASIL) or topics (ECB+)")
    parser.add_argument("--scale", default="10000,100000", help="synthetic corpus sizes for the scale run")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("NEWSTRAIL_DATA", DEFAULT_DATA)))
    parser.add_argument("--json", type=Path, default=None, help="write every number to this file")
    parser.add_argument("--errors", action="store_true", help="print merged/split gold stories to stderr")
    parser.add_argument("--scale-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.scale_child:
        _scale_child(args.scale_child)
        return 0
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    results: dict[str, object] = {}
    try:
        if "basil" in sets:
            arts, gold = load_basil(args.data, args.limit)
            results["basil"] = bench_set("basil", arts, gold)
            if args.errors:
                errors(arts, gold)
        if "ecbplus" in sets:
            arts, gold = load_ecbplus(args.data, args.limit)
            results["ecbplus"] = bench_set("ecbplus", arts, gold)
            if args.errors:
                errors(arts, gold)
        if "trails" in sets:
            results["trails"] = bench_trails(args.data, args.limit)
        if "scale" in sets:
            results["scale"] = bench_scale(args.data, [int(n) for n in args.scale.split(",") if n])
    except FileNotFoundError as exc:
        print(f"stories benchmark: {exc}; put the datasets under ../shared/data or pass --data", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
