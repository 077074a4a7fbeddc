"""Ingest: real files in tmp_path and a real HTTP server on 127.0.0.1, never the internet."""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import re
import threading
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.ingest import Fetcher, document_id, iter_documents, normalize_url
from newstrail.records import Failure, RawDocument


def ingest(*inputs: str | Path, fetcher: Fetcher | None = None) -> tuple[list[RawDocument], list[Failure]]:
    failures: list[Failure] = []
    docs = list(iter_documents([str(i) for i in inputs], fetcher=fetcher, on_error=failures.append))
    for f in failures:
        assert f.stage == "ingest" and "\n" not in f.error and f.error.startswith(f"{f.source}: "), f
    for d in docs:
        assert d.id and d.source and d.group and d.content_type in ("text", "html"), d
    return docs, failures


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# --- plain files and folders -----------------------------------------------------------

def test_text_file_id_is_its_stem_and_group_its_folder(tmp_path):
    path = write(tmp_path / "outlet" / "000_981bbf66759760c1.txt", "Headline\n\nBody text.\n")
    (doc,), failures = ingest(path)
    assert not failures
    assert doc.id == "000_981bbf66759760c1"
    assert (doc.source, doc.group, doc.content_type) == (str(path), str(tmp_path / "outlet"), "text")
    assert doc.content == "Headline\n\nBody text.\n"


@pytest.mark.parametrize("name", ["page.html", "page.HTM"])
def test_html_file(tmp_path, name):
    (doc,), _ = ingest(write(tmp_path / name, "<html><body><p>Hi</p></body></html>"))
    assert (doc.id, doc.content_type) == ("page", "html")


def test_folder_is_walked_recursively_in_name_order_skipping_hidden_and_unknown(tmp_path):
    for name in ("b.txt", "a/2.html", "a/1.txt", ".hidden.txt", ".git/x.txt", "notes.pdf", "c/README"):
        write(tmp_path / name, "Some article text.")
    docs, failures = ingest(tmp_path)
    assert [Path(d.source).relative_to(tmp_path).as_posix() for d in docs] == ["a/1.txt", "a/2.html", "b.txt"]
    assert not failures


def test_unknown_extension_given_explicitly_is_a_failure(tmp_path):
    docs, (failure,) = ingest(write(tmp_path / "foo.pdf", b"%PDF-1.4"))
    assert not docs
    assert failure.error == (f"{tmp_path / 'foo.pdf'}: unsupported file type '.pdf'; "
                             "give .txt, .html, .json, .jsonl, RSS/Atom or WARC files")


def test_missing_path_empty_input_and_other_schemes_are_failures(tmp_path):
    docs, failures = ingest(tmp_path / "nope.txt", "", "ftp://example.org/a")
    assert not docs
    assert [f.error.partition(": ")[2] for f in failures] == [
        "no such file or folder; check the path",
        "empty input; give a file, folder or URL",
        "unsupported URL scheme 'ftp'; give http(s) URLs or .txt, .html, .json, .jsonl, RSS/Atom or WARC files",
    ]


def test_empty_and_binary_files_are_failures_and_the_rest_go_on(tmp_path):
    write(tmp_path / "a_empty.txt", " \n")
    write(tmp_path / "b_binary.txt", b"\x00\x01\x02\xff\xfe\x89PNG" * 50)
    write(tmp_path / "c_good.txt", "Fine.")
    docs, failures = ingest(tmp_path)
    assert [d.id for d in docs] == ["c_good"]
    assert [f.source for f in failures] == [str(tmp_path / "a_empty.txt"), str(tmp_path / "b_binary.txt")]
    assert "empty file" in failures[0].error
    assert "cannot decode" in failures[1].error and "re-save it as UTF-8" in failures[1].error


def test_decoding_strips_a_bom_and_detects_legacy_encodings(tmp_path):
    text = "Le café était très réputé à Genève, où l'on déjeunait près du lac. Ça coûtait cher. " * 3
    bom = write(tmp_path / "bom.txt", "\ufeff" + text)
    legacy = write(tmp_path / "legacy.txt", text.encode("cp1252"))
    cyrillic = "Министр иностранных дел заявил, что Запад должен быть осторожен. " * 3
    russian = write(tmp_path / "ru.txt", cyrillic.encode("cp1251"))
    docs, failures = ingest(bom, legacy, russian)
    assert not failures
    assert [d.content for d in docs] == [text, text, cyrillic]


