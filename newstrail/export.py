"""Writers for ``newstrail export``: JSON lines, CSV and Parquet.

The contract fields (``records.EXPORT_FIELDS``) come first, in that order, and never
change name; a few extra fields follow them.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .records import EXPORT_FIELDS
from .store import Store

FORMATS = ("jsonl", "csv", "parquet")
KINDS = tuple(EXPORT_FIELDS)

# Extra fields appended after the contract fields: useful, but not (yet) part of it.
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "articles": ("standfirst", "url"),
    "quotes": ("section", "speaker_kind"),
    "speakers": ("kind",),
    "stories": ("first_seen", "near_duplicates"),
    "trails": ("appearances", "origin", "paraphrases"),
}


def columns(kind: str) -> tuple[str, ...]:
    return EXPORT_FIELDS[kind] + EXTRA_FIELDS[kind]


def rows(store: Store, kind: str) -> Iterator[dict[str, Any]]:
    cols = columns(kind)
    for record in store.iter_kind(kind):
        data = record.to_dict()
        yield {c: data.get(c) for c in cols}


def write_jsonl(items: Iterable[dict[str, Any]], out: IO[str]) -> int:
    n = 0
    for n, row in enumerate(items, 1):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return n


def write_csv(items: Iterable[dict[str, Any]], out: IO[str], cols: tuple[str, ...]) -> int:
    # Lists are written as JSON so a spreadsheet cell round-trips to the same list.
    writer = csv.DictWriter(out, fieldnames=list(cols), lineterminator="\n")
    writer.writeheader()
    n = 0
    for n, row in enumerate(items, 1):
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                         for k, v in row.items()})
    return n


def write_parquet(items: Iterable[dict[str, Any]], out: IO[bytes], cols: tuple[str, ...]) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError("Parquet export needs pyarrow: pip install 'newstrail[parquet]'") from None
    writer = None
    n = 0
    # Write in row groups so a large export never sits in memory whole.
    batch: list[dict[str, Any]] = []
    schema = None
    for row in items:
        batch.append(row)
        if len(batch) == 5000:
            writer, schema = _flush(pa, pq, batch, out, writer, schema, cols)
            n += len(batch)
            batch = []
    if batch or writer is None:
        writer, schema = _flush(pa, pq, batch, out, writer, schema, cols)
        n += len(batch)
    writer.close()
    return n


def _flush(pa, pq, batch, out, writer, schema, cols):  # noqa: ANN001 - pyarrow modules
    # A map column takes (key, value) pairs.
    data = {c: [list(v.items()) if isinstance(v := row.get(c), dict) else v for row in batch] for c in cols}
    if schema is None:
        # Fix the schema from the contract, not from the first rows, so an empty
        # column (all nulls) still has a stable type.
        schema = pa.schema([(c, _arrow_type(pa, c)) for c in cols])
    table = pa.Table.from_pydict(data, schema=schema)
    if writer is None:
        writer = pq.ParquetWriter(out, schema)
    writer.write_table(table)
    return writer, schema


_INT_FIELDS = {"start", "end", "speaker_start", "speaker_end", "quote_count"}
_LIST_OF_STR = {"removed", "article_ids", "aliases", "titles"}


def _trail_structs(pa):  # noqa: ANN001, ANN202 - the nested records of stories and trails
    s = pa.string()
    return {
        "variants": pa.list_(pa.struct([("text", s), ("kind", s), ("diff", s), ("article_ids", pa.list_(s))])),
        "appearances": pa.list_(pa.struct([("article_id", s), ("quote_id", s), ("outlet", s), ("published", s),
                                           ("text", s), ("variant", s), ("origin", s)])),
        "paraphrases": pa.list_(pa.struct([("article_id", s), ("quote_id", s), ("outlet", s), ("published", s),
                                           ("text", s)])),
        "near_duplicates": pa.map_(s, s),
    }


def _arrow_type(pa, name: str):  # noqa: ANN001, ANN202
    if name in _INT_FIELDS:
        return pa.int64()
    if name in _LIST_OF_STR:
        return pa.list_(pa.string())
    if name == "spans":
        return pa.list_(pa.list_(pa.int64()))
    nested = _trail_structs(pa)
    if name in nested:
        return nested[name]
    return pa.string()


def export(store: Store, kind: str, fmt: str = "jsonl", output: str | Path | None = None) -> int:
    """Write every record of ``kind`` to ``output`` (stdout when None); return the count."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    items = rows(store, kind)
    if fmt == "parquet":
        if output is None:
            buffer = io.BytesIO()
            n = write_parquet(items, buffer, columns(kind))
            sys.stdout.buffer.write(buffer.getvalue())
            return n
        with open(output, "wb") as fh:
            return write_parquet(items, fh, columns(kind))
    if output is None:
        return _write_text(items, sys.stdout, fmt, kind)
    with open(output, "w", encoding="utf-8", newline="") as fh:
        return _write_text(items, fh, fmt, kind)


def _write_text(items: Iterable[dict[str, Any]], out: IO[str], fmt: str, kind: str) -> int:
    return write_jsonl(items, out) if fmt == "jsonl" else write_csv(items, out, columns(kind))
