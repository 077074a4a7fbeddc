"""search: find what someone said about something.

One function, :func:`search`, backs ``newstrail search``, the web app's search page and
the library. It takes a :class:`SearchOptions` (the query plus filters), asks the store for
ranked ids with every filter applied in SQL, and returns :class:`SearchHit` records that
carry the match positions, so each front end can highlight them its own way.

The query language is small and the same on every backend::

    port strike          every word, in any case (and, on SQLite, with or without accents)
    "walk out"           an exact phrase
    dock*                a prefix
    -mediator            leave out quotes holding this word (also: NOT mediator)
    bay OR harbour       either word

It is parsed here, not by the database, so a malformed query is one clear
:class:`QuerySyntaxError` with a hint, never a database error; each backend renders the
parsed query into its own syntax (FTS5 MATCH for SQLite, tsquery for PostgreSQL).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "Query", "QuerySyntaxError", "SearchError", "SearchHit", "SearchOptions", "Term",
    "find_matches", "parse_query", "search",
]

Target = Literal["quotes", "articles"]
KINDS = ("direct", "indirect", "mixed")

# What counts as a word: the same runs of letters and digits that SQLite's unicode61
# tokenizer and PostgreSQL's parser index, so what we highlight is what matched.
_WORD = re.compile(r"[^\W_]+")
_SNIPPET = 240  # characters of article text shown around the first match


class SearchError(ValueError):
    """A search that cannot run as asked; ``hint`` says what to do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.message, "hint": self.hint}


class QuerySyntaxError(SearchError):
    """The query text does not follow the query language."""


_SYNTAX_HINT = ('write plain words, "an exact phrase", word* for a prefix, -word to leave a word out, '
                "and OR between alternatives")


# -- the query language ----------------------------------------------------------------------
def fold(text: str) -> str:
    """Lower-case and strip accents, as SQLite's full-text index does ("Kovač" → "kovac")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(slots=True, frozen=True)
class Term:
    """One thing to look for: a word or a phrase (several words in a row), maybe a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def fts5(self) -> str:
        # Every word is a quoted FTS5 string: nothing a person types can become FTS5 syntax.
        return '"' + " ".join(self.words) + '"' + (" *" if self.prefix else "")

    def tsquery(self) -> str:
        # Words are runs of letters and digits, so they never hold a quote mark to escape.
        parts = [f"'{w}'" for w in self.words]
        if self.prefix:
            parts[-1] += ":*"
        return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