def test_html_meta_charset_is_used_when_the_bytes_are_not_utf8(tmp_path):
    html = '<html><head><meta charset="iso-8859-7"></head><body><p>Καλημέρα</p></body></html>'
    (doc,), _ = ingest(write(tmp_path / "greek.html", html.encode("iso-8859-7")))
    assert "Καλημέρα" in doc.content


def test_folder_is_read_lazily(tmp_path):
    write(tmp_path / "a" / "1.txt", "first")
    second = write(tmp_path / "b" / "2.txt", "second as written before")
    documents = iter_documents([str(tmp_path)], on_error=pytest.fail)
    assert isinstance(documents, types.GeneratorType)
    assert next(documents).content == "first"
    # Changed and added after the first document came out: a walk that listed or
    # read ahead would miss both.
    second.write_text("second as changed later", encoding="utf-8")
    write(tmp_path / "b" / "3.txt", "third, added later")
    assert [d.content for d in documents] == ["second as changed later", "third, added later"]


def test_iter_documents_does_nothing_before_it_is_iterated(tmp_path):
    failures: list[Failure] = []
    documents = iter_documents([str(tmp_path / "missing.txt")], on_error=failures.append)
    assert failures == []
    assert list(documents) == [] and len(failures) == 1


# --- JSON and JSON Lines ---------------------------------------------------------------

@pytest.mark.parametrize(("obj", "expected"), [
    ({"id": 7, "url": "https://x.org/a", "title": "T", "text": "Plain body.", "published": "2022-01-20",
      "outlet": "The Paper", "byline": "Jon Stone"},
     {"id": "7", "url": "https://x.org/a", "title": "T", "content": "Plain body.", "content_type": "text",
      "published": "2022-01-20", "outlet": "The Paper", "byline": "Jon Stone"}),
    ({"_id": {"$oid": "65a1"}, "link": "https://x.org/b", "headline": "H", "body": "B.",
      "date": "20 Jan 2022", "source": {"id": "tp", "name": "The Paper"}, "author": "A. Writer"},
     {"id": "65a1", "url": "https://x.org/b", "title": "H", "content": "B.", "published": "20 Jan 2022",
      "outlet": "The Paper", "byline": "A. Writer"}),
    ({"guid": "g-1", "canonical_url": "https://x.org/c", "maintext": "M.", "date_publish": "2022-01-20 10:00:00",
      "source_name": "Wire", "authors": ["Ann Lee", "Bo Kim"]},
     {"id": "g-1", "url": "https://x.org/c", "content": "M.", "content_type": "text",
      "published": "2022-01-20 10:00:00", "outlet": "Wire", "byline": "Ann Lee, Bo Kim"}),
    ({"uuid": "u-2", "raw_html": "<p>R</p>", "pubDate": "Thu, 20 Jan 2022 10:00:00 GMT", "site_name": "S",
      "authors": [{"name": "Ann Lee"}]},
     {"id": "u-2", "content": "<p>R</p>", "content_type": "html", "published": "Thu, 20 Jan 2022 10:00:00 GMT",
      "outlet": "S", "byline": "Ann Lee"}),
    ({"id": "h", "content_html": "<div>C</div>", "datePublished": "2022-01-20T10:00:00Z", "publisher": "P"},
     {"content_type": "html", "published": "2022-01-20T10:00:00Z", "outlet": "P"}),
    ({"id": "s", "content": "<p>Sniffed</p>\n<p>as markup</p>", "published_at": 1642672800},
     {"content_type": "html", "published": "1642672800"}),
    ({"id": "t", "article": "Prose that mentions a <p> tag is still text.", "publish_date": "2022-01-20"},
     {"content_type": "text", "published": "2022-01-20"}),
])
def test_json_field_name_variants(tmp_path, obj, expected):
    (doc,), failures = ingest(write(tmp_path / "one.json", json.dumps(obj)))
    assert not failures
    assert {k: getattr(doc, k) for k in expected} == expected


