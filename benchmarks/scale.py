"""Scale benchmark: the whole pipeline on N articles, per engine and worker count.

    .venv/bin/python benchmarks/scale.py                      # = make bench-scale: N = 1k and 10k
    .venv/bin/python benchmarks/scale.py --sizes 1000 --runs local:1 local:2 dask:2
    .venv/bin/python benchmarks/scale.py --with-100k          # adds N = 100k (hours on 2 cores)
    .venv/bin/python benchmarks/scale.py --db postgresql://…  # a PostgreSQL server instead of SQLite
    .venv/bin/python benchmarks/scale.py --sizes 1000 --repeat 3   # medians of 3 runs taken in turn
    .venv/bin/python benchmarks/scale.py --keep-db kept/ ...; --into kept/100000-local-2.db

The corpus is built from real text: the bundled sample corpus plus ``../shared/data``
(PolNeAR and BASIL articles, the seeds), each generated article a perturbed and
recombined copy of one of them (paragraphs swapped, one borrowed from another article,
one dropped), spread over 24 outlets so the cleaner sees recurring groups. It is written
as JSON Lines and analyzed by the ``newstrail analyze`` command in a child process, whose
process tree (workers included) is sampled for peak resident memory.

Printed per run: articles per second end to end (engine start-up included), peak RSS of
the whole process tree, seconds per article, and the stage seconds of the summary
(read/select/start/prepare/workers/write/speakers are wall time in the parent; clean and
quotes are summed over workers). Next to it, textacy's ``direct_quotations`` with the same
spaCy model on the same articles (a full parse of every article; on the first
``--textacy-limit`` articles, in one process).

After the last run of each N, ``--incremental`` M new articles go into its database and
into an empty one, twice: made from the corpus's own texts (they join stories and trails
that grow with N: each text recurs about N/1250 times) and from held-out ECB+ texts (they
start their own). ``--into`` prints only these lines, for a database kept earlier.

The machine's speed drifts (a shared virtual machine): ``--repeat R`` runs every engine R
times in turn and adds the medians and the speed-up from one local worker to two.

Without ``../shared`` the benchmark stops with the reason: the sample corpus alone is too
small to recombine into realistic volume.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "newstrail" / "data" / "sample"
OUTLETS = [f"{place} {kind}" for place in ("Harbour", "Northgate", "Riverside", "Westfield", "Eastbrook", "Hillcrest")
           for kind in ("Gazette", "Courier", "Herald", "Post")]
DEFAULT_RUNS = ("local:1", "local:2", "dask:2")


# ---------------------------------------------------------------- corpus
def sample_texts() -> list[list[str]]:
    """Paragraph lists of the bundled sample corpus (plain-text items only)."""
    from newstrail.ingest import iter_documents

    out = []
    for doc in iter_documents([str(SAMPLE)], on_error=lambda failure: None):
        if getattr(doc, "content_type", None) == "text":
            out.append(_paragraphs(doc.content))
    return [p for p in out if len(p) >= 3]


def shared_texts(shared: Path = SHARED) -> list[list[str]]:
    """Paragraph lists of the articles in ../shared: PolNeAR texts, BASIL bodies, the seeds."""
    out: list[list[str]] = []
    for path in sorted((shared / "data" / "PolNeAR" / "data").glob("*/text/*.txt")):
        out.append(_paragraphs(path.read_text(encoding="utf-8", errors="replace")))
    for path in sorted((shared / "data" / "BASIL" / "articles").glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        paras = data.get("body-paragraphs")
        if isinstance(paras, str):
            try:
                import ast

                paras = ast.literal_eval(paras)
            except (ValueError, SyntaxError):
                paras = []
        flat = [" ".join(p) if isinstance(p, list) else str(p) for p in paras or []]
        if data.get("title"):
            flat.insert(0, str(data["title"]))
        out.append([p for p in flat if p.strip()])
    for path in sorted((shared / "seeds").glob("*.txt")):
        out.append(_paragraphs(path.read_text(encoding="utf-8", errors="replace")))
    return [p for p in out if len(p) >= 3]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def generate(n: int, bases: list[list[str]], seed: int = 6, start: int = 0) -> Iterator[dict]:
    """N article objects, each a perturbed recombination of one base article; ids from ``start``."""
    rng = random.Random(seed)
    for i in range(start, start + n):
        paras = list(rng.choice(bases))
        middle = range(1, len(paras) - 1)
        if len(middle) >= 2 and rng.random() < 0.6:  # swap two paragraphs of the body
            a, b = rng.sample(list(middle), 2)
            paras[a], paras[b] = paras[b], paras[a]
        if len(middle) >= 1 and rng.random() < 0.6:  # borrow a paragraph from another article
            other = rng.choice(bases)
            paras.insert(rng.choice(list(middle)), rng.choice(other[1:]))
        if len(paras) > 4 and rng.random() < 0.4:  # drop one
            del paras[rng.randrange(2, len(paras))]
        yield {
            "id": f"scale-{i:07d}",
            "outlet": OUTLETS[rng.randrange(len(OUTLETS))],
            "published": f"20{rng.randrange(16, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
            "text": "\n\n".join(paras),
        }


def write_corpus(path: Path, n: int, bases: list[list[str]], seed: int = 6, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for obj in generate(n, bases, seed, start):
            out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


# ---------------------------------------------------------------- measuring
class TreeMemory:
    """Peak resident memory of a process and all its descendants, sampled on a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        import psutil

        self._root = psutil.Process(pid)
        self._every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self._every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run_pipeline(corpus: Path, db: str, engine: str, workers: int, batch_size: int) -> dict:
    cmd = [sys.executable, "-m", "newstrail", "analyze", str(corpus), "--db", db, "--json", "--no-progress",
           "--engine", engine, "--workers", str(workers), "--batch-size", str(batch_size)]
    started, cpu_before = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"analyze failed ({proc.returncode}): {err.strip()[-2000:]}")
    summary = json.loads(out)
    return {"wall": wall, "peak": peak, "summary": summary, "cpu": _children_cpu() - cpu_before}


