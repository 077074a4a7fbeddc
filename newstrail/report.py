"""What people see: the progress bar, terminal tables, and the static HTML report.

Article text is untrusted: the HTML report is rendered with autoescaping on.
"""
from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from .pipeline import Summary
    from .records import Article, Quote
    from .store import Store

console = Console()


@contextlib.contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """Yield an ``advance(n)`` callback; a live bar on a terminal, nothing otherwise.

    The total is unknown while ingest streams, so the bar counts and shows a rate.
    """
    if not enabled:
        yield None
        return
    with Progress(SpinnerColumn(), TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("analyze", total=None, rate="")

        def advance(n: int) -> None:
            bar.advance(task, n)
            elapsed = bar.tasks[0].elapsed or 0
            if elapsed:
                bar.update(task, rate=f"{bar.tasks[0].completed / elapsed:.1f} docs/s")

        yield advance


def print_summary(summary: Summary) -> None:
    table = Table(title="newstrail analyze", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in (
        ("documents seen", summary.seen), ("added", summary.added), ("updated", summary.updated),
        ("unchanged", summary.unchanged), ("duplicates skipped", summary.duplicates),
        ("quotes extracted", summary.quotes), ("speakers (corpus)", summary.speakers),
        ("failed", summary.failed), ("seconds", f"{summary.seconds:.1f}"),
    ):
        table.add_row(label, str(value))
    console.print(table)
    console.print(f"database: {summary.db}")


def print_counts(url: str, counts: dict[str, int]) -> None:
    table = Table(title=url)
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, n in counts.items():
        table.add_row(kind, str(n))
    console.print(table)


def print_search(hits: list) -> None:
    for hit in hits:
        if hasattr(hit, "speaker"):
            console.print(f"[bold]{hit.speaker or 'unknown'}[/bold] ({hit.article_id}): {hit.text}", markup=True,
                          highlight=False)
        else:
            console.print(f"[bold]{hit.id}[/bold] {hit.title or ''} — {hit.outlet or 'unknown outlet'}",
                          highlight=False)


def render_html(store: Store) -> str:
    """A one-page report: speakers by quote count, then each article with its quotes."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("newstrail", "templates"), autoescape=select_autoescape(["html"]))
    quotes: dict[str, list[Quote]] = defaultdict(list)
    for quote in store.iter_quotes():
        quotes[quote.article_id].append(quote)
    articles: list[Article] = sorted(store.iter_articles(), key=lambda a: (a.published or "", a.id))
    return env.get_template("report.html").render(
        speakers=list(store.iter_speakers()),
        articles=articles,
        quotes=quotes,
        counts=store.counts(),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(store: Store, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(store), encoding="utf-8")
    return path