@dataclass(slots=True, frozen=True)
class Query:
    """A parsed query: every group must match (a group is alternatives joined by OR), and
    no excluded term may."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    text: str = ""

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def terms(self) -> list[Term]:
        """The terms to highlight: every wanted one, none of the excluded."""
        return [term for group in self.groups for term in group]

    def fts5(self) -> str:
        """The SQLite FTS5 MATCH expression."""
        wanted = " AND ".join(
            "(" + " OR ".join(t.fts5() for t in group) + ")" if len(group) > 1 else group[0].fts5()
            for group in self.groups
        )
        if not self.excluded:
            return wanted
        # FTS5's NOT is binary ("a NOT b"), which is exactly "wanted and none of these".
        return f"({wanted}) NOT (" + " OR ".join(t.fts5() for t in self.excluded) + ")"

    def tsquery(self) -> str:
        """The PostgreSQL ``to_tsquery`` text."""
        parts = ["(" + " | ".join(t.tsquery() for t in group) + ")" for group in self.groups]
        parts += [f"!{t.tsquery()}" for t in self.excluded]
        return " & ".join(parts)


_TOKEN = re.compile(r'"[^"]*"?|\S+')


def parse_query(text: str) -> Query:
    """Parse what a person typed; raise :class:`QuerySyntaxError` with a hint when it is malformed.

    Punctuation inside words is ignored the way the indexes ignore it ("don't" looks for the
    phrase "don t"); an empty query parses to an empty :class:`Query`.
    """
    text = text.strip()
    if text.count('"') % 2:
        raise QuerySyntaxError(f"unbalanced quote mark in {text!r}",
                               'close the phrase with a second " or remove the quote mark')
    if re.search(r"[()]", text):
        raise QuerySyntaxError(f"parentheses are not supported in {text!r}",
                               "remove them; write alternatives as: word OR word")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    negate_next = False
    for token in _TOKEN.findall(text):
        if token == "OR":
            if not groups or pending_or or negate_next:
                raise QuerySyntaxError(f"OR needs a word on each side in {text!r}",
                                       "write: word OR word")
            pending_or = True
            continue
        if token == "NOT":
            if negate_next:
                raise QuerySyntaxError(f"NOT twice in a row in {text!r}", "write: NOT word")
            negate_next = True
            continue
        negate = negate_next
        negate_next = False
        if token.startswith("-") and len(token) > 1:
            negate, token = True, token[1:]
        phrase = token.startswith('"')
        body = token.strip('"') if phrase else token
        prefix = body.endswith("*")
        # Lower-cased but accents kept: SQLite's index folds accents itself, PostgreSQL's
        # 'simple' configuration does not, so "Kovač" must reach it as written.
        words = tuple(w.casefold() for w in _WORD.findall(body))
        if not words:
            if prefix:
                raise QuerySyntaxError(f"'*' needs a word before it in {text!r}", "write a prefix like dock*")
            if phrase:
                raise QuerySyntaxError(f"empty phrase in {text!r}", 'put words between the quote marks')
            continue  # punctuation on its own: ignored, as the index ignores it
        if prefix and len(words[-1]) < 2:
            raise QuerySyntaxError(f"prefix {body!r} is too short in {text!r}",
                                   "give at least two letters before the *")
        term = Term(words, prefix)
        if negate:
            if pending_or:
                raise QuerySyntaxError(f"cannot OR a left-out word in {text!r}", "write: word OR word -other")
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        raise QuerySyntaxError(f"OR needs a word on each side in {text!r}", "write: word OR word")
    if negate_next:
        raise QuerySyntaxError(f"NOT needs a word after it in {text!r}", "write: word NOT other")
    if excluded and not groups:
        raise QuerySyntaxError(f"{text!r} only says what to leave out",
                               "add at least one word to look for: harbour -strike")
    return Query(tuple(tuple(g) for g in groups), tuple(excluded), text)


def find_matches(text: str, terms: list[Term]) -> list[list[int]]:
    """``[start, end]`` offsets in ``text`` of every occurrence of the terms, merged and sorted."""
    if not terms or not text:
        return []
    tokens = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
    spans: list[list[int]] = []
    for term in terms:
        n = len(term.words)
        words = [fold(w) for w in term.words]
        head, last = words[:-1], words[-1]
        for i in range(len(tokens) - n + 1):
            window = tokens[i:i + n]
            if all(tok[2] == w for tok, w in zip(window, head)) and (
                window[-1][2].startswith(last) if term.prefix else window[-1][2] == last
            ):
                spans.append([window[0][0], window[-1][1]])
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


# -- options and results ---------------------------------------------------------------------
def _parse_day(value: str | None, name: str, *, end: bool) -> str | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` → an ISO date bound (inclusive for ``--since``,
    exclusive for ``--until``, so that ``--until 2023-03`` keeps all of March)."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}", value):
            first, after = date(int(value), 1, 1), date(int(value) + 1, 1, 1)
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            y, m = map(int, value.split("-"))
            first = date(y, m, 1)
            after = date(y + (m == 12), m % 12 + 1, 1)
        else:
            first = date.fromisoformat(value[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
            if first is None:
                raise ValueError
            after = first + timedelta(days=1)
    except ValueError:
        raise SearchError(f"{name} {value!r} is not a date", "write it as YYYY-MM-DD (or YYYY-MM, or YYYY)") from None
    return (after if end else first).isoformat()


@dataclass(slots=True)
class SearchOptions:
    """What to look for and where: the query and its filters, as every front end passes them."""

    query: str = ""
    speaker: str | None = None  # a speaker's id, name or alias (any case, accents optional)
    outlet: str | None = None  # part of an outlet's name, any case
    since: str | None = None  # YYYY[-MM[-DD]], inclusive
    until: str | None = None  # YYYY[-MM[-DD]], inclusive
    kind: str | None = None  # direct | indirect | mixed (quotes only)
    target: Target = "quotes"
    limit: int = 20

    def validated(self) -> tuple[Query, str | None, str | None]:
        """Check every field; return the parsed query and the date bounds."""
        if self.target not in ("quotes", "articles"):
            raise SearchError(f"cannot search {self.target!r}", "search quotes or articles")
        if self.kind and self.kind not in KINDS:
            raise SearchError(f"unknown quote kind {self.kind!r}", f"use one of {', '.join(KINDS)}")
        if self.kind and self.target == "articles":
            raise SearchError("--kind applies to quotes, not articles", "drop --kind or search quotes")
        if not 1 <= int(self.limit) <= 1000:
            raise SearchError(f"limit {self.limit} is out of range", "use a limit from 1 to 1000")
        query = parse_query(self.query or "")
        since = _parse_day(self.since, "since", end=False)
        until = _parse_day(self.until, "until", end=True)
        if since and until and since >= until:
            raise SearchError(f"since {self.since} is after until {self.until}", "swap the two dates")
        return query, since, until

    @property
    def filtered(self) -> bool:
        return any((self.speaker, self.outlet, self.since, self.until, self.kind))


@dataclass(slots=True)
class SearchHit:
    """One result. ``highlights`` are ``[start, end]`` offsets of the matches in ``text``."""

    target: Target
    id: str  # the quote's id, or the article's
    text: str  # the quote, or a snippet of the article around the first match
    highlights: list[list[int]] = field(default_factory=list)
    article_id: str = ""
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    speaker: str | None = None
    speaker_id: str | None = None
    kind: str | None = None  # the quote's kind
    score: float = 0.0  # higher is better; comparable within one result list only

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    def marked(self, open_: str = "[", close: str = "]") -> str:
        """The text with each match wrapped in ``open_``/``close``."""
        out, pos = [], 0
        for start, end in self.highlights:
            out += [self.text[pos:start], open_, self.text[start:end], close]
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, is_match) pairs: what an HTML template escapes and marks."""
        out, pos = [], 0
        for start, end in self.highlights:
            if start > pos:
                out.append((self.text[pos:start], False))
            out.append((self.text[start:end], True))
            pos = end
        if pos < len(self.text):
            out.append((self.text[pos:], False))
        return out


