"""What grouping knows about one article: computed once, stored, reused by every later run.

``ArticleFeatures`` is small and plain on purpose: the stories stage keeps one per
article in memory for the whole corpus, and the store keeps it as JSON plus the
MinHash signature as bytes, so an incremental run never re-reads old article text.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ..records import Article
from . import text as tx

# Bump when features change for the same article, so stored ones are recomputed.
FEATURES_VERSION = 1
MAX_TERMS = 80  # the article's most frequent terms; enough to tell events apart, bounded in size
NAME_PREFIX = "@"  # a term that is a name: "@kovac"
QUOTE_SHINGLE = 6  # words per quote shingle: six words in a row are not a coincidence
BODY_SHINGLE = 5  # words per body shingle for near-duplicate MinHash


@dataclass(slots=True)
class ArticleFeatures:
    article_id: str
    day: int | None = None  # proleptic Gregorian ordinal of the publication date
    terms: dict[str, int] = field(default_factory=dict)  # term → weighted count
    quote_keys: list[int] = field(default_factory=list)  # hashes of quoted word runs
    signature: np.ndarray | None = None  # MinHash hash values of the body shingles (uint32)
    outlet: str | None = None
    title: str | None = None
    published: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"v": FEATURES_VERSION, "d": self.day, "t": sorted(self.terms.items()), "q": self.quote_keys,
                "o": self.outlet, "ti": self.title, "p": self.published}

    @classmethod
    def from_json(cls, article_id: str, data: dict[str, Any], signature: bytes | None) -> ArticleFeatures:
        sig = np.frombuffer(signature, dtype=np.uint32).copy() if signature else None
        return cls(article_id, data.get("d"), {t: c for t, c in data.get("t", [])}, list(data.get("q", [])),
                   sig, data.get("o"), data.get("ti"), data.get("p"))


def day_of(published: str | None) -> int | None:
    if not published or len(published) < 10:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def _top(counts: Counter[str], n: int) -> dict[str, int]:
    # Ties broken by the term itself, so the kept set never depends on dict order.
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def article_features(article: Article, *, signer=None) -> ArticleFeatures:
    """Features of one article: terms (headline counted three times, names with a prefix),
    hashes of runs of quoted words, the publication day, and (with ``signer``) a MinHash."""
    title = article.title or ""
    lead = article.standfirst or ""
    counts: Counter[str] = Counter()
    # The headline and standfirst say what the event is; weight them like repeated mentions.
    body_words = tx.words(article.body)
    for part, weight in ((title, 3), (lead, 2), (article.body, 1)):
        if not part:
            continue
        for term in tx.content_terms(part, body_words if part is article.body else None):
            counts[term] += weight
        for name in tx.names(part):
            counts[NAME_PREFIX + name] += weight
            counts[tx.stem(name)] -= weight  # a name is counted once, as a name
    counts = Counter({t: c for t, c in counts.items() if c > 0})
    # Quoted words, found by their quotation marks rather than by the quotes stage, so
    # grouping stands alone and costs no parsing: six words in a row inside quotation
    # marks shared by two articles mean they carry the same quote.
    keys: set[int] = set()
    for quoted in tx.QUOTED.findall(article.body):
        hashes = tx.word_hashes(quoted)
        if len(hashes) >= QUOTE_SHINGLE:
            keys.update(int(h) for h in tx.shingle_hashes(hashes, QUOTE_SHINGLE))
    signature = signer.sign_words(body_words) if signer is not None else None
    return ArticleFeatures(
        article_id=article.id, day=day_of(article.published), terms=_top(counts, MAX_TERMS),
        quote_keys=sorted(keys), signature=signature, outlet=article.outlet, title=article.title,
        published=article.published,
    )
