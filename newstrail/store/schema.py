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
    # Added by migration 2: where the speaker sits, so a run re-clusters only what changed.
    sa.Column("block", sa.Text, index=True),
    sa.Column("base_id", sa.Text, index=True),
    # Added by migration 12: the form counts, given names and genders its refs were
    # clustered on, so that a run can add new refs to it without reading its old ones.
    sa.Column("summary", sa.JSON),
)

# One row per distinct (article, in-article speaker name): the speakers stage's input,
# written with the article, so no run has to read every quote of the corpus.
speaker_refs = sa.Table(
    "speaker_refs", metadata,
    sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("local", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("titles", sa.JSON, nullable=False),
    sa.Column("quote_count", sa.Integer, nullable=False),
    sa.Column("outlet", sa.Text),
    sa.Column("block", sa.Text, nullable=False, index=True),
    # Added by migration 12: the speaker the stage placed this ref in; NULL until it has.
    sa.Column("speaker_id", sa.Text),
)
# A block's new refs (speaker_id NULL), and its placed ones counted, without its rows.
speaker_refs_placed = sa.Index("ix_speaker_refs_block_speaker", speaker_refs.c.block, speaker_refs.c.speaker_id)

def _marks(name: str, key: str) -> sa.Table:
    """A table of (key, mark): work a later stage must redo. ``mark`` changes whenever a
    write marks the key again, so clearing never forgets a write it did not see."""
    return sa.Table(name, metadata, sa.Column(key, sa.Text, primary_key=True),
                    sa.Column("mark", sa.BigInteger, nullable=False))


# Speaker blocks whose speakers are out of date.
speaker_dirty = _marks("speaker_dirty", "block")

stories = sa.Table(
    "stories", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("title", sa.Text),
    sa.Column("article_ids", sa.JSON, nullable=False),
    # Added by the stories migration.
    sa.Column("first_seen", sa.Text),
    sa.Column("near_duplicates", sa.JSON),
)

# What the stories stage knows about each article (terms, names, quote hashes, date,
# MinHash signature), so an incremental run never re-reads the text of old articles.
# Deleted with its article, so a changed article is grouped afresh.
story_features = sa.Table(
    "story_features", metadata,
    sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("features", sa.JSON, nullable=False),
    sa.Column("signature", sa.LargeBinary),
    # (v11) Whether the stage has grouped it and indexed it below; false when written.
    sa.Column("indexed", sa.Boolean, nullable=False, server_default=sa.false()),
    # (v11) Its nearest grouped articles, [[article id, cosine], ...], best first: the
    # shared-neighbour and mutual-nearest rules ask for them when a new article arrives.
    sa.Column("near", sa.JSON),
)
story_unindexed = sa.Index("ix_story_features_unindexed", story_features.c.indexed, story_features.c.article_id)

# The story index (v11): what a new article needs to find the grouped articles it could
# join without loading the corpus. Document frequencies of terms over the indexed
# articles (their count is the state key stories.indexed); postings of each indexed
# article's anchor terms, quote shingles and MinHash bands.
story_df = sa.Table(
    "story_df", metadata,
    sa.Column("term", sa.Text, primary_key=True),
    sa.Column("df", sa.Integer, nullable=False),
)


def _postings(name: str, column: sa.Column) -> sa.Table:
    return sa.Table(name, metadata, column,
                    sa.Column("article_id", sa.Text, sa.ForeignKey("articles.id", ondelete="CASCADE"),
                              nullable=False, index=True))


story_anchors = _postings("story_anchors", sa.Column("term", sa.Text, nullable=False, index=True))
story_quote_keys = _postings("story_quote_keys", sa.Column("key", sa.BigInteger, nullable=False, index=True))
story_bands = _postings("story_bands", sa.Column("key", sa.BigInteger, nullable=False, index=True))
# Indexed articles replaced by a write since the stage last ran: their terms leave the
# document frequencies and they leave their story at the next run (copied by the write,
# in its transaction, before the cascade deletes their features).
story_retired = sa.Table(
    "story_retired", metadata,
    sa.Column("article_id", sa.Text, primary_key=True),
    sa.Column("story_id", sa.Text),
    sa.Column("features", sa.JSON, nullable=False),
)
STORY_INDEX_TABLES = (story_df, story_anchors, story_quote_keys, story_bands, story_retired)

# Articles written since the stories stage last ran (v7), marked in the write's transaction;
# their features are written with them, computed on the workers.
story_pending = _marks("story_pending", "article_id")

trails = sa.Table(
    "trails", metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("speaker_id", sa.Text),
    sa.Column("speaker", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("article_ids", sa.JSON, nullable=False),
    sa.Column("first_seen", sa.Text),
    sa.Column("variants", sa.JSON, nullable=False),
    # Added by the stories migration.
    sa.Column("appearances", sa.JSON),
    sa.Column("origin", sa.Text),
    sa.Column("paraphrases", sa.JSON),
)

failures = sa.Table(
    "failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("at", sa.Text, nullable=False),
)

# Incremental trails (v6). Each verbatim quote's word 4-grams, hashed: a new quote finds the
# stored quotes it may repeat without reading the corpus.
trail_keys = sa.Table(
    "trail_keys", metadata,
    sa.Column("key", sa.BigInteger, nullable=False, index=True),
    sa.Column("quote_id", sa.Text, nullable=False),
    sa.Column("article_id", sa.Text, nullable=False, index=True),
    # (v10) The quote is on no trail and its article is not pending: a holder a new quote
    # must be compared with one by one. Kept by the trails stage; false when written.
    sa.Column("loose", sa.Boolean, nullable=False, server_default=sa.false()),
)
# Only the loose holders of a key are read one by one (a key of a quote repeated eighty
# times has eighty holders, all on one trail, found through trail_form_keys instead).
# (A query must say ``loose = true`` as the index does for SQLite's planner to use it, and
# the column is in the index too: without statistics, SQLite would otherwise pick the plain
# key index, which matches as many columns, and test every holder.)
LOOSE = trail_keys.c.loose == sa.true()
trail_keys_loose = sa.Index("ix_trail_keys_loose", trail_keys.c.key, trail_keys.c.loose,
                            sqlite_where=LOOSE, postgresql_where=LOOSE)
# Articles written since the trails stage last ran (marked in the write's transaction).
trail_pending = _marks("trail_pending", "article_id")
# Which trails an article appears in: a changed article's old trails are found without a scan.
trail_articles = sa.Table(
    "trail_articles", metadata,
    sa.Column("trail_id", sa.Text, nullable=False, index=True),
    sa.Column("article_id", sa.Text, nullable=False, index=True),
)

# Paraphrase reach (v9): each trail's content words (stemmed), so that indirect speech in a
# new article finds the stored trails whose words it may render.
trail_words = sa.Table(
    "trail_words", metadata,
    sa.Column("trail_id", sa.Text, nullable=False, index=True),
    sa.Column("word", sa.Text, nullable=False, index=True),
)

# (v10) The trail keys of each stored trail's wordings, once per trail: a new quote
# reaches a trail in one row per key, however many members repeat it.
trail_form_keys = sa.Table(
    "trail_form_keys", metadata,
    sa.Column("key", sa.BigInteger, nullable=False, index=True),
    sa.Column("trail_id", sa.Text, nullable=False, index=True),
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


def _v2_speaker_blocks(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # v1 creates tables from the current definitions, so a new database has the columns already.
    present = {c["name"] for c in sa.inspect(conn).get_columns("speakers")}
    for column in ("block", "base_id"):
        if column not in present:
            conn.exec_driver_sql(f"ALTER TABLE speakers ADD COLUMN {column} TEXT")
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_speakers_{column} ON speakers ({column})")
    for table in (speaker_refs, speaker_dirty):
        table.create(conn, checkfirst=True)
    # Articles stored before refs were kept: the speakers stage rebuilds the refs once.
    if conn.execute(sa.select(articles.c.id).limit(1)).first() is not None:
        conn.execute(sa.delete(state).where(state.c.key == REFS_BACKFILL_KEY))
        conn.execute(sa.insert(state).values(key=REFS_BACKFILL_KEY, value=True))


REFS_BACKFILL_KEY = "speakers.backfill_refs"


def _v3_stories_trails(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # As in v2: a database created by v1 from the current definitions has the columns already.
    for table, added in ((stories, ("first_seen", "near_duplicates")),
                         (trails, ("appearances", "origin", "paraphrases"))):
        present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        for name in added:
            if name not in present:
                kind = table.c[name].type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}")
    story_features.create(conn, checkfirst=True)


# A speaker's quotes grouped by article without reading the quote rows: the web app's
# speaker page tallies thousands of quotes for the most quoted speakers on every visit.
quotes_by_speaker = sa.Index("ix_quotes_speaker_article", quotes.c.speaker_id, quotes.c.article_id, quotes.c.start)


def _v4_speaker_quotes_index(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    quotes_by_speaker.create(conn, checkfirst=True)


def _v5_fts_refresh(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # The backend's full-text setup is idempotent; running it again upgrades what an
    # older version made (on PostgreSQL: a stored tsvector column instead of ranking
    # over a vector recomputed from the text for every matching row).
    fts_setup(conn)


def _v6_incremental_trails(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    for table in (trail_keys, trail_pending, trail_articles):
        table.create(conn, checkfirst=True)
    # Trails built before keys were kept: the next trails stage rebuilds them all once.
    if conn.execute(sa.select(articles.c.id).limit(1)).first() is not None:
        conn.execute(sa.delete(state).where(state.c.key == TRAILS_REBUILD_KEY))
        conn.execute(sa.insert(state).values(key=TRAILS_REBUILD_KEY, value=True))


TRAILS_REBUILD_KEY = "trails.rebuild"


def _v7_story_pending(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # Articles stored before have features computed by the stage itself (or none yet,
    # which the stage still finds): nothing to carry over.
    story_pending.create(conn, checkfirst=True)


def _v8_fts_update_columns(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # On SQLite the full-text triggers now re-index a row only when its text changes, not
    # when a stage sets its story or trail id; the setup replaces the old triggers.
    fts_setup(conn)


def _v9_trail_words(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    trail_words.create(conn, checkfirst=True)
    # Trails stored before their words were kept: the next trails stage rebuilds them all once.
    if conn.execute(sa.select(trails.c.id).limit(1)).first() is not None:
        conn.execute(sa.delete(state).where(state.c.key == TRAILS_REBUILD_KEY))
        conn.execute(sa.insert(state).values(key=TRAILS_REBUILD_KEY, value=True))


def _v10_trail_form_keys(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    present = {c["name"] for c in sa.inspect(conn).get_columns("trail_keys")}
    if "loose" not in present:
        default = sa.false().compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE trail_keys ADD COLUMN loose BOOLEAN NOT NULL DEFAULT {default}")
    trail_keys_loose.create(conn, checkfirst=True)
    trail_form_keys.create(conn, checkfirst=True)
    # No holder is marked loose and no trail has its keys yet: the next trails stage
    # rebuilds them all once (which marks every holder as it places it).
    if conn.execute(sa.select(articles.c.id).limit(1)).first() is not None:
        conn.execute(sa.delete(state).where(state.c.key == TRAILS_REBUILD_KEY))
        conn.execute(sa.insert(state).values(key=TRAILS_REBUILD_KEY, value=True))


def _v11_story_index(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    present = {c["name"] for c in sa.inspect(conn).get_columns("story_features")}
    if "indexed" not in present:
        default = sa.false().compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE story_features ADD COLUMN indexed BOOLEAN NOT NULL DEFAULT {default}")
    if "near" not in present:
        kind = story_features.c.near.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE story_features ADD COLUMN near {kind}")
    story_unindexed.create(conn, checkfirst=True)
    for table in STORY_INDEX_TABLES:
        table.create(conn, checkfirst=True)
    # Stories grouped before the index was kept: the next stories stage regroups them all
    # once, which indexes every article.
    if conn.execute(sa.select(story_features.c.article_id).limit(1)).first() is not None:
        conn.execute(sa.delete(state).where(state.c.key == STORIES_REINDEX_KEY))
        conn.execute(sa.insert(state).values(key=STORIES_REINDEX_KEY, value=True))


STORIES_REINDEX_KEY = "stories.reindex"


def _v12_speaker_summaries(conn: sa.Connection, fts_setup: FtsSetup) -> None:
    # Speakers clustered before have no summary and their refs no speaker: the stage
    # re-clusters each such block the next time it is dirty, which fills both in.
    for table, column in ((speakers, speakers.c.summary), (speaker_refs, speaker_refs.c.speaker_id)):
        if column.name not in {c["name"] for c in sa.inspect(conn).get_columns(table.name)}:
            kind = column.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
    speaker_refs_placed.create(conn, checkfirst=True)


# Append new migrations here; never edit one that has shipped.
MIGRATIONS: list[Migration] = [_v1_initial, _v2_speaker_blocks, _v3_stories_trails, _v4_speaker_quotes_index,
                               _v5_fts_refresh, _v6_incremental_trails, _v7_story_pending, _v8_fts_update_columns,
                               _v9_trail_words, _v10_trail_form_keys, _v11_story_index,
                               _v12_speaker_summaries]
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
