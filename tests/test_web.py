"""``newstrail serve`` over real HTTP on 127.0.0.1: pages, JSON twins, OpenAPI, headers, read-only, escaping.

The server is the real command (``python -m newstrail serve``) in a subprocess, on the
analyzed sample corpus plus one hostile article; the browser tests reuse these fixtures.
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from markupsafe import escape

from newstrail.cli import build_parser, main
from newstrail.records import Article, Quote, Story, Trail
from newstrail.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newstrail" / "data" / "sample"

# A hostile article: a script element, a quote that tries to break out of an HTML attribute,
# a javascript: link, and markup in every metadata field.
EVIL_SCRIPT = "<script>window.__pwned = 1; document.title = 'PWNED'</script>"
EVIL_ATTR = '" onmouseover="window.__pwned=2" x="'
EVIL_LINK = '<a href="javascript:window.__pwned=3">click here</a>'
# Through the pipeline: a plain-text article (the cleaner keeps markup in text as text).
EVIL_TXT = f"""Harbour <img src=x onerror=window.__pwned=4> row deepens

Dock talks stalled again on Sunday as the port stayed shut. {EVIL_SCRIPT}

“The port {EVIL_ATTR} must reopen now {EVIL_SCRIPT},” the union leader Mara Venn said.

Read more at {EVIL_LINK} or javascript:alert(1) today, she added.

“We will not stop until the port pays what it owes,” Ms Venn added.
"""


def evil_record(speaker_id: str | None) -> tuple[Article, list[Quote]]:
    """Straight into the store: markup in every field an article and its quotes have."""
    body = (f"Talks failed. {EVIL_SCRIPT}\n\n“Open {EVIL_ATTR} the port,” said {EVIL_LINK}.\n\n"
            "See javascript:alert(1) for more.")
    start = body.index("Open")
    end = body.index(" the port") + len(" the port")
    article = Article(id="evil-2", source="<script>src</script>", title=f"Row {EVIL_SCRIPT}",
                      outlet='The "Evil" <b>Gazette</b>', byline="Mallory <i>Hacker</i>",
                      published="2023-03-19T10:00:00+00:00", url="javascript:window.__pwned=5", body=body,
                      removed=[EVIL_LINK, EVIL_SCRIPT], standfirst=f"Standfirst {EVIL_ATTR}", content_hash="evil-2")
    quote = Quote(id="evil-2:q0", article_id="evil-2", text=body[start:end], kind="direct", start=start, end=end,
                  spans=[[start, end]], speaker=f"Mara {EVIL_LINK}", speaker_id=speaker_id,
                  speaker_mention=EVIL_ATTR, speaker_local="Mara Venn", cue=EVIL_SCRIPT)
    return article, [quote]


def evil_markers() -> list[str]:
    """Raw strings that must never reach a page unescaped."""
    return [EVIL_SCRIPT, "<script>", EVIL_ATTR, 'onmouseover="', EVIL_LINK, 'href="javascript:',
            "<img src=x", "<b>Gazette</b>", "<i>Hacker</i>"]


def put_stories(store, stories: list[Story], trails: list[Trail], quote_trails: dict[str, str]) -> None:
    """Store stories and trails through the store's writers (as the stories stage does)."""
    store.replace_stories(stories, {a: s.id for s in stories for a in s.article_ids})
    store.replace_trails(trails, quote_trails)


