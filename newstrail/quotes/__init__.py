"""Quotes: direct, indirect and mixed quotes with in-article speaker attribution.

OWNER: quotes helper. Contract used by the pipeline:

    extract_quotes(articles: Iterable[Article], *, nlp=None, batch_size=64)
        -> Iterator[tuple[Article, list[Quote]]]
"""
