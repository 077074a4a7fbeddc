"""Ingest: turn paths, folders and URLs into a stream of RawDocument.

OWNER: ingest helper. Contract used by the pipeline:

    iter_documents(inputs, *, fetcher=None, on_error) -> Iterator[RawDocument]

* streaming: one document at a time, never the whole corpus in memory;
* every RawDocument has ``id`` set (file stem, given JSON id, or derived from the URL);
* a bad input calls ``on_error(Failure(source, "ingest", one-line message))`` and
  iteration goes on with the next input.
"""
