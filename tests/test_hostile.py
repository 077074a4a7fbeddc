"""Hostile and broken inputs, mixed with good articles, through analyze() and the CLI.

Every bad input is reported in one line that names it, says what is wrong and what to
do, and is skipped; the good articles of the same run are stored. Nothing blocks,
nothing grows without bound, no entity is expanded and no local file leaks in.
Real files (FIFOs, sockets, device links included), real SQLite and PostgreSQL, and a
real HTTP server on 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.cli import main
from newstrail.export import export
from newstrail.ingest import Fetcher, iter_documents
from newstrail.pipeline import analyze
from newstrail.records import Failure
from newstrail.store import open_store
from pgutil import fresh_pg_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "newstrail" / "data" / "sample"
GOOD = sorted(p for p in SAMPLE.glob("*.txt"))[:3]
SECRET = "TOPSECRET-7f3a9c-never-stored"
# Prose with no reporting cue: the giant files stay cheap for the quote parser.
FILLER = "The port handles grain, timber and steel for the farms and mills of the region. "
ARTICLE = ("The harbour minister said \"we will not let the port close\" on Monday, speaking to reporters "
           "after the talks. Union leaders said the offer was an insult and that the strike would go on.")

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def _warc(pages: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, html in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                      http_headers=headers))
    return buffer.getvalue()


def _page(text: str) -> str:
    paragraphs = "".join(f"<p>{text} Paragraph {n} of the report goes on with more detail.</p>" for n in range(6))
    return f"<html><head><title>Port talks</title></head><body><article>{paragraphs}</article></body></html>"


def build_folder(root: Path, secret_file: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A folder of good articles and hostile inputs.

    Returns the folder, ``{source name: words its failure must contain}`` and ``{source
    name: text its stored article must contain}``; a source name is the file name, with
    ``#N`` for the N-th item of a container file.
    """
    folder = root / "inbox"
    folder.mkdir()
    rng = random.Random(7)
    fails: dict[str, str] = {}
    stored: dict[str, str] = {}
    for path in GOOD:
        shutil.copy(path, folder / path.name)
        stored[path.name] = ""

    def put(name: str, data: str | bytes, *, fail: str | None = None, keep: str | None = None) -> None:
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if fail is not None:
            fails[name] = fail
        if keep is not None:
            stored[name] = keep

    put("empty.txt", b"", fail="empty file")
    put("blank.html", b" \n\t\n", fail="empty file")
    put("junk.txt", rng.randbytes(6000), fail="binary data")
    put("junk.html", b"\x89PNG\r\n\x1a\n" + rng.randbytes(6000), fail="binary data")
    put("nul_binary.txt", b"a\x00b\x00c\x00 " * 400, fail="binary data")
    # Legacy encodings are decoded, not dropped.
    french = "Le ministre a déclaré : « Nous allons réussir », a-t-il dit à Genève. Ça coûte très cher. "
    put("latin1.txt", (french * 4).encode("latin-1"), keep="Genève")
    put("cp1252.txt", (f"{ARTICLE} \u201cNever,\u201d she added \u2014 twice. " * 3).encode("cp1252"),
        keep="\u201cNever,\u201d")
    put("mixed_utf8.txt", f"{ARTICLE} Zoë Brennan said “we’re ready”. ".encode() * 3 + "Café.".encode("latin-1"),
        keep="Zoë Brennan said “we’re ready”")
    put("stray_nul.txt", ARTICLE.encode().replace(b" on Monday", b"\x00 on\x00 Monday"), keep="close\" on Monday")
    put("quote_marks.txt", ("\"\u201c\u201d\u2018\u2019'\u00ab\u00bb\u201e\u2039\u203a" * 300 + "\n\n") * 30,
        fail="no words in the text")
    put("deep.html", "<html><body>" + "<div>" * 20_000 + _page(ARTICLE) + "</div>" * 20_000 + "</body></html>",
        fail="levels deep")
    put("laughs.html", LAUGHS + f"<html><body><p>&lol9;</p>{_page(ARTICLE)}</body></html>",
        fail="declares XML entities")
    put("laughs.rss", LAUGHS + '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title>'
                               f"<description>{ARTICLE} &lol9;</description></item></channel></rss>",
        fail="declares XML entities")
    put("xxe.rss", f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
                   '<rss version="2.0"><channel><title>Feed &xxe;</title><item><title>Item &xxe;</title>'
                   f"<description>{ARTICLE} &xxe;</description></item></channel></rss>",
        fail="declares XML entities")
    put("xxe.xml", f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]>\n'
                   '<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry><title>t</title>'
                   f"<content>{ARTICLE}</content></entry></feed>",
        fail="declares XML entities")
    put("xxe.html", f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
                    f"<html><body><p>&xxe;</p>{_page(ARTICLE)}</body></html>",
        fail="declares XML entities")
    warc = _warc([("http://port.example/a", _page("First archived story: " + ARTICLE)),
                  ("http://port.example/b", _page("Second archived story: " + ARTICLE))])
    put("cut.warc.gz", warc[: len(warc) * 3 // 4], fail="truncated")
    stored["cut.warc.gz#1"] = "First archived story"
    put("cut_early.warc.gz", warc[:40], fail="no WARC/ARC records")
    lines = [
        json.dumps({"id": "json-ok-1", "text": "Good line one. " + ARTICLE}),
        '{"id": "broken", "text": "no closing brace"',
        "\x00\x01\x02 not json at all",
        json.dumps({"id": "json-ok-2", "title": "Bad \ud800 title\u0000", "text": "Good line two \udc00. " + ARTICLE}),
        "[1, 2, 3]",
        json.dumps({"id": "json-no-text", "title": "Only a title"}),
    ]
    put("lines.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
    fails.update({"lines.jsonl#2": "invalid JSON", "lines.jsonl#3": "invalid JSON",
                  "lines.jsonl#5": "expected a JSON object", "lines.jsonl#6": "no text or html field"})
    stored["lines.jsonl#1"] = "Good line one"
    stored["lines.jsonl#4"] = "Good line two \ufffd."
    # Special files: reported, never opened (opening the FIFO or /dev/zero would hang).
    os.mkfifo(folder / "fifo.txt")
    fails["fifo.txt"] = "FIFO"
    with contextlib.suppress(OSError):  # a socket path may be too long on some systems
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(folder / "sock.html"))
        sock.close()
        fails["sock.html"] = "socket"
    os.symlink("/dev/zero", folder / "zeros.txt")
    fails["zeros.txt"] = "character device"
    os.symlink("/dev/urandom", folder / "random.jsonl")
    fails["random.jsonl"] = "character device"
    os.symlink(folder / "missing-target.txt", folder / "dangling.txt")
    fails["dangling.txt"] = "cannot read"
    return folder, fails, stored


def check_failures(failures: list[Failure], folder: Path, expected: dict[str, str]) -> None:
    """Exactly the expected sources failed, once each, in one line that names the source,
    says what is wrong (the expected words) and what to do (after the ';')."""
    by_name: dict[str, Failure] = {}
    for f in failures:
        assert "\n" not in f.error and "\r" not in f.error, f.error
        assert f.error.startswith(f"{f.source}: ") and ";" in f.error, f.error
        # A caught bug reads "please report": hostile input must be understood, not crash.
        assert "report" not in f.error, f.error
        assert Path(f.source).parent == folder, f.source
        assert Path(f.source).name not in by_name, f"reported twice: {f.error}"
        by_name[Path(f.source).name] = f
    assert set(by_name) == set(expected), {k: v.error for k, v in by_name.items()}
    for name, words in expected.items():
        assert words in by_name[name].error, (words, by_name[name].error)


def stored_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


def test_analyze_skips_each_hostile_input_with_one_line_and_stores_the_rest(tmp_path, secret):
    folder, fails, stored = build_folder(tmp_path, secret)
    db = tmp_path / "h.db"
    started = time.monotonic()
    summary = analyze([folder], db=db)
    assert time.monotonic() - started < 120
    check_failures(summary.failures, folder, fails)
    with open_store(str(db)) as store:
        articles = {Path(a.source).name: a for a in store.iter_articles()}
        assert set(articles) == set(stored), sorted(articles)
        for name, needle in stored.items():
            assert needle in articles[name].body, (name, articles[name].body[:200])
        for article in articles.values():
            for value in (article.body, article.title or "", article.source, *article.removed):
                assert "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)
        assert articles["lines.jsonl#4"].title == "Bad \ufffd title"
        assert not any("lollol" in a.body for a in articles.values())
        assert store.counts()["failures"] == len(summary.failures)
        out = tmp_path / "articles.jsonl"
        export(store, "articles", "jsonl", out)
        export(store, "quotes", "jsonl", tmp_path / "quotes.jsonl")
    assert SECRET.encode() not in stored_bytes(db)
    assert SECRET not in out.read_text() and SECRET not in (tmp_path / "quotes.jsonl").read_text()
    assert summary.added == len(stored)


def pg_url() -> str:
    return fresh_pg_url()


def test_hostile_folder_on_postgresql(tmp_path, secret):
    folder, fails, stored = build_folder(tmp_path, secret)
    url = pg_url()
    summary = analyze([folder], db=url)
    check_failures(summary.failures, folder, fails)
    with open_store(url) as store:
        names = {Path(a.source).name for a in store.iter_articles()}
        assert names == set(stored)
        assert SECRET not in json.dumps([a.to_dict() for a in store.iter_articles()])


def test_special_files_given_by_name_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "named.pipe"
    os.mkfifo(fifo)
    link = tmp_path / "zero.html"
    os.symlink("/dev/zero", link)
    failures: list[Failure] = []
    started = time.monotonic()
    docs = list(iter_documents([str(fifo), str(link), "/dev/null", str(SAMPLE / GOOD[0].name)],
                               on_error=failures.append))
    assert time.monotonic() - started < 10
    assert [d.source for d in docs] == [str(SAMPLE / GOOD[0].name)]
    assert [f.source for f in failures] == [str(fifo), str(link), "/dev/null"]
    assert "FIFO" in failures[0].error and "character device" in failures[1].error


def test_file_names_with_newlines_are_reported_on_one_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "two\nlines\x1b[31m.txt").write_bytes(b"")  # fails in ingest
    (folder / "three\nlines.html").write_text("<html><body><div></div></body></html>")  # fails in clean
    summary = analyze([folder], db=tmp_path / "n.db")
    assert [f.stage for f in summary.failures] == ["ingest", "clean"]
    for failure in summary.failures:
        assert "\n" not in failure.error and "\x1b" not in failure.error and "lines" in failure.error
    assert "two\\nlines\\x1b[31m.txt: empty file" in summary.failures[0].error


def test_size_limit_is_a_parameter_and_applies_to_files_lines_and_archives(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text((FILLER + "\n\n") * 13_000)  # about 1.1 MB
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(json.dumps({"id": "long", "text": FILLER * 15_000}) + "\n"
                     + json.dumps({"id": "short", "text": ARTICLE}) + "\n")
    warc = tmp_path / "crawl.warc.gz"
    warc.write_bytes(_warc([("http://x.example/long", _page(FILLER * 2000)), ("http://x.example/s", _page(ARTICLE))]))

    def run(limit: int) -> tuple[list[str], list[str]]:
        failures: list[Failure] = []
        docs = list(iter_documents([str(big), str(jsonl), str(warc)], on_error=failures.append, max_bytes=limit))
        return [d.id for d in docs], [f.error for f in failures]

    ids, errors = run(500_000)
    assert ids[0] == "short" and ids[1].startswith("x-example_s_") and len(ids) == 2
    assert len(errors) == 3 and all("than the 0.5 MB limit" in e and "--max-bytes" in e for e in errors)
    assert errors[1].startswith(f"{jsonl}#1: line longer than")
    ids, errors = run(5_000_000)
    assert len(ids) == 5 and not errors


def test_cli_hostile_folder_with_giant_files_in_bounded_time_and_memory(tmp_path, secret):
    folder, fails, stored = build_folder(tmp_path, secret)
    line = (ARTICLE + " ") * (9_900_000 // (len(ARTICLE) + 1))  # one line, just under the default 10 MB
    (folder / "one_line.txt").write_text(line)
    stored["one_line.txt"] = ARTICLE[:50]
    huge = folder / "huge.txt"
    with open(huge, "w") as fh:  # 30 MB: over the default limit, never read whole
        for _ in range(30):
            fh.write((FILLER + "\n\n") * (1_000_000 // (len(FILLER) + 2)))
    fails["huge.txt"] = "larger than the 10 MB limit"
    with open(folder / "long_line.jsonl", "w") as fh:
        fh.write(json.dumps({"id": "fine", "text": "Before the long line. " + ARTICLE}) + "\n")
        fh.write(json.dumps({"id": "too-long", "text": FILLER * 140_000}) + "\n")  # 11 MB on one line
        fh.write(json.dumps({"id": "fine-too", "text": "After the long line. " + ARTICLE}) + "\n")
    fails["long_line.jsonl#2"] = "line longer than the 10 MB limit"
    stored["long_line.jsonl#1"] = "Before the long line."
    stored["long_line.jsonl#3"] = "After the long line."
    db = tmp_path / "cli.db"
    # The child reports its own peak memory: RUSAGE_CHILDREN would mix in other tests' children.
    probe = ("import resource, sys\nfrom newstrail.cli import main\ncode = main(sys.argv[2:])\n"
             "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n"
             "sys.exit(code)\n")
    rss = tmp_path / "rss"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", probe, str(rss), "analyze", str(folder), "--db", str(db),
                           "--no-progress", "--json"], capture_output=True, text=True, timeout=400, cwd=tmp_path)
    seconds = time.monotonic() - started
    assert done.returncode == 1, done.stderr[-2000:]
    peak_mb = int(rss.read_text()) / 1024
    print(f"hostile folder via the CLI: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB")
    assert seconds < 300 and peak_mb < 2000
    errors = [line for line in done.stderr.splitlines() if line]
    assert all(line.startswith("error: ") for line in errors), errors
    summary = json.loads(done.stdout)
    check_failures([Failure.from_dict(f) for f in summary["failures"]], folder, fails)
    assert len(errors) == len(summary["failures"]) and summary["added"] == len(stored)
    assert SECRET.encode() not in stored_bytes(db)


def test_cli_max_bytes_raises_the_limit(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(ARTICLE + "\n\n" + (FILLER + "\n\n") * 1_800)  # about 150 kB
    code = main(["analyze", str(folder), "--db", str(tmp_path / "a.db"), "--no-progress", "--max-bytes", "100k"])
    assert code == 1 and "larger than the 0.1 MB limit; raise the limit (--max-bytes" in capsys.readouterr().err
    code = main(["analyze", str(folder), "--db", str(tmp_path / "a.db"), "--no-progress", "--max-bytes", "200k"])
    assert code == 0
    with open_store(str(tmp_path / "a.db")) as store:
        (article,) = store.iter_articles()
        assert len(article.body) > 140_000


def test_max_bytes_flag_parses_sizes(capsys):
    from newstrail.cli import build_parser

    parser = build_parser()
    for text, size in [("10M", 10_000_000), ("500k", 500_000), ("1.5G", 1_500_000_000), ("2048", 2048),
                       ("20MB", 20_000_000)]:
        assert parser.parse_args(["analyze", "x", "--max-bytes", text]).max_bytes == size
    for bad in ("lots", "-5", "0"):
        with pytest.raises(SystemExit):
            parser.parse_args(["analyze", "x", "--max-bytes", bad])
    assert "--max-bytes" in capsys.readouterr().err


# --- URLs that redirect forever, trickle, or never end ----------------------------------------

class HostileServer:
    """Loopback HTTP/1.0: a redirect loop, a trickle, an endless body, a fine page."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if path == "/loop":
                        n = int(self.path.partition("?n=")[2] or 0)
                        self.send_response(302)
                        self.send_header("Location", f"/loop?n={n + 1}")  # never the same URL twice
                        self.end_headers()
                    elif path in ("/trickle", "/endless"):
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html")
                        self.end_headers()
                        chunk = b"<p>" + b"x" * (1 if path == "/trickle" else 65_536) + b"</p>"
                        deadline = time.monotonic() + 60
                        while time.monotonic() < deadline:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            server.sent[path] = server.sent.get(path, 0) + len(chunk)
                            if path == "/trickle":
                                time.sleep(0.05)
                    elif path == "/ok":
                        body = _page(ARTICLE).encode()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/html; charset=utf-8")
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    else:
                        self.send_response(404)
                        self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def hostile_server() -> Iterator[HostileServer]:
    srv = HostileServer()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def test_urls_that_loop_trickle_or_never_end_are_cut_off(tmp_path, hostile_server):
    base = hostile_server.base
    urls = [f"{base}/loop", f"{base}/trickle", f"{base}/endless", f"{base}/ok"]
    started = time.monotonic()
    with Fetcher(timeout=5, max_seconds=2, max_bytes=1_000_000) as fetcher:
        summary = analyze(urls, db=tmp_path / "u.db", fetcher=fetcher)
    assert time.monotonic() - started < 30
    errors = {f.source: f.error for f in summary.failures}
    assert set(errors) == set(urls[:3]), errors
    assert "more than 5 redirects" in errors[urls[0]]
    assert "took longer than 2 s" in errors[urls[1]] and "max_seconds" in errors[urls[1]]
    assert "response larger than 1 MB" in errors[urls[2]] and "--max-bytes" in errors[urls[2]]
    assert hostile_server.hits["/loop"] == 6
    assert hostile_server.sent["/endless"] < 20_000_000  # stopped reading soon after the cap
    assert summary.added == 1


def test_default_fetcher_takes_the_analyze_size_limit(tmp_path, hostile_server):
    summary = analyze([f"{hostile_server.base}/endless", f"{hostile_server.base}/ok"], db=tmp_path / "d.db",
                      max_bytes=200_000)
    (failure,) = summary.failures
    assert "response larger than 0.2 MB" in failure.error and summary.added == 1


def test_deeply_nested_json_fails_alone(tmp_path):
    (tmp_path / "a_deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "b_lines.jsonl").write_text('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                                            + json.dumps({"id": "after", "text": ARTICLE}) + "\n")
    failures: list[Failure] = []
    docs = list(iter_documents([str(tmp_path)], on_error=failures.append))
    assert [d.id for d in docs] == ["after"]
    assert [Path(f.source).name for f in failures] == ["a_deep.json", "b_lines.jsonl#1"]
    assert all("nested too deeply" in f.error for f in failures)


def test_markup_opening_with_many_comments_is_sniffed_in_linear_time(tmp_path):
    # "(<!--.*?-->\s*)*" once backtracked exponentially here: 30 comments took minutes.
    html = "<!-- c -->\n" * 5000 + "<html><body>" + _page(ARTICLE) + "</body></html>"
    unclosed = "<!-- c -->" * 26 + "<!-- never closed " + ARTICLE  # the old regex: about a minute
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"id": "page", "text": html}) + "\n" + json.dumps({"id": "prose", "text": unclosed}))
    started = time.monotonic()
    failures: list[Failure] = []
    docs = list(iter_documents([str(path)], on_error=failures.append))
    assert time.monotonic() - started < 5
    assert [(d.id, d.content_type) for d in docs] == [("page", "html"), ("prose", "text")] and not failures


def test_a_feed_doctype_is_never_fetched(tmp_path, hostile_server):
    """A feed without entity declarations is read, but its external DTD is never fetched."""
    feed = tmp_path / "old.rss"
    feed.write_text('<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
                    f'"{hostile_server.base}/rss-0.91.dtd">\n<rss version="0.91"><channel><title>Gazette</title>'
                    f"<item><title>Talks</title><description>{ARTICLE}</description></item></channel></rss>")
    failures: list[Failure] = []
    (doc,) = iter_documents([str(feed)], on_error=failures.append)
    assert not failures and doc.title == "Talks" and "harbour minister" in doc.content
    assert hostile_server.hits == {}
