"""The embedded default: one SQLite file in WAL mode with FTS5 over article and quote text."""
from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from . import schema as t
from .sql import SQLStore

# External-content FTS5 tables, kept in step with their base table by triggers, so
# the text is stored once and the index can never drift from the rows.
_FTS = {
    "articles": ("title", "standfirst", "body"),
    "quotes": ("text", "speaker"),
}


def _fts_ddl(table: str, cols: tuple[str, ...]) -> list[str]:
    fts = f"{table}_fts"
    names = ", ".join(cols)
    new = ", ".join(f"new.{c}" for c in cols)
    old = ", ".join(f"old.{c}" for c in cols)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{table}', content_rowid='rowid',"
        " tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ai AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old}); END",
        # Only an update of the indexed text re-indexes it: the stages set story and
        # trail ids on hundreds of thousands of rows, and each re-index rewrites the text.
        f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE OF {names} ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"
        f" INSERT INTO {fts}(rowid, {names}) VALUES (new.rowid, {new}); END",
    ]


def fts_query(text: str) -> str:
    """Turn what a person types into a safe FTS5 query: every word must appear.

    Each word becomes a quoted string, so FTS5 operators and stray quote marks in
    user input can never produce a syntax error; a trailing ``*`` keeps prefix search.
    """
    terms = []
    for word in re.findall(r"[\w*]+", text):
        prefix = word.endswith("*")
        word = word.strip("*")
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " AND ".join(terms)


class SQLiteStore(SQLStore):
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(f"sqlite:///{self.path}")

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
            cur = dbapi_conn.cursor()
            # WAL lets readers (exports, the web UI) run while an analysis writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=10000")
            # 64 MiB of page cache instead of 2: each batch inserts hundreds of rows per article
            # at random places of the trail-key index, which outgrows a small cache early.
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        super().__init__(engine)

    def _fts_setup(self, conn: sa.Connection) -> None:
        for table, cols in _FTS.items():
            # Made again every time: a trigger of an older version (one firing on every
            # update) is replaced, not kept by IF NOT EXISTS.
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_au")
            for statement in _fts_ddl(table, cols):
                conn.exec_driver_sql(statement)

    def _fts_ids(self, conn: sa.Connection, table: str, query: str, limit: int) -> list[str]:
        match = fts_query(query)
        if not match:
            return []
        sql = sa.text(
            f"SELECT {table}.id FROM {table}_fts JOIN {table} ON {table}.rowid = {table}_fts.rowid"
            f" WHERE {table}_fts MATCH :q ORDER BY rank LIMIT :n"
        )
        return [row[0] for row in conn.execute(sql, {"q": match, "n": limit})]

    def _fts_rank(self, stmt: sa.Select, table: str, query) -> tuple[sa.Select, object]:
        # The query was parsed by newstrail.search, whose FTS5 rendering quotes every word,
        # so user text never reaches FTS5 as syntax. bm25() is lower-is-better: negate it.
        fts = sa.table(f"{table}_fts", sa.column("rowid"))
        base = t.quotes if table == "quotes" else t.articles
        stmt = stmt.join(fts, fts.c.rowid == sa.literal_column(f"{base.name}.rowid")).where(
            sa.literal_column(f"{table}_fts").op("MATCH")(sa.bindparam("fts_match", query.fts5()))
        )
        return stmt, -sa.func.bm25(sa.literal_column(f"{table}_fts"))