def analyze_sample(folder: Path, *, evil: bool = True, stories: bool = True) -> Path:
    """The sample corpus analyzed into ``folder/sample.db`` (plus the hostile article), with a
    story over the strike articles and a trail over one shared quote when ``stories``."""
    corpus = folder / "corpus"
    corpus.mkdir()
    for path in SAMPLE.iterdir():
        (corpus / path.name).write_bytes(path.read_bytes())
    if evil:
        (corpus / "evil-1.txt").write_text(EVIL_TXT, encoding="utf-8")
    db = folder / "sample.db"
    assert main(["analyze", str(corpus), "--db", str(db), "--no-progress"]) in (0, 1)
    if evil:
        with open_store(db) as store:
            venn = next((q.speaker_id for q in store.iter_quotes("evil-1") if q.speaker_id), None)
            store.write_articles([evil_record(venn)], pipeline_version="test")
    if stories:
        with open_store(db) as store:
            articles = list(store.iter_articles())
            strike = [a.id for a in articles if "Kessling" in (a.title or "") or a.id.startswith("evil")]
            quote = next(q for q in store.iter_quotes() if q.speaker_id)
            other = [a.id for a in articles if a.id != quote.article_id][:2]
            evil_quote = next((q for q in store.iter_quotes("evil-2")), None)
            trails = [Trail(id="t-1", speaker_id=quote.speaker_id, speaker=quote.speaker, text=quote.text,
                            article_ids=[quote.article_id, *other], first_seen="2023-03-14",
                            variants=[{"text": quote.text + " (as reported)", "kind": "extended",
                                       "diff": "+ (as reported)", "article_ids": other[:1]},
                                      {"text": EVIL_ATTR, "kind": "altered", "diff": EVIL_SCRIPT,
                                       "article_ids": other[1:]}],
                            origin=f"an interview with {EVIL_LINK}")]
            quote_trails = {quote.id: "t-1"}
            if evil_quote is not None:
                trails.append(Trail(id="t-evil", speaker_id=evil_quote.speaker_id, speaker=evil_quote.speaker,
                                    text=evil_quote.text, article_ids=["evil-2", "evil-1"],
                                    variants=[{"text": EVIL_SCRIPT, "kind": "altered", "diff": EVIL_LINK,
                                               "article_ids": ["evil-1"]}]))
                quote_trails[evil_quote.id] = "t-evil"
            put_stories(store, [Story(id="s-strike", title="Kessling port strike <script>x</script>",
                                      article_ids=strike),
                                Story(id="s-empty", title="A story whose articles are gone", article_ids=["nope"])],
                        trails, quote_trails)
    return db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db: Path, *extra: str) -> Iterator[str]:
    """Run the real ``newstrail serve`` and yield its base URL; stop it afterwards."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newstrail", "serve", "--db", str(db), "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/index.json", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"newstrail serve did not start: {proc.stdout.read()}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return analyze_sample(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def base(sample_db) -> Iterator[str]:
    with serving(sample_db) as url:
        yield url


@pytest.fixture(scope="module")
def client(base) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30) as c:
        yield c


def pages(client: httpx.Client) -> list[str]:
    """Every page of the app, found by following the JSON twins."""
    paths = ["/", "/stories", "/speakers", "/articles", "/trails", "/search", "/search?q=port&outlet=Gazette"]
    paths += [s["href"] for s in client.get("/stories.json").json()["stories"]]
    paths += [s["href"] for s in client.get("/speakers.json").json()["speakers"]]
    paths += [a["href"] for a in client.get("/articles.json").json()["articles"]]
    paths += [t["href"] for t in client.get("/trails.json").json()["trails"]]
    return paths


# -- the tests --------------------------------------------------------------------------------------
def test_serve_defaults_to_loopback_and_port_8000():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_every_page_has_a_json_twin_with_the_same_content(client, sample_db):
    seen = pages(client)
    assert len(seen) > 25
    for path in seen:
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        path_only, _, query = path.partition("?")
        twin = client.get(("/index" if path_only == "/" else path_only) + ".json" + (f"?{query}" if query else ""))
        assert twin.status_code == 200 and twin.headers["content-type"] == "application/json", path
        assert f'href="{html.escape(twin.request.url.raw_path.decode())}"' in page.text, path  # linked from the page
    with open_store(sample_db) as store:
        for speaker in store.iter_speakers():
            data = client.get(f"/speakers/{speaker.id}.json").json()
            quotes = list(store.iter_speaker_quotes(speaker.id))
            assert sorted(q["id"] for q in data["quotes"]) == sorted(q.id for q in quotes)
            assert sum(o["quotes"] for o in data["by_outlet"]) == len(quotes)
            page = client.get(f"/speakers/{speaker.id}").text
            for q in quotes:
                assert str(escape(q.text)) in page


def test_article_page_highlights_every_quote_and_links_its_speaker(client, sample_db):
    with open_store(sample_db) as store:
        article = next(a for a in store.iter_articles() if a.removed and len(list(store.iter_quotes(a.id))) > 3)
        quotes = list(store.iter_quotes(article.id))
    data = client.get(f"/articles/{article.id}.json").json()
    body_text = "".join(p["text"] for para in data["paragraphs"] for p in para)
    assert body_text == article.body.replace("\n\n", "")  # every character once, in order
    marked = {p["quote_id"] for para in data["paragraphs"] for p in para if p["quote_id"]}
    assert marked == {q.id for q in quotes if q.section == "body"}
    page = client.get(f"/articles/{article.id}").text
    for q in quotes:
        if q.speaker_id:
            assert f'href="/speakers/{quote(q.speaker_id, safe="")}" data-quote="{html.escape(q.id)}"' in page
    assert data["removed"] == article.removed
    assert "<details" in page and str(escape(article.removed[0])) in page


def test_story_page_lists_articles_outlets_shared_quotes_and_timeline(client, sample_db):
    data = client.get("/stories/s-strike.json").json()
    assert data["story"]["title"].startswith("Kessling port strike")
    assert len(data["articles"]) == data["story"]["articles"] >= 5
    assert sum(o["articles"] for o in data["outlets"]) == len(data["articles"])
    dated = [a for a in data["articles"] if a["day"]]
    assert sum(n for row in data["timeline"] for n in row["per_day"].values()) == len(dated) > 0
    page = client.get("/stories/s-strike").text
    assert "<svg" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    # A story whose articles are missing still renders.
    empty = client.get("/stories/s-empty")
    assert empty.status_code == 200 and "No quote appears in more than one" in empty.text


def test_trails_and_speaker_trails(client):
    trails = client.get("/trails.json").json()["trails"]
    assert {t["id"] for t in trails} >= {"t-1"}
    t1 = client.get("/trails/t-1.json").json()
    assert len(t1["articles"]) == 3 and t1["trail"]["variants"]
    speaker = client.get(f"{t1['trail']['speaker_href']}.json").json()
    assert "t-1" in [t["id"] for t in speaker["trails"]]


def test_search_page_filters_and_errors(client):
    hits = client.get("/search.json", params={"q": "port", "outlet": "Northfield"}).json()["hits"]
    assert hits and all(h["outlet"] == "Northfield Courier" for h in hits)
    assert all(any(p["match"] for p in h["pieces"]) or h["speaker"] for h in hits)
    page = client.get("/search", params={"q": "port", "outlet": "Northfield"})
    assert page.status_code == 200 and "<mark>" in page.text
    bad = client.get("/search.json", params={"q": '"port'})
    assert bad.status_code == 400 and "close the phrase" in bad.json()["error"]["hint"]
    bad_page = client.get("/search", params={"q": "strike OR", "since": "x"})
    assert bad_page.status_code == 400 and "Hint:" in bad_page.text and 'role="alert"' in bad_page.text


def test_missing_records_are_404_in_both_forms(client):
    for kind in ("stories", "speakers", "articles", "trails"):
        assert client.get(f"/{kind}/no-such-thing").status_code == 404
        missing = client.get(f"/{kind}/no-such-thing.json")
        assert missing.status_code == 404 and "no-such-thing" in missing.json()["error"]


def test_openapi_describes_every_page_and_twin(client):
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for path in ("/", "/index.json", "/stories", "/stories.json", "/stories/{story_id}", "/stories/{story_id}.json",
                 "/speakers/{speaker_id}.json", "/articles/{article_id}.json", "/trails/{trail_id}.json",
                 "/search", "/search.json"):
        assert path in paths, path
    assert all(set(ops) == {"get"} for ops in spec["paths"].values())  # read-only
    assert client.get("/docs").status_code == 404  # the CDN-loading docs page is off


def test_security_headers_and_read_only(client, sample_db):
    before = json.dumps(client.get("/index.json").json())
    for path in ("/", "/speakers.json", "/static/app.css", "/speakers/none", "/search?q=%22"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/speakers").status_code == 405
    assert json.dumps(client.get("/index.json").json()) == before


def test_app_store_refuses_writes(sample_db, tmp_path):
    from newstrail.web import create_app

    copy = tmp_path / "copy.db"
    with open_store(sample_db) as src, open_store(copy) as dst:
        dst.write_articles([(a, list(src.iter_quotes(a.id))) for a in src.iter_articles()], pipeline_version="x")
    app = create_app(copy)
    with pytest.raises(sa.exc.OperationalError, match="readonly|read-only|query_only"):
        app.state.store.set_state("k", 1)
    app.state.store.close()


def test_no_page_lets_article_markup_through(client):
    for path in pages(client) + ["/search?q=port", "/search?q=stop", "/search?q=open&target=articles",
                                 "/articles/evil-1", "/articles/evil-2", "/trails/t-evil"]:
        text = client.get(path).text
        for marker in evil_markers():
            assert marker not in text, (path, marker)
    for aid in ("evil-1", "evil-2"):
        page = client.get(f"/articles/{aid}").text
        assert "&lt;script&gt;window.__pwned = 1" in page and "javascript:alert(1)" in page  # shown, as text
        assert 'href="javascript' not in page.lower()
        data = client.get(f"/articles/{aid}.json").json()
        assert EVIL_SCRIPT in data["article"]["body"]  # the JSON keeps the text as it was


def test_empty_database_pages_render(tmp_path):
    db = tmp_path / "empty.db"
    open_store(db).close()
    with serving(db) as url, httpx.Client(base_url=url) as c:
        for path in ("/", "/stories", "/speakers", "/articles", "/trails", "/search", "/search?q=port"):
            assert c.get(path).status_code == 200, path
        assert "No stories yet" in c.get("/stories").text
        assert c.get("/index.json").json()["overview"]["articles"] == 0


def test_serve_without_a_database_is_one_clear_line(tmp_path, capsys):
    assert main(["serve", "--db", str(tmp_path / "none.db")]) == 2
    assert "no such database" in capsys.readouterr().err


if os.environ.get("NEWSTRAIL_TEST_PG"):
    def test_serve_on_postgresql(sample_db):
        import uuid

        url = os.environ["NEWSTRAIL_TEST_PG"]
        name = "t_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        admin.dispose()
        pg = url.rsplit("/", 1)[0] + "/" + name
        with open_store(sample_db) as src, open_store(pg) as dst:
            dst.write_articles([(a, list(src.iter_quotes(a.id))) for a in src.iter_articles()], pipeline_version="x")
        with serving(pg) as base, httpx.Client(base_url=base) as c:
            assert c.get("/index.json").json()["overview"]["articles"] >= 13
            hits = c.get("/search.json", params={"q": "port", "target": "articles"}).json()["hits"]
            assert hits and c.get(hits[0]["href"]).status_code == 200
            assert c.post("/articles").status_code == 405
