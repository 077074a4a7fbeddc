"""http(s) URLs: pages and feeds, fetched politely with httpx."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal
from urllib.robotparser import RobotFileParser

import httpx

from .. import __version__
from ..records import RawDocument
from .decoding import decode_bytes, looks_like_feed, looks_like_html
from .errors import IngestError, Item, failure
from .feeds import Entry, parse_feed
from .ids import document_id

log = logging.getLogger(__name__)

USER_AGENT = f"newstrail/{__version__} (+news quote research; contact via the project page)"
ROBOTS_AGENT = "newstrail"  # the product token robots.txt rules are matched against
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEFAULT_MAX_BYTES = 10_000_000
DEFAULT_MAX_REDIRECTS = 5
# A whole fetch, redirects included. The timeouts above bound each wait for a byte; a
# server that trickles a byte at a time never trips them, so the total is capped too.
DEFAULT_MAX_SECONDS = 60.0
# RFC 9309 asks crawlers to parse at least the first 500 KiB of a robots.txt.
_ROBOTS_MAX_BYTES = 512 * 1024

_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_XML_TYPES = frozenset({"text/xml", "application/xml"})
_UNLABELLED_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

Kind = Literal["feed", "html", "text"]


class FetchError(IngestError):
    """A URL could not be fetched: a network error, HTTP error, size limit or robots.txt."""


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched response body, at most ``max_bytes`` long."""

    url: str  # after redirects
    media_type: str  # lower case, without parameters: "text/html"
    charset: str | None  # as declared in the Content-Type header
    body: bytes

    @property
    def kind(self) -> Kind | None:
        """What the body is, from its declared type or, when that is vague, its first bytes."""
        if self.media_type in _FEED_TYPES:
            return "feed"
        if self.media_type in _HTML_TYPES:
            return "html"
        if self.media_type in _XML_TYPES | _UNLABELLED_TYPES | {"text/plain"} and looks_like_feed(self.body):
            return "feed"
        if self.media_type == "text/plain":
            return "text"
        if self.media_type in _UNLABELLED_TYPES and looks_like_html(self.body[:2048].decode("latin-1")):
            return "html"
        return None


class Fetcher:
    """Fetches URLs within limits: timeouts, a total time per URL, a maximum body size
    enforced while the body streams in, a bounded number of redirects, and each host's robots.txt
    (read once per host and obeyed for every URL, redirect targets included).

    Pass ``client`` to share a configured ``httpx.Client`` (proxies, certificates) or
    ``transport`` to replace the network; the limits and the User-Agent here apply
    to every request either way. A Fetcher made here closes its own client.
    """

    def __init__(self, client: httpx.Client | None = None, *, transport: httpx.BaseTransport | None = None,
                 timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 max_redirects: int = DEFAULT_MAX_REDIRECTS, user_agent: str = USER_AGENT,
                 obey_robots: bool = True, max_seconds: float = DEFAULT_MAX_SECONDS) -> None:
        if client is not None and transport is not None:
            raise ValueError("pass a client or a transport, not both")
        self._own_client = client is None
        self._client = client if client is not None else httpx.Client(transport=transport)
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.max_seconds = max_seconds
        self.user_agent = user_agent
        self.obey_robots = obey_robots
        self._robots: dict[str, _Robots] = {}

    def fetch(self, url: str) -> Page:
        """GET ``url``, following redirects; raise FetchError saying what went wrong."""
        target = url
        deadline = time.monotonic() + self.max_seconds
        for _ in range(self.max_redirects + 1):
            try:
                self._check_robots(url, target)
                with self._stream(target) as response:
                    if response.next_request is not None:  # a redirect, not followed by httpx
                        target = str(response.next_request.url)
                        self._check_deadline(url, deadline)
                        continue
                    _check_status(url, response)
                    return Page(url=str(response.url), media_type=_media_type(response),
                                charset=response.charset_encoding, body=self._read(url, response, deadline))
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                raise _network_error(url, error) from None
        raise FetchError(url, f"more than {self.max_redirects} redirects", "check the URL in a browser")

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _stream(self, url: str, *, follow_redirects: bool = False) -> AbstractContextManager[httpx.Response]:
        return self._client.stream("GET", url, headers={"User-Agent": self.user_agent},
                                   timeout=self.timeout, follow_redirects=follow_redirects)

    def _check_deadline(self, url: str, deadline: float) -> None:
        if time.monotonic() > deadline:
            raise FetchError(url, f"took longer than {self.max_seconds:g} s in all",
                             "try again later, or raise the fetcher's max_seconds")

    def _read(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """The body, refused once it grows past ``max_bytes``: a Content-Length can be
        absent or wrong, and a compressed body can inflate far beyond it."""
        limit = self.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_big(url, limit)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                raise _too_big(url, limit)
            self._check_deadline(url, deadline)
        return bytes(body)

    def _check_robots(self, url: str, target: str) -> None:
        if not self.obey_robots:
            return
        origin = _origin(target)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        robots = self._robots[origin]
        if not robots.parser.can_fetch(ROBOTS_AGENT, target):
            where = "" if target == url else f" for the redirect to {target}"
            raise FetchError(url, f"disallowed by the site's robots.txt{where}{robots.note}",
                             "respect it and remove this URL, or fetch the page another way")

    def _load_robots(self, origin: str) -> _Robots:
        """robots.txt as RFC 9309 reads it: missing (4xx) allows everything, a server
        error disallows everything. A network error propagates: the page itself
        could not be fetched either."""
        parser = RobotFileParser(f"{origin}/robots.txt")
        deadline = time.monotonic() + self.max_seconds
        # Redirects are allowed for robots.txt; the size cap truncates, never fails.
        with self._stream(f"{origin}/robots.txt", follow_redirects=True) as response:
            status = response.status_code
            if status >= 500:
                parser.parse(["User-agent: *", "Disallow: /"])
                return _Robots(parser, f" (robots.txt answered HTTP {status}, which means no access)")
            if status >= 400:
                parser.parse([])
                return _Robots(parser)
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) >= _ROBOTS_MAX_BYTES:
                    break
                self._check_deadline(f"{origin}/robots.txt", deadline)
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return _Robots(parser)


