"""``newstrail serve``: a read-only FastAPI + Jinja2 app over one store.

Each page has a JSON twin at the same path plus ``.json`` (``/speakers/zoe-kovac`` and
``/speakers/zoe-kovac.json``); both come from one view function in ``views.py``. The app
only answers GET, opens the database read-only, runs no script in the browser, and sends
its own security headers.

Access: with a token configured (``create_app(token=…)``; ``newstrail serve`` requires one
for any address but loopback), every request must carry it as ``Authorization: Bearer …``,
or the cookie that opening any page once with ``?token=…`` sets. Tokens are compared in
constant time. Without a token the app answers only requests addressed to a loopback name,
so a web page elsewhere cannot reach it through DNS rebinding.
"""
from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import __version__
from ..report import Series, timeline_svg
from ..search import KINDS, SearchError, SearchOptions
from ..store import Store, open_store
from . import views
from .reads import Page
from .views import BadRequest, NotFound

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)

TOKEN_COOKIE = "newstrail_token"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
MAX_PAGE = 1_000_000
MAX_QUERY_CHARS = 500  # the words of a search
MAX_FIELD_CHARS = 200  # a speaker, an outlet, a date

# No inline script or style anywhere, so the policy can forbid both; nothing is fetched
# from another origin. frame-ancestors and X-Frame-Options keep the pages out of frames.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def _read_only(store: Store) -> None:
    """Make every later connection of a SQL store refuse writes: the app never writes, and
    this turns a mistake into an error instead of a change."""
    engine = getattr(store, "engine", None)
    if not isinstance(engine, sa.Engine):
        return
    statement = {"sqlite": "PRAGMA query_only = ON",
                 "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"}.get(engine.dialect.name)
    if statement is None:
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
        cur = dbapi_conn.cursor()
        cur.execute(statement)
        cur.close()
        if engine.dialect.name == "postgresql":
            dbapi_conn.commit()

    engine.dispose()  # connections opened before (the migration check) are dropped


