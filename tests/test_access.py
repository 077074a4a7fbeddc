"""Who may read ``newstrail serve``: loopback by default, a token for anything else, headers everywhere.

Every test talks to the real command (``python -m newstrail serve``) over HTTP on 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import hmac
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from test_web import analyze_sample, free_port, serving

from newstrail.cli import main

TOKEN = "s3cret-token-for-the-tests-0123456789"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    return analyze_sample(tmp_path_factory.mktemp("access"), evil=False, stories=False)


@contextlib.contextmanager
def serving_env(db: Path, env: dict[str, str], *extra: str) -> Iterator[str]:
    """``newstrail serve`` with extra environment variables (the token from NEWSTRAIL_TOKEN)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newstrail", "serve", "--db", str(db), "--port", str(port), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **env})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=2)
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


def assert_security_headers(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    csp = response.headers.get("content-security-policy", "")
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'none'", where
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "*" not in csp, where
    assert directives.get("script-src") in ("'self'", "'none'"), where
    assert directives.get("frame-ancestors") == "'none'", where
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "no-referrer", where


PATHS = ["/", "/index.json", "/speakers", "/speakers.json", "/articles?page=1", "/static/app.css",
         "/search.json?q=port", "/openapi.json"]


# -- starting the server ------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_any_host_but_loopback_needs_a_token(sample_db, host, capsys, monkeypatch):
    monkeypatch.delenv("NEWSTRAIL_TOKEN", raising=False)
    assert main(["serve", "--db", str(sample_db), "--host", host]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "--token" in err and "NEWSTRAIL_TOKEN" in err
    monkeypatch.setenv("NEWSTRAIL_TOKEN", "")  # an empty variable is no token
    assert main(["serve", "--db", str(sample_db), "--host", host]) == 2


def test_a_short_token_is_refused(sample_db, capsys):
    assert main(["serve", "--db", str(sample_db), "--host", "0.0.0.0", "--token", "hunter2"]) == 2
    assert "too short" in capsys.readouterr().err


def test_loopback_default_needs_no_token(sample_db):
    with serving(sample_db) as base, httpx.Client(base_url=base, timeout=30) as client:
        for path in PATHS:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_security_headers(response)


def test_loopback_without_a_token_answers_loopback_names_only(sample_db):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 gets nothing."""
    with serving(sample_db) as base, httpx.Client(base_url=base, timeout=30) as client:
        port = base.rsplit(":", 1)[1]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", "localhost"):
            assert client.get("/index.json", headers={"Host": host}).status_code == 200, host
        for host in (f"evil.example:{port}", "evil.example", f"10.0.0.1:{port}"):
            refused = client.get("/index.json", headers={"Host": host})
            assert refused.status_code == 400 and "127.0.0.1" in refused.json()["error"], host
            assert "articles" not in refused.text
            assert_security_headers(refused)


# -- with a token ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def guarded(sample_db) -> Iterator[str]:
    with serving(sample_db, "--token", TOKEN) as base:
        yield base


def test_requests_without_or_with_a_wrong_token_are_refused(guarded):
    wrong = [None, "Bearer", "Bearer  x", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer {TOKEN.upper()}",
             f"Basic {TOKEN}", TOKEN, "Bearer " + "x" * 4000]
    with httpx.Client(base_url=guarded, timeout=30) as client:
        for header in wrong:
            for path in PATHS:
                response = client.get(path, headers={"Authorization": header} if header is not None else {})
                assert response.status_code == 401, (header, path)
                assert response.headers["www-authenticate"] == "Bearer"
                assert TOKEN not in response.text and "Northfield" not in response.text
                assert_security_headers(response)
        # Wrong methods and unknown paths learn nothing either.
        assert client.post("/speakers").status_code == 401
        assert client.get("/no/such/path").status_code == 401


def test_the_right_token_opens_everything(guarded):
    with httpx.Client(base_url=guarded, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        for path in PATHS:
            response = client.get(path)
            assert response.status_code == 200, path
            assert_security_headers(response)
            assert "no-store" in response.headers["cache-control"]
        assert client.get("/index.json").json()["overview"]["articles"] >= 12
        assert client.post("/speakers").status_code == 405  # still read-only


def test_token_in_the_address_once_sets_a_cookie(guarded):
    with httpx.Client(base_url=guarded, timeout=30) as client:
        bad = client.get("/speakers", params={"token": "not-it-not-it-not-it"})
        assert bad.status_code == 401 and "set-cookie" not in bad.headers
        first = client.get("/speakers", params={"token": TOKEN, "page": "1"})
        assert first.status_code == 303
        assert first.headers["location"] == "/speakers?page=1"  # the token leaves the address
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert_security_headers(first)
        # The client keeps the cookie: later pages need nothing else.
        for path in PATHS:
            response = client.get(path)
            assert response.status_code == 200, path
    with httpx.Client(base_url=guarded, timeout=30) as client:
        # The redirect stays on this server and keeps ids as they were sent.
        for path, where in (("//evil.example/x", "/evil.example/x"), ("/speakers/a%2Fb", "/speakers/a%2Fb")):
            response = client.get(f"{guarded}{path}?token={TOKEN}")
            assert response.status_code == 303 and response.headers["location"] == where, path
    with httpx.Client(base_url=guarded, timeout=30, cookies={"newstrail_token": "forged-forged-forged"}) as forged:
        assert forged.get("/speakers").status_code == 401


def test_token_from_the_environment_on_every_address(sample_db):
    with serving_env(sample_db, {"NEWSTRAIL_TOKEN": TOKEN}, "--host", "0.0.0.0") as base:
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/index.json").status_code == 401
            # Any Host name is fine once a token guards the server (it is reached by its own name).
            answered = client.get("/index.json", headers={"Authorization": f"Bearer {TOKEN}", "Host": "news.example"})
            assert answered.status_code == 200
            assert_security_headers(answered)


def test_tokens_are_compared_in_constant_time(monkeypatch):
    from newstrail.web import app as web_app

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(web_app.hmac, "compare_digest", spy)
    assert web_app.token_matches(TOKEN, TOKEN)
    assert not web_app.token_matches(TOKEN[:-1], TOKEN)
    assert not web_app.token_matches(None, TOKEN)
    assert not web_app.token_matches("", TOKEN)
    assert web_app.token_matches("naïve-tökén-ünïcode", "naïve-tökén-ünïcode")
    assert not web_app.token_matches("naïve-tökén-ünïcode", "naive-token-unicode")
    assert len(calls) == 5  # every comparison but the missing token went through compare_digest


# -- headers on every kind of answer ------------------------------------------------------------------------
def test_security_headers_on_pages_json_errors_and_static_files(sample_db):
    with serving(sample_db) as base, httpx.Client(base_url=base, timeout=30) as client:
        speaker = client.get("/speakers.json").json()["speakers"][0]["href"]
        answers = {
            "page": client.get(speaker), "json": client.get(speaker + ".json"), "static": client.get("/static/app.css"),
            "404 page": client.get("/speakers/nobody"), "404 json": client.get("/speakers/nobody.json"),
            "404 route": client.get("/nothing-here"), "404 static": client.get("/static/none.css"),
            "400 search": client.get("/search", params={"q": '"open'}),
            "400 json": client.get("/search.json", params={"limit": "99999"}),
            "400 page": client.get("/articles", params={"page": "0"}),
            "405": client.post("/speakers"),
        }
        for name, response in answers.items():
            assert_security_headers(response)
            assert response.status_code == (int(name[:3]) if name[0].isdigit() else 200), name
        for name in ("page", "404 page", "400 search", "400 page"):
            body = answers[name].text
            # No inline script or style anywhere, so the policy need not allow any.
            assert "<script" not in body.lower() and not re.search(r"\sstyle\s*=", body), name
            assert not re.search(r"\son[a-z]+\s*=", body), name


def test_several_workers_keep_the_token(sample_db, monkeypatch):
    monkeypatch.delenv("NEWSTRAIL_TOKEN", raising=False)
    with serving(sample_db, "--workers", "2", "--token", TOKEN) as base, httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(6):  # several connections, so both processes answer some
            with httpx.Client(base_url=base, timeout=30) as fresh:
                assert fresh.get("/index.json").status_code == 401
        answered = c.get("/index.json", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answered.status_code == 200 and answered.json()["overview"]["articles"] >= 12
        assert_security_headers(answered)


def test_a_server_error_is_a_500_with_headers_and_no_traceback(sample_db, tmp_path):
    """A database that breaks under the app (a table dropped meanwhile): one line, headers, no internals."""
    import shutil
    import sqlite3
    import threading

    import uvicorn

    from newstrail.web import create_app

    copy = tmp_path / "broken.db"
    shutil.copy(sample_db, copy)
    app = create_app(copy)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            assert client.get("/trails.json").status_code == 200
            with sqlite3.connect(copy) as conn:
                conn.execute("DROP TABLE trails")
            for path in ("/trails", "/trails.json"):
                response = client.get(path)
                assert response.status_code == 500, path
                assert response.json() == {"error": "internal error; see the server's log"}
                assert "Traceback" not in response.text and "sqlite" not in response.text.lower()
                assert_security_headers(response)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.store.close()
