"""Table definitions shared by every SQL backend, and the registered migrations.

Migrations are numbered functions applied in order; the applied version lives in
``schema_version``. A backend adds its own full-text index in ``fts_setup``.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

articles = sa.Table(
    "articles", metadata,
    # SQLite keeps an integer rowid beside the text id; FTS5 indexes by it.
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("standfirst", sa.Text),
    sa.Column("byline", sa.Text),
    sa.Column("outlet", sa.Text, index=True),
    sa.Column("published", sa.Text, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("removed", sa.JSON, nullable=False),
    sa.Column("story_id", sa.Text, index=True),
    sa.Column("content_hash", sa.Text, index=True),
    sa.Column("pipeline_version", sa.Text),
    sa.Column("ingested_at", sa.Text, nullable=False),
)

quotes = sa.Table(
    "quotes", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),  # document order within the article
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("section", sa.Text, nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("spans", sa.JSON, nullable=False),
    sa.Column("speaker", sa.Text),
    sa.Column("speaker_id", sa.Text, index=True),
    sa.Column("speaker_local", sa.Text),
    sa.Column("speaker_kind", sa.Text),
    sa.Column("speaker_titles", sa.JSON, nullable=False),
    sa.Column("speaker_mention", sa.Text),
    sa.Column("speaker_start", sa.Integer),
    sa.Column("speaker_end", sa.Integer),
    sa.Column("cue", sa.Text),
    sa.Column("trail_id", sa.Text, index=True),
)

speakers = sa.Table(
    "speakers", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("aliases", sa.JSON, nullable=False),
    sa.Column("titles", sa.JSON, nullable=False),
    sa.Column("article_ids", sa.JSON, nullable=False),
    sa.Column("quote_count", sa.Integer, nullable=False),
)

stories = sa.Table(
    "stories", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("article_ids", sa.JSON, nullable=False),
)

trails = sa.Table(
    "trails", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("speaker_id", sa.Text),
    sa.Column("speaker", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("article_ids", sa.JSON, nullable=False),
    sa.Column("first_seen", sa.Text),
    sa.Column("variants", sa.JSON, nullable=False),
)

failures = sa.Table(
    "failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

state = sa.Table(
    "state", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.JSON),
)

Migration = Callable[[sa.Connection, "FtsSetup"], None]
FtsSetup = Callable[[sa.Connection], None]


def _v1_initial(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    for table in (articles, quotes, speakers, stories, trails, failures, state):
        table.create(conn, checkfirst=True)
    fts_setup(conn)


# Append new migrations here; never edit one that has shipped.
MIGRATIONS: list[Migration] = [_v1_initial]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sa.Connection, fts_setup: FtsSetup) -> int:
    """Bring the schema up to date; return the version now in force."""
    schema_version.create(conn, checkfirst=True)
    current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {current} is newer than this newstrail ({SCHEMA_VERSION}); upgrade newstrail"
        )
    for version in range(current + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version - 1](conn, fts_setup)
        conn.execute(sa.delete(schema_version))
        conn.execute(sa.insert(schema_version).values(version=version))
    return SCHEMA_VERSION
