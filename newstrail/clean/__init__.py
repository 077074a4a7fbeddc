"""Clean: boilerplate removal, HTML main text, metadata (title, byline, outlet, date).

OWNER: clean helper. Contract used by the pipeline:

    cleaner = Cleaner(state=None)        # state: dict previously returned by cleaner.state()
    cleaner.clean_batch(docs: list[RawDocument]) -> list[Article | Failure]
    cleaner.state() -> dict              # JSON-serialisable corpus evidence, persisted by the store
"""