def test_json_list_items_are_numbered_and_get_ids_from_id_url_or_file(tmp_path):
    path = write(tmp_path / "batch.json", json.dumps([
        {"id": "given", "text": "one"},
        {"url": "https://www.example.com/news/putin-talks.html", "text": "two"},
        {"text": "three", "outlet": "Declared"},
    ]))
    docs, failures = ingest(path)
    assert not failures
    assert [d.source for d in docs] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert docs[0].id == "given"
    assert re.fullmatch(r"example-com_putin-talks_[0-9a-f]{10}", docs[1].id)
    assert docs[2].id == "batch-3"
    # The group is the declared outlet, else the file.
    assert [d.group for d in docs] == [str(path), str(path), "Declared"]


def test_a_single_json_object_without_id_or_url_takes_the_file_stem(tmp_path):
    (doc,), _ = ingest(write(tmp_path / "story-42.json", json.dumps({"text": "only"})))
    assert (doc.id, doc.source) == ("story-42", str(tmp_path / "story-42.json"))


def test_jsonl_malformed_line_in_the_middle_fails_alone(tmp_path):
    path = write(tmp_path / "x.jsonl", "\n".join([
        json.dumps({"id": "a", "text": "first"}),
        '{"id": "b" "text": "broken"}',
        "",
        json.dumps({"id": "c", "text": "third"}),
    ]) + "\n")
    docs, (failure,) = ingest(path)
    assert [d.id for d in docs] == ["a", "c"]
    assert [d.source for d in docs] == [f"{path}#1", f"{path}#4"]
    assert failure.source == f"{path}#2"
    assert failure.error == f"{path}#2: invalid JSON (Expecting ',' delimiter at column 12); fix or remove that line"


def test_json_item_without_text_or_html_fails_alone(tmp_path):
    path = write(tmp_path / "x.jsonl", "\n".join(json.dumps(o) for o in (
        {"id": 1, "text": "ok"}, {"id": 2, "title": "no body"}, [1, 2], {"id": 4, "html": "<p>ok</p>"})))
    docs, failures = ingest(path)
    assert [d.id for d in docs] == ["1", "4"]
    assert [f.source for f in failures] == [f"{path}#2", f"{path}#3"]
    assert failures[0].error.startswith(f"{path}#2: no text or html field; expected one of text, body, content,")
    assert "expected a JSON object, found list" in failures[1].error


def test_invalid_json_file_is_one_failure(tmp_path):
    docs, (failure,) = ingest(write(tmp_path / "bad.json", '[{"text": "a"},\n {"text": }]'))
    assert not docs
    assert "invalid JSON (Expecting value at line 2 column 11)" in failure.error


# --- feeds -----------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>The Daily Test</title><link>{base}/</link><description>d</description>
<item><title>Minister speaks</title><link>{base}/news/minister-speaks</link>
  <dc:creator>Jon Stone</dc:creator><pubDate>Thu, 20 Jan 2022 10:00:00 GMT</pubDate>
  <description>Short summary.</description>
  <content:encoded><![CDATA[<p>"We will act," the minister said.</p>]]></content:encoded></item>
<item><title>Second</title><link>{base}/news/second</link><description>Only a summary here.</description></item>
<item><title>Empty</title><link>{base}/news/empty</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title><id>urn:x</id><updated>2022-01-21T00:00:00Z</updated>
<entry><title>Atom entry</title><link href="{base}/a/1"/><id>urn:1</id>
  <updated>2022-01-21T00:00:00Z</updated><author><name>Ann Lee</name></author>
  <content type="text">Plain atom text.</content></entry>
