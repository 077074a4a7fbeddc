"""Property-based tests (hypothesis) over the ingest readers, the cleaner and the quote extractor.

Properties:

* ingest: whatever the bytes of a .txt/.html/.json/.jsonl/feed/WARC file, iter_documents
  raises nothing, reports failures in one line naming the file, never reports a caught
  bug, and yields documents whose every string can be stored (no NUL, no lone surrogate);
* clean: no exception and no "cleaning failed" for any text or HTML; the body is made of
  stripped, non-empty paragraphs joined by a blank line; and cleaning is idempotent:
  the body of a cleaned article, cleaned again as plain text with the article's own
  title/byline/outlet/date as hints, comes back unchanged with nothing removed;
* quotes: no exception for any body; every offset lies inside its section; ``start`` and
  ``end`` are the first and last span ends; ``text`` is exactly the section's text at
  ``spans``, joined by " " (paragraphs) or " … " (interruptions); the speaker mention
  is the text at its offsets.

Runtime: ``NEWSTRAIL_FUZZ_EXAMPLES`` examples per property (default 40, a few seconds
each); ``make fuzz`` runs many more.
"""
from __future__ import annotations

import io
import json
import os

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newstrail.clean import Cleaner
from newstrail.clean.text import paragraphs
from newstrail.ingest import iter_documents
from newstrail.records import Article, Failure, RawDocument

EXAMPLES = int(os.environ.get("NEWSTRAIL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])

# --- text that looks like news, and text that does not ------------------------------------

MARKS = ['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "\u2039", "\u203a", "`"]
WORDS = ["the", "minister", "said", "told", "reporters", "we", "will", "not", "back", "down", "according", "to",
         "Mr", "Ms", "Dr.", "Varga", "Elena", "Tomas", "Brandt", "he", "she", "they", "added", "warned", "port",
         "union", "strike", "on", "Monday", "a", "spokesperson", "for", "Ministry", "of", "Defence", "claimed",
         "that", "it", "was", "insisted", "U.S.", "BBC", "Kessling", "\u2014", "-", "\u2026", "...", "(", ")",
         "Advertisement", "Subscribe", "Read", "more:", "Share", "this", "article", "By", "2023-03-14"]
PUNCT = [".", ",", ":", ";", "?", "!", " ", " ", " ", "\n", "\n\n", "\n\n", "\t", "\u00a0", "\u200b"]


@st.composite
def newsy_text(draw, max_tokens: int = 120) -> str:
    tokens = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(MARKS), st.sampled_from(PUNCT),
                                     st.text(min_size=1, max_size=6)),
                           max_size=max_tokens))
    out = []
    for token in tokens:
        out.append(token)
        out.append(draw(st.sampled_from([" ", " ", " ", "", "\n", "\n\n"])))
    return "".join(out)


LINES = ["Port strike talks collapse", "By Ana Ruiz", "By Ana Ruiz, Political Editor", "Tuesday 14 March 2023",
         "KESSLING (Reuters) -", "Advertisement", "Subscribe now", "Share this article", "Read more:",
         "Sign up to our newsletter", "Related: Talks resume", "\u00a9 2023 The Harbour Gazette", "Photo: AP",
         "The Harbour Gazette", "Updated 10:42 GMT", "Comments", "Most read"]


@st.composite
def article_text(draw) -> str:
    """Headline block, paragraphs and boilerplate lines in a random order and spacing."""
    parts = draw(st.lists(st.one_of(st.sampled_from(LINES), newsy_text(max_tokens=40)), min_size=1, max_size=10))
    seps = draw(st.lists(st.sampled_from(["\n", "\n\n", "\n\n\n", " \n", "\r\n"]), min_size=len(parts),
                         max_size=len(parts)))
    return "".join(part + sep for part, sep in zip(parts, seps))


ANY_TEXT = st.one_of(newsy_text(), article_text(), st.text(max_size=400),
                     st.text(alphabet=st.sampled_from(MARKS + [" ", "\n", "a", "."]), max_size=200))

# --- ingest --------------------------------------------------------------------------------------


def _warc(payloads: list[bytes], gz: bool) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gz)
    for n, payload in enumerate(payloads):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"http://fuzz.example/{n}", "response",
                                                      payload=io.BytesIO(payload), http_headers=headers))
    return buffer.getvalue()


ENCODINGS = ["utf-8", "utf-16", "cp1252", "latin-1", "cp1251", "shift_jis", "utf-8-sig"]


@st.composite
def encoded_text(draw) -> bytes:
    text = draw(ANY_TEXT)
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