def resolve_speakers(store: Store, name: str) -> list[str]:
    """Ids of the speakers whose id, name or an alias contains ``name`` (folded)."""
    wanted = fold(name.strip())
    if not wanted:
        return []
    exact, partial = [], []
    for speaker in store.iter_speakers():
        names = [speaker.id, speaker.name, *speaker.aliases]
        folded = [fold(n) for n in names]
        if wanted in folded:
            exact.append(speaker.id)
        elif any(wanted in n for n in folded):
            partial.append(speaker.id)
    # "Marsh" may name two people; an exact name or id picks one.
    return exact or partial


def _snippet(body: str, spans: list[list[int]]) -> tuple[str, list[list[int]]]:
    """A window of the article around its first match, with the match offsets moved into it."""
    if len(body) <= _SNIPPET:
        return body.replace("\n", " "), spans
    first = spans[0][0] if spans else 0
    start = max(0, first - _SNIPPET // 3)
    if start:  # begin at a word boundary
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(body), start + _SNIPPET)
    if end < len(body):
        space = body.rfind(" ", start, end)
        end = space if space > start else end
    text = body[start:end].replace("\n", " ")  # one line; same length, so offsets still hold
    inside = [[s - start, e - start] for s, e in spans if s >= start and e <= end]
    prefix = "…" if start else ""
    suffix = "…" if end < len(body) else ""
    if prefix:
        inside = [[s + 1, e + 1] for s, e in inside]
    return prefix + text + suffix, inside


def search(store: Store, options: SearchOptions | str = "", **fields: Any) -> list[SearchHit]:
    """Ranked hits for ``options`` (or a query string plus keyword filters).

    Quotes rank by the full-text score (BM25 in SQLite, ``ts_rank`` in PostgreSQL), newer
    articles first among equals; with no query words the filters alone list quotes, newest
    first. Raises :class:`SearchError` (or :class:`QuerySyntaxError`) for bad input.
    """
    if isinstance(options, str):
        options = SearchOptions(query=options, **fields)
    query, since, until = options.validated()
    if not query and not options.filtered:
        raise SearchError("nothing to search for", "give some words, or a filter such as --speaker or --outlet")
    speaker_ids = None
    if options.speaker:
        speaker_ids = resolve_speakers(store, options.speaker)
        if not speaker_ids:
            return []
    ranked = store.search_ranked(
        options.target, query if query else None, speaker_ids=speaker_ids, outlet=options.outlet,
        since=since, until=until, kind=options.kind, limit=int(options.limit),
    )
    terms = query.terms
    hits: list[SearchHit] = []
    if options.target == "quotes":
        scores = dict(ranked)
        quotes = store.get_quotes(scores)
        articles = {a.id: a for a in store.get_articles(q.article_id for q in quotes)}
        for quote in quotes:
            article, score = articles.get(quote.article_id), scores[quote.id]
            hits.append(SearchHit(
                target="quotes", id=quote.id, text=quote.text, highlights=find_matches(quote.text, terms),
                article_id=quote.article_id, title=article.title if article else None,
                outlet=article.outlet if article else None, published=article.published if article else None,
                speaker=quote.speaker, speaker_id=quote.speaker_id, kind=quote.kind, score=score,
            ))
    else:
        articles = {a.id: a for a in store.get_articles([i for i, _ in ranked])}
        for article_id, score in ranked:
            article = articles.get(article_id)
            if article is None:
                continue
            text, spans = _snippet(article.body, find_matches(article.body, terms))
            hits.append(SearchHit(
                target="articles", id=article.id, text=text, highlights=spans, article_id=article.id,
                title=article.title, outlet=article.outlet, published=article.published, score=score,
            ))
    return hits
