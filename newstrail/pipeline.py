"""analyze(): ingest → clean → quotes → store, then speakers across the corpus.

Documents stream through in batches: a batch is cleaned together (so the cleaner can
compare articles of one outlet), parsed together (spaCy is fastest on batches) and
written in one transaction. Memory stays flat whatever the corpus size.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .clean import Cleaner
from .ingest import iter_documents
from .records import Article, Failure, Quote, RawDocument
from .store import Store, open_store

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
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

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
            "speakers": self.speakers, "failed": self.failed, "seconds": round(self.seconds, 3),
            "failures": [f.to_dict() for f in self.failures],
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


class _Run:
    """State of one analyze call; keeps analyze() itself a readable list of stages."""

    def __init__(self, store: Store, summary: Summary, progress: Callable[[int], None] | None) -> None:
        self.store = store
        self.summary = summary
        self.progress = progress or (lambda n: None)
        self.cleaner = Cleaner(state=store.get_state(CLEANER_STATE_KEY))

    def fail(self, failure: Failure) -> None:
        self.summary.failures.append(failure)
        self.store.record_failure(failure)

    def select_new(self, batch: list[RawDocument]) -> list[tuple[RawDocument, str]]:
        """Drop documents already stored with the same content; count what is left."""
        hashes = [content_hash(doc) for doc in batch]
        known = self.store.article_versions(doc.id for doc in batch if doc.id)
        holders = self.store.ids_with_hashes(hashes)
        todo: list[tuple[RawDocument, str]] = []
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
                todo.append((doc, digest))
        return todo

    def clean(self, todo: list[tuple[RawDocument, str]]) -> list[Article]:
        articles: list[Article] = []
        results = self.cleaner.clean_batch([doc for doc, _ in todo])
        for (doc, digest), result in zip(todo, results):
            if isinstance(result, Failure):
                self._uncount(doc)
                self.fail(result)
            else:
                result.content_hash = digest
                articles.append(result)
        return articles

    def _uncount(self, doc: RawDocument) -> None:
        # A document that fails after selection was counted as added/updated.
        if doc.id in self.store.article_versions([doc.id or ""]):
            self.summary.updated -= 1
        else:
            self.summary.added -= 1

    def quotes(self, articles: list[Article]) -> list[tuple[Article, list[Quote]]]:
        from .quotes import extract_quotes

        try:
            return list(extract_quotes(articles))
        except Exception:  # noqa: BLE001 - isolate the article that broke the batch
            done: list[tuple[Article, list[Quote]]] = []
            for article in articles:
                try:
                    done.extend(extract_quotes([article]))
                except Exception as exc:  # noqa: BLE001
                    self.fail(Failure(article.source, "quotes", f"{article.source}: quote extraction failed "
                                      f"({type(exc).__name__}: {exc}); the article is stored without quotes"))
                    done.append((article, []))
            return done

    def batch(self, batch: list[RawDocument]) -> None:
        self.summary.seen += len(batch)
        todo = self.select_new(batch)
        if todo:
            extracted = self.quotes(self.clean(todo))
            self.store.write_articles(extracted, pipeline_version=PIPELINE_VERSION)
            self.summary.quotes += sum(len(q) for _, q in extracted)
        self.progress(len(batch))

    def speakers(self) -> None:
        from .speakers import build_speakers

        speakers, mapping = build_speakers(self.store.speaker_refs())
        self.store.replace_speakers(speakers, mapping)
        self.summary.speakers = len(speakers)


def analyze(
    inputs: Iterable[str | Path],
    *,
    db: str | Path | None = None,
    store: Store | None = None,
    batch_size: int = 128,
    fetcher=None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Analyze files, folders and URLs into a store; return what happened.

    ``db`` is a path or database URL (default ``$NEWSTRAIL_DB`` or ``./newstrail.db``);
    pass ``store`` to use an open one. Bad inputs are recorded and skipped: check
    ``summary.failures``.
    """
    started = time.perf_counter()
    own_store = store is None
    store = store or open_store(db)
    summary = Summary(db=store.url)
    run = _Run(store, summary, progress)
    try:
        documents = iter_documents([str(i) for i in inputs], fetcher=fetcher, on_error=run.fail)
        for batch in _batched(documents, batch_size):
            run.batch(batch)
        store.set_state(CLEANER_STATE_KEY, run.cleaner.state())
        run.speakers()
    finally:
        summary.seconds = time.perf_counter() - started
        if own_store:
            store.close()
    return summary
