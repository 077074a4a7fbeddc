"""JSON and JSON Lines: one article per object, whatever the scraper named its fields."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..records import RawDocument
from .decoding import decode_bytes, looks_like_html
from .errors import IngestError, Item, failure
from .ids import document_id, file_stem
from .limits import DEFAULT_MAX_BYTES, open_regular, read_limited, too_big

# First present field wins, in this order.
ID_FIELDS = ("id", "_id", "guid", "uuid")
URL_FIELDS = ("url", "link", "canonical_url")
TITLE_FIELDS = ("title", "headline")
TEXT_FIELDS = ("text", "body", "content", "maintext", "article")
HTML_FIELDS = ("html", "raw_html", "content_html")
PUBLISHED_FIELDS = ("published", "date", "publish_date", "date_publish", "pubDate", "datePublished",
                    "published_at")
OUTLET_FIELDS = ("outlet", "source", "publisher", "site_name", "source_name")
BYLINE_FIELDS = ("byline", "author", "authors")

_NO_CONTENT = f"no text or html field; expected one of {', '.join(TEXT_FIELDS + HTML_FIELDS)}"


def read_json(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """A ``.json`` file holding one article object or a list of them.

    The file is parsed whole (the standard library cannot stream a JSON array);
    large collections belong in JSON Lines, which is read a line at a time.
    """
    source = str(path)
    data = _parse(read_limited(path, max_bytes), source, "fix the file or convert it to JSON Lines")
    if isinstance(data, Mapping):
        yield document_from_object(data, source, container=source)
    elif isinstance(data, list):
        for n, obj in enumerate(data, start=1):
            yield document_from_object(obj, f"{source}#{n}", container=source, index=n)
    else:
        raise IngestError(source, f"expected an object or a list of objects, found {type(data).__name__}",
                          "give one article object or a list of them")


def read_jsonl(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Item]:
    """A JSON Lines file, one article object per line; ``#N`` is the line number.

    The file may be any size; one line may be at most ``max_bytes`` (a longer one is
    reported and skipped without ever being held whole).
    """
    source = str(path)
    with open_regular(path) as lines:
        for n, line in enumerate(iter(lambda: lines.readline(max_bytes + 1), b""), start=1):
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while (rest := lines.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass  # the rest of the over-long line, dropped piece by piece
                yield too_big(f"{source}#{n}", max_bytes, "line longer than").failure
                continue
            if not line.strip():
                continue
            try:
                obj = _parse(line, f"{source}#{n}", "fix or remove that line")
            except IngestError as error:  # one bad line must not end the file
                yield error.failure
                continue
            yield document_from_object(obj, f"{source}#{n}", container=source, index=n)


def document_from_object(obj: Any, source: str, *, container: str, index: int | None = None) -> Item:
    """Map one article object from the file ``container`` onto a RawDocument, or a
    Failure naming what is missing. ``index`` is its place in a multi-item file."""
    if not isinstance(obj, Mapping):
        return failure(source, f"expected a JSON object, found {type(obj).__name__}",
                       "give one article object per item")
    # Plain text first: it is what the scraper extracted as the article. Scrapers also
    # put markup in text fields, so that is checked rather than trusted.
    if (text := _first_text(obj, TEXT_FIELDS)) is not None:
        content, is_html = text, looks_like_html(text)
    elif (html := _first_text(obj, HTML_FIELDS)) is not None:
        content, is_html = html, True
    else:
        return failure(source, _NO_CONTENT, "add the article text or remove this item")
    url = _first_text(obj, URL_FIELDS)
    outlet = _name(_first(obj, OUTLET_FIELDS))
    return RawDocument(
        source=source,
        content=content,
        content_type="html" if is_html else "text",
        id=document_id(given=_first(obj, ID_FIELDS), url=url, stem=file_stem(container), index=index),
        url=url,
        title=_first_text(obj, TITLE_FIELDS),
        byline=_byline(_first(obj, BYLINE_FIELDS)),
        outlet=outlet,
        published=_scalar_text(_first(obj, PUBLISHED_FIELDS)),
        group=outlet or container,
    )


def _parse(data: bytes, source: str, advice: str) -> Any:
    text = decode_bytes(data)
    if text is None:
        raise IngestError(source, "cannot decode the text as UTF-8 or any detected encoding",
                          "re-save it as UTF-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        where = f"column {error.colno}" if error.lineno == 1 else f"line {error.lineno} column {error.colno}"
        raise IngestError(source, f"invalid JSON ({error.msg} at {where})", advice) from None
    except RecursionError:  # "[[[[…" thousands deep: no article looks like that
        raise IngestError(source, "JSON nested too deeply to read", advice) from None


def _first(obj: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = obj.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def _first_text(obj: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = obj.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _scalar_text(value: Any) -> str | None:
    # Dates stay as given (cleaning normalises them); epoch numbers become their digits.
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _name(value: Any) -> str | None:
    """``"AP"`` or ``{"name": "AP", …}`` → ``"AP"``."""
    if isinstance(value, Mapping):
        value = value.get("name")
    return (value.strip() or None) if isinstance(value, str) else None


def _byline(value: Any) -> str | None:
    if isinstance(value, list):
        names = [name for name in map(_name, value) if name]
        return ", ".join(names) or None
    return _name(value)