def _templates() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html"], default=True))

    def timeline(rows: list[dict[str, Any]], title: str, unit: str):
        return timeline_svg([Series(r["label"], r["per_day"], r.get("href")) for r in rows], title=title, unit=unit)

    def href_article(article_id: str, quote_id: str | None = None) -> str:
        return views.href("articles", article_id) + (f"#q-{quote(quote_id, safe='')}" if quote_id else "")

    env.globals.update(timeline=timeline, version=__version__, kinds=KINDS, href_article=href_article)
    return env


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison, so response times say nothing about how much of a guess was right."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"),
                                                     token.encode("utf-8", "surrogateescape"))


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _host_name(request: Request) -> str:
    host = request.headers.get("host", "")
    if host.startswith("["):  # [::1]:8000
        return host[:host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _loopback_name(host: str) -> bool:
    import ipaddress

    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(db: str | Path | None = None, *, store: Store | None = None, token: str | None = None) -> FastAPI:
    """The app over ``db`` (a path or URL), or over an already open ``store``; with ``token``,
    only requests that carry it are answered."""
    own = store is None
    store = store or open_store(db)
    _read_only(store)
    env = _templates()

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> Iterator[None]:
        yield
        if own:
            store.close()

    app = FastAPI(
        title="newstrail", version=__version__, lifespan=lifespan,
        description="Read-only pages and JSON over a newstrail database: stories, speakers, articles, "
                    "quote trails and search. Every HTML page has a JSON twin at the same path plus `.json`.",
        # The interactive docs pages load script from a CDN; the description stays at /openapi.json.
        docs_url=None, redoc_url=None,
    )
    app.state.store = store
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def problem(request: Request, status: int, title: str, message: str, headers: dict[str, str] | None = None,
                *, render: bool = True) -> Response:
        """An error in the form the client asked for: JSON for ``….json`` paths, else a page."""
        if request.url.path.endswith(".json") or request.url.path == "/openapi.json" or not render:
            response: Response = JSONResponse({"error": message}, status_code=status)
        else:
            response = page("error.html", {"title": title, "message": message}, request, status)
        response.headers.update(headers or {})
        return response

    def refused(request: Request) -> Response | None:
        """Why this request may not be answered (a response), or None when it may."""
        # PostgreSQL text cannot hold NUL, and no id or search needs one: refuse it up front.
        if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b""):
            return problem(request, 400, "Bad request", "NUL characters are not allowed in addresses")
        if token is None:
            if not _loopback_name(_host_name(request)):
                # A page elsewhere that rebinds its DNS name to 127.0.0.1 must not read the corpus.
                return problem(request, 400, "Bad request", "this server answers only requests to 127.0.0.1 "
                               "or localhost; serve with --token to allow other names", render=False)
            return None
        given = request.query_params.get("token")
        if given is not None and request.method == "GET":
            if not token_matches(given, token):
                return problem(request, 401, "Token required", "wrong token", {"WWW-Authenticate": "Bearer"},
                               render=False)
            # Remember it in a cookie and drop it from the address (history, logs, bookmarks).
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            # The path as sent (ids stay percent-encoded), and never "//host/…", which a browser
            # would follow to another site.
            path = "/" + (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1").lstrip("/")
            response = RedirectResponse(path + (f"?{urlencode(rest)}" if rest else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", path="/")
            return response
        if token_matches(_bearer(request), token) or token_matches(request.cookies.get(TOKEN_COOKIE), token):
            return None
        return problem(request, 401, "Token required",
                       "this server needs its access token: send 'Authorization: Bearer TOKEN', "
                       "or open any page once with ?token=TOKEN", {"WWW-Authenticate": "Bearer"}, render=False)

    # One middleware, the outermost layer: it checks access first and adds the security
    # headers to every answer, refusals, errors and static files included.
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable) -> Response:
        response = refused(request)
        if response is None:
            try:
                response = await call_next(request)
            except Exception:  # noqa: BLE001 - logged here; the client gets no traceback
                log.exception("error answering %s", request.url.path)
                response = JSONResponse({"error": "internal error; see the server's log"}, status_code=500)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if token is not None:
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI would answer 422 with its own structure; a plain 400 says it the same way everywhere.
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ())[1:]) or "request"
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return problem(request, 400, "Bad request", "; ".join(parts) or "invalid parameters")

    def page_of(request: Request) -> Page:
        raw = request.query_params.get("page", "1")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and 1 <= int(raw) <= MAX_PAGE):
            raise BadRequest(f"page {raw[:40]!r} is not a page number; give a whole number from 1 to {MAX_PAGE}")
        return Page(int(raw))

    def page(template: str, data: dict[str, Any], request: Request, status: int = 200) -> HTMLResponse:
        html = env.get_template(template).render(data=data, path=request.url.path,
                                                 json_href=_json_href(request))
        return HTMLResponse(html, status_code=status)

    def not_found(request: Request, exc: NotFound, as_json: bool) -> Response:
        if as_json:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return page("error.html", {"title": "Not found", "message": str(exc)}, request, 404)

    def pair(path: str, view: Callable[..., dict[str, Any]], template: str, summary: str,
             paged: bool = False) -> None:
        """Register an HTML page and its JSON twin, both from one view function; a ``paged``
        view shows one page of its list, chosen by ``?page=N``."""

        def html_route(request: Request, **params: str) -> Response:
            try:
                extra = {"page": page_of(request)} if paged else {}
                return page(template, view(store, **params, **extra), request)
            except NotFound as exc:
                return not_found(request, exc, as_json=False)
            except BadRequest as exc:
                return problem(request, 400, "Bad request", str(exc))

        def json_route(request: Request, **params: str) -> Response:
            try:
                extra = {"page": page_of(request)} if paged else {}
                return JSONResponse(view(store, **params, **extra))
            except NotFound as exc:
                return not_found(request, exc, as_json=True)
            except BadRequest as exc:
                return problem(request, 400, "Bad request", str(exc))

        names = [p.split("}")[0].split(":")[0] for p in path.split("{")[1:]]
        for func in (html_route, json_route):
            func.__signature__ = _signature(names)  # type: ignore[attr-defined]
        json_path = "/index.json" if path == "/" else path + ".json"
        # The JSON route first: "/speakers/{id}" would otherwise also match "…/x.json".
        app.add_api_route(json_path, json_route, methods=["GET"], summary=summary + " (JSON)",
                          response_class=JSONResponse, tags=["json"])
        app.add_api_route(path, html_route, methods=["GET"], summary=summary, response_class=HTMLResponse,
                          tags=["pages"])

    pair("/", views.index_view, "index.html", "Corpus overview")
    pair("/stories", views.stories_view, "stories.html", "All stories", paged=True)
    pair("/stories/{story_id}", views.story_view, "story.html", "One story: articles, outlets, shared quotes")
    pair("/speakers", views.speakers_view, "speakers.html", "All speakers", paged=True)
    pair("/speakers/{speaker_id}", views.speaker_view, "speaker.html", "One speaker: quotes over time, by outlet",
         paged=True)
    pair("/articles", views.articles_view, "articles.html", "All articles", paged=True)
    pair("/articles/{article_id:path}", views.article_view, "article.html",
         "One article: clean text with its quotes highlighted")
    pair("/trails", views.trails_view, "trails.html", "All quote trails", paged=True)
    pair("/trails/{trail_id}", views.trail_view, "trail.html", "One quote trail and its variants")

    def run_search(q: str, speaker: str | None, outlet: str | None, since: str | None, until: str | None,
                   kind: str | None, target: str, limit: int) -> tuple[dict[str, Any], int]:
        fields = {"speaker": speaker, "outlet": outlet, "since": since, "until": until, "kind": kind, "target": target}
        too_long = [("q", q, MAX_QUERY_CHARS)] + [(name, value, MAX_FIELD_CHARS) for name, value in fields.items()]
        for name, value, most in too_long:
            if value is not None and len(value) > most:
                error = SearchError(f"{name} is {len(value)} characters long", f"keep it under {most} characters")
                data = views.search_view(store, SearchOptions())
                data["error"] = error.to_dict()
                return data, 400
        if target not in ("quotes", "articles", ""):
            data = views.search_view(store, SearchOptions())
            data["error"] = SearchError(f"cannot search {target[:40]!r}", "search quotes or articles").to_dict()
            return data, 400
        options = SearchOptions(query=q, speaker=speaker or None, outlet=outlet or None, since=since or None,
                                until=until or None, kind=kind or None,
                                target="articles" if target == "articles" else "quotes", limit=limit)
        try:
            return views.search_view(store, options), 200
        except SearchError as exc:
            data = views.search_view(store, SearchOptions(target=options.target))
            data["options"].update({k: v for k, v in vars_of(options).items()})
            data["error"] = exc.to_dict()
            return data, 400

    @app.get("/search.json", tags=["json"], summary="Search quotes or articles (JSON)")
    def search_json(q: str = "", speaker: str | None = None, outlet: str | None = None, since: str | None = None,
                    until: str | None = None, kind: str | None = Query(None, description="direct | indirect | mixed"),
                    target: str = Query("quotes", description="quotes | articles"),
                    limit: int = Query(20, ge=1, le=200)) -> JSONResponse:
        data, status = run_search(q, speaker, outlet, since, until, kind, target, limit)
        return JSONResponse(data, status_code=status)

    @app.get("/search", response_class=HTMLResponse, tags=["pages"], summary="Search quotes or articles")
    def search_html(request: Request, q: str = "", speaker: str | None = None, outlet: str | None = None,
                    since: str | None = None, until: str | None = None, kind: str | None = None,
                    target: str = "quotes", limit: int = Query(20, ge=1, le=200)) -> HTMLResponse:
        data, status = run_search(q, speaker, outlet, since, until, kind, target, limit)
        data["choices"] = views.choices(store)
        return page("search.html", data, request, status)

    return app


def app_from_environment() -> FastAPI:
    """The app for each of ``newstrail serve --workers N``'s processes: the database and the
    token come through the environment, never the command line."""
    import os

    return create_app(os.environ["NEWSTRAIL_SERVE_DB"], token=os.environ.get("NEWSTRAIL_TOKEN") or None)


def vars_of(options: SearchOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in options.__dataclass_fields__}


def _json_href(request: Request) -> str:
    raw = request.scope.get("raw_path")  # as the client sent it: ids stay percent-encoded
    path = (raw.decode("latin-1") if raw else request.url.path).rstrip("/")
    target = "/index.json" if not path else path + ".json"
    return target + (f"?{request.url.query}" if request.url.query else "")


def _signature(names: list[str]):
    """A signature FastAPI can read: the request plus one string path parameter per name."""
    import inspect

    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=str) for n in names]
    return inspect.Signature(params)
