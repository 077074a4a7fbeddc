"""Storage backends behind one interface.

``open_store(url)`` picks the backend from the URL: a plain path or ``sqlite:///path``
opens the embedded SQLite store; ``postgresql://…`` opens PostgreSQL.
"""
from __future__ import annotations

import os
from pathlib import Path

from .base import SpeakerBlock, SpeakerPlacement, SpeakerRef, Store, StoryPass, TrailIndex, TrailMerge, WriteBatch
from .sqlite import SQLiteStore

DEFAULT_DB = "newstrail.db"

__all__ = [
    "DEFAULT_DB", "SQLiteStore", "SpeakerBlock", "SpeakerPlacement", "SpeakerRef", "Store", "TrailIndex", "TrailMerge", "WriteBatch", "default_db", "open_store",
]


def default_db() -> str:
    """``$NEWSTRAIL_DB`` when set, else ``./newstrail.db``."""
    return os.environ.get("NEWSTRAIL_DB") or DEFAULT_DB


def open_store(url: str | Path | None = None) -> Store:
    target = str(url) if url is not None else default_db()
    if target.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(target)
    if target.startswith("sqlite:///"):
        target = target.removeprefix("sqlite:///")
    return SQLiteStore(target)
