"""analyze(): ingest → clean → quotes → store, then speakers, stories and trails across the corpus.

Documents stream through in batches: a batch is cleaned together (so the cleaner can
compare articles of one outlet), parsed together (spaCy is fastest on batches) and
written in one transaction; the streaming part holds a few batches whatever the corpus
size. The corpus-wide stages that follow hold what their passes reach (see each stage).
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .clean import Cleaner, Prepared, finish, prepare
from .clean.evidence import Evidence
from .engines.base import Engine, run_inline
from .ingest import DEFAULT_MAX_BYTES, iter_documents
from .records import Article, Failure, Quote, RawDocument
from .store import SpeakerBlock, SpeakerRef, Store, WriteBatch, open_store
from .store.schema import REFS_BACKFILL_KEY

# Bump when a stage's output changes for the same input, so re-running analyze
# reprocesses stored articles instead of treating them as unchanged.
PIPELINE_VERSION = f"{__version__}+1"
CLEANER_STATE_KEY = "clean.evidence"


@dataclass(slots=True)
class Summary:
    """What one analyze run did."""

    db: str
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    quotes: int = 0
    speakers: int = 0
    stories: int = 0
    trails: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0
    # Seconds per stage: read/prepare/workers/write/speakers are wall time in this process
    # (write: time spent waiting for the writer thread); clean/quotes/features are summed
    # over workers.
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        return {
            "db": self.db, "seen": self.seen, "added": self.added, "updated": self.updated,
            "unchanged": self.unchanged, "duplicates": self.duplicates, "quotes": self.quotes,
            "speakers": self.speakers, "stories": self.stories, "trails": self.trails, "failed": self.failed, "seconds": round(self.seconds, 3),
            "failures": [f.to_dict() for f in self.failures], "stages": dict(self.stages),
        }


def content_hash(doc: RawDocument) -> str:
    """Fingerprint of everything that can change an article's record."""
    payload = json.dumps(
        [doc.content, doc.content_type, doc.url, doc.title, doc.byline, doc.outlet, doc.published],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _batched(items: Iterable[RawDocument], size: int) -> Iterator[list[RawDocument]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


# How many documents one worker task carries. Fixed, never derived from the number of
# workers: tasks are parsed as one spaCy batch, and the same tasks on any engine give
# the same output. Small enough that the last task of a batch leaves little idle time.
TASK_SIZE = 8
_STAGES = ("read", "select", "start", "prepare", "clean", "quotes", "features", "workers", "write",
           "speakers", "stories", "trails")


@dataclass(slots=True)
class ArticleTask:
    """One task for a worker: prepared documents and the cleaner evidence of their groups."""

    items: list[Prepared]
    evidence: Evidence


@dataclass(slots=True)
class Processed:
    """What a worker hands back for one document.

    The per-article results (article, quotes) and the partial results the corpus-wide
    stages merge in the parent (``refs`` for speakers, ``features`` for stories: terms,
    quote hashes and the MinHash signature, ``trail_keys`` for trails), plus worker-side
    stage seconds.
    """

    article: Article | None = None
    quotes: list[Quote] = field(default_factory=list)
    refs: list[SpeakerRef] = field(default_factory=list)
    features: tuple[str, dict, bytes | None] | None = None
    trail_keys: list[tuple[int, str, str]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def prepare_documents(docs: list[RawDocument]) -> list[Prepared | Failure]:
    """Worker task: the per-document half of cleaning (HTML main text, paragraphs)."""
    return [prepare(doc) for doc in docs]


def process_articles(task: ArticleTask) -> list[Processed]:
    """Worker task: finish cleaning, extract quotes, compute speaker refs, story features and
    trail keys; one result per item."""
    from .speakers import article_refs
    from .stories.features import article_features
    from .stories.stage import stored_features
    from .trails import trail_keys_of

    started = time.perf_counter()
    out = [Processed() for _ in task.items]
    articles: list[tuple[Processed, Article]] = []
    for slot, item in zip(out, task.items):
        result = finish(item, task.evidence)
        if isinstance(result, Failure):
            slot.failures.append(result)
        else:
            slot.article = result
            articles.append((slot, result))
    cleaned = time.perf_counter()
    for (slot, article), (quotes, failure) in zip(articles, _extract([a for _, a in articles])):
        slot.quotes = quotes
        slot.refs = article_refs(quotes, article.outlet)
        if failure is not None:
            slot.failures.append(failure)
    quoted = time.perf_counter()
    for slot, article in articles:
        slot.features = stored_features(article_features(article, signer=_signer()))
        slot.trail_keys = trail_keys_of(slot.quotes, article)
    if out:  # stage seconds ride on the first result of the task
        out[0].seconds = {"clean": cleaned - started, "quotes": quoted - cleaned,
                          "features": time.perf_counter() - quoted}
    return out


@functools.cache
def _signer():
    from .stories.dedup import Signer

    return Signer()  # its permutations are drawn once per process


def _extract(articles: list[Article]) -> list[tuple[list[Quote], Failure | None]]:
    from .quotes import extract_quotes

    try:
        return [(quotes, None) for _, quotes in extract_quotes(articles, batch_size=TASK_SIZE)]
    except Exception:  # noqa: BLE001 - isolate the article that broke the batch
        done: list[tuple[list[Quote], Failure | None]] = []
        for article in articles:
            try:
                done.extend((quotes, None) for _, quotes in extract_quotes([article]))
            except Exception as exc:  # noqa: BLE001
                done.append(([], Failure(article.source, "quotes", f"{article.source}: quote extraction failed "
                                         f"({type(exc).__name__}: {exc}); the article is stored without quotes")))
        return done


@dataclass(slots=True)
class _Todo:
    doc: RawDocument
    digest: str
    update: bool  # the id is stored already (with other content or an older pipeline)


@dataclass(slots=True)
class _InFlight:
    """A batch whose tasks are on the workers: what its write needs once they are done."""

    size: int  # documents read, for progress
    live: list[tuple[_Todo, Prepared]]
    results: Callable[[], list[list[Processed]]]
    state: dict  # the cleaner evidence after this batch, as written with it


class _Run:
    """State of one analyze call; keeps analyze() itself a readable list of stages.

    Per batch: select what is new (parent), prepare (workers for HTML), observe the
    cleaner evidence in input order (parent), and hand the batch to the workers (finish
    cleaning, quotes, partial results of the corpus-wide stages). While they work, the
    next batch is read, selected, prepared and handed over behind it, so the workers
    never wait for the parent between batches; then the first batch's results are
    written in one transaction on a writer thread. Each batch's documents stay in an
    overlay from their selection until their write commits, so later selections see
    them as stored either way (a copy of a document that fails would fail the same).
    """

    def __init__(self, store: Store, summary: Summary, progress: Callable[[int], None] | None,
                 engine: Callable[[], Engine]) -> None:
        self.store = store
        self.summary = summary
        self.progress = progress or (lambda n: None)
        self.cleaner = Cleaner(state=store.get_state(CLEANER_STATE_KEY))
        self._engine = engine
        self.pending_failures: list[Failure] = []
        # Per batch selected and not yet committed: (id → (hash, version), hash → id).
        self._overlays: list[tuple[dict[str, tuple[str | None, str | None]], dict[str, str]]] = []
        self._inflight: list[_InFlight] = []
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="newstrail-writer")
        self._writing: tuple[Future, bool] | None = None
        self.seconds = dict.fromkeys(_STAGES, 0.0)

    def fail(self, failure: Failure) -> None:
        # Written with the next batch, in its transaction: a rerun never records it twice.
        self.summary.failures.append(failure)
        self.pending_failures.append(failure)

    def select_new(self, batch: list[RawDocument]) -> list[_Todo]:
        """Drop documents already stored with the same content; count what is left."""
        hashes = [content_hash(doc) for doc in batch]
        ids = [doc.id for doc in batch if doc.id]
        known = self.store.article_versions(ids)
        holders = self.store.ids_with_hashes(hashes)
        for versions, by_hash in self._overlays:  # oldest first: a later batch's copy wins
            known.update({i: versions[i] for i in ids if i in versions})
            holders.update({h: by_hash[h] for h in hashes if h in by_hash})
        todo: list[_Todo] = []
        seen_here: set[str] = set()
        for doc, digest in zip(batch, hashes):
            previous = known.get(doc.id or "")
            if previous == (digest, PIPELINE_VERSION):
                self.summary.unchanged += 1
            elif digest in seen_here or holders.get(digest, doc.id) != doc.id:
                # Same content under another id (a copy of a file, a re-posted item).
                self.summary.duplicates += 1
            else:
                if previous is None:
                    self.summary.added += 1
                else:
                    self.summary.updated += 1
                seen_here.add(digest)
                todo.append(_Todo(doc, digest, previous is not None))
        return todo

    def _uncount(self, todo: _Todo) -> None:
        # A document that fails after selection was counted as added/updated.
        if todo.update:
            self.summary.updated -= 1
        else:
            self.summary.added -= 1

    def prepare(self, todo: list[_Todo], engine: Engine) -> list[Prepared | Failure]:
        """Main text and paragraphs, in input order. Plain text is split here (cheaper than
        shipping it); HTML goes to the workers when there is a task's worth of it. Those
        tasks queue behind the batch the workers are on, so a few pages are not worth the
        wait. Where a document is prepared changes nothing in what comes out."""
        docs = [t.doc for t in todo]
        html = [i for i, doc in enumerate(docs) if doc.content_type == "html"]
        if engine.workers == 0 or len(html) < TASK_SIZE:
            return prepare_documents(docs)
        pages = [docs[i] for i in html]
        tasks = [pages[i:i + TASK_SIZE] for i in range(0, len(pages), TASK_SIZE)]
        results = engine.map(prepare_documents, tasks, costs=[sum(len(d.content) for d in t) for t in tasks])
        out: list[Prepared | Failure | None] = [None] * len(docs)
        for i, item in zip(html, (item for part in results for item in part)):
            out[i] = item
        rest = [i for i in range(len(docs)) if out[i] is None]
        for i, item in zip(rest, prepare_documents([docs[i] for i in rest])):
            out[i] = item
        return out

    def batch(self, batch: list[RawDocument], engine_hint: bool) -> None:
        """Hand one batch to the workers; write the one before it once its results are in."""
        clock = time.perf_counter()
        self.summary.seen += len(batch)
        todo = self.select_new(batch)
        if not todo:
            self.progress(len(batch))
            return
        self._overlays.append(({t.doc.id: (t.digest, PIPELINE_VERSION) for t in todo if t.doc.id},
                               {t.digest: t.doc.id for t in todo if t.doc.id}))
        tick = time.perf_counter()
        self.seconds["select"] += tick - clock
        engine = self._engine() if engine_hint else _INLINE
        clock, tick = tick, time.perf_counter()
        self.seconds["start"] += tick - clock  # starting the workers, the first time
        prepared = self.prepare(todo, engine)
        # Evidence is counted here, in input order, before any document is finished:
        # every document of the batch is judged against all of them, wherever it runs.
        self.cleaner.observe(prepared)
        state = json.loads(json.dumps(self.cleaner.state()))  # a snapshot: the next batch goes on observing
        live = [(t, p) for t, p in zip(todo, prepared) if not isinstance(p, Failure)]
        for t, p in zip(todo, prepared):
            if isinstance(p, Failure):
                self._uncount(t)
                self.fail(p)
        # Views, not the live evidence: the tasks may be serialised after the next observe.
        tasks = [ArticleTask([p for _, p in live[i:i + TASK_SIZE]],
                             self.cleaner.evidence_view({p.group for _, p in live[i:i + TASK_SIZE]}))
                 for i in range(0, len(live), TASK_SIZE)]
        costs = [sum(len(p.doc.content) for p in task.items) for task in tasks]
        self._inflight.append(_InFlight(len(batch), live, engine.submit(process_articles, tasks, costs=costs), state))
        self.seconds["prepare"] += time.perf_counter() - tick
        while len(self._inflight) > 1:  # one batch queued behind the one being worked on
            self.collect()

    def collect(self) -> None:
        """Wait for the oldest batch on the workers and hand its results to the writer."""
        done = self._inflight.pop(0)
        started = time.perf_counter()
        results = [r for part in done.results() for r in part]
        self.seconds["workers"] += time.perf_counter() - started
        items: list[tuple[Article, list[Quote]]] = []
        refs: list[SpeakerRef] = []
        features, trail_keys = [], []
        for (t, _), result in zip(done.live, results):
            for name, value in result.seconds.items():
                self.seconds[name] += value
            for failure in result.failures:
                self.fail(failure)
            if result.article is None:
                self._uncount(t)
                continue
            result.article.content_hash = t.digest
            items.append((result.article, result.quotes))
            refs.extend(result.refs)
            if result.features is not None:
                features.append(result.features)
            trail_keys.extend(result.trail_keys)
            self.summary.quotes += len(result.quotes)
        self.write(WriteBatch(items, PIPELINE_VERSION, refs, self._take_failures(), {CLEANER_STATE_KEY: done.state},
                              features, trail_keys))
        self.progress(done.size)

    def _take_failures(self) -> list[Failure]:
        failures, self.pending_failures = self.pending_failures, []
        return failures

    def write(self, batch: WriteBatch, selected: bool = True) -> None:
        """Hand the batch to the writer thread; at most one write is in flight.

        ``selected``: the batch is the oldest selected one, whose overlay its commit ends.
        """
        self.wait()
        self._writing = (self._writer.submit(self.store.write_batch, batch), selected)

    def wait(self) -> None:
        if self._writing is not None:
            started = time.perf_counter()
            future, selected = self._writing
            try:
                future.result()
                if selected:  # committed: its documents are in the store now
                    self._overlays.pop(0)
            finally:
                self._writing = None
                self.seconds["write"] += time.perf_counter() - started

    def finish_writes(self) -> None:
        while self._inflight:
            self.collect()
        if self.pending_failures:
            self.write(WriteBatch([], PIPELINE_VERSION, failures=self._take_failures()), selected=False)
        self.wait()

    def close(self) -> None:
        # Let a write in flight commit (or fail) before the store closes: never half a batch.
        try:
            self.wait()
        finally:
            self._writer.shutdown(wait=True)

    def speakers(self) -> None:
        started = time.perf_counter()
        self.summary.speakers = update_speakers(self.store).stored
        self.seconds["speakers"] += time.perf_counter() - started

    def stories(self) -> None:
        from .stories.stage import update_stories

        started = time.perf_counter()
        self.summary.stories = update_stories(self.store).stories
        self.seconds["stories"] += time.perf_counter() - started

    def trails(self) -> None:
        from .trails import update_trails

        started = time.perf_counter()
        self.summary.trails = update_trails(self.store)
        self.seconds["trails"] += time.perf_counter() - started


SPEAKER_BLOCKS_PER_PASS = 2000


@dataclass(slots=True)
class SpeakerUpdate:
    """What a speakers stage did: speakers now stored, and the dirty blocks it settled by
    placing new refs in stored speakers or by clustering them again."""

    stored: int = 0
    placed: int = 0
    reclustered: int = 0


def update_speakers(store: Store) -> SpeakerUpdate:
    """Bring the speakers of the blocks that changed up to date.

    Cost follows what changed, not the corpus. A dirty block that only gained refs has
    them placed in its stored speakers from their summaries (``speakers.extend_block``),
    reading none of its old refs; the rest (a block that lost refs, or whose new refs
    could move old ones) is clustered again from its refs, with the blocks that share a
    speaker base id with it, because ``-2``/``-3`` suffixes are numbered across a base
    id. Either way the result is what a rebuild over every block would give.
    """
    from .speakers import block_of

    if store.get_state(REFS_BACKFILL_KEY):
        # Articles stored before refs were kept: derive their refs from the quotes, once.
        refs = list(store.speaker_refs())
        for ref in refs:
            ref.block = block_of(ref)
        store.index_speaker_refs(refs)
        store.set_state(REFS_BACKFILL_KEY, None)
    dirty = store.dirty_speaker_blocks()
    done = SpeakerUpdate()
    if not dirty:
        done.stored = store.replace_speaker_blocks({}, [], [], {}, {})
        return done
    order = sorted(dirty)
    left: list[str] = []
    for start in range(0, len(order), SPEAKER_BLOCKS_PER_PASS):
        chunk = order[start:start + SPEAKER_BLOCKS_PER_PASS]
        placed, stored = _place_new_refs(store, {b: dirty[b] for b in chunk})
        left.extend(b for b in chunk if b not in placed)
        done.placed += len(placed)
        done.stored = stored if stored is not None else done.stored
    done.reclustered = len(left)
    done.stored = _recluster(store, left, dirty) if left else done.stored
    return done


def _place_new_refs(store: Store, dirty: dict[str, int]) -> tuple[set[str], int | None]:
    """Settle the blocks whose new refs can be placed without re-clustering; return them
    (and the speakers stored after, None when nothing was written)."""
    from .speakers import extend_block

    found = {block: held for block, held in store.speaker_blocks(dirty).items() if _intact(held)}
    extensions = {}
    for block, held in found.items():
        extension = extend_block(block, held.speakers, held.new)
        if extension is not None:
            extensions[block] = extension
    counts = store.speaker_base_counts({b for e in extensions.values() for b in e.grown_bases | e.new_bases})
    news = Counter(b for e in extensions.values() for b in e.new_bases)
    ready = {block: e for block, e in extensions.items()
             if all(counts.get(b) == 1 for b in e.grown_bases)
             and all(b not in counts and news[b] == 1 for b in e.new_bases)}
    # A block with nothing new and nothing lost (its marks outlived a write that changed
    # nothing in it) is settled as it is.
    ready.update({block: None for block, held in found.items() if block not in extensions and not held.new})
    if not ready:
        return set(), None
    speakers = [pair for e in ready.values() if e is not None for pair in e.speakers]
    mapping = {key: s_id for e in ready.values() if e is not None for key, s_id in e.mapping.items()}
    stored = store.extend_speaker_blocks({b: dirty[b] for b in ready}, speakers, mapping)
    return set(ready), stored


def _intact(held: SpeakerBlock) -> bool:
    """Whether a block's stored speakers still hold every placed ref, with summaries: a
    block that lost a ref (an article replaced) has a speaker that shrank, which only
    re-clustering settles."""
    summaries = [summary for _, _, summary in held.speakers]
    return bool(summaries) and None not in summaries and held.placed == sum(s["refs"] for s in summaries)


def _recluster(store: Store, order: list[str], dirty: dict[str, int]) -> int:
    from .speakers import build_speaker_index

    stored = 0
    # A slice of blocks at a time keeps memory bounded after a large first run, where every
    # block is dirty. A later slice that shares a base id with an earlier one pulls the
    # earlier one's blocks in again (they are stored by then), so the numbering comes out
    # as if everything had been clustered at once.
    for start in range(0, len(order), SPEAKER_BLOCKS_PER_PASS):
        blocks = set(order[start:start + SPEAKER_BLOCKS_PER_PASS])
        while True:
            speakers, mapping, placement = build_speaker_index(store.refs_in_blocks(blocks))
            bases = {p.base_id for p in placement.values()} | store.speaker_bases_in_blocks(blocks)
            more = store.speaker_blocks_for_bases(bases) - blocks
            if not more:
                break
            blocks |= more
        marks = {b: dirty[b] for b in blocks if b in dirty}
        stored = store.replace_speaker_blocks(marks, blocks, speakers, mapping, placement)
    return stored


class _Inline(Engine):
    name = "inline"
    workers = 0

    def map(self, fn, tasks, *, costs=None):  # noqa: ANN001, ANN201 - see Engine.map
        return run_inline(fn, tasks)


_INLINE = _Inline()


def _timed(items: Iterator[list[RawDocument]], seconds: dict[str, float], stage: str
           ) -> Iterator[list[RawDocument]]:
    """The iterator, adding the time spent producing each item to ``seconds[stage]``."""
    while True:
        started = time.perf_counter()
        item = next(items, None)
        seconds[stage] += time.perf_counter() - started
        if item is None:
            return
        yield item


def _lookahead(batches: Iterator[list[RawDocument]]) -> Iterator[tuple[list[RawDocument], bool]]:
    """Each batch with whether it is the only one (read one batch ahead to know)."""
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    yield first, second is None
    if second is not None:
        yield second, False
        yield from ((b, False) for b in batches)


def analyze(
    inputs: Iterable[str | Path],
    *,
    db: str | Path | None = None,
    store: Store | None = None,
    batch_size: int = 128,
    fetcher=None,
    progress: Callable[[int], None] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: Engine | str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Summary:
    """Analyze files, folders and URLs into a store; return what happened.

    ``db`` is a path or database URL (default ``$NEWSTRAIL_DB`` or ``./newstrail.db``);
    pass ``store`` to use an open one. Bad inputs are recorded and skipped: check
    ``summary.failures``. ``max_bytes`` is the most read whole for one article (a file,
    a JSON Lines line, an archived page, a fetched page); larger ones are reported.

    ``engine`` is where per-article work runs: ``"local"`` (default: one worker process
    per core, or ``workers``), ``"dask"`` (on ``scheduler``, or a local Dask cluster), or
    an open :class:`~newstrail.engines.Engine`. The output is the same whichever runs it.
    Writes are one transaction per batch: an interrupted run leaves whole batches, and
    running it again finishes the job.
    """
    from .engines import open_engine

    started = time.perf_counter()
    own_store = store is None
    store = store or open_store(db)
    summary = Summary(db=store.url)
    opened: list[Engine] = []

    def get_engine() -> Engine:
        if isinstance(engine, Engine):
            return engine
        if not opened:
            opened.append(open_engine(engine or "local", workers=workers, scheduler=scheduler))
        return opened[0]

    # Left to its defaults, a corpus that fits in one batch runs in-process: starting
    # worker processes (each loading the spaCy model) would cost more than it saves.
    automatic = engine is None and workers is None
    run = _Run(store, summary, progress, get_engine)
    try:
        documents = iter_documents([str(i) for i in inputs], fetcher=fetcher, on_error=run.fail,
                                   max_bytes=max_bytes)
        for batch, only in _lookahead(_timed(_batched(documents, batch_size), run.seconds, "read")):
            run.batch(batch, engine_hint=not (automatic and only))
        run.finish_writes()
        # The corpus-wide stages run here, in this process: the workers (each holding a
        # model) are let go first, so their memory and the stages' never add up.
        for opened_engine in opened:
            opened_engine.close()
        run.speakers()
        run.stories()
        run.trails()
    finally:
        run.close()
        for opened_engine in opened:
            opened_engine.close()
        summary.seconds = time.perf_counter() - started
        summary.stages = {k: round(v, 3) for k, v in run.seconds.items()}
        if own_store:
            store.close()
    return summary
