"""The store interface: everything the pipeline, exports and CLI need from a database.

Backends implement :class:`Store`. The pipeline only ever talks to this interface, so a
PostgreSQL backend can sit beside SQLite without touching any stage.
"""
from __future__ import annotations

import abc
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..records import Article, Failure, Quote, Speaker, Story, Trail


class TrailMerge(Protocol):
    """Stored trails that a trails pass joins or extends (``newstrail.trails.Merge``)."""

    stored: list[str]

    def build(self, stored: list[Trail], speakers: dict[str, tuple[str | None, str | None]],
              mapping: dict[str, str]) -> Trail:
        """The trail they make, from their stored records and their members' speakers
        (quote id → (speaker id, speaker)); points the pass's own quotes in ``mapping``."""
        ...


class TrailIndex(Protocol):
    """What the store indexes of each trail it writes, so that a later pass finds the
    trail without reading its members (``newstrail.trails.TRAIL_INDEX``)."""

    def words(self, trail: Trail) -> Iterable[str]:
        """Content words a paraphrase of the trail would share (``trail_words``)."""
        ...

    def keys(self, trail: Trail) -> Iterable[int]:
        """The trail keys of its wordings: what a new quote repeating it holds too."""
        ...


@dataclass(slots=True)
class SpeakerRef:
    """One distinct (article, in-article speaker name) pair with its quote count.

    The speakers stage clusters these across the corpus; there are far fewer of
    them than quotes, so they stream cheaply out of the store.
    """

    article_id: str
    local: str
    kind: str
    titles: list[str] = field(default_factory=list)
    quote_count: int = 0
    outlet: str | None = None
    # The clustering block the speakers stage files this ref under ("p:<surname>",
    # "o:<organisation>", "u:<article>"): speakers never span blocks, so a run only
    # re-clusters the blocks its articles touched.
    block: str | None = None


@dataclass(slots=True)
class WriteBatch:
    """Everything one batch of the pipeline writes, committed in one transaction.

    An interrupted run therefore leaves whole batches or nothing: the articles, their
    quotes and speaker refs, the failures met on the way and the stage state that goes
    with them (e.g. the cleaner's evidence after this batch) stay in step.
    """

    items: list[tuple[Article, list[Quote]]]
    pipeline_version: str
    refs: list[SpeakerRef] = field(default_factory=list)  # per article, with ``block`` set
    failures: list[Failure] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)  # set_state key -> value
    # Story features per article, (article id, features JSON, signature bytes), computed on
    # the workers: the stories stage then reads them instead of the articles.
    features: list[tuple[str, dict[str, Any], bytes | None]] = field(default_factory=list)
    # Trail keys, (hashed word 4-gram, quote id, article id), also from the workers.
    trail_keys: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass(slots=True)
class StoryPass:
    """What one pass of the stories stage writes, in one transaction (``write_story_pass``)."""

    # Articles grouped by this pass: (article id, anchor terms, quote keys, band keys).
    # (A sized iterable, read more than once: ``stories.grouping.IndexEntries``.)
    indexed: Collection[tuple[str, list[str], list[int], list[int]]] = field(default_factory=list)
    df: dict[str, int] = field(default_factory=dict)  # term → change of its document frequency
    near: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # article → new nearest list
    stories: list[Story] = field(default_factory=list)  # written, replacing those of the same id
    dropped: list[str] = field(default_factory=list)  # story ids that no longer exist
    story_of: dict[str, str] = field(default_factory=dict)  # article → its story, where it changed
    retired: list[str] = field(default_factory=list)  # ``story_retired`` rows this pass consumed
    done: dict[str, int] = field(default_factory=dict)  # pending marks, cleared if unchanged
    replace_all: bool = False  # ``stories`` are all the stories: drop every other one


@dataclass(slots=True)
class SpeakerPlacement:
    """Where a speaker sits: its clustering block and its id before any -2/-3 suffix."""

    block: str
    base_id: str
    summary: dict | None = None  # see ``newstrail.speakers._Cluster.summary``


@dataclass(slots=True)
class SpeakerBlock:
    """A dirty block as stored: its speakers (with base ids and summaries), how many of
    its refs are placed in them, and the refs not placed yet (those of new articles)."""

    speakers: list[tuple[Speaker, str, dict | None]] = field(default_factory=list)
    placed: int = 0
    new: list[SpeakerRef] = field(default_factory=list)


