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
                       description="Find quotes (default) or articles containing every word of QUERY.")
    p.add_argument("query")
    p.add_argument("--articles", action="store_true", help="search articles instead of quotes")
    p.add_argument("--limit", type=int, default=20)
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="print JSON lines")
    return parser


def _cmd_analyze(args: argparse.Namespace) -> int:
    from .pipeline import analyze
    from .report import progress_bar, print_summary

    with progress_bar(enabled=not args.no_progress and sys.stderr.isatty()) as advance:
        summary = analyze(args.inputs, db=args.db, batch_size=args.batch_size, progress=advance)
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
    from .store import open_store

    with open_store(args.db) as store:
        hits = (store.search_articles if args.articles else store.search_quotes)(args.query, args.limit)
    if args.json:
        for hit in hits:
            print(json.dumps(hit.to_dict(), ensure_ascii=False))
    else:
        print_search(hits)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_html
    from .store import open_store

    with open_store(args.db) as store:
        path = write_html(store, args.output)
    print(f"report: {path.resolve()}")
    return EXIT_OK


COMMANDS = {"report": _cmd_report, "analyze": _cmd_analyze, "export": _cmd_export, "stats": _cmd_stats, "search": _cmd_search}


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
