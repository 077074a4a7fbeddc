"""PostgreSQL backend: the same tables, full-text search through tsvector GIN indexes.

Needs the ``postgres`` extra (psycopg 3). Useful when several machines write to one
database or the corpus outgrows a single file.
"""
from __future__ import annotations

import sqlalchemy as sa

from .sql import SQLStore

_FTS = {
    "articles": "coalesce(title, '') || ' ' || coalesce(standfirst, '') || ' ' || body",
    "quotes": "text || ' ' || coalesce(speaker, '')",
}


def _driver_url(url: str) -> str:
    # SQLAlchemy needs the driver named; users write the plain libpq form.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class PostgresStore(SQLStore):
    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("PostgreSQL support needs psycopg: pip install 'newstrail[postgres]'") from exc
        super().__init__(sa.create_engine(_driver_url(url), pool_pre_ping=True))

    def _fts_setup(self, conn: sa.Connection) -> None:
        # A stored tsvector column, not an expression index alone: ranking reads the
        # vector of every matching row, and recomputing it from the text made a search
        # for a common word take seconds on a large corpus. Idempotent, so a migration
        # can run it again on a database made by an older version.
        for table, document in _FTS.items():
            present = {c["name"] for c in sa.inspect(conn).get_columns(table)}
            if "fts" not in present:
                conn.exec_driver_sql(
                    f"ALTER TABLE {table} ADD COLUMN fts tsvector"
                    f" GENERATED ALWAYS AS (to_tsvector('simple', {document})) STORED"
                )
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {table}_fts")
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {table}_fts ON {table} USING GIN (fts)")

    def _fts_ids(self, conn: sa.Connection, table: str, query: str, limit: int) -> list[str]:
        sql = sa.text(
            f"SELECT id FROM {table} WHERE fts @@ plainto_tsquery('simple', :q)"
            f" ORDER BY ts_rank(fts, plainto_tsquery('simple', :q)) DESC, id"
            " LIMIT :n"
        )
        return [row[0] for row in conn.execute(sql, {"q": query, "n": limit})]

    def _fts_rank(self, stmt: sa.Select, table: str, query) -> tuple[sa.Select, object]:
        document = sa.literal_column(f"{table}.fts")
        tsquery = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("fts_match", query.tsquery()))
        return stmt.where(document.op("@@")(tsquery)), sa.func.ts_rank(document, tsquery)