class Store(abc.ABC):
    """A place to keep articles, quotes, speakers, stories and trails."""

    url: str

    # -- articles -----------------------------------------------------------
    @abc.abstractmethod
    def article_versions(self, ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Map each known id to its (content_hash, pipeline_version)."""

    @abc.abstractmethod
    def ids_with_hashes(self, hashes: Iterable[str]) -> dict[str, str]:
        """Map each known content hash to the id of the article that holds it."""

    @abc.abstractmethod
    def write_articles(self, items: Iterable[tuple[Article, list[Quote]]], *, pipeline_version: str) -> int:
        """Insert or update articles and replace their quotes, in one transaction."""

    @abc.abstractmethod
    def get_article(self, article_id: str) -> Article | None: ...

    @abc.abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    # -- quotes and speakers --------------------------------------------------
    @abc.abstractmethod
    def iter_quotes(self, article_id: str | None = None) -> Iterator[Quote]: ...

    @abc.abstractmethod
    def speaker_refs(self) -> Iterator[SpeakerRef]: ...

    @abc.abstractmethod
    def replace_speakers(self, speakers: list[Speaker], mapping: dict[tuple[str, str], str]) -> None:
        """Replace all speakers and point every quote at its canonical speaker."""

    @abc.abstractmethod
    def iter_speakers(self) -> Iterator[Speaker]: ...

    # -- batched writes and incremental speakers -------------------------------------
    @abc.abstractmethod
    def write_batch(self, batch: WriteBatch) -> int:
        """Write one pipeline batch in one transaction; mark the speaker blocks it touches dirty."""

    @abc.abstractmethod
    def dirty_speaker_blocks(self) -> dict[str, int]:
        """Blocks whose speakers are out of date, each with the mark it was made dirty under."""

    @abc.abstractmethod
    def refs_in_blocks(self, blocks: Iterable[str]) -> Iterator[SpeakerRef]: ...

    @abc.abstractmethod
    def speaker_blocks_for_bases(self, bases: Iterable[str]) -> set[str]:
        """Blocks holding a speaker whose base id is one of ``bases`` (they share -2/-3 numbering)."""

    @abc.abstractmethod
    def speaker_bases_in_blocks(self, blocks: Iterable[str]) -> set[str]: ...

    @abc.abstractmethod
    def replace_speaker_blocks(self, dirty: dict[str, int], blocks: Iterable[str], speakers: list[Speaker],
                               mapping: dict[tuple[str, str], str],
                               placement: dict[str, SpeakerPlacement]) -> int:
        """Replace the speakers of ``blocks``, repoint their quotes, clear ``dirty`` marks that
        have not changed since they were read; one transaction. Returns the speakers now stored."""

    @abc.abstractmethod
    def speaker_blocks(self, blocks: Iterable[str]) -> dict[str, SpeakerBlock]:
        """For each of ``blocks`` that holds anything: its stored speakers, its placed refs
        counted and its new refs, without reading the placed ones."""

    @abc.abstractmethod
    def speaker_base_counts(self, bases: Iterable[str]) -> dict[str, int]:
        """How many stored speakers hold each base id (absent: none)."""

    @abc.abstractmethod
    def extend_speaker_blocks(self, dirty: dict[str, int], speakers: list[tuple[Speaker, SpeakerPlacement]],
                              mapping: dict[tuple[str, str], str]) -> int:
        """Write changed and new speakers (by id), point the refs in ``mapping`` and their
        quotes at them, clear ``dirty`` marks unchanged since read; one transaction.
        Returns the speakers now stored."""

    @abc.abstractmethod
    def index_speaker_refs(self, refs: Iterable[SpeakerRef]) -> None:
        """Store refs (with blocks) for articles written before refs were kept; marks them dirty."""

    # -- stories and trails (filled by later stages) ------------------------------
    @abc.abstractmethod
    def iter_stories(self) -> Iterator[Story]: ...

    @abc.abstractmethod
    def iter_trails(self) -> Iterator[Trail]: ...

    @abc.abstractmethod
    def iter_articles_to_group(self) -> Iterator[Article]:
        """Articles the stories stage has no features for yet (new, or changed since)."""

    @abc.abstractmethod
    def iter_story_features(self) -> Iterator[tuple[str, dict[str, Any], bytes | None]]:
        """Stored grouping features: (article id, features JSON, MinHash signature bytes)."""

    @abc.abstractmethod
    def write_story_features(self, rows: Iterable[tuple[str, dict[str, Any], bytes | None]]) -> None: ...

    @abc.abstractmethod
    def replace_stories(self, stories: list[Story], changed: dict[str, str | None],
                        done: dict[str, int] | None = None) -> None:
        """Replace all stories; set ``article.story_id`` for the articles in ``changed`` only;
        clear the pending marks in ``done`` that are unchanged (a later write keeps its mark)."""

    @abc.abstractmethod
    def stories_pending(self) -> dict[str, int]:
        """Articles written since the stories stage last ran: article id → mark."""

    # The story index: what lets a stories pass hold only the articles it could link to.
    @abc.abstractmethod
    def story_index_stats(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(indexed articles, document frequency of each of ``terms`` among them; 0s left out)."""

    @abc.abstractmethod
    def story_postings(self, kind: str, values: Iterable[Any]) -> list[tuple[Any, str]]:
        """(value, article id) of the indexed articles holding each value: ``kind`` is
        "quote_keys" or "bands" (anchors: ``story_anchor_candidates``)."""

    @abc.abstractmethod
    def story_anchor_candidates(self, terms: Iterable[str], min_shared: int, limit: int) -> list[str]:
        """The indexed articles holding at least ``min_shared`` of these anchor terms: the
        ``limit`` sharing most (ties: the smaller id)."""

    @abc.abstractmethod
    def unindexed_story_features(self, after: str | None, limit: int
                                 ) -> list[tuple[str, dict[str, Any], bytes | None]]:
        """Up to ``limit`` stored features not grouped yet, by article id, ids after ``after``."""

    @abc.abstractmethod
    def story_unindexed_count(self) -> int:
        """How many stored features are not grouped yet."""

    @abc.abstractmethod
    def story_unindexed_ids(self) -> set[str]:
        """The articles whose stored features are not grouped yet."""

    @abc.abstractmethod
    def story_features_of(self, article_ids: Iterable[str]
                          ) -> list[tuple[str, dict[str, Any], bytes | None, list | None]]:
        """Stored features of these articles, with their nearest lists: (id, JSON, signature, near)."""

    @abc.abstractmethod
    def stories_of_articles(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Article id → its story id, for those that have one."""

    @abc.abstractmethod
    def get_stories(self, story_ids: Iterable[str]) -> list[Story]: ...

    @abc.abstractmethod
    def article_dates(self, article_ids: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
        """Article id → (published, title)."""

    @abc.abstractmethod
    def story_retired(self) -> list[tuple[str, str | None, dict[str, Any]]]:
        """Grouped articles replaced since: (article id, its story then, its features then)."""

    @abc.abstractmethod
    def write_story_pass(self, part: StoryPass) -> bool:
        """Write a pass in one transaction; False (and nothing written) when a pending mark
        in ``part.done`` changed meanwhile: an article was replaced and the pass is stale."""

    @abc.abstractmethod
    def reset_story_index(self) -> None:
        """Forget the stories and their index: every article's features are ungrouped again."""

    @abc.abstractmethod
    def replace_trails(self, trails: list[Trail], mapping: dict[str, str], index: TrailIndex | None = None) -> None:
        """Replace all trails and point each quote in ``mapping`` (quote id → trail id) at its
        trail. ``index``: what to index of each trail for later incremental runs; without
        it, those runs reach these trails only after a full rebuild."""

    @abc.abstractmethod
    def reset_trails(self) -> None:
        """Forget every trail and mark every article pending: the next run rebuilds them."""

    # Incremental trails: the trails stage reads what changed and the stored quotes it reaches.
    @abc.abstractmethod
    def trails_pending(self) -> dict[str, int]:
        """Articles written since the trails stage last ran: article id → mark."""

    @abc.abstractmethod
    def quotes_of_articles(self, article_ids: Iterable[str], fields: Iterable[str] | None = None) -> list[Quote]:
        """The articles' quotes in text order. ``fields``: only these are read (with ``id``
        and ``article_id``), the rest keep their defaults: for a stage that holds many."""

    @abc.abstractmethod
    def quote_trail_ids(self, quote_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Stored quote id → (article id, trail id or None)."""

    @abc.abstractmethod
    def trail_key_holders(self, article_ids: Iterable[str], limit: int
                          ) -> tuple[set[tuple[str, str]], set[str], dict[int, int]]:
        """What the articles' quotes reach through the trail keys they hold: the holders on
        no trail in articles not pending (quote id, article id), and the trails whose
        indexed keys (``TrailIndex.keys``) they share; and the holder counts (pending ones
        included) of the keys held by more than ``limit`` quotes, which reach nothing."""

    @abc.abstractmethod
    def trail_forms(self, trail_ids: Iterable[str]) -> list[Quote]:
        """The distinct wordings of the trails' verbatim members: one quote (``trail_id``,
        ``text``, ``kind``, ``speaker_id``, ``speaker``; no id) for each that differs."""

    @abc.abstractmethod
    def articles_with_trail_keys(self, article_ids: Iterable[str]) -> set[str]: ...

    @abc.abstractmethod
    def add_trail_keys(self, article_ids: Iterable[str], keys: Iterable[tuple[int, str, str]]) -> None:
        """Replace the trail keys of the articles (for articles written without them)."""

    @abc.abstractmethod
    def trail_paraphrases(self, trail_ids: Iterable[str]) -> list[tuple[str, str, str]]:
        """The trails' paraphrases: (quote id, article id, trail id)."""

    @abc.abstractmethod
    def trail_word_postings(self, words: Iterable[str], limit: int) -> tuple[dict[str, list[str]], set[str]]:
        """The stored trails holding each word (``TrailIndex.words`` when written), and apart, the
        words held by more than ``limit`` trails (stock words: no postings)."""

    @abc.abstractmethod
    def trails_listing(self, article_ids: Iterable[str]) -> dict[str, set[str]]:
        """Article id → the trails listing it (for an appearance or a paraphrase)."""

    @abc.abstractmethod
    def quote_ids_in_trails(self, trail_ids: Iterable[str]) -> list[str]: ...

    @abc.abstractmethod
    def update_trails_part(self, pending: dict[str, int], old_trails: Iterable[str], trails: list[Trail],
                           mapping: dict[str, str], quote_ids: Iterable[str],
                           merges: Iterable[TrailMerge] = (), index: TrailIndex | None = None) -> int:
        """Replace some trails and rebuild the ``merges``' in one transaction (indexing each
        written trail with ``index``); returns the number of trails stored."""

    # -- search, failures, state, stats -----------------------------------------------
    @abc.abstractmethod
    def search_quotes(self, query: str, limit: int = 20) -> list[Quote]: ...

    @abc.abstractmethod
    def search_articles(self, query: str, limit: int = 20) -> list[Article]: ...

    @abc.abstractmethod
    def record_failure(self, failure: Failure) -> None: ...

    @abc.abstractmethod
    def iter_failures(self) -> Iterator[Failure]: ...

    @abc.abstractmethod
    def get_state(self, key: str) -> Any | None:
        """Small JSON documents that stages keep between runs (e.g. boilerplate evidence)."""

    @abc.abstractmethod
    def set_state(self, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def counts(self) -> dict[str, int]: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- exploration: reads for search, the report and the web app ----------------------------
    # Generic defaults over the abstract methods above, so any backend works; the SQL backends
    # override them with single queries.
    def get_articles(self, ids: Iterable[str]) -> list[Article]:
        """The articles with these ids, in the order given; unknown ids are skipped."""
        return [a for i in ids if (a := self.get_article(i)) is not None]

    def get_quotes(self, ids: Iterable[str]) -> list[Quote]:
        wanted = list(ids)
        keep = set(wanted)
        found = {q.id: q for q in self.iter_quotes() if q.id in keep}
        return [found[i] for i in wanted if i in found]

    def get_speaker(self, speaker_id: str) -> Speaker | None:
        return next((s for s in self.iter_speakers() if s.id == speaker_id), None)

    def get_story(self, story_id: str) -> Story | None:
        return next((s for s in self.iter_stories() if s.id == story_id), None)

    def get_trail(self, trail_id: str) -> Trail | None:
        return next((t for t in self.iter_trails() if t.id == trail_id), None)

    def outlets(self) -> list[str]:
        """The distinct outlet names, sorted (for filter choices)."""
        return sorted({a.outlet for a in self.iter_articles() if a.outlet})

    def iter_speaker_quotes(self, speaker_id: str) -> Iterator[Quote]:
        """Every quote attributed to one canonical speaker."""
        return (q for q in self.iter_quotes() if q.speaker_id == speaker_id)

    def search_ranked(self, target: str, query: Any, *, speaker_ids: list[str] | None = None,
                      outlet: str | None = None, since: str | None = None, until: str | None = None,
                      kind: str | None = None, limit: int = 20) -> list[tuple[str, float]]:
        """Ranked ``(id, score)`` of quotes or articles (``target``) matching a parsed
        :class:`newstrail.search.Query` (or ``None``: filters only, newest first) and the filters:
        speaker ids, part of the outlet name, ``since <= published < until`` (ISO dates), quote kind.
        Higher scores are better."""
        raise NotImplementedError(f"{type(self).__name__} does not support filtered search")

    def iter_kind(self, kind: str) -> Iterator[Any]:
        """Records of one export kind: articles, quotes, speakers, stories or trails."""
        readers = {
            "articles": self.iter_articles,
            "quotes": self.iter_quotes,
            "speakers": self.iter_speakers,
            "stories": self.iter_stories,
            "trails": self.iter_trails,
        }
        try:
            return readers[kind]()
        except KeyError:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(readers)}") from None
