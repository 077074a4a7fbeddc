"""Cleaning benchmarks: HTML main text (ScrapingHub) and plain-text boilerplate (L3S-GN1).

Usage (from the repository root)::

    .venv/bin/python benchmarks/cleaning.py [--limit N] [--sets scrapinghub,l3s] [--data DIR]

Output, one line per set and system::

    scrapinghub  newstrail    P=0.930 R=0.950 F1=0.940  n=181

Data (read in place, never copied): ``../shared/data/scrapinghub-article-extraction-benchmark``
and ``../shared/data/L3S-GN1`` (``--data`` or ``$NEWSTRAIL_DATA`` override the folder).

Scoring
-------
Bag-of-words token overlap, per document: tokens are lower-cased ``\\w+`` runs;
P = |pred ∩ gold| / |pred|, R = |pred ∩ gold| / |gold| (multiset intersection), F1
their harmonic mean; the line shows the mean of each over documents. A document
for which a system returns nothing scores P = R = F1 = 0.

* scrapinghub: 181 pages, gold = ``articleBody`` of ``ground-truth.json``.
  ``newstrail`` is ``Cleaner`` on the HTML (trafilatura, then our boilerplate pass
  and headline-block reading; batches of 128 as in the pipeline, grouped by host);
  ``trafilatura`` is ``trafilatura.extract`` with default settings.
* l3s: 621 annotated pages rendered to plain text (one line per block element,
  scripts, styles and ``x-nc-invisible`` elements dropped); gold = the blocks
  labelled full text (``x-nc-sel2``). ``keep-all`` is the rendered text unchanged
  (the baseline a boilerplate remover must beat in precision without losing
  recall); ``newstrail`` is ``Cleaner`` on that text, grouped by host. This is a
  harder setting than scraped article text: a whole page with its navigation.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
SCRAPINGHUB = "scrapinghub-article-extraction-benchmark"
L3S = "L3S-GN1"
BATCH = 128
_TOKEN = re.compile(r"\w+")


@dataclass(slots=True)
class Page:
    id: str
    content: str  # HTML for scrapinghub, rendered text for l3s
    gold: str
    url: str | None


@dataclass(slots=True)
class Score:
    precision: float
    recall: float
    f1: float
    n: int

    def line(self, dataset: str, system: str) -> str:
        return (f"{dataset:<12} {system:<12} P={self.precision:.3f} R={self.recall:.3f} "
                f"F1={self.f1:.3f}  n={self.n}")


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


def score(predictions: list[str], golds: list[str]) -> Score:
    ps, rs, fs = [], [], []
    for pred, gold in zip(predictions, golds):
        p_tok, g_tok = tokens(pred), tokens(gold)
        common = sum((p_tok & g_tok).values())
        p = common / sum(p_tok.values()) if p_tok else 0.0
        r = common / sum(g_tok.values()) if g_tok else 0.0
        ps.append(p)
        rs.append(r)
        fs.append(2 * p * r / (p + r) if p + r else 0.0)
    return Score(fmean(ps), fmean(rs), fmean(fs), len(golds))


# ---------------------------------------------------------------- data
def load_scrapinghub(data: Path, limit: int | None = None) -> list[Page]:
    folder = data / SCRAPINGHUB
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth)[:limit]:
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        pages.append(Page(key, html, truth[key]["articleBody"], truth[key].get("url")))
    return pages


_BLOCKS = frozenset("p div br li ul ol h1 h2 h3 h4 h5 h6 tr td th table section article header footer "
                    "blockquote dd dt dl form nav aside pre hr title".split())
_SKIP = frozenset(("script", "style", "noscript"))
_LABEL = re.compile(r"x-nc-sel(\d)")


def render_l3s(html: str) -> tuple[str, str]:
    """(page text, gold full text) of one annotated L3S-GN1 page."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(html)
    page: list[str] = []
    gold: list[str] = []

    def walk(el, label: int) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or "x-nc-invisible" in (el.get("class") or ""):
            return
        if match := _LABEL.search(el.get("class") or ""):
            label = int(match.group(1))
        block = tag in _BLOCKS
        if block:
            page.append("\n")
        _emit(el.text, label)
        for child in el:
            walk(child, label)
            _emit(child.tail, label)
        if block:
            page.append("\n")

    def _emit(piece: str | None, label: int) -> None:
        if piece and piece.strip():
            page.append(piece)
            if label == 2:
                gold.append(piece)

    body = root.find("body")
    walk(body if body is not None else root, 0)
    text = "\n".join(re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(page).split("\n"))
    return re.sub(r"\n{2,}", "\n", text).strip(), " ".join(gold)


