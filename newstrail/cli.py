"""The ``newstrail`` command: parse flags, call the library, format the result.

No pipeline logic lives here; every command is one library call.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__

EXIT_OK, EXIT_FAILURES, EXIT_ERROR = 0, 1, 2


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database path or URL (default: $NEWSTRAIL_DB or ./newstrail.db)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newstrail",
        description="Who said what, when, and who reported it: quotes and speakers from scraped news.",
    )
    parser.add_argument("--version", action="version", version=f"newstrail {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("analyze", help="analyze files, folders and URLs into the database",
                       description="Ingest, clean and extract quotes from articles; store them; rebuild speakers.")
    p.add_argument("inputs", nargs="+", metavar="PATH_OR_URL",
                   help=".txt, .html, .json, .jsonl, RSS/Atom, WARC files, folders, or http(s) URLs")
    _db_arg(p)
    p.add_argument("--batch-size", type=int, default=128, help="documents per batch (default 128)")
    p.add_argument("--max-bytes", type=_size, default=None, metavar="SIZE",
                   help="largest article read whole: a file, JSON line, archived or fetched page; larger ones "
                        "are reported and skipped (bytes, or with k/M/G; default 10M)")
    p.add_argument("--engine", choices=["local", "dask"], default=None,
                   help="where per-article work runs: local worker processes (default) or Dask distributed")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes (default: one per core; 0 runs everything in this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="Dask scheduler to use with --engine dask (default: start a local Dask cluster)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("export", help="export articles, quotes, speakers, stories or trails",
                       description="Write one kind of record as JSON lines, CSV or Parquet (stdout by default).")
    p.add_argument("kind", choices=["articles", "quotes", "speakers", "stories", "trails"])
    p.add_argument("--format", "-f", choices=["jsonl", "csv", "parquet"], default="jsonl")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    _db_arg(p)

    p = sub.add_parser("stats", help="counts of what the database holds",
                       description="Show how many articles, quotes, speakers, stories, trails and failures are stored.")
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print as JSON")

    p = sub.add_parser("report", help="write a static HTML report of what is stored",
                       description="Render speakers and articles with their quotes into one HTML page.")
    p.add_argument("-o", "--output", default="newstrail-report.html", help="file to write")
    _db_arg(p)

    p = sub.add_parser("search", help="full-text search over quotes (or articles)",
                       description='Find quotes (default) or articles containing every word of QUERY, best first, '
                                   'with the matches highlighted. QUERY may use "a phrase", prefix*, -excluded '
                                   'and OR; with a filter, QUERY may be left out.')
    p.add_argument("query", nargs="?", default="", help="words to look for")
    p.add_argument("--speaker", help="only this speaker (id, name or alias; accents optional)")
    p.add_argument("--outlet", help="only outlets whose name contains this")
    p.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY[-MM[-DD]])")
    p.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY[-MM[-DD]])")
    p.add_argument("--kind", choices=["direct", "indirect", "mixed"], help="only quotes of this kind")
    p.add_argument("--articles", action="store_true", help="search articles instead of quotes")
    p.add_argument("--limit", type=int, default=20, help="most results to show (default 20)")
    p.add_argument("--format", choices=["table", "jsonl"], default="table", help="output format (default table)")
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="same as --format jsonl")

    p = sub.add_parser("serve", help="browse the database in a web browser (read-only)",
                       description="Serve stories, speakers, articles, trails and search as web pages, each with "
                                   "a JSON twin (add .json) and an OpenAPI description at /openapi.json. "
                                   "Needs the web extra.")
    _db_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="server processes (default 1; 2 or more use more cores for many readers at once)")
    p.add_argument("--token", default=None,
                   help="access token every request must carry (Authorization: Bearer TOKEN, or open a page once "
                        "with ?token=TOKEN); required for any --host but loopback; default $NEWSTRAIL_TOKEN, "
                        "which keeps it out of the process list")
    return parser


def _size(value: str) -> int:
    """``10M``, ``500k``, ``2G`` or a number of bytes (decimal units)."""
    units = {"k": 10**3, "m": 10**6, "g": 10**9}
    text = value.strip().lower().removesuffix("b")
    factor = units.get(text[-1:], 1)
    number = text[:-1] if factor != 1 else text
    try:
        size = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size; give bytes or e.g. 500k, 20M, 1G") from None
    if size <= 0:
        raise argparse.ArgumentTypeError(f"{value!r}: the size must be positive")
    return size


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .pipeline import analyze
    from .report import progress_bar, print_summary

    with progress_bar(enabled=not args.no_progress and sys.stderr.isatty()) as advance:
        limits = {"max_bytes": args.max_bytes} if args.max_bytes else {}
        summary = analyze(args.inputs, db=args.db, batch_size=args.batch_size, progress=advance,
                          engine=args.engine, workers=args.workers, scheduler=args.scheduler, **limits)
    for failure in summary.failures:
        print(f"error: {failure.error}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_summary(summary)
    return EXIT_OK if summary.ok else EXIT_FAILURES


def _cmd_export(args: argparse.Namespace) -> int:
    from .export import export
    from .store import open_store

    with open_store(args.db) as store:
        n = export(store, args.kind, args.format, args.output)
    if args.output:
        print(f"wrote {n} {args.kind} to {args.output}", file=sys.stderr)
    return EXIT_OK


def _cmd_stats(args: argparse.Namespace) -> int:
    from .report import print_counts
    from .store import open_store

    with open_store(args.db) as store:
        counts = store.counts()
        url = store.url
    if args.json:
        print(json.dumps(counts))
    else:
        print_counts(url, counts)
    return EXIT_OK


def _cmd_search(args: argparse.Namespace) -> int:
    from .report import print_search
    from .search import SearchError, SearchOptions, search
    from .store import open_store

    options = SearchOptions(query=args.query, speaker=args.speaker, outlet=args.outlet, since=args.since,
                            until=args.until, kind=args.kind, limit=args.limit,
                            target="articles" if args.articles else "quotes")
    try:
        with open_store(args.db) as store:
            hits = search(store, options)
    except SearchError as exc:
        print(f"error: {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else ""), file=sys.stderr)
        return EXIT_ERROR
    if args.json or args.format == "jsonl":
        for hit in hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False))
    else:
        print_search(hits)
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from .web import create_app
    except ImportError as exc:
        print(f"error: the web app needs the web extra ({exc.name} is missing): pip install 'newstrail[web]'",
              file=sys.stderr)
        return EXIT_ERROR
    from .store import default_db

    import os

    token = args.token if args.token is not None else os.environ.get("NEWSTRAIL_TOKEN") or None
    if token is not None and len(token) < 16:
        print("error: the token is too short; use at least 16 random characters, e.g. "
              "NEWSTRAIL_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')", file=sys.stderr)
        return EXIT_ERROR
    if not _is_loopback(args.host):
        if token is None:
            print(f"error: --host {args.host} lets other machines connect; set a token with --token or "
                  "NEWSTRAIL_TOKEN (or keep the default --host 127.0.0.1)", file=sys.stderr)
            return EXIT_ERROR
        print(f"warning: listening on {args.host}: anyone with the token can read this database; the token "
              "travels in clear text unless a TLS proxy sits in front", file=sys.stderr)
    db = args.db or default_db()
    app = create_app(db, token=token)  # also checks the database opens before anything listens
    print(f"serving {db} read-only on http://{args.host}:{args.port}/ (Ctrl-C stops)", file=sys.stderr)
    if args.workers > 1:
        # Each worker process builds its own app; the token reaches them through the environment.
        app.state.store.close()
        os.environ["NEWSTRAIL_SERVE_DB"] = db
        if token is not None:
            os.environ["NEWSTRAIL_TOKEN"] = token
        uvicorn.run("newstrail.web.app:app_from_environment", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning")
    else:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_html
    from .store import open_store

    with open_store(args.db) as store:
        path = write_html(store, args.output)
    print(f"report: {path.resolve()}")
    return EXIT_OK


COMMANDS = {"report": _cmd_report, "analyze": _cmd_analyze, "export": _cmd_export, "stats": _cmd_stats, "search": _cmd_search,
            "serve": _cmd_serve}


def _check_db_exists(args: argparse.Namespace) -> str | None:
    """Reading commands on a database that does not exist would create an empty one."""
    from pathlib import Path

    from .store import default_db

    if args.command == "analyze":
        return None
    db = args.db or default_db()
    if "://" not in db and not Path(db).exists():
        return f"{db}: no such database; run 'newstrail analyze PATH' first or pass --db"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = _check_db_exists(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `newstrail export quotes | head`
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - one line for people, the traceback on request
        if args.debug:
            raise
        print(f"error: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