</feed>"""


def test_rss_file_yields_its_entries_with_their_hints(tmp_path):
    path = write(tmp_path / "daily.rss", RSS.format(base="https://daily.example"))
    docs, (failure,) = ingest(path)
    first, second = docs
    assert [d.source for d in docs] == [f"{path}#1", f"{path}#2"]
    assert first.id == document_id(url="https://daily.example/news/minister-speaks")
    assert (first.title, first.byline, first.outlet, first.published) == (
        "Minister speaks", "Jon Stone", "The Daily Test", "Thu, 20 Jan 2022 10:00:00 GMT")
    assert first.content_type == "html" and "the minister said" in first.content
    assert second.content == "Only a summary here." and second.group == "The Daily Test"
    assert failure.source == f"{path}#3" and "no content or summary" in failure.error


def test_atom_file_and_a_feed_sniffed_without_extension(tmp_path):
    atom = write(tmp_path / "feed.atom", ATOM.format(base="https://atom.example"))
    sniffed = write(tmp_path / "download", ATOM.format(base="https://atom.example"))
    docs, failures = ingest(atom, sniffed)
    assert not failures
    assert [(d.title, d.byline, d.outlet, d.content, d.content_type) for d in docs] == [
        ("Atom entry", "Ann Lee", "Atom Times", "Plain atom text.", "text")] * 2
    assert docs[0].published is None  # <updated> is an edit time, not publication


def test_xml_file_that_is_not_a_feed_is_a_failure(tmp_path):
    docs, (failure,) = ingest(write(tmp_path / "sitemap.xml", "<urlset><url><loc>x</loc></url></urlset>"))
    assert not docs and "not an RSS or Atom feed" in failure.error


# --- WARC and ARC ----------------------------------------------------------------------

def write_warc(path: Path, records: list[tuple[str, str, str, bytes, str]], *, gz: bool) -> Path:
    """records: (type, url, status, body, content type)."""
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gz)
        for rec_type, url, status, body, content_type in records:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, rec_type, payload=io.BytesIO(body), http_headers=headers,
                warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09Z"}))
    return path


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_yields_only_successful_html_responses_without_the_crawl_date(tmp_path, name):
    path = write_warc(tmp_path / name, [
        ("request", "https://news.example/a", "200 OK", b"", "text/html"),
        ("response", "https://news.example/a", "200 OK", "<p>Café A</p>".encode("latin-1"),
         "text/html; charset=iso-8859-1"),
        ("response", "https://news.example/logo.png", "200 OK", b"\x89PNG", "image/png"),
        ("response", "https://news.example/gone", "404 Not Found", b"<p>Not found</p>", "text/html"),
        ("response", "https://www.other.example/b", "200 OK", b"<p>B</p>", "application/xhtml+xml"),
    ], gz=name.endswith(".gz"))
    docs, failures = ingest(path)
    assert not failures
    assert [(d.source, d.url, d.group, d.content) for d in docs] == [
        (f"{path}#2", "https://news.example/a", "news.example", "<p>Café A</p>"),
        (f"{path}#5", "https://www.other.example/b", "www.other.example", "<p>B</p>"),
    ]
    assert docs[0].id == document_id(url="https://news.example/a")
    assert all(d.published is None and d.content_type == "html" for d in docs)


def test_arc_file(tmp_path):
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html><body><p>ARC page</p></body></html>"
    version = b"1 0 Test\nURL IP-address Archive-date Content-type Archive-length\n"
    head = b"filedesc://t.arc 0.0.0.0 20240101000000 text/plain %d\n%s\n" % (len(version), version)
    record = b"http://arc.example/page 127.0.0.1 20240101000000 text/html %d\n%s\n" % (len(body), body)
    path = write(tmp_path / "old.arc.gz", gzip.compress(head) + gzip.compress(record))
    (doc,), failures = ingest(path)
    assert not failures
    assert (doc.url, doc.content, doc.id) == (
        "http://arc.example/page", "<html><body><p>ARC page</p></body></html>", document_id(url="http://arc.example/page"))


def test_corrupt_warc_is_a_failure(tmp_path):
    docs, (failure,) = ingest(write(tmp_path / "broken.warc", b"<html>saved from a browser</html>"))
    assert not docs and "not a readable WARC/ARC file" in failure.error


# --- ids -------------------------------------------------------------------------------

def test_document_id_rules():
    url_id = document_id(url="https://www.example.com/world/putin-talks.html")
    assert re.fullmatch(r"example-com_putin-talks_[0-9a-f]{10}", url_id)
    # Scheme, fragment, tracking parameters and parameter order do not change the page.
    assert document_id(url="HTTP://WWW.Example.com:80/world/putin-talks.html?utm_source=x#top") == url_id
    assert document_id(url="https://example.com/world/putin-talks.html") != url_id
    assert document_id(url="https://x.org/a?b=2&a=1") == document_id(url="https://x.org/a?a=1&b=2")
    assert document_id(url="https://x.org/a?id=1") != document_id(url="https://x.org/a?id=2")
    assert re.fullmatch(r"x-org_[0-9a-f]{10}", document_id(url="https://x.org/"))
    assert document_id(given=12, url="https://x.org/a") == "12"
    assert document_id(stem="batch", index=3) == "batch-3"
    assert normalize_url("https://X.org:443/a#f") == "//x.org/a"


# --- http(s) ---------------------------------------------------------------------------

@dataclass
class Route:
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True


class Server:
    """A loopback HTTP/1.0 server serving ``routes``; it records each request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (path, User-Agent)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("User-Agent", "")))
                route = server.routes.get(self.path, Route(b"missing", "text/plain", 404))
                time.sleep(route.delay)
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.send_length:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                # The client hangs up early in the limit tests.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(route.body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(timeout=5) as f:
        yield f


