"""``newstrail serve``: a read-only FastAPI + Jinja2 app over one store.

Each page has a JSON twin at the same path plus ``.json`` (``/speakers/zoe-kovac`` and
``/speakers/zoe-kovac.json``); both come from one view function in ``views.py``. The app
only answers GET, opens the database read-only, runs no script in the browser, and sends
its own security headers.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import __version__
from ..report import Series, timeline_svg
from ..search import KINDS, SearchError, SearchOptions
from ..store import Store, open_store
from . import views
from .views import NotFound

HERE = Path(__file__).resolve().parent

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


def create_app(db: str | Path | None = None, *, store: Store | None = None) -> FastAPI:
    """The app over ``db`` (a path or URL), or over an already open ``store``."""
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

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def page(template: str, data: dict[str, Any], request: Request, status: int = 200) -> HTMLResponse:
        html = env.get_template(template).render(data=data, path=request.url.path,
                                                 json_href=_json_href(request))
        return HTMLResponse(html, status_code=status)

    def not_found(request: Request, exc: NotFound, as_json: bool) -> Response:
        if as_json:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return page("error.html", {"title": "Not found", "message": str(exc)}, request, 404)

    def pair(path: str, view: Callable[..., dict[str, Any]], template: str, summary: str) -> None:
        """Register an HTML page and its JSON twin, both from one view function."""

        def html_route(request: Request, **params: str) -> Response:
            try:
                return page(template, view(store, **params), request)
            except NotFound as exc:
                return not_found(request, exc, as_json=False)

        def json_route(request: Request, **params: str) -> Response:
            try:
                return JSONResponse(view(store, **params))
            except NotFound as exc:
                return not_found(request, exc, as_json=True)

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
    pair("/stories", views.stories_view, "stories.html", "All stories")
    pair("/stories/{story_id}", views.story_view, "story.html", "One story: articles, outlets, shared quotes")
    pair("/speakers", views.speakers_view, "speakers.html", "All speakers")
    pair("/speakers/{speaker_id}", views.speaker_view, "speaker.html", "One speaker: quotes over time, by outlet")
    pair("/articles", views.articles_view, "articles.html", "All articles")
    pair("/articles/{article_id:path}", views.article_view, "article.html",
         "One article: clean text with its quotes highlighted")
    pair("/trails", views.trails_view, "trails.html", "All quote trails")
    pair("/trails/{trail_id}", views.trail_view, "trail.html", "One quote trail and its variants")

    def run_search(q: str, speaker: str | None, outlet: str | None, since: str | None, until: str | None,
                   kind: str | None, target: str, limit: int) -> tuple[dict[str, Any], int]:
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