@st.composite
def json_lines(draw) -> bytes:
    values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), ANY_TEXT,
                       st.lists(ANY_TEXT, max_size=3), st.dictionaries(st.sampled_from(["name", "x"]), ANY_TEXT))
    keys = st.sampled_from(["id", "_id", "url", "link", "title", "text", "body", "html", "author", "authors",
                            "published", "date", "outlet", "source", "headline"])
    lines = []
    for obj in draw(st.lists(st.dictionaries(keys, values, max_size=6), max_size=5)):
        line = json.dumps(obj)
        if draw(st.booleans()):
            cut = draw(st.integers(0, len(line)))
            line = line[:cut] + draw(st.sampled_from(["", "}", "\\ud800", "\\u0000", "\x00", "\u2028"]))
        lines.append(line.encode("utf-8", "surrogatepass"))
    return b"\n".join(lines)


@st.composite
def feed(draw) -> bytes:
    items = "".join(f"<item><title>{draw(ANY_TEXT)}</title><link>{draw(st.sampled_from(['', 'x', 'http://f.example/a']))}"
                    f"</link><description>{draw(ANY_TEXT)}</description></item>"
                    for _ in range(draw(st.integers(0, 3))))
    data = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{draw(ANY_TEXT)}</title>{items}</channel></rss>'
    data = data.encode()
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def warc(draw) -> bytes:
    payloads = [draw(st.one_of(encoded_text(), st.binary(max_size=300))) for _ in range(draw(st.integers(0, 3)))]
    data = _warc([b"<html><body><p>" + p + b"</p></body></html>" for p in payloads], draw(st.booleans()))
    # Record ids and dates make the length vary between runs: positions are drawn as
    # numbers and reduced modulo the length, so the draws themselves never depend on it.
    cut, flip = draw(st.one_of(st.none(), st.integers(0, 1 << 20))), draw(st.one_of(st.none(), st.integers(0, 1 << 20)))
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    if flip is not None and data:
        at = flip % len(data)
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    return data


FILES = {
    ".txt": st.one_of(st.binary(max_size=600), encoded_text()),
    ".html": st.one_of(st.binary(max_size=600), encoded_text(),
                       newsy_text().map(lambda t: f"<html><body><p>{t}</p></body></html>".encode())),
    ".json": st.one_of(st.binary(max_size=300), json_lines()),
    ".jsonl": st.one_of(st.binary(max_size=300), json_lines()),
    ".rss": st.one_of(st.binary(max_size=300), feed()),
    ".warc": st.one_of(st.binary(max_size=300), warc()),
    ".warc.gz": warc(),
}


def _storable(value: str) -> bool:
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


@pytest.mark.parametrize("suffix", list(FILES))
def test_ingest_never_raises_and_yields_storable_documents(tmp_path_factory, suffix):
    folder = tmp_path_factory.mktemp("fuzz")

    @FUZZ
    @given(data=FILES[suffix], max_bytes=st.sampled_from([50, 10_000_000]))
    def check(data: bytes, max_bytes: int) -> None:
        path = folder / f"input{suffix}"
        path.write_bytes(data)
        failures: list[Failure] = []
        docs = list(iter_documents([str(path)], on_error=failures.append, max_bytes=max_bytes))
        for f in failures:
            assert f.source.startswith(str(path)) and f.error.startswith(f"{f.source}: "), f.error
            assert "\n" not in f.error and "\r" not in f.error and _storable(f.error), f.error
            assert "report this as a bug" not in f.error, f.error
        for doc in docs:
            assert doc.id and doc.group and doc.content_type in ("text", "html") and doc.content.strip()
            assert all(_storable(v) for v in doc.to_dict().values() if isinstance(v, str)), doc
            assert len(doc.content.encode("utf-8", "surrogatepass")) <= max(max_bytes, 1) * 4

    check()


# --- clean -------------------------------------------------------------------------------------------

def _clean(doc: RawDocument) -> Article | Failure:
    (result,) = Cleaner().clean_batch([doc])
    if isinstance(result, Failure):
        assert "cleaning failed" not in result.error, result.error  # a caught exception: a bug
        assert "\n" not in result.error
    return result


def _check_body(body: str) -> None:
    assert body and body == body.strip()
    for para in body.split("\n\n"):
        assert para and para == para.strip() and "\n" not in para and "\r" not in para, repr(para)