def _children_cpu() -> float:
    """CPU seconds of every finished descendant (workers are waited for by their parents)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_textacy(corpus: Path, limit: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--textacy-worker", str(corpus), "--textacy-limit",
           str(limit)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    memory = TreeMemory(proc.pid)
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    peak = memory.stop()
    if proc.returncode != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"}
    return dict(json.loads(out), wall=wall, peak=peak)


def textacy_worker(corpus: Path, limit: int) -> None:
    """Child process: textacy direct_quotations over the first ``limit`` articles."""
    import textacy.extract

    from newstrail.nlp import load_nlp

    nlp = load_nlp()
    texts = []
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            texts.append(json.loads(line)["text"])
            if len(texts) >= limit:
                break
    started = time.perf_counter()
    quotes = refused = 0
    for doc in nlp.pipe(texts, batch_size=32):
        try:
            quotes += sum(1 for _ in textacy.extract.triples.direct_quotations(doc))
        except ValueError:  # textacy gives up on a document with an unclosed quotation mark
            refused += 1
    print(json.dumps({"articles": len(texts), "seconds": time.perf_counter() - started, "quotes": quotes,
                      "refused": refused}))


@cache
def held_out_texts(shared: Path = SHARED) -> list[list[str]]:
    """Paragraph lists of ECB+ documents: news text the scale corpus never uses, so articles
    made from it start stories and trails of their own. Read once (982 XML files), however
    many sizes ask."""
    try:
        from benchmarks.stories import load_ecbplus
    except ImportError:  # run as a script: benchmarks/ itself is on the path
        from stories import load_ecbplus

    try:
        articles, _ = load_ecbplus(shared / "data")
    except FileNotFoundError:
        return []
    return [paras for a in articles if len(paras := _paragraphs(a.body)) >= 3]


def incremental(tmp: Path, n: int, db: str, args: argparse.Namespace, bases: list[list[str]], engine: str,
                workers: int, *, seed: int | None = None, start: int = 10_000_000) -> None:
    """M new articles into the N-article database, and the same M into an empty one: once
    made from the corpus's own texts (they join stories and trails that grow with N), once
    from held-out ECB+ texts (they start their own)."""
    m = args.incremental
    seed = args.seed + 1 if seed is None else seed
    sets = [("recurring text", bases, start)]
    held_out = held_out_texts()
    if held_out:
        sets.append(("held-out text", held_out, start + 10_000_000))
    for label, texts, first in sets:
        extra = write_corpus(tmp / f"extra-{n}.jsonl", m, texts, seed, start=first)
        into_full = run_pipeline(extra, db, engine, workers, args.batch_size)
        into_empty = run_pipeline(extra, _fresh_db(args.db, tmp, f"extra-{n}-{first}"), engine, workers,
                                  args.batch_size)
        stages = into_full["summary"].get("stages", {})
        print(f"incremental N={n}+{m} {label} engine={engine} workers={workers}: {into_full['wall']:.1f}s into "
              f"the {n}-article database vs {into_empty['wall']:.1f}s into an empty one  "
              f"(speakers {stages.get('speakers', 0):.1f}s stories {stages.get('stories', 0):.1f}s "
              f"trails {stages.get('trails', 0):.1f}s)", flush=True)
        extra.unlink()


def into_existing(path: Path, args: argparse.Namespace, bases: list[list[str]], engine: str, workers: int) -> None:
    """The incremental lines for a database kept by an earlier run (``--keep-db``), on a copy."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    with tempfile.TemporaryDirectory(prefix="newstrail-scale-", dir=args.tmp) as tmpdir:
        tmp = Path(tmpdir)
        db = str(tmp / path.name)
        shutil.copyfile(path, db)
        # Ids and texts of their own: the kept database may hold an earlier run's extras.
        incremental(tmp, n, db, args, bases, engine, workers, seed=args.seed + 1 + n, start=50_000_000)