def load_l3s(data: Path, limit: int | None = None) -> list[Page]:
    folder = next((data / L3S).glob("L3S-GN1-*"))
    urls = {}
    for line in (folder / "url-mapping.txt").read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, url = line.partition("\t")
        urls[key.strip("<>").removeprefix("urn:uuid:")] = url.strip()
    pages = []
    for path in sorted((folder / "annotated").glob("*.html"))[:limit]:
        text, gold = render_l3s(path.read_text(encoding="utf-8", errors="replace"))
        pages.append(Page(path.stem, text, gold, urls.get(path.stem)))
    return pages


# ---------------------------------------------------------------- systems
def run_newstrail(pages: list[Page], content_type: str) -> list[str]:
    from newstrail.clean import Cleaner
    from newstrail.records import Article, RawDocument

    cleaner = Cleaner()
    out: list[str] = []
    for start in range(0, len(pages), BATCH):
        batch = pages[start:start + BATCH]
        docs = [RawDocument(source=p.id, id=p.id, content=p.content, content_type=content_type, url=p.url,
                            group=urlsplit(p.url).hostname if p.url else None) for p in batch]
        out.extend(r.body if isinstance(r, Article) else "" for r in cleaner.clean_batch(docs))
    return out


def run_trafilatura(pages: list[Page]) -> list[str]:
    import trafilatura

    return [trafilatura.extract(p.content, url=p.url) or "" for p in pages]


def systems_for(dataset: str) -> dict[str, Callable[[list[Page]], list[str]]]:
    if dataset == "scrapinghub":
        return {"newstrail": lambda pages: run_newstrail(pages, "html"), "trafilatura": run_trafilatura}
    return {"keep-all": lambda pages: [p.content for p in pages], "newstrail": lambda pages: run_newstrail(pages, "text")}


LOADERS: dict[str, tuple[str, Callable[[Path, int | None], list[Page]]]] = {
    "scrapinghub": (SCRAPINGHUB, load_scrapinghub),
    "l3s": (L3S, load_l3s),
}


def evaluate(dataset: str, data: Path = DEFAULT_DATA, limit: int | None = None) -> Iterator[tuple[str, Score]]:
    """(system, score) for every system on one dataset."""
    pages = LOADERS[dataset][1](data, limit)
    golds = [p.gold for p in pages]
    for system, run in systems_for(dataset).items():
        yield system, score(run(pages), golds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("NEWSTRAIL_DATA", DEFAULT_DATA)))
    parser.add_argument("--sets", default="scrapinghub,l3s", help="comma-separated: scrapinghub,l3s")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    args = parser.parse_args(argv)
    status = 0
    for dataset in [s.strip() for s in args.sets.split(",") if s.strip()]:
        if dataset not in LOADERS:
            print(f"unknown set '{dataset}': choose from {', '.join(LOADERS)}", file=sys.stderr)
            return 2
        folder = args.data / LOADERS[dataset][0]
        if not folder.is_dir():
            print(f"{dataset}: data not found at {folder}; clone the project beside its shared/ folder "
                  "or pass --data", file=sys.stderr)
            status = 1
            continue
        for system, result in evaluate(dataset, args.data, args.limit):
            print(result.line(dataset, system), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