def test_url_page_is_fetched_with_a_polite_user_agent(server, fetcher):
    server.routes["/news/story.html"] = Route("<p>Café</p>".encode("latin-1"), "text/html; charset=ISO-8859-1")
    (doc,), failures = ingest(server.url("/news/story.html"), fetcher=fetcher)
    assert not failures
    assert doc.content == "<p>Café</p>" and doc.content_type == "html"
    assert (doc.source, doc.url, doc.group) == (server.url("/news/story.html"),) * 2 + ("127.0.0.1",)
    assert doc.id == document_id(url=server.url("/news/story.html")) and doc.id.startswith("127-0-0-1_story_")
    user_agents = {ua for _, ua in server.requests}
    assert len(user_agents) == 1 and user_agents.pop().startswith("newstrail/")


def test_url_without_a_fetcher_uses_a_default_one(server):
    server.routes["/plain"] = Route(b"Plain words.", "text/plain")
    (doc,), failures = ingest(server.url("/plain"))
    assert not failures and (doc.content, doc.content_type) == ("Plain words.", "text")


def test_robots_txt_disallow_is_obeyed_and_read_once_per_host(server, fetcher):
    server.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", "text/plain")
    server.routes["/private/a"] = Route(b"<p>secret</p>")
    server.routes["/public/b"] = Route(b"<p>open</p>")
    docs, (failure,) = ingest(server.url("/private/a"), server.url("/public/b"), fetcher=fetcher)
    assert [d.content for d in docs] == ["<p>open</p>"]
    assert failure.source == server.url("/private/a") and "disallowed by the site's robots.txt" in failure.error
    assert server.paths() == ["/robots.txt", "/public/b"]


def test_robots_txt_is_checked_for_redirect_targets_too(server, fetcher):
    server.routes["/robots.txt"] = Route(b"User-agent: newstrail\nDisallow: /private/\n", "text/plain")
    server.routes["/go"] = Route(status=302, headers={"Location": "/private/x"})
    docs, (failure,) = ingest(server.url("/go"), fetcher=fetcher)
    assert not docs and "disallowed by the site's robots.txt for the redirect to" in failure.error
    assert "/private/x" not in server.paths()


def test_redirects_are_followed_up_to_a_limit(server):
    server.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    server.routes["/new"] = Route(b"<p>moved</p>")
    server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    with Fetcher(max_redirects=3) as fetcher:
        (doc,), (failure,) = ingest(server.url("/old"), server.url("/loop"), fetcher=fetcher)
    assert (doc.source, doc.url, doc.content) == (server.url("/old"), server.url("/new"), "<p>moved</p>")
    assert failure.error == f"{server.url('/loop')}: more than 3 redirects; check the URL in a browser"
    assert server.paths().count("/loop") == 4


@pytest.mark.parametrize("send_length", [True, False])
def test_response_size_limit(server, send_length):
    server.routes["/big"] = Route(b"<p>" + b"x" * 5000 + b"</p>", send_length=send_length)
    server.routes["/small"] = Route(b"<p>small</p>", send_length=send_length)
    with Fetcher(max_bytes=1000) as fetcher:
        docs, (failure,) = ingest(server.url("/big"), server.url("/small"), fetcher=fetcher)
    assert [d.content for d in docs] == ["<p>small</p>"]
    assert failure.source == server.url("/big") and "response larger than 0.001 MB" in failure.error


def test_size_limit_counts_decompressed_bytes(server):
    server.routes["/bomb"] = Route(gzip.compress(b"x" * 50_000), "text/plain", headers={"Content-Encoding": "gzip"})
    with Fetcher(max_bytes=1000) as fetcher:
        docs, (failure,) = ingest(server.url("/bomb"), fetcher=fetcher)
    assert not docs and "response larger than" in failure.error