# ---------------------------------------------------------------- main
def report_walls(n: int, walls: dict[str, list[float]]) -> None:
    """The median of repeated runs, and the speed-up from one local worker to two."""
    import statistics

    medians = {spec: statistics.median(w) for spec, w in walls.items() if w}
    for spec, runs in walls.items():
        if len(runs) > 1:
            print(f"median N={n} {spec} over {len(runs)} runs: {n / medians[spec]:.1f} articles/s  "
                  f"wall {medians[spec]:.1f}s  (runs {' '.join(f'{w:.1f}' for w in runs)})", flush=True)
    if "local:1" in medians and "local:2" in medians:
        print(f"speed-up N={n} local 1 -> 2 workers: {medians['local:1'] / medians['local:2']:.2f}x  "
              f"(wall {medians['local:1']:.1f}s -> {medians['local:2']:.1f}s"
              f"{', medians' if len(walls['local:1']) > 1 else ''})", flush=True)


def _fresh_db(db: str | None, tmp: Path, tag: str) -> str:
    if db is None:
        return str(tmp / f"{tag}.db")
    # A database of its own per run on the server, so runs never see each other's articles.
    import sqlalchemy as sa

    name = "scale_" + tag.replace("-", "_").replace(":", "_")
    admin = sa.create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return db.rsplit("/", 1)[0] + "/" + name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default 1k 10k)")
    parser.add_argument("--with-100k", action="store_true", help="add N = 100,000")
    parser.add_argument("--runs", nargs="+", default=list(DEFAULT_RUNS), metavar="ENGINE:WORKERS",
                        help="engines and worker counts (default local:1 local:2 dask:2)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--db", help="postgresql://… server to use (default: a SQLite file per run)")
    parser.add_argument("--textacy-limit", type=int, default=1000, help="articles for the textacy baseline")
    parser.add_argument("--no-textacy", action="store_true")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--incremental", type=int, default=100, metavar="M",
                        help="after the last run of each N, time M new articles into its database and into an "
                             "empty one (0: skip)")
    parser.add_argument("--keep-db", type=Path, metavar="DIR",
                        help="move each SQLite database into DIR instead of deleting it (to profile the stages)")
    parser.add_argument("--textacy-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, metavar="R",
                        help="run each engine R times, in turn, and report the median wall time (a shared "
                             "machine's speed drifts from minute to minute)")
    parser.add_argument("--into", type=Path, metavar="DB",
                        help="only the incremental lines, into a copy of this SQLite database (one kept with "
                             "--keep-db); the first of --runs analyzes")
    parser.add_argument("--tmp", type=Path, help="folder for the corpus and databases (default: the system's)")
    args = parser.parse_args(argv)
    if args.textacy_worker:
        textacy_worker(args.textacy_worker, args.textacy_limit)
        return 0
    if not (SHARED / "data").is_dir():
        print(f"skipped: {SHARED / 'data'} not found; the scale corpus is recombined from the shared datasets "
              "(clone the project beside its shared/ folder)")
        return 0
    bases = sample_texts() + shared_texts()
    if args.into:
        engine, _, workers = args.runs[0].partition(":")
        into_existing(args.into, args, bases, engine, int(workers or 1))
        return 0
    sizes = sorted(set(args.sizes + ([100_000] if args.with_100k else [])))
    print(f"# {len(bases)} base articles; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start; "
          f"batch size {args.batch_size}; db {'postgresql' if args.db else 'sqlite'}")
    with tempfile.TemporaryDirectory(prefix="newstrail-scale-", dir=args.tmp) as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            corpus = write_corpus(tmp / f"corpus-{n}.jsonl", n, bases, args.seed)
            walls: dict[str, list[float]] = {spec: [] for spec in args.runs}
            # Repeats go round the runs in turn, so a slow spell of a shared machine falls
            # on every run alike, not on one of them.
            for rep in range(args.repeat):
                for number, spec in enumerate(args.runs):
                    engine, _, workers = spec.partition(":")
                    db = _fresh_db(args.db, tmp, f"{n}-{engine}-{workers}")
                    result = run_pipeline(corpus, db, engine, int(workers or 1), args.batch_size)
                    walls[spec].append(result["wall"])
                    s = result["summary"]
                    stages = " ".join(f"{k}={v:.1f}" for k, v in s.get("stages", {}).items())
                    tag = f" run {rep + 1}/{args.repeat}" if args.repeat > 1 else ""
                    print(f"scale N={n} engine={engine} workers={workers}{tag}: {n / result['wall']:.1f} articles/s  "
                          f"wall {result['wall']:.1f}s  {1000 * result['wall'] / n:.1f} ms/article  "
                          f"peak RSS {result['peak'] / 2**20:.0f} MB  cpu {result['cpu']:.0f}s "
                          f"({1000 * result['cpu'] / n:.0f} ms/article)  quotes {s['quotes']}  "
                          f"speakers {s['speakers']}  failed {s['failed']}  load {os.getloadavg()[0]:.1f}  "
                          f"[{stages}]", flush=True)
                    for failure in s.get("failures", [])[:3]:
                        print(f"  failure: {failure['stage']}: {failure['error'][:200]}", flush=True)
                    last = rep == args.repeat - 1 and number == len(args.runs) - 1
                    if args.incremental and last:
                        incremental(tmp, n, db, args, bases, engine, int(workers or 1))
                    if not args.db:
                        if args.keep_db and rep == args.repeat - 1:
                            args.keep_db.mkdir(parents=True, exist_ok=True)
                            shutil.move(db, args.keep_db / Path(db).name)
                        for suffix in ("", "-wal", "-shm"):
                            Path(db + suffix).unlink(missing_ok=True)
            report_walls(n, walls)
            if not args.no_textacy:
                limit = min(n, args.textacy_limit)
                t = run_textacy(corpus, limit)
                if "error" in t:
                    print(f"textacy N={n}: not run ({t['error']})")
                else:
                    print(f"textacy N={limit} direct_quotations (1 process, parse included): "
                          f"{t['articles'] / t['seconds']:.1f} articles/s  {t['seconds']:.1f}s  "
                          f"peak RSS {t['peak'] / 2**20:.0f} MB  quotes {t['quotes']}  "
                          f"articles refused (unclosed quotation) {t['refused']}", flush=True)
            corpus.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
