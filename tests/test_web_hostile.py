"""Hostile input to the running web app: a clear 400, never a 500, on SQLite and PostgreSQL.

Search words carrying FTS5 or tsquery syntax, SQL fragments, NUL bytes, unbalanced quote
marks, queries thousands of characters long, huge or negative limits and page numbers, and
dates that are not dates, sent to the real ``newstrail serve`` over HTTP on 127.0.0.1.
"""
from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from test_web import analyze_sample, serving

from newstrail.store import open_store

# (parameters, why it must be refused): each is answered 400 with the reason in words.
MUST_REFUSE = [
    ({"q": '"walk out'}, "quote"),
    ({"q": 'port "strike'}, "quote"),
    ({"q": "NEAR(port strike)"}, "parenthes"),
    ({"q": "'); DROP TABLE quotes; --"}, "parenthes"),
    ({"q": "port OR"}, "OR"),
    ({"q": "OR OR OR"}, "OR"),
    ({"q": "-strike"}, "leave out"),
    ({"q": "*"}, "*"),
    ({"q": "port\x00strike"}, "NUL"),
    ({"q": "port", "outlet": "Gazette\x00"}, "NUL"),
    ({"q": "port", "speaker": "\x00"}, "NUL"),
    ({"q": "strike " * 200}, "characters"),
    ({"q": "x" * 5000}, "characters"),
    ({"q": "port", "outlet": "o" * 1000}, "characters"),
    ({"q": "port", "limit": "99999"}, "limit"),
    ({"q": "port", "limit": str(10**30)}, "limit"),
    ({"q": "port", "limit": "-1"}, "limit"),
    ({"q": "port", "limit": "0"}, "limit"),
    ({"q": "port", "limit": "1e3"}, "limit"),
    ({"q": "port", "limit": "ten"}, "limit"),
    ({"q": "port", "since": "2023-02-30"}, "date"),
    ({"q": "port", "since": "yesterday"}, "date"),
    ({"q": "port", "until": "99999-01-01"}, "date"),
    ({"q": "port", "until": "2023-13"}, "date"),
    ({"q": "port", "since": "2023-03-20", "until": "2023-03-01"}, "swap"),
    ({"q": "port", "since": "' OR 1=1 --"}, "date"),
    ({"q": "port", "kind": "direct' OR '1'='1"}, "kind"),
    ({"q": "port", "target": "users"}, "search quotes or articles"),
    ({"q": "port", "kind": "direct", "target": "articles"}, "kind"),
]

# Odd but harmless: searched as plain words (or nothing found), never an error from the database.
MAY_ANSWER = [
    "port AND strike", "port NOT", "title:port", "body : strike", "^port", "port*", "po*", "NEAR/3",
    "{title body}: port",
    "' OR 1=1 --", "1; SELECT * FROM articles", "strike' UNION SELECT id FROM speakers --", "%' AND '%'='",
    "port\\", "\\x00", "€ ☃ 𝄞 ﷽", "\u202eevil", "a" * 300, "ç" * 200, "-- /* */", "$$ $1 :q ?", "@@ !! && ||",
    "port:*", "'port':* & !strike", "<-> <2>", "<script>alert(1)</script>",
]

PAGED = ["/articles", "/speakers", "/stories", "/trails"]
BAD_PAGES = ["0", "-1", "abc", "1.5", str(10**20), "9" * 5000, "", " 1", "１", "²", "0x10"]


def _copy_to_postgres(sample_db: Path) -> str:
    url = os.environ["NEWSTRAIL_TEST_PG"]
    name = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    pg = url.rsplit("/", 1)[0] + "/" + name
    with open_store(sample_db) as src, open_store(pg) as dst:
        articles = list(src.iter_articles())
        dst.write_articles([(a, list(src.iter_quotes(a.id))) for a in articles], pipeline_version="x")
        quotes = list(src.iter_quotes())
        dst.replace_speakers(list(src.iter_speakers()),
                             {(q.article_id, q.speaker_local): q.speaker_id for q in quotes
                              if q.speaker_id and q.speaker_local})
        dst.replace_stories(list(src.iter_stories()), {a.id: a.story_id for a in articles if a.story_id})
        dst.replace_trails(list(src.iter_trails()), {q.id: q.trail_id for q in quotes if q.trail_id})
    return pg


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return analyze_sample(tmp_path_factory.mktemp("hostile-web"))


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not os.environ.get("NEWSTRAIL_TEST_PG"), reason="NEWSTRAIL_TEST_PG not set: run under scripts/with-postgres"))]


