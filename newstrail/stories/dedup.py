"""Near-duplicates: syndicated copies and lightly edited versions of one article.

Each body becomes the set of its five-word shingles, summarised by a datasketch
MinHash; a MinHashLSH index finds the pairs whose estimated Jaccard similarity
passes ``NEAR_DUPLICATE_THRESHOLD``. Shingles are hashed in bulk with numpy (stable
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

    def from_signature(self, signature: np.ndarray) -> MinHash:
        return MinHash(num_perm=self.num_perm, hashfunc=int, scheme="affine32",
                       permutations=self._template.permutations, hashvalues=signature)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


class NearDuplicates:
    """An LSH index over signatures; ``add`` returns the already indexed near-copies."""

    def __init__(self, signer: Signer | None = None, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> None:
        self.signer = signer or Signer()
        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=self.signer.num_perm)
        self.signatures: dict[str, np.ndarray] = {}

    def add(self, article_id: str, signature: np.ndarray | None) -> list[str]:
        if signature is None or article_id in self.signatures:
            return []
        m = self.signer.from_signature(signature)
        found = [other for other in self.lsh.query(m)
                 if jaccard(signature, self.signatures[other]) >= self.threshold]
        self.lsh.insert(article_id, m, check_duplication=False)
        self.signatures[article_id] = signature
        return sorted(found)


def near_duplicate_pairs(features: Iterable[ArticleFeatures], threshold: float = NEAR_DUPLICATE_THRESHOLD
                         ) -> list[tuple[str, str]]:
    """Every pair of near-duplicate articles, each pair sorted, the list sorted."""
    index = NearDuplicates(threshold=threshold)
    pairs = []
    for f in features:
        pairs.extend(tuple(sorted((f.article_id, other))) for other in index.add(f.article_id, f.signature))
    return sorted(pairs)
