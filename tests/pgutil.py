"""A fresh PostgreSQL database per test on the throwaway server `make test` starts."""
from __future__ import annotations

import os
import uuid

import pytest


def fresh_pg_url() -> str:
    """URL of a new, empty database; skips the test when no server is running.

    A database per test keeps tests independent without dropping tables.
    """
    import sqlalchemy as sa

    url = os.environ.get("NEWSTRAIL_TEST_PG")
    if not url:
        pytest.skip("no PostgreSQL server: run through `make test`, which starts a throwaway one on 127.0.0.1")
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name
