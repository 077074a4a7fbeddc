"""Story grouping: link articles that report the same event, take connected components.

Each article is a TF-IDF vector of its most frequent content terms and numbers, with
names as separate, heavier terms (so two speeches on one topic by two people, or one
kind of event in two places, stay apart even when their topic words agree). Two
articles are linked when they are near-duplicates (MinHash, see ``dedup``), or, when
both dates are known, at most ``max_days`` apart and, with ``day_penalty`` taken off
their cosine for each day between them (the same people on different days are often
different occasions), one of these holds:

* the cosine passes ``link`` (plainly the same report);
* each is among the other's ``mutual`` nearest articles and the cosine passes
  ``mutual_link`` (``mutual_link_undated`` when a date is unknown: less evidence);
* their ``neighbours`` nearest lists mostly coincide and the cosine passes
  ``neighbour_link`` — coverage of one event forms a tight cluster even when two of
  its reports share little wording (only in corpora of some size; in a small one
  every article is every other's neighbour);
* they carry the same quote (six quoted words in a row, several times) and the cosine
  passes the low ``quote_link``.

Why components of pairwise links: a link depends only on the articles and the corpus
statistics, so the same corpus in any order gives the same stories (ties are broken
by article id), and a new article only needs comparing with the
articles it could link to. Candidates come from an inverted index over each article's
most distinctive terms ("anchors"): two articles are compared only when they share
``min_shared_anchors`` of them, at most ``max_candidates`` per article, so the work
grows with the corpus, not with its square.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from .dedup import NUM_PERM, NearDuplicates
from .features import NAME_PREFIX, ArticleFeatures


# Rows per sparse product and pairs per cosine batch: bound the transient memory
# (a block's product holds up to anchors × max_df entries per row).
_BLOCK = 500
_PAIRS = 20_000


# The defaults were tuned on BASIL, ECB+, the seeds and the sample corpus, so the
# benchmark scores on those sets are not held-out estimates.
@dataclass(slots=True)
class GroupingConfig:
    link: float = 0.60  # cosine that alone makes two articles one story
    mutual: int = 2  # each among the other's two nearest ...
    mutual_link: float = 0.15  # ... and at least this similar (both dates known, close) ...
    mutual_link_undated: float = 0.35  # ... or this, when a date is unknown
    neighbours: int = 5  # nearest neighbours compared for shared-neighbour links
    shared_neighbours: float = 0.6  # share of the (k + 1) lists in common ...
    neighbour_link: float = 0.30  # ... and at least this similar
    quote_link: float = 0.10  # cosine needed when the two share a quote
    quote_shingles: int = 3  # shared quote shingles that count as one shared quote (8+ words)
    max_days: int = 4  # further apart than this (both dates known): different events
    day_penalty: float = 0.05  # similarity taken off per day between two known dates
    name_weight: float = 2.5  # names weigh more than topic words
    anchors: int = 20  # most distinctive terms per article used to find candidates
    min_shared_anchors: int = 2
    max_candidates: int = 100  # compared per article, at most
    near_duplicate: float = 0.6


@dataclass(slots=True)
class CorpusStats:
    """Document frequencies over the whole corpus, when the grouper holds only part of it."""

    n: int  # articles counted
    df: dict[str, int]  # term → articles holding it (at least the terms of the articles held)


# A nearest neighbour: (row, cosine). Rows of grouped articles the grouper does not hold
# are negative (see ``StoryGrouper.stored_near``).
Near = tuple[int, float]


@dataclass(slots=True)
class Link:
    a: int
    b: int
    reason: str  # "near-duplicate", "content" or "quote"
    score: float


# The store indexes one quote shingle in this many (by hash), to find the articles that
# may share a quote: the postings are a quarter the size (about a hundred shingles an
# article in the scale corpus). A quote shared whole has many shingles in common (a
# twenty-word one fifteen), so one of them is indexed but for a chance of (3/4)^15, about
# 1%; a pair sharing only the three that count is found through its anchors or not at all.
QUOTE_KEY_SAMPLE = 4


def indexed_quote_keys(keys: np.ndarray) -> np.ndarray:
    """Mask of the quote keys the story index holds."""
    return (np.asarray(keys, dtype=np.int64) % QUOTE_KEY_SAMPLE) == 0


def anchor_max_df(n: int) -> float:
    """Terms in more articles than this are too common to find candidates by."""
    return min(max(20.0, 3.0 * math.sqrt(n)), 300.0)


def anchor_terms(terms: dict[str, int], stats: CorpusStats, config: GroupingConfig) -> list[str]:
    """An article's anchors under ``stats``: its heaviest terms among the rare ones.

    What ``StoryGrouper`` computes for every article it holds, for one article it does
    not hold yet (to find its candidates in the store). Ties go to the smaller term."""
    n, rare = max(stats.n, 1), anchor_max_df(max(stats.n, 1))
    weighted = []
    for term, count in terms.items():
        df = stats.df.get(term, 0)
        if df <= rare and count > 0:
            boost = config.name_weight if term.startswith(NAME_PREFIX) else 1.0
            weighted.append((-(1.0 + math.log(count)) * (math.log((n + 1) / (df + 1)) + 1.0) * boost, term))
    return [term for _, term in sorted(weighted)[:config.anchors]]


class IndexEntries:
    """What the store indexes of each newly grouped article: (article id, anchor terms,
    quote keys, band keys), read from compact arrays each time it is iterated."""

    def __init__(self, ids: list[str], terms: list[str], anchors: sparse.csr_matrix, quote_keys: np.ndarray,
                 quote_starts: np.ndarray, bands: np.ndarray, signed: np.ndarray) -> None:
        self.ids, self._terms, self._anchors = ids, terms, anchors
        self._keys, self._starts, self._bands, self._signed = quote_keys, quote_starts, bands, signed

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[str, list[str], list[int], list[int]]]:
        a = self._anchors
        for k, article_id in enumerate(self.ids):
            anchors = sorted(self._terms[j] for j in a.indices[a.indptr[k]:a.indptr[k + 1]].tolist())
            keys = self._keys[self._starts[k]:self._starts[k + 1]].tolist()
            yield article_id, anchors, keys, self._bands[k].tolist() if self._signed[k] else []


class _UnionFind:
    def __init__(self, n: int = 0) -> None:
        self.parent = list(range(n))

    def grow(self, n: int) -> None:
        self.parent.extend(range(len(self.parent), n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index wins, so roots do not depend on the order of unions.
            self.parent[max(ra, rb)] = min(ra, rb)


class StoryGrouper:
    """Holds the features of every article seen; links new ones; reports components.

    ``add`` takes each record's terms and quote hashes over (they are emptied on the
    record and kept as arrays here), so a record is added to one grouper only.
    ``add(features, new=False)`` loads articles already grouped in an earlier run;
    ``join(ids)`` seeds the components they formed then; ``add(features)`` adds new
    articles; ``link()`` compares the new ones with everything and each other.
    ``link_bounded()`` does the same for a grouper that holds only part of a larger
    corpus (``corpus`` and ``stored_near`` set), see ``stories.stage``.
    """

    def __init__(self, config: GroupingConfig | None = None) -> None:
        self.config = config or GroupingConfig()
        self.features: list[ArticleFeatures] = []
        self.index: dict[str, int] = {}
        self.new: list[int] = []
        self.uf = _UnionFind()
        self.dups = NearDuplicates(threshold=self.config.near_duplicate)
        self.duplicate_of: dict[str, str] = {}  # article → the first (by id) near-copy of it
        self.links: list[Link] = []
        self.vocab: dict[str, int] = {}
        self._is_name: list[bool] = []
        # One block per ``add`` call: term ids and counts of its articles end to end, with
        # each article's number of terms; the same for quote hashes; signatures as rows
        # (zeros where an article has none).
        self._term_ids: list[np.ndarray] = []
        self._term_counts: list[np.ndarray] = []
        self._term_lengths: list[np.ndarray] = []
        self._quote_keys: list[np.ndarray] = []
        self._quote_lengths: list[np.ndarray] = []
        self._signatures: list[np.ndarray] = []
        self._quote_counts: dict[tuple[int, int], int] = {}
        self._rank = np.zeros(0, dtype=np.int64)
        # Only for ``link_bounded``: the corpus statistics, and the stored nearest lists of
        # the grouped articles held ([(article id, cosine)], best first, by row).
        self.corpus: CorpusStats | None = None
        self.stored_near: dict[int, list[tuple[str, float]]] = {}
        self._pseudo: dict[str, int] = {}  # grouped article not held → its negative row
        self._pseudo_ids: list[str] = []
        # After linking: each new article's anchors, and the nearest lists computed (by row)
        # with rows as article ids: what the store keeps for later runs.
        self.anchors: sparse.csr_matrix | None = None
        self.near_lists: dict[int, list[tuple[str, float]]] = {}

    # -- loading ---------------------------------------------------------------
    def add(self, items: Iterable[ArticleFeatures], *, new: bool = True) -> None:
        # Terms, quote hashes and signatures move into compact arrays, one block per call,
        # and leave the record: at 100k articles, a dict or an array per article would be
        # most of the memory.
        ids: list[int] = []
        counts: list[float] = []
        lengths: list[int] = []
        quotes: list[int] = []
        quote_lengths: list[int] = []
        signatures: list[np.ndarray] = []
        for f in items:
            if f.article_id in self.index:
                continue
            self.index[f.article_id] = len(self.features)
            if new:
                self.new.append(len(self.features))
            ids.extend(self._term_id(t) for t in f.terms)
            counts.extend(f.terms.values())
            lengths.append(len(f.terms))
            quotes.extend(f.quote_keys)
            quote_lengths.append(len(f.quote_keys))
            signatures.append(np.zeros(NUM_PERM, np.uint32) if f.signature is None else f.signature)
            f.terms, f.quote_keys, f.signature = {}, [], None
            self.features.append(f)
        if lengths:
            self._term_ids.append(np.asarray(ids, dtype=np.int32))
            self._term_counts.append(np.asarray(counts, dtype=np.float32))
            self._term_lengths.append(np.asarray(lengths, dtype=np.int64))
            self._quote_keys.append(np.asarray(quotes, dtype=np.uint32))
            self._quote_lengths.append(np.asarray(quote_lengths, dtype=np.int64))
            self._signatures.append(np.stack(signatures).astype(np.uint32, copy=False))
        self.uf.grow(len(self.features))

    def terms(self) -> list[str]:
        """The vocabulary in id order."""
        out = [""] * len(self.vocab)
        for term, j in self.vocab.items():
            out[j] = term
        return out

    def corpus_size(self) -> int:
        return len(self.features) if self.corpus is None else max(self.corpus.n, len(self.features))

    def _term_id(self, term: str) -> int:
        j = self.vocab.get(term)
        if j is None:
            j = self.vocab[term] = len(self.vocab)
            self._is_name.append(term.startswith(NAME_PREFIX))
        return j

    def join(self, article_ids: Iterable[str]) -> None:
        """Keep articles together that an earlier run put in one story."""
        idx = [self.index[a] for a in article_ids if a in self.index]
        for other in idx[1:]:
            self.uf.union(idx[0], other)

    # -- linking ----------------------------------------------------------------
    def _matrix(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix, np.ndarray]:
        """Row-normalised TF-IDF matrix, anchor matrix, and days (NaN when unknown)."""
        n, v = len(self.features), len(self.vocab)
        lengths = np.concatenate(self._term_lengths) if n else np.zeros(0, np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        cols = np.concatenate(self._term_ids) if n else np.zeros(0, np.int32)
        vals = np.concatenate(self._term_counts) if n else np.zeros(0, np.float32)
        counts = sparse.csr_matrix((vals, cols, indptr), shape=(n, v))
        counts.sum_duplicates()
        if self.corpus is None:
            df = np.bincount(cols.astype(np.int64), minlength=v).astype(np.float32)
            docs = n
        else:  # the corpus's frequencies, not those of the part held
            terms = self.terms()
            df = np.fromiter((self.corpus.df.get(term, 0) for term in terms), dtype=np.float32, count=v)
            docs = max(self.corpus.n, n)
        idf = np.log((docs + 1) / (df + 1)) + 1.0
        boost = np.where(np.asarray(self._is_name, dtype=bool), self.config.name_weight, 1.0).astype(np.float32)
        weights = counts.copy()
        weights.data = 1.0 + np.log(weights.data)
        weights = weights.multiply(idf * boost).tocsr()
        norms = np.sqrt(np.asarray(weights.multiply(weights).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x = sparse.diags(1.0 / norms) @ weights
        x = x.tocsr()
        del counts, weights, cols, vals  # the corpus's terms, three times over: not needed from here
        # Anchors: the article's heaviest terms among those rare enough to be telling.
        max_df = anchor_max_df(docs)
        rare = df <= max_df
        a_cols: list[np.ndarray] = []
        a_lengths = np.zeros(n, dtype=np.int64)
        for i in range(n):
            lo, hi = x.indptr[i], x.indptr[i + 1]
            js, ws = x.indices[lo:hi], x.data[lo:hi]
            keep = rare[js]
            js, ws = js[keep], ws[keep]
            if len(js) > self.config.anchors:
                top = np.argpartition(-ws, self.config.anchors)[: self.config.anchors]
                js = js[top]
            a_cols.append(js)
            a_lengths[i] = len(js)
        a_rows = np.repeat(np.arange(n), a_lengths)
        anchor_cols = np.concatenate(a_cols) if a_cols else np.zeros(0, np.int32)
        anchors = sparse.csr_matrix((np.ones(len(a_rows), dtype=np.float32), (a_rows, anchor_cols)), shape=(n, v))
        days = np.array([np.nan if f.day is None else f.day for f in self.features], dtype=np.float64)
        return x, anchors, days

    def _candidate_pairs(self, block: np.ndarray, anchors: sparse.csr_matrix,
                         partners: dict[int, list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Directed pairs (row, other), rows from ``block``, of articles sharing enough anchors or a quote."""
        shared = (anchors[block] @ anchors.T).tocoo()
        keep = (shared.data >= self.config.min_shared_anchors) & (block[shared.row] != shared.col)
        row, col, count = shared.row[keep], shared.col[keep].astype(np.int64), shared.data[keep]
        # At most max_candidates per article, those sharing the most anchors (ties: the
        # smaller article id): a long-running topic must not make the work quadratic.
        order = np.lexsort((self._rank[col], -count, row))
        row, col = row[order], col[order]
        rank = np.arange(len(row)) - np.searchsorted(row, row, side="left")
        within = rank < self.config.max_candidates
        lefts, rights = [block[row[within]]], [col[within]]
        for i in block.tolist():
            if i in partners:
                lefts.append(np.full(len(partners[i]), i, dtype=np.int64))
                rights.append(np.asarray(partners[i], dtype=np.int64))
        n = np.int64(len(self.features))
        keys = np.unique(np.concatenate(lefts).astype(np.int64) * n + np.concatenate(rights).astype(np.int64))
        return keys // n, keys % n

    def _partners(self, mask: np.ndarray) -> dict[int, list[int]]:
        """Articles sharing a quote with each article of ``mask`` (pairs touching the mask)."""
        self._count_shared_quotes(mask)
        partners: dict[int, list[int]] = defaultdict(list)
        for a, b in self._quote_counts:
            partners[a].append(b)
            partners[b].append(a)
        return partners

    def _count_shared_quotes(self, is_new: np.ndarray) -> None:
        counts: dict[tuple[int, int], int] = defaultdict(int)
        keys = np.concatenate(self._quote_keys) if self._quote_keys else np.zeros(0, np.uint32)
        sizes = np.concatenate(self._quote_lengths) if self._quote_lengths else np.zeros(0, np.int64)
        owners = np.repeat(np.arange(len(sizes)), sizes)
        order = np.argsort(keys, kind="stable")
        keys, owners = keys[order], owners[order]
        bounds = np.flatnonzero(np.diff(keys)) + 1
        starts = np.concatenate([[0], bounds]).astype(np.int64)
        ends = np.concatenate([bounds, [len(keys)]]).astype(np.int64)
        sizes = ends - starts
        # A quote in fifty articles is a slogan, not evidence of one event.
        for lo, hi in zip(starts[(sizes >= 2) & (sizes <= 50)], ends[(sizes >= 2) & (sizes <= 50)]):
            holders = owners[lo:hi].tolist()
            if not any(is_new[h] for h in holders):
                continue
            for x in range(len(holders)):
                for y in range(x + 1, len(holders)):
                    a, b = holders[x], holders[y]
                    if is_new[a] or is_new[b]:
                        counts[(a, b)] += 1
        self._quote_counts = {p: k for p, k in counts.items() if k >= self.config.quote_shingles}

    @staticmethod
    def _cosines(x: sparse.csr_matrix, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        scores = np.empty(len(left), dtype=np.float32)
        for s in range(0, len(left), _PAIRS):
            a, b = left[s:s + _PAIRS], right[s:s + _PAIRS]
            scores[s:s + _PAIRS] = np.asarray(x[a].multiply(x[b]).sum(axis=1)).ravel()
        return scores

    def _neighbours(self, left: np.ndarray, right: np.ndarray, scores: np.ndarray, k: int) -> dict[int, list[Near]]:
        """The k most similar candidates of each row, with their cosines (ties: the smaller article id first)."""
        order = np.lexsort((self._rank[right], -scores, left))
        rows, cols, values = left[order], right[order], scores[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        out: dict[int, list[Near]] = defaultdict(list)
        for i, j, s in zip(rows[rank < k].tolist(), cols[rank < k].tolist(), values[rank < k].tolist()):
            out[i].append((j, s))
        return out

    def link(self) -> list[Link]:
        """Compare the new articles with all others; union the linked; return the links."""
        if not self.new:
            return []
        cfg = self.config
        links: list[Link] = []
        n = len(self.features)
        is_new = np.zeros(n, dtype=bool)
        is_new[self.new] = True
        ids = [f.article_id for f in self.features]
        self._rank = np.empty(len(ids), dtype=np.int64)  # position in id order: breaks ties
        self._rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        # Near-duplicates, whatever their dates.
        copies = self._near_copies(is_new, links)
        x, anchors, days = self._matrix()
        self.anchors = anchors
        new = np.asarray(sorted(self.new), dtype=np.int64)
        # The stories the new articles could join are grouped again, with the old articles
        # in them, from their pairwise links alone: a story formed earlier is not taken on
        # trust where new evidence arrives, so arriving in parts ends close to arriving at
        # once. Stories out of reach of every new article keep their grouping.
        partners = self._partners(is_new)
        touched: set[int] = set()
        for start in range(0, len(new), _BLOCK):
            _, right = self._candidate_pairs(new[start:start + _BLOCK], anchors, partners)
            touched.update(right[~is_new[right]].tolist())
        roots = np.fromiter((self.uf.find(i) for i in range(n)), dtype=np.int64, count=n)
        regroup = is_new | np.isin(roots, roots[sorted(touched)])
        rows = np.flatnonzero(regroup)
        partners = self._partners(regroup)
        floor = min(cfg.link, cfg.mutual_link, cfg.mutual_link_undated, cfg.neighbour_link, cfg.quote_link)
        near: dict[int, list[Near]] = {}
        kept: list[tuple[np.ndarray, ...]] = []
        outside: set[int] = set()
        # Block by block, so memory holds one block's candidates, not the corpus's: the
        # nearest neighbours of each article, and the pairs similar enough for a rule.
        for start in range(0, len(rows), _BLOCK):
            left, right = self._candidate_pairs(rows[start:start + _BLOCK], anchors, partners)
            scores = self._cosines(x, left, right)
            near.update(self._neighbours(left, right, scores, cfg.neighbours))
            outside.update(right[~regroup[right]].tolist())
            kept.append(self._rule_pairs(left, right, scores, days, copies, regroup, floor))
        # Their candidates outside: shared neighbours need both lists.
        others = np.asarray(sorted(outside), dtype=np.int64)
        for start in range(0, len(others), _BLOCK):
            left, right = self._candidate_pairs(others[start:start + _BLOCK], anchors, partners)
            near.update(self._neighbours(left, right, self._cosines(x, left, right), cfg.neighbours))
        for left, right, adjusted, dated in kept:
            for a, b, score, is_dated in zip(left.tolist(), right.tolist(), adjusted.tolist(), dated.tolist()):
                reason = self._reason(a, b, score, near, is_dated)
                if reason:
                    links.append(Link(min(a, b), max(a, b), reason, score))
        self.uf = _UnionFind(n)
        for i in np.flatnonzero(~regroup).tolist():
            self.uf.union(i, int(roots[i]))
        for copy, original in self.duplicate_of.items():  # near-copies found in any run
            if copy in self.index and original in self.index:
                self.uf.union(self.index[copy], self.index[original])
        self._unite(links, copies)
        self.near_lists = self._as_ids(near)
        return links

    def _as_ids(self, near: dict[int, list[Near]]) -> dict[int, list[tuple[str, float]]]:
        return {i: [(self._id_of(j), round(s, 4)) for j, s in lists] for i, lists in near.items()}

    def _id_of(self, row: int) -> str:
        return self.features[row].article_id if row >= 0 else self._pseudo_ids[-row - 1]

    def link_bounded(self, regroup: Iterable[int] = ()) -> list[Link]:
        """Link the new articles, and the grouped ``regroup`` rows, with everything held.

        For a corpus too large to hold: the grouper holds the new articles, the grouped
        ones they could link to (their candidates, found by the store's postings) and the
        members of the stories those are in that the caller regroups (``regroup``), with
        ``corpus`` and ``stored_near`` set. The rules are those of ``link``; a grouped
        article's nearest list is its stored one updated with what this pass scored for
        it. Links between two grouped articles outside ``regroup`` are as decided when
        they were grouped. ``uf`` joins the linked articles only: the caller merges or
        rebuilds the stories they belong to.
        """
        cfg = self.config
        links: list[Link] = []
        n = len(self.features)
        is_new = np.zeros(n, dtype=bool)
        is_new[self.new] = True
        asked = is_new.copy()
        asked[list(regroup)] = True
        self.uf = _UnionFind(n)
        if not asked.any():
            return []
        ids = [f.article_id for f in self.features]
        self._rank = np.empty(n, dtype=np.int64)
        self._rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
        copies = self._near_copies(is_new, links)
        x, anchors, days = self._matrix()
        self.anchors = anchors
        rows = np.flatnonzero(asked)
        partners = self._partners(asked)
        floor = min(cfg.link, cfg.mutual_link, cfg.mutual_link_undated, cfg.neighbour_link, cfg.quote_link)
        near: dict[int, list[Near]] = {}
        scored: dict[int, list[Near]] = defaultdict(list)  # grouped row → what this pass scored for it
        kept: list[tuple[np.ndarray, ...]] = []
        for start in range(0, len(rows), _BLOCK):
            left, right = self._candidate_pairs(rows[start:start + _BLOCK], anchors, partners)
            scores = self._cosines(x, left, right)
            fresh = is_new[left]
            near.update(self._neighbours(left[fresh], right[fresh], scores[fresh], cfg.neighbours))
            for a, b, value in zip(left[~fresh].tolist(), right[~fresh].tolist(), scores[~fresh].tolist()):
                scored[a].append((b, value))
            arrived = fresh & ~is_new[right]
            for a, b, value in zip(left[arrived].tolist(), right[arrived].tolist(), scores[arrived].tolist()):
                scored[b].append((a, value))
            kept.append(self._rule_pairs(left, right, scores, days, copies, asked, floor))
        changed = set(near) | set(scored)
        for b, found in scored.items():
            near[b] = self._updated_near(b, found)
        for left, right, adjusted, dated in kept:
            for a, b, score, is_dated in zip(left.tolist(), right.tolist(), adjusted.tolist(), dated.tolist()):
                if b not in near:
                    near[b] = self._updated_near(b, [])  # as stored: nothing new reached it
                reason = self._reason(a, b, score, near, is_dated)
                if reason:
                    links.append(Link(min(a, b), max(a, b), reason, score))
        self._unite(links, copies)
        self.near_lists = self._as_ids({i: near[i] for i in changed})
        return links

    def _rule_pairs(self, left: np.ndarray, right: np.ndarray, scores: np.ndarray, days: np.ndarray,
                    copies: np.ndarray, asked: np.ndarray, floor: float) -> tuple[np.ndarray, ...]:
        """The candidate pairs some rule may link: (left, right, day-adjusted cosine, both dated)."""
        cfg = self.config
        gap = np.abs(days[left] - days[right])
        dated = ~np.isnan(gap)
        adjusted = scores - np.where(dated, cfg.day_penalty * np.nan_to_num(gap), 0.0)
        # Each pair once (from its lower end when both ends are asked), in time, and
        # similar enough for some rule.
        keep = (~asked[right] | (left < right)) & ~(gap > cfg.max_days) & (adjusted >= floor)
        # Two copies of one text are one story already: no rule needs asking.
        keep &= (copies[left] < 0) | (copies[left] != copies[right])
        return left[keep], right[keep], adjusted[keep], dated[keep]

    def _unite(self, links: list[Link], copies: np.ndarray) -> None:
        """Union the linked articles and each copy group; keep the links; nothing is new now."""
        for link in links:
            self.uf.union(link.a, link.b)
        grouped = np.flatnonzero(copies >= 0)
        heads: dict[int, int] = {}
        for i, group in zip(grouped.tolist(), copies[grouped].tolist()):
            self.uf.union(heads.setdefault(group, i), i)
        self.links.extend(links)
        self.new = []

    def _updated_near(self, row: int, arrivals: list[Near]) -> list[Near]:
        """A grouped article's stored nearest list with the new articles that reached it."""
        best: dict[int, float] = {}
        for article_id, value in self.stored_near.get(row, []):
            j = self.index.get(article_id)
            if j is None:
                j = self._pseudo.get(article_id)
                if j is None:
                    self._pseudo_ids.append(article_id)
                    j = self._pseudo[article_id] = -len(self._pseudo_ids)
            best[j] = max(value, best.get(j, value))
        for j, value in arrivals:
            best[j] = max(value, best.get(j, value))
        ordered = sorted(best.items(), key=lambda item: (-item[1], self._id_of(item[0])))
        return ordered[:self.config.neighbours]

    def _reason(self, a: int, b: int, score: float, near: dict[int, list[Near]], dated: bool) -> str | None:
        cfg = self.config
        if score >= cfg.link:
            return "content"
        na, nb = [j for j, _ in near.get(a, [])], [j for j, _ in near.get(b, [])]
        mutual_link = cfg.mutual_link if dated else cfg.mutual_link_undated
        if score >= mutual_link and b in na[:cfg.mutual] and a in nb[:cfg.mutual]:
            return "mutual-nearest"
        # In a small corpus every article is among every other's nearest, so shared
        # neighbours say nothing; they count once the corpus is ten lists deep.
        if score >= cfg.neighbour_link and self.corpus_size() >= 10 * (cfg.neighbours + 1):
            shared = len(({a} | set(na)) & ({b} | set(nb))) / (cfg.neighbours + 1)
            if shared >= cfg.shared_neighbours:
                return "shared-neighbours"
        if score >= cfg.quote_link and (min(a, b), max(a, b)) in self._quote_counts:
            return "quote"
        return None

    def _near_copies(self, is_new: np.ndarray, links: list[Link]) -> np.ndarray:
        """Find this run's near-duplicate pairs; return each article's copy group (-1: none).

        Every pair unites its two articles, but a syndicated text may have hundreds of
        copies, so the pairs are not kept: the copy groups (connected components of the
        pairs) are, and one link per copy, to the first of it by id (``duplicate_of``).
        """
        n = len(self.features)
        signatures = np.concatenate(self._signatures) if self._signatures else np.zeros((0, NUM_PERM), np.uint32)
        left, right, score = self.dups.pairs(signatures, is_new)
        del signatures
        groups = np.full(n, -1, dtype=np.int64)
        if not len(left):
            return groups
        swap = self._rank[left] > self._rank[right]
        first, second = np.where(swap, right, left), np.where(swap, left, right)
        order = np.lexsort((self._rank[first], second))
        first, second, score = first[order], second[order], score[order]
        lead = np.concatenate([[True], second[1:] != second[:-1]])  # per copy, its first original
        for a, b, value in zip(first[lead].tolist(), second[lead].tolist(), score[lead].tolist()):
            copy, original = self.features[b].article_id, self.features[a].article_id
            self.duplicate_of[copy] = min(original, self.duplicate_of.get(copy, original))
            links.append(Link(min(a, b), max(a, b), "near-duplicate", value))
        graph = sparse.coo_matrix((np.ones(len(first), dtype=np.int8), (first, second)), shape=(n, n))
        _, labels = csgraph.connected_components(graph, directed=False)
        sizes = np.bincount(labels)
        grouped = sizes[labels] > 1
        groups[grouped] = labels[grouped]
        return groups

    # -- what the store indexes ------------------------------------------------------
    def index_entries(self, rows: Iterable[int]) -> IndexEntries:
        """(article id, anchor terms, quote keys, band keys) of these rows, after a link,
        as compact arrays: the grouper need not outlive them."""
        rows = np.asarray(list(rows), dtype=np.int64)
        quotes = np.concatenate(self._quote_keys) if self._quote_keys else np.zeros(0, np.uint32)
        sizes = np.concatenate(self._quote_lengths) if self._quote_lengths else np.zeros(0, np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        signatures = np.concatenate(self._signatures)[rows] if len(rows) else np.zeros((0, NUM_PERM), np.uint32)
        # Signed, as the store's 64-bit integers are.
        bands = self.dups.band_keys(signatures).view(np.int64)
        anchors = self.anchors[rows] if self.anchors is not None else sparse.csr_matrix((len(rows), len(self.vocab)))
        held = [quotes[starts[i]:starts[i + 1]] for i in rows.tolist()]
        held = [keys[indexed_quote_keys(keys)] for keys in held]
        picked = np.concatenate(held) if held else quotes[:0]
        lengths = np.fromiter((len(keys) for keys in held), dtype=np.int64, count=len(held))
        return IndexEntries([self.features[i].article_id for i in rows.tolist()], self.terms(),
                            anchors.tocsr(), picked, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
                            bands, signatures.any(axis=1))

    def term_frequencies(self, rows: Iterable[int]) -> dict[str, int]:
        """Articles among these rows holding each term: their share of the document frequencies."""
        wanted = np.zeros(len(self.features), dtype=bool)
        wanted[list(rows)] = True
        lengths = np.concatenate(self._term_lengths) if self._term_lengths else np.zeros(0, np.int64)
        ids = np.concatenate(self._term_ids) if self._term_ids else np.zeros(0, np.int32)
        held = ids[np.repeat(wanted, lengths)]
        counts = np.bincount(held.astype(np.int64), minlength=len(self.vocab))
        terms = self.terms()
        return {terms[j]: int(c) for j, c in enumerate(counts.tolist()) if c}

    # -- results ------------------------------------------------------------------
    def components(self) -> list[list[str]]:
        """Article ids per story, each sorted; stories sorted by their first id."""
        groups: dict[int, list[str]] = defaultdict(list)
        for i, f in enumerate(self.features):
            groups[self.uf.find(i)].append(f.article_id)
        return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