@FUZZ
@given(text=ANY_TEXT, title=st.one_of(st.none(), ANY_TEXT), html=st.booleans())
@example(text="Breaking\n\nBy Ana Ruiz\n\nThe minister said \u201cno\u201d.\n\nSubscribe now", title=None, html=False)
def test_cleaner_never_fails_on_any_text_and_keeps_a_clean_body(text, title, html):
    content = f"<html><body><article><p>{text}</p></article></body></html>" if html else text
    doc = RawDocument(source="fuzz.html" if html else "fuzz.txt", content=content,
                      content_type="html" if html else "text", id="fuzz", title=title)
    result = _clean(doc)
    if isinstance(result, Article):
        _check_body(result.body)


def reclean(article: Article) -> Article | Failure:
    """The body of ``article`` as plain text, with its own metadata as hints."""
    return _clean(RawDocument(source=article.source, content=article.body, content_type="text", id=article.id,
                              title=article.title, byline=article.byline, outlet=article.outlet,
                              published=article.published, url=article.url))


@FUZZ
@given(text=ANY_TEXT, html=st.booleans())
@example(text="Port strike\n\nBy Ana Ruiz\n\nKESSLING \u2014 The minister said \u201cno\u201d.\n\nShare this article",
         html=False)
def test_cleaning_a_cleaned_body_again_changes_nothing(text, html):
    content = f"<html><body><article><p>{text}</p></article></body></html>" if html else text
    first = _clean(RawDocument(source="fuzz", content=content, content_type="html" if html else "text", id="fuzz"))
    assume(isinstance(first, Article))
    second = reclean(first)
    assert isinstance(second, Article), second
    assert second.body == first.body
    assert second.removed == []
    assert (second.title, second.byline, second.published) == (first.title, first.byline, first.published)


@FUZZ
@given(text=ANY_TEXT)
def test_paragraph_normalisation_is_idempotent(text):
    once = paragraphs(text)
    assert paragraphs("\n\n".join(once)) == once
    assert paragraphs("\n".join(once)) == once or any(p[:1].islower() for p in once)


# --- quotes -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def extract(nlp):
    from newstrail.quotes import extract_quotes

    return lambda article: next(iter(extract_quotes([article], nlp=nlp)))[1]


def _joined(text: str, pieces: list[str]) -> bool:
    """``text`` is ``pieces`` in order, joined by " " or " … " at each seam."""
    def match(pos: int, i: int) -> bool:
        if i == len(pieces):
            return pos == len(text)
        seps = [""] if i == 0 else [" ", " \u2026 "]
        return any(text.startswith(sep + pieces[i], pos) and match(pos + len(sep) + len(pieces[i]), i + 1)
                   for sep in seps)
    return match(0, 0)


def check_quotes(article: Article, quotes) -> None:
    ids = [q.id for q in quotes]
    assert len(set(ids)) == len(ids)
    for q in quotes:
        section = getattr(article, q.section) or ""
        assert q.article_id == article.id and q.kind in ("direct", "indirect", "mixed")
        assert q.spans, q
        assert 0 <= q.start <= q.end <= len(section), q
        assert (q.start, q.end) == (q.spans[0][0], q.spans[-1][1]), q
        previous = q.start
        for a, b in q.spans:
            assert previous <= a <= b <= q.end, q.spans
            previous = b
        assert _joined(q.text, [section[a:b] for a, b in q.spans]), (q.text, q.spans)
        if q.speaker_start is not None or q.speaker_end is not None:
            assert q.speaker_start is not None and q.speaker_end is not None
            assert 0 <= q.speaker_start <= q.speaker_end <= len(section), q
            assert section[q.speaker_start:q.speaker_end] == q.speaker_mention, q


@FUZZ
@given(body=ANY_TEXT, title=st.one_of(st.none(), newsy_text(max_tokens=20)),
       standfirst=st.one_of(st.none(), newsy_text(max_tokens=30)))
@example(body="\u201cWe will not back down,\u201d the minister said. \u201cNever.\u201d\n\n"
              "\u201cIt is over,\u201d she added, \u201cfor good.\u201d", title=None, standfirst=None)
@example(body="\u201c" * 50 + "\n\n" + "'\"" * 40, title="\u201d\u201c", standfirst="'")
def test_quotes_offsets_lie_inside_the_section_and_text_matches_spans(extract, body, title, standfirst):
    article = Article(id="fuzz", source="fuzz", body=body, title=title, standfirst=standfirst)
    check_quotes(article, extract(article))


@FUZZ
@given(text=ANY_TEXT)
def test_quotes_on_cleaned_articles(extract, text):
    """The pipeline's own path: cleaner output into the quote extractor."""
    article = _clean(RawDocument(source="fuzz", content=text, id="fuzz"))
    assume(isinstance(article, Article))
    check_quotes(article, extract(article))