@dataclass(frozen=True, slots=True)
class _Robots:
    parser: RobotFileParser
    note: str = ""  # why everything is disallowed, when it is for want of a robots.txt


def read_url(url: str, fetcher: Fetcher) -> Iterator[Item]:
    """One page, or every entry of a feed with each entry's link fetched for the full
    article (the entry's own content is the fallback when that fails)."""
    page = fetcher.fetch(url)
    if page.kind == "feed":
        entries = parse_feed(page.body, url, base_url=page.url)
        feed_id = document_id(url=url)
        for entry in entries:
            yield _entry_item(entry, url, feed_id, fetcher)
        return
    content, content_type = _page_content(url, page)
    yield RawDocument(source=url, content=content, content_type=content_type, id=document_id(url=url),
                      url=page.url, group=_host(page.url))


def _entry_item(entry: Entry, feed_url: str, feed_id: str, fetcher: Fetcher) -> Item:
    link = entry.link if entry.link and entry.link.startswith(("http://", "https://")) else None
    if link is not None:
        try:
            page = fetcher.fetch(link)
            content, content_type = _page_content(link, page)
            return entry.document(source=link, id=document_id(url=link), group=_host(page.url),
                                  content=content, content_type=content_type, url=page.url)
        except FetchError as error:
            if entry.content is None:
                return error.failure
            log.info("%s; using the feed's own content instead", error)
    elif entry.content is None:
        return failure(f"{feed_url}#{entry.index}", "feed entry has neither a link nor content",
                       "nothing to read here; check the feed")
    return entry.document(source=link or f"{feed_url}#{entry.index}",
                          id=document_id(url=link, stem=feed_id, index=entry.index),
                          group=_host(link or feed_url))


def _page_content(url: str, page: Page) -> tuple[str, Literal["text", "html"]]:
    kind = page.kind
    if kind not in ("html", "text"):
        raise FetchError(url, f"unsupported content type '{page.media_type or 'none'}'",
                         "give the URL of an HTML page or an RSS/Atom feed")
    text = decode_bytes(page.body, declared=page.charset, html=kind == "html")
    if text is None:
        raise FetchError(url, "cannot decode the response text", "check the page's charset")
    if not text.strip():
        raise FetchError(url, "empty response", "check the URL in a browser")
    return text, kind


def _check_status(url: str, response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    if status in (401, 403):
        advice = "the site refuses access; fetch the page another way"
    elif status == 429 or status >= 500:
        advice = "the site is busy or failing; try again later"
    else:
        advice = "check the URL"
    raise FetchError(url, f"HTTP {status}", advice)


def _network_error(url: str, error: Exception) -> FetchError:
    if isinstance(error, httpx.TimeoutException):
        return FetchError(url, "timed out", "try again later, or raise the fetcher's timeout")
    if isinstance(error, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return FetchError(url, f"not a valid http(s) URL ({error})", "check the URL")
    if isinstance(error, httpx.ConnectError):
        return FetchError(url, f"cannot connect ({error})", "check the URL and the network")
    return FetchError(url, f"request failed ({type(error).__name__}: {error})", "try again later")


def _too_big(url: str, limit: int) -> FetchError:
    return FetchError(url, f"response larger than {limit / 1_000_000:g} MB",
                      "raise the limit (--max-bytes, or the fetcher's max_bytes) if this page is really an article")


def _media_type(response: httpx.Response) -> str:
    content_type: str = response.headers.get("Content-Type", "")
    return content_type.partition(";")[0].strip().lower()


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def _host(url: str) -> str:
    return str(httpx.URL(url).host)
