"""Near-duplicates: syndicated copies and lightly edited versions of one article.

Each body becomes the set of its five-word shingles, summarised by a datasketch
MinHash; locality-sensitive hashing over bands of the signatures (the bands datasketch's
``MinHashLSH`` chooses for the threshold) finds the pairs whose estimated Jaccard
similarity passes ``NEAR_DUPLICATE_THRESHOLD``. Shingles are hashed in bulk with numpy (stable
crc32 word hashes, one polynomial per shingle), which is what keeps 100k articles in
seconds rather than minutes; the permutations are fixed by a seed, so signatures
stored by one run compare with those of the next.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from ..records import Article
from . import text as tx
from .features import BODY_SHINGLE, ArticleFeatures

NUM_PERM = 64
SEED = 20240401
NEAR_DUPLICATE_THRESHOLD = 0.6  # estimated Jaccard of body shingles


class Signer:
    """Bulk MinHash of article bodies with one fixed set of permutations."""

    def __init__(self, num_perm: int = NUM_PERM, seed: int = SEED) -> None:
        self.num_perm = num_perm
        self._template = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")

    def minhash(self, values: np.ndarray) -> MinHash:
        m = MinHash(num_perm=self.num_perm, hashfunc=int, scheme="affine32",
                    permutations=self._template.permutations)
        if len(values):
            m.update_batch(values.tolist())
        return m

    def __call__(self, article: Article) -> np.ndarray:
        return self.sign_words(tx.words(article.body))

    def sign_words(self, folded: list[str]) -> np.ndarray:
        """Signature of a body given as its folded words."""
        shingles = tx.shingle_hashes(tx.word_hashes("", folded), BODY_SHINGLE)
        return self.minhash(shingles).hashvalues.astype(np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


class NearDuplicates:
    """MinHash LSH over a whole set of signatures at once: the pairs that pass ``threshold``.

    datasketch chooses the bands (``MinHashLSH``'s optimum for the threshold and the
    number of permutations); the band index itself is kept as numpy arrays, one 64-bit
    key per article and band, instead of ``MinHashLSH``'s dict of sets per band, which
    costs about 4 KB per article (400 MB at 100k articles) against 80 bytes here.
    Candidates (a band in common) are checked by their estimated Jaccard, as a query of
    ``MinHashLSH`` would be.
    """

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands = MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) uint64: one key per band, equal when the band's hash values are."""
        sig = signatures.astype(np.uint64)
        keys = np.zeros((len(sig), len(self.bands)), dtype=np.uint64)
        with np.errstate(over="ignore"):  # wrapping multiplication is the point
            for b, (lo, hi) in enumerate(self.bands):
                key = np.full(len(sig), b + 1, dtype=np.uint64)
                for col in range(lo, hi):
                    key = key * _MIX + sig[:, col]
                keys[:, b] = key
        return keys

    def pairs(self, signatures: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Near-duplicate pairs (i < j, score) among the rows of ``signatures`` with a new row in them.

        ``signatures``: (n, num_perm) uint32, a row of zeros where an article has none;
        ``new``: bool per row. Pairs of two old rows are not returned (an earlier run had them).
        """
        has = signatures.any(axis=1)
        rows = np.flatnonzero(has)
        if len(rows) < 2 or not new[rows].any():
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
        keys = self.band_keys(signatures[rows])
        n = np.int64(len(signatures))
        found = np.zeros(0, dtype=np.int64)  # pairs as i * n + j, i < j, each once
        for b in range(keys.shape[1]):
            band: list[np.ndarray] = []
            order = np.argsort(keys[:, b], kind="stable")
            k = keys[order, b]
            starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
            sizes = np.diff(np.concatenate([starts, [len(k)]]))
            for lo, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist()):
                members = rows[order[lo:lo + size]]
                fresh = new[members]
                if not fresh.any():
                    continue
                a, c = np.triu_indices(size, 1)
                keep = fresh[a] | fresh[c]
                p, q = members[a[keep]], members[c[keep]]
                band.append(np.minimum(p, q) * n + np.maximum(p, q))
            if band:  # merged band by band: copies share most bands, the pairs are held once
                found = np.union1d(found, np.concatenate(band))
        left, right = found // n, found % n
        score = np.empty(len(left), dtype=np.float64)
        for s in range(0, len(left), 50_000):
            score[s:s + 50_000] = (signatures[left[s:s + 50_000]] == signatures[right[s:s + 50_000]]).mean(axis=1)
        keep = score >= self.threshold
        return left[keep], right[keep], score[keep]


# An odd 64-bit multiplier (from the golden ratio) to mix a band's values into one key.
_MIX = np.uint64(0x9E3779B97F4A7C15)


def near_duplicate_pairs(features: Iterable[ArticleFeatures], threshold: float = NEAR_DUPLICATE_THRESHOLD
                         ) -> list[tuple[str, str]]:
    """Every pair of near-duplicate articles, each pair sorted, the list sorted."""
    items = [f for f in features if f.signature is not None]
    if len(items) < 2:
        return []
    index = NearDuplicates(threshold=threshold)
    left, right, _ = index.pairs(np.stack([f.signature for f in items]), np.ones(len(items), dtype=bool))
    return sorted(tuple(sorted((items[a].article_id, items[b].article_id))) for a, b in zip(left, right))