def test_timeout(server):
    server.routes["/slow"] = Route(b"<p>late</p>", delay=1.0)
    with Fetcher(timeout=0.2) as fetcher:
        started = time.monotonic()
        docs, (failure,) = ingest(server.url("/slow"), fetcher=fetcher)
    assert time.monotonic() - started < 0.9
    assert not docs and failure.error.startswith(f"{server.url('/slow')}: timed out;")


def test_http_errors_and_unsupported_types_are_failures(server, fetcher):
    server.routes["/doc.pdf"] = Route(b"%PDF-1.4", "application/pdf")
    server.routes["/down"] = Route(b"oops", "text/plain", status=503)
    docs, failures = ingest(server.url("/gone"), server.url("/doc.pdf"), server.url("/down"), fetcher=fetcher)
    assert not docs
    assert [f.error for f in failures] == [
        f"{server.url('/gone')}: HTTP 404; check the URL",
        f"{server.url('/doc.pdf')}: unsupported content type 'application/pdf'; "
        "give the URL of an HTML page or an RSS/Atom feed",
        f"{server.url('/down')}: HTTP 503; the site is busy or failing; try again later",
    ]


def test_unreachable_host_is_a_failure():
    with Fetcher(timeout=2) as fetcher:
        # Port 9 (discard) on loopback: nothing listens there on a test machine.
        docs, (failure,) = ingest("http://127.0.0.1:9/a", fetcher=fetcher)
    assert not docs and failure.error.startswith("http://127.0.0.1:9/a: cannot connect (")


def test_feed_url_entries_are_fetched_in_full_with_the_feed_content_as_fallback(server, fetcher):
    server.routes["/feed"] = Route(RSS.format(base=server.base).encode(), "application/rss+xml")
    server.routes["/news/minister-speaks"] = Route(b"<html><body><article>Full article.</article></body></html>")
    # /news/second and /news/empty are missing: 404.
    docs, (failure,) = ingest(server.url("/feed"), fetcher=fetcher)
    full, fallback = docs
    assert (full.source, full.content, full.content_type) == (
        server.url("/news/minister-speaks"), "<html><body><article>Full article.</article></body></html>", "html")
    assert (full.title, full.byline, full.outlet, full.published, full.group) == (
        "Minister speaks", "Jon Stone", "The Daily Test", "Thu, 20 Jan 2022 10:00:00 GMT", "127.0.0.1")
    assert full.id == document_id(url=server.url("/news/minister-speaks"))
    assert (fallback.source, fallback.content) == (server.url("/news/second"), "Only a summary here.")
    assert failure.error == f"{server.url('/news/empty')}: HTTP 404; check the URL"
    assert server.paths() == ["/robots.txt", "/feed", "/news/minister-speaks", "/news/second", "/news/empty"]


def test_feed_served_as_generic_xml_is_sniffed_and_its_relative_links_resolved(server, fetcher):
    server.routes["/atom"] = Route(ATOM.format(base="").encode(), "text/xml")
    docs, failures = ingest(server.url("/atom"), fetcher=fetcher)
    # The entry's link answers 404, so the entry's own content stands in.
    assert not failures
    assert [(d.source, d.content, d.outlet) for d in docs] == [(server.url("/a/1"), "Plain atom text.", "Atom Times")]
    assert server.paths() == ["/robots.txt", "/atom", "/a/1"]


def test_a_given_client_is_used_with_the_fetchers_limits(server):
    server.routes["/big"] = Route(b"x" * 2000, "text/plain")
    with httpx.Client() as client:
        fetcher = Fetcher(client, max_bytes=100)
        _, (failure,) = ingest(server.url("/big"), fetcher=fetcher)
        fetcher.close()
        assert not client.is_closed  # the caller owns it
    assert "larger than" in failure.error
    assert all(ua.startswith("newstrail/") for _, ua in server.requests)


def test_robots_txt_server_error_means_no_access(server, fetcher):
    server.routes["/robots.txt"] = Route(b"down", "text/plain", status=500)
    server.routes["/a"] = Route(b"<p>a</p>")
    docs, (failure,) = ingest(server.url("/a"), fetcher=fetcher)
    assert not docs and "(robots.txt answered HTTP 500, which means no access)" in failure.error
    assert server.paths() == ["/robots.txt"]