@pytest.fixture(scope="module", params=BACKENDS)
def client(request, sample_db) -> Iterator[httpx.Client]:
    db = str(sample_db) if request.param == "sqlite" else _copy_to_postgres(sample_db)
    with serving(db) as base, httpx.Client(base_url=base, timeout=60) as c:
        c.counts_before = c.get("/index.json").json()["overview"]  # type: ignore[attr-defined]
        yield c
        # Nothing sent changed what is stored.
        assert c.get("/index.json").json()["overview"] == c.counts_before  # type: ignore[attr-defined]


def _error_text(response: httpx.Response) -> str:
    if response.headers["content-type"].startswith("application/json"):
        body = response.json()
        error = body.get("error")
        return (f"{error.get('error', '')} {error.get('hint', '')}" if isinstance(error, dict) else str(error))
    return response.text


@pytest.mark.parametrize("params,reason", MUST_REFUSE, ids=[repr(p)[:60] for p, _ in MUST_REFUSE])
def test_hostile_search_is_a_clear_400(client, params, reason):
    for path in ("/search.json", "/search"):
        response = client.get(path, params=params)
        assert response.status_code == 400, (path, params, response.text[:300])
        text = _error_text(response)
        assert reason.lower() in text.lower(), (path, params, text[:300])
        if path == "/search":
            assert response.headers["content-type"].startswith("text/html")
            assert 'role="alert"' in text or "<h1>Bad request</h1>" in text


@pytest.mark.parametrize("query", MAY_ANSWER, ids=[repr(q)[:40] for q in MAY_ANSWER])
def test_odd_search_words_never_break_the_server(client, query):
    for target in ("quotes", "articles"):
        for path in ("/search.json", "/search"):
            response = client.get(path, params={"q": query, "target": target})
            assert response.status_code in (200, 400), (path, query, response.status_code, response.text[:300])
            if response.status_code == 400:
                assert _error_text(response).strip(), (path, query)
            else:
                assert "<script>alert" not in response.text  # shown as text, if at all


def test_random_junk_never_gives_a_500(client):
    rng = random.Random(20261123)
    alphabet = "abc port strike \"'()*-:^{}[]<>!&|\\/%_;=@#~`$ NOT OR AND NEAR é€☃\t\n\r\x01\x7f"
    for _ in range(150):
        params = {"q": "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))}
        if rng.random() < 0.3:
            params["outlet"] = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.3:
            params["speaker"] = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.2:
            params["since"] = rng.choice(["2023", "2023-03", "2023-03-15", "0000-00-00", "2023-3-1", "-1", "9" * 12])
        response = client.get("/search.json", params=params)
        assert response.status_code in (200, 400), (params, response.text[:300])


@pytest.mark.parametrize("path", PAGED)
def test_bad_page_numbers_are_a_clear_400(client, path):
    for bad in BAD_PAGES:
        for twin in (path, path + ".json"):
            response = client.get(twin, params={"page": bad})
            assert response.status_code == 400, (twin, bad)
            assert "page" in _error_text(response).lower()
    past_the_end = client.get(path + ".json", params={"page": "999999"})
    assert past_the_end.status_code == 200 and past_the_end.json()["page"]["number"] == 999999


def test_hostile_record_ids_are_404_or_400(client):
    for kind in ("articles", "speakers", "stories", "trails"):
        for record_id in ("..%2F..%2Fetc%2Fpasswd", "%27%20OR%201%3D1%20--", "x" * 3000, "%E2%80%AE", "%25", "%FF%FE"):
            for suffix in ("", ".json"):
                response = client.get(f"/{kind}/{record_id}{suffix}")
                assert response.status_code == 404, (kind, record_id, suffix, response.status_code)
        for suffix in ("", ".json"):
            response = client.get(f"/{kind}/a%00b{suffix}")
            assert response.status_code == 400 and "NUL" in _error_text(response), (kind, suffix)
