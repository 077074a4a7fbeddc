"""What people see: the progress bar, terminal tables, and the static HTML report.

Article text is untrusted: the HTML report is rendered with autoescaping on.
"""
from __future__ import annotations

import contextlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .records import Article, Quote, Speaker, Story

if TYPE_CHECKING:
    from .pipeline import Summary
    from .search import SearchHit
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
        ("stories", summary.stories), ("quote trails", summary.trails),
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


def print_search(hits: list[SearchHit]) -> None:
    """Search hits as a table; matches in bold yellow. Text goes in as plain ``Text``, never as markup."""
    if not hits:
        console.print("no matches", style="dim")
        return
    quotes = hits[0].target == "quotes"
    table = Table(show_lines=False, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("speaker" if quotes else "title", ratio=1, overflow="fold")
    table.add_column("outlet", ratio=1, overflow="fold")
    table.add_column("date", no_wrap=True)
    table.add_column("quote" if quotes else "text", ratio=4)
    for n, hit in enumerate(hits, 1):
        text = Text(hit.text)
        for start, end in hit.highlights:
            text.stylize("bold yellow", start, end)
        first = (hit.speaker or "unattributed") if quotes else (hit.title or hit.id)
        table.add_row(str(n), Text(first), Text(hit.outlet or "—"), Text((hit.published or "—")[:10]), text)
    # Piped or captured output has no width to fit: use a wide one rather than wrapping at 80.
    (console if console.is_terminal else Console(width=200)).print(table)


# -- shared views: what the report and the web app both show ----------------------------------
@dataclass(slots=True)
class Overview:
    articles: int = 0
    outlets: list[tuple[str, int]] = field(default_factory=list)  # (outlet, articles), most first
    first: str | None = None  # earliest publication date (YYYY-MM-DD)
    last: str | None = None
    undated: int = 0
    speakers: int = 0
    quotes: int = 0
    stories: int = 0
    trails: int = 0
    failures: int = 0
    removed_blocks: int = 0  # boilerplate pieces removed by cleaning
    removed_chars: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def day(published: str | None) -> str | None:
    """The calendar day of an ISO timestamp, or None."""
    return published[:10] if published and re.match(r"\d{4}-\d{2}-\d{2}", published) else None


def overview(store: Store, articles: Iterable[Article] | None = None) -> Overview:
    view = Overview()
    outlets: Counter[str] = Counter()
    days: list[str] = []
    for article in store.iter_articles() if articles is None else articles:
        view.articles += 1
        outlets[article.outlet or "unknown outlet"] += 1
        d = day(article.published)
        if d:
            days.append(d)
        else:
            view.undated += 1
        view.removed_blocks += len(article.removed)
        view.removed_chars += sum(len(r) for r in article.removed)
    counts = store.counts()
    view.outlets = sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))
    view.first, view.last = (min(days), max(days)) if days else (None, None)
    view.speakers, view.quotes = counts.get("speakers", 0), counts.get("quotes", 0)
    view.stories, view.trails, view.failures = counts.get("stories", 0), counts.get("trails", 0), counts.get("failures", 0)
    return view


@dataclass(slots=True)
class Series:
    """One row of a timeline: a label, where it links to, and a count per day."""

    label: str
    per_day: dict[str, int]
    href: str | None = None

    @property
    def total(self) -> int:
        return sum(self.per_day.values())


def _ordinal(d: str) -> int:
    return date.fromisoformat(d).toordinal()


