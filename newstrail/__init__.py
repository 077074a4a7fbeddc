"""newstrail: who said what, when, and who reported it.

    >>> import newstrail
    >>> summary = newstrail.analyze(["articles/"], db="news.db")
    >>> with newstrail.open_store("news.db") as store:
    ...     for quote in store.iter_quotes():
    ...         print(quote.speaker, quote.text)
"""
from __future__ import annotations

__version__ = "0.1.0"

from .records import Article, Failure, Quote, RawDocument, Speaker, Story, Trail  # noqa: E402
from .store import Store, open_store  # noqa: E402


def analyze(*args, **kwargs):
    """Run the pipeline; see :func:`newstrail.pipeline.analyze`."""
    # Imported on call: the pipeline pulls in spaCy and trafilatura, which the
    # records and the store do not need.
    from .pipeline import analyze as _analyze

    return _analyze(*args, **kwargs)


__all__ = [
    "Article", "Failure", "Quote", "RawDocument", "Speaker", "Store", "Story", "Trail",
    "__version__", "analyze", "open_store",
]
