"""Stable document ids: the same input gives the same id on every run."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|php\d?|aspx?|jsp|cms)$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 60
_HASH_HEX = 10


def document_id(*, given: object = None, url: str | None = None, stem: str | None = None,
                index: int | None = None) -> str:
    """Return the id of one document, from the best evidence available.

    1. ``given``: an id the input declares (a JSON ``id``), stringified.
    2. ``url``: a readable slug of host and last path segment plus a short hash of the
       normalised URL, e.g. ``example-com_putin-talks_3fa2c1d09b``. The hash keeps
       ids distinct where slugs collide; normalising keeps one article one id when
       it is reached through ``http``/``https``, a ``#fragment`` or tracking
       parameters.
    3. ``stem``: the file stem (``000_981bbf66759760c1.txt`` →
       ``000_981bbf66759760c1``), with ``-N`` appended for the N-th item (``index``)
       of a container file that has neither id nor URL.
    """
    if isinstance(given, dict) and "$oid" in given:  # MongoDB export: {"_id": {"$oid": "…"}}
        given = given["$oid"]
    if given is not None and not isinstance(given, (dict, list)) and str(given).strip():
        return str(given).strip()
    if url:
        normal = normalize_url(url)
        digest = hashlib.sha1(normal.encode("utf-8")).hexdigest()[:_HASH_HEX]
        return "_".join(part for part in (*_url_slug(url), digest) if part)
    if stem is None:
        raise ValueError("document_id needs a given id, a url or a stem")
    return stem if index is None else f"{stem}-{index}"


def file_stem(path: str) -> str:
    """``data/000_ab.txt`` → ``000_ab``; ``crawl.warc.gz`` → ``crawl``."""
    name = PurePath(path).name
    for suffix in (".warc.gz", ".arc.gz"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return PurePath(name).stem


def normalize_url(url: str) -> str:
    """The form of a URL that identifies the page: scheme-less, lower-case host, no
    default port, fragment or ``utm_*`` parameters, remaining parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{parts.port}"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if not k.lower().startswith("utm_"))
    return urlunsplit(("", host, parts.path or "/", urlencode(query), ""))


def _url_slug(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [s for s in parts.path.split("/") if s]
    page = _PAGE_SUFFIX.sub("", unquote(segments[-1])) if segments else ""
    return _slugify(host), _slugify(page)[:_SLUG_MAX].strip("-")


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub("-", ascii_text.lower()).strip("-")