def timeline_svg(rows: list[Series], *, title: str, unit: str = "items") -> Markup:
    """An inline SVG timeline: one row per series, a dot per day sized by its count.

    Self-contained (no script, no external style); every label is escaped, and each dot has a
    ``<title>`` so the counts can be read without a mouse.
    """
    rows = [r for r in rows if r.per_day]
    if not rows:
        return Markup('<p class="empty">No dated {} to draw.</p>').format(unit)
    days = sorted({d for r in rows for d in r.per_day})
    lo, hi = _ordinal(days[0]), _ordinal(days[-1])
    span = max(hi - lo, 1)
    label_w, plot_w, row_h, top = 180, 510, 24, 24
    width, height = label_w + plot_w + 20, top + row_h * len(rows) + 26
    peak = max(c for r in rows for c in r.per_day.values())

    def x(d: str) -> float:
        return label_w + (plot_w * (_ordinal(d) - lo) / span if hi > lo else plot_w / 2)

    # The wrapper scrolls sideways on a narrow screen instead of shrinking the labels
    # to nothing; it takes focus so the keyboard can scroll it too.
    parts = [Markup('<div class="timeline-wrap" tabindex="0" role="group" aria-label="{}">').format(title),
             Markup('<svg class="timeline" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}" '
                    'xmlns="http://www.w3.org/2000/svg">').format(width, height, title),
             Markup("<title>{}</title>").format(title)]
    for n, row in enumerate(rows):
        y = top + row_h * n + row_h / 2
        label = row.label if len(row.label) <= 24 else row.label[:23] + "…"
        parts.append(Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>').format(
            label_w, y, label_w + plot_w, y))
        text = Markup('<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#333">{}<title>{}</title></text>'
                      ).format(label_w - 8, y + 4, label, f"{row.label}: {row.total} {unit}")
        if row.href:
            text = Markup('<a href="{}">{}</a>').format(row.href, text)
        parts.append(text)
        for d, count in sorted(row.per_day.items()):
            r = 3 + 6 * (count / peak) ** 0.5
            parts.append(Markup('<circle cx="{:.1f}" cy="{}" r="{:.1f}" fill="#2a6f97" fill-opacity="0.75">'
                                '<title>{}</title></circle>').format(
                x(d), y, r, f"{row.label}: {count} {unit} on {d}"))
    axis_y = top + row_h * len(rows) + 4
    parts.append(Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>').format(
        label_w, axis_y, label_w + plot_w, axis_y))
    ticks = [days[0], days[-1]] if hi > lo else [days[0]]
    if hi - lo > 2:
        ticks.insert(1, date.fromordinal(lo + span // 2).isoformat())
    for tick, anchor in zip(ticks, ("start", "middle", "end") if len(ticks) == 3 else ("start", "end")):
        if len(ticks) == 1:
            anchor = "middle"
        parts.append(Markup('<text x="{:.1f}" y="{}" font-size="11" text-anchor="{}" fill="#555">{}</text>').format(
            x(tick), axis_y + 16, anchor, tick))
    parts.append(Markup("</svg></div>"))
    return Markup("").join(parts)


def speaker_series(speakers: list[Speaker], quotes: Iterable[Quote], published: dict[str, str | None],
                   href: Callable[[Speaker], str | None] = lambda s: None, top: int = 12) -> list[Series]:
    """Quotes per speaker per day, for the ``top`` most quoted speakers."""
    wanted = {s.id: s for s in speakers[:top]}
    per: dict[str, Counter[str]] = {sid: Counter() for sid in wanted}
    for quote in quotes:
        d = day(published.get(quote.article_id))
        if quote.speaker_id in per and d:
            per[quote.speaker_id][d] += 1
    return [Series(wanted[sid].name, dict(per[sid]), href(wanted[sid])) for sid in wanted]


def story_series(stories: list[Story], published: dict[str, str | None],
                 href: Callable[[Story], str | None] = lambda s: None) -> list[Series]:
    """Articles per story per day."""
    rows = []
    for story in stories:
        per = Counter(d for a in story.article_ids if (d := day(published.get(a))))
        rows.append(Series(story.title or story.id, dict(per), href(story)))
    return rows


@dataclass(slots=True)
class Piece:
    """A run of article text, and the quote it belongs to (None for plain text)."""

    text: str
    quote: Quote | None = None


def paragraphs(text: str, quotes: Iterable[Quote]) -> list[list[Piece]]:
    """Cut ``text`` into paragraphs of pieces, each quote span its own piece.

    Quotes are placed by their offsets (``spans``, else ``start``/``end``); where two overlap the
    earlier-starting one keeps the overlap, so every character is shown exactly once.
    """
    owner: list[Quote | None] = [None] * len(text)
    for quote in sorted(quotes, key=lambda q: (q.start, -(q.end - q.start)), reverse=True):
        for start, end in (quote.spans or [[quote.start, quote.end]]):
            for i in range(max(0, start), min(len(text), end)):
                owner[i] = quote
    out: list[list[Piece]] = [[]]
    pos = 0
    while pos < len(text):
        if text.startswith("\n\n", pos):
            while pos < len(text) and text[pos] == "\n":
                pos += 1
            out.append([])
            continue
        end = pos + 1
        while end < len(text) and owner[end] is owner[pos] and not text.startswith("\n\n", end):
            end += 1
        out[-1].append(Piece(text[pos:end], owner[pos]))
        pos = end
    return [p for p in out if p]


# -- the static report ---------------------------------------------------------------------------
def _env():
    from jinja2 import Environment, PackageLoader, select_autoescape

    # Autoescaping on for every template: article text, titles and outlet names are untrusted.
    return Environment(loader=PackageLoader("newstrail", "templates"),
                       autoescape=select_autoescape(["html", "svg"], default=True))


def render_html(store: Store) -> str:
    """The whole report as one self-contained HTML page (no script, nothing fetched)."""
    articles: list[Article] = sorted(store.iter_articles(), key=lambda a: (a.published or "", a.id))
    by_id = {a.id: a for a in articles}
    published = {a.id: a.published for a in articles}
    quotes: dict[str, list[Quote]] = defaultdict(list)  # by article
    by_speaker: dict[str, list[Quote]] = defaultdict(list)
    all_quotes = list(store.iter_quotes())
    for quote in all_quotes:
        quotes[quote.article_id].append(quote)
        if quote.speaker_id:
            by_speaker[quote.speaker_id].append(quote)
    for items in by_speaker.values():
        items.sort(key=lambda q: (published.get(q.article_id) or "", q.article_id, q.start))
    speakers = list(store.iter_speakers())
    stories = list(store.iter_stories())
    trails = list(store.iter_trails())
    stories.sort(key=lambda s: (-len(s.article_ids), s.id))
    return _env().get_template("report.html").render(
        overview=overview(store, articles),
        speakers=speakers,
        articles=articles,
        by_id=by_id,
        quotes=quotes,
        by_speaker=by_speaker,
        stories=stories,
        story_articles={s.id: [by_id[a] for a in s.article_ids if a in by_id] for s in stories},
        trails=trails,
        day=day,
        speaker_timeline=timeline_svg(
            speaker_series(speakers, all_quotes, published, href=lambda s: f"#speaker-{s.id}"),
            title="Quotes per speaker over time", unit="quotes"),
        story_timeline=timeline_svg(
            story_series(stories[:15], published, href=lambda s: f"#story-{s.id}"),
            title="Articles per story over time", unit="articles"),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_html(store: Store, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(store), encoding="utf-8")
    return path
