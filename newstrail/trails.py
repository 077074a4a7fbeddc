"""Quote trails: one quote followed across articles, outlets and time.

A trail is every verbatim appearance of one quote (direct, or the quoted words of a
mixed quote) in two or more articles, with

* ``first_seen``: the earliest publication date among its appearances;
* ``variants``: each wording that differs from the trail's text (the first
  appearance), classified as ``punctuation`` (same words), ``spelling`` (same words
  but for small letter changes: "utilised"/"utilized", "Kovač"/"Kovac"),
  ``truncated`` (a part of the text), ``extended`` (the text and more) or ``altered``
  (words changed, dropped or added), with a readable ``diff``;
* ``origin``: where the quote was said, when an appearance's paragraph names it
  ("in an interview with The Daily Telegraph", "told MPs", "on social media");
* ``paraphrases``: indirect speech in other articles that renders the same words
  ("he said that a pause could be used by Russia…"), linked but kept apart from the
  verbatim appearances.

Matching: quotes are compared by their folded words (case, accents, punctuation and
typographic marks ignored). Two appearances are one quote when they share a run of
words — ``MIN_RUN`` words in a row, or the whole of a shorter quote of at least three
words said by the same speaker — and their speakers do not contradict each other.
Candidates come from an inverted index of word 4-grams, so the work grows with the
number of real matches. Appearances join by union-find: the same quotes in any order
give the same trails, and trail ids come from the first appearance's quote id.
"""
from __future__ import annotations

import difflib
import hashlib
import itertools
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .records import Quote, Trail
from .stories.text import STOP, fold, stem

SHINGLE = 4  # words per index key
MIN_RUN = 6  # words in a row that make two quotes one, whoever is named as the speaker
MIN_WORDS = 3  # shorter quotations are not followed ("he said “no”")
PARAPHRASE_SHARE = 0.6  # share of the paraphrase's content words found in the quote
PARAPHRASE_MIN_WORDS = 5  # content words in common, at least
_COMMON_KEY = 200  # a shingle held by more quotes than this is a stock phrase, not one quote
_STOCK_WORD = 200  # a content word in more trails than this tells nothing about a paraphrase

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Quoted words inside a mixed quote: double marks, or single marks that are not apostrophes.
_QUOTED = re.compile(r"[“\"]([^”“\"]+)[”\"]|(?<![\w])‘([^’]+?)’(?![\w])")

# Where a quote was first said, as articles name it. Each pattern's match, trimmed, is the origin.
_ORIGINS = [
    re.compile(r"\b(?i:in|during) an? (?:exclusive |joint |live |televised |radio |TV )?"
               r"(?:interview|podcast|op-ed|article|column|letter|speech|statement|press conference|news conference|"
               r"briefing|address|post|video|broadcast|debate|hearing)"
               r"(?: (?:with|to|on|in|at|for|published by|broadcast on) (?:the )?(?:[a-z]+ ){0,2}"
               r"[A-Z][\w’'&.-]*(?: [A-Z][\w’'&.-]*)*)?"),
    re.compile(r"\b(?:told|telling) (?:MPs|MEPs|peers|senators|lawmakers|legislators|reporters|journalists|the Commons|"
               r"the House(?: of [A-Z]\w+)?|Parliament|parliament|a (?:press|news) conference|a rally|an audience|"
               r"the BBC|(?:the )?[A-Z][\w’'&.-]*(?: [A-Z][\w’'&.-]*)*)"),
    re.compile(r"\b(?i:speaking|writing) (?:to|on|in|at) (?:the )?[A-Z][\w’'&.-]*(?: [A-Z][\w’'&.-]*)*"
               r"(?: (?:radio|television|TV) (?:programme|program|show))?"),
    re.compile(r"\b(?:on|in a post on|wrote on|posted on|tweeted on|said on) "
               r"(?:social media|Twitter|X|Facebook|Instagram|Telegram|TikTok|Truth Social|LinkedIn|Threads|Bluesky)\b"),
    re.compile(r"\b(?:at|during) (?:a|the) (?:press conference|news conference|rally|briefing|summit|hearing|"
               r"conference|meeting|fund-?raiser|debate|committee hearing)(?: (?:in|at|of) [A-Z][\w’'-]*(?: [A-Z][\w’'-]*)*)?"),
]


@dataclass(slots=True)
class QuoteRef:
    """What the trails stage keeps of one quote: its words, speaker and where it appeared."""

    quote: Quote
    outlet: str | None
    published: str | None
    words: list[str]  # folded words of what is followed (the quoted words of a mixed quote)
    shown: str  # those words as printed
    origin: str | None = None
    # Set on a stand-in for the members of a stored trail that share one wording and speaker:
    # the trail's id. A pass compares new quotes with these instead of every stored member.
    stands_for: str | None = None


@dataclass(slots=True)
class TrailsResult:
    trails: list[Trail]
    mapping: dict[str, str] = field(default_factory=dict)  # quote id → trail id
    # Stored trails that gain members or paraphrases: their records are rebuilt when written,
    # from what is stored of them (see ``Merge.build``), so the pass never holds their members.
    merges: list[Merge] = field(default_factory=list)


@dataclass(slots=True)
class Merge:
    """One or more stored trails joined by new appearances (``members``) or paraphrases."""

    stored: list[str]  # the stored trails' ids
    members: list[QuoteRef]
    paraphrases: list[QuoteRef]
    # Every quote the pass decided on: where a stored record lists one, the pass's word wins.
    decided: set[str] = field(default_factory=set)

    def build(self, stored: list[Trail], speakers: dict[str, tuple[str | None, str | None]],
              mapping: dict[str, str]) -> Trail:
        """The joined trail, as one pass over all its members makes it.

        ``stored``: the stored records; ``speakers``: stored quote id → (speaker id,
        speaker) as the quotes table has them now. Each stored appearance becomes a
        member again from its record (its words follow from its text), so only the trails
        being written are held, a batch at a time. ``mapping`` gets this pass's quotes;
        the stored members follow their trail's id in the store.
        """
        members = list(self.members)
        paraphrases = list(self.paraphrases)
        for trail in stored:
            for a in trail.appearances or []:
                if a["quote_id"] in self.decided:
                    continue
                speaker_id, speaker = speakers.get(a["quote_id"], (None, None))
                quote = Quote(id=a["quote_id"], article_id=a["article_id"], text=a["text"],
                              speaker_id=speaker_id, speaker=speaker)
                members.append(QuoteRef(quote, a["outlet"], a["published"], fold_words(a["text"]), a["text"],
                                        a.get("origin")))
            for p in trail.paraphrases or []:
                if p["quote_id"] in self.decided:
                    continue  # assigned afresh by the pass: here (in ``self.paraphrases``) or elsewhere
                quote = Quote(id=p["quote_id"], article_id=p["article_id"], text=p["text"], kind="indirect")
                paraphrases.append(QuoteRef(quote, p["outlet"], p["published"], [], p["text"]))
        refs = sorted(members, key=_order) + sorted(paraphrases, key=_order)
        trail = _trail(refs, list(range(len(members))), list(range(len(members), len(refs))), {})
        for ref in self.members + self.paraphrases:
            mapping[ref.quote.id] = trail.id
        return trail


def quoted_text(quote: Quote) -> str:
    """The words a trail follows: the whole of a direct quote, the quoted parts of a mixed one."""
    if quote.kind != "mixed":
        return quote.text
    parts = [a or b for a, b in _QUOTED.findall(quote.text)]
    return " … ".join(p.strip() for p in parts if p.strip()) or quote.text


def fold_words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def origin_of(context: str) -> str | None:
    """The first place named in ``context`` where words were said, or None."""
    best: tuple[int, str] | None = None
    for pattern in _ORIGINS:
        for m in pattern.finditer(context):
            if best is None or m.start() < best[0]:
                best = (m.start(), m.group(0).strip(" ,.;:"))
            break
    if best is None:
        return None
    text = best[1]
    # "told The Telegraph" names the outlet as well as the occasion: keep the words as written.
    return text[0].lower() + text[1:] if text[:1].isupper() and not text.startswith(("The ", "A ")) else text


def _context(body: str, quote: Quote) -> str:
    """The paragraph(s) the quote sits in, plus its cue: where an origin would be named."""
    if quote.section != "body" or not body:
        return quote.cue or ""
    start = body.rfind("\n\n", 0, max(0, quote.start)) + 2 if quote.start else 0
    end = body.find("\n\n", quote.end)
    end = len(body) if end < 0 else end
    outside = body[max(0, start - 1):quote.start] + " " + body[quote.end:end]
    return (quote.cue or "") + " " + outside


def make_refs(quotes: Iterable[Quote], articles: dict[str, tuple[str | None, str | None, str]]) -> list[QuoteRef]:
    """QuoteRefs for the quotes; ``articles``: id → (outlet, published, body)."""
    refs = []
    said_at: dict[tuple[str, str], str] = {}  # (article, speaker) → the first origin named for them
    for q in quotes:
        outlet, published, body = articles.get(q.article_id, (None, None, ""))
        shown = quoted_text(q)
        # Interned: a pass holds the words of every quote it reaches, and the same few
        # thousand words make up most of them.
        words = [sys.intern(w) for w in fold_words(shown)]
        origin = origin_of(_context(body, q))
        speaker = q.speaker_id or q.speaker_local or q.speaker
        if origin and speaker:
            said_at.setdefault((q.article_id, speaker), origin)
        if len(words) >= MIN_WORDS:
            refs.append(QuoteRef(q, outlet, published, words, shown, origin))
    # "In an interview with X, she said …" names the occasion once; the article's other
    # quotes from the same speaker come from it too unless their own paragraph says otherwise.
    for ref in refs:
        speaker = ref.quote.speaker_id or ref.quote.speaker_local or ref.quote.speaker
        if ref.origin is None and speaker:
            ref.origin = said_at.get((ref.quote.article_id, speaker))
    return refs


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _shingles(words: list[str], size: int = SHINGLE) -> set[tuple[str, ...]]:
    if len(words) < size:
        return {tuple(words)}
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[k:k + n]) for k in range(len(words) - n + 1)}


class _Runs:
    """Runs of words one quote shares with others, for the thresholds ``_same_quote`` asks about.

    Two quotes share a run of ``n`` words exactly when they share an ``n``-gram, so the
    questions asked ("six in a row?", "twelve?", "all of the shorter one?") are set
    lookups; the longest run itself (difflib) cost most of the stage. The n-grams of one
    quote are kept while it is compared with its candidates.
    """

    __slots__ = ("words", "_grams")

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._grams: dict[int, set[tuple[str, ...]]] = {}

    def shares(self, other: list[str], n: int) -> bool:
        """Whether ``other`` has ``n`` words in a row in common with this quote."""
        if n > len(self.words) or n > len(other):
            return False
        grams = self._grams.get(n)
        if grams is None:
            grams = self._grams[n] = _grams(self.words, n)
        return any(tuple(other[k:k + n]) in grams for k in range(len(other) - n + 1))


def _surname(quote: Quote) -> str | None:
    words = fold_words(quote.speaker or "")
    return words[-1] if words else None


def _speakers_agree(a: Quote, b: Quote) -> bool:
    if a.speaker_id and b.speaker_id and a.speaker_id != b.speaker_id:
        # "Trump" in one article and "Donald Trump" in another may not have been merged
        # into one speaker; the same surname is not a contradiction.
        return _surname(a) is not None and _surname(a) == _surname(b)
    return True  # the same speaker, or one article did not say who: the words decide


def _same_quote(a: QuoteRef, b: QuoteRef, runs: _Runs | None = None) -> bool:
    """Whether two appearances are one quote (``runs``: ``a``'s words, kept across calls)."""
    runs = runs or _Runs(a.words)
    if min(len(a.words), len(b.words)) >= MIN_RUN:
        # MIN_RUN words in a row, and either twice that or no contradiction between speakers.
        return runs.shares(b.words, MIN_RUN) and (_speakers_agree(a.quote, b.quote)
                                                  or runs.shares(b.words, 2 * MIN_RUN))
    # A short quotation ("very, very careful"): the whole of it, from the same named speaker.
    shorter = min(len(a.words), len(b.words))
    return (a.quote.speaker_id is not None and b.quote.speaker_id is not None
            and runs.shares(b.words, shorter) and _speakers_agree(a.quote, b.quote))


def _order(ref: QuoteRef) -> tuple[str, str, str]:
    return (ref.published or "9999", ref.quote.article_id, ref.quote.id)


def _diff(base: list[str], other: list[str], base_shown: str, other_shown: str) -> tuple[str, str]:
    """(kind, readable diff) of ``other`` against ``base``."""
    if base == other:
        return "punctuation", f"same words, different punctuation or capitals: {other_shown!r}"
    ops = difflib.SequenceMatcher(None, base, other, autojunk=False).get_opcodes()
    changes = [op for op in ops if op[0] != "equal"]
    if all(tag == "replace" and i2 - i1 == j2 - j1 and all(
            difflib.SequenceMatcher(None, base[i1 + k], other[j1 + k]).ratio() >= 0.75 for k in range(i2 - i1))
           for tag, i1, i2, j1, j2 in changes):
        pairs = [f"{' '.join(base[i1:i2])!r} → {' '.join(other[j1:j2])!r}" for _, i1, i2, j1, j2 in changes]
        return "spelling", "spelled " + "; ".join(pairs)
    text_b, text_o = " ".join(base), " ".join(other)
    if text_o in text_b:
        dropped = [" ".join(base[i1:i2]) for tag, i1, i2, _, _ in changes if tag == "delete"]
        return "truncated", "leaves out " + " … ".join(repr(d) for d in dropped)
    if text_b in text_o:
        added = [" ".join(other[j1:j2]) for tag, _, _, j1, j2 in changes if tag == "insert"]
        return "extended", "adds " + " … ".join(repr(a) for a in added)
    parts = []
    for tag, i1, i2, j1, j2 in changes:
        if tag == "replace":
            parts.append(f"{' '.join(base[i1:i2])!r} → {' '.join(other[j1:j2])!r}")
        elif tag == "delete":
            parts.append(f"drops {' '.join(base[i1:i2])!r}")
        else:
            parts.append(f"adds {' '.join(other[j1:j2])!r}")
    return "altered", "; ".join(parts)


def _content(words: list[str]) -> set[str]:
    return {stem(w) for w in words if len(w) > 2 and w not in STOP}


def _wordings(trail: Trail) -> list[str]:
    return [trail.text, *(v["text"] for v in trail.variants or [])]


def trail_words(trail: Trail) -> set[str]:
    """The content words (stemmed) of a trail's wordings: what a paraphrase of it shares."""
    return set().union(*(_content(fold_words(text)) for text in _wordings(trail)))


def trail_form_keys(trail: Trail) -> set[int]:
    """The trail keys of a trail's wordings: those its verbatim members hold (``_keys``)."""
    return {trail_key(shingle) for text in _wordings(trail) for shingle in _shingles(fold_words(text))}


class _Index:
    """What the store keeps of each trail it writes (``store.TrailIndex``)."""

    words = staticmethod(trail_words)
    keys = staticmethod(trail_form_keys)


TRAIL_INDEX = _Index()


def _need(words: set[str], stock: int) -> float:
    """Telling words a paraphrase with ``words`` must share with a trail, ``stock`` of them
    being stock words (which count toward its share but are not looked up)."""
    return max(PARAPHRASE_MIN_WORDS, PARAPHRASE_SHARE * len(words)) - stock


def trail_id(first_quote_id: str) -> str:
    return "trail-" + hashlib.sha1(first_quote_id.encode("utf-8")).hexdigest()[:12]


def build_trails(refs: list[QuoteRef], common_keys: set[int] | None = None,
                 settled: dict[str, str | None] | None = None, revisit: set[str] | None = None,
                 avoid: dict[str, set[str]] | None = None) -> TrailsResult:
    """Trails from quote refs (any order in, the same trails out).

    ``common_keys``: hashed shingles (``trail_key``) known to be stock phrases in the whole
    corpus when ``refs`` are only part of it. ``settled``: stored quotes whose trail lost
    no member since it was built, quote id → trail id (None: on no trail). Two settled
    quotes were compared when the later of them was new, so they are not compared again:
    on one trail they matched (or are linked through quotes that did), otherwise they did
    not. The exception is two quotes on no trail in one article, which may match each
    other (one article's quotes make no trail). Only pairs with a new quote, or a quote of
    a trail that lost members, cost a comparison.

    A ref with ``stands_for`` set is a stored trail's wording, settled on that trail. A
    group holding such refs comes out as a :class:`Merge` (when it gained anything), not a
    trail: its record is rebuilt from the stored one when written. A quote matches a
    stand-in exactly when it matches the members it stands for, which share its words and
    speaker, so the groups are those the members themselves would make. ``revisit``: stored
    trails whose paraphrases are among ``refs``, to be assigned afresh (their groups come out
    as merges whatever they gain); ``avoid``: for such a paraphrase, the stored trails that
    list its article, which it does not join (the article may quote those words itself, and
    the stand-ins do not say where their members are).
    """
    refs = sorted(refs, key=_order)
    verbatim = [i for i, r in enumerate(refs) if r.quote.kind != "indirect"]
    indirect = [i for i, r in enumerate(refs) if r.quote.kind == "indirect"]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in verbatim:
        for key in _shingles(refs[i].words):
            index[key].append(i)
    if common_keys:
        for key in [key for key in index if trail_key(key) in common_keys]:
            del index[key]
    uf = _UnionFind(len(refs))
    trail_of: list[str | None] = [None] * len(refs)
    known = [False] * len(refs)
    settled = settled or {}
    first: dict[str, int] = {}
    for i in verbatim:
        if refs[i].stands_for is not None or refs[i].quote.id in settled:
            known[i] = True
            trail_of[i] = refs[i].stands_for or settled[refs[i].quote.id]
            if trail_of[i] is not None:
                uf.union(first.setdefault(trail_of[i], i), i)
    compared: set[tuple[int, int]] = set()
    for i in verbatim:
        runs = _Runs(refs[i].words)
        for key in _shingles(refs[i].words):
            holders = index.get(key, ())
            if len(holders) > _COMMON_KEY:
                continue  # a stock phrase, not one quote
            for j in holders:
                if j <= i or (i, j) in compared or uf.find(i) == uf.find(j):
                    continue
                if known[i] and known[j] and (trail_of[i] is not None or trail_of[j] is not None
                                              or refs[i].quote.article_id != refs[j].quote.article_id):
                    continue  # both settled: compared before, and they did not match
                compared.add((i, j))
                if _same_quote(refs[i], refs[j], runs):
                    uf.union(i, j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in verbatim:
        groups[uf.find(i)].append(i)

    # Paraphrases: indirect speech whose content words are mostly the quote's.
    content_index: dict[str, list[int]] = defaultdict(list)
    contents = {i: _content(refs[i].words) for i in verbatim}
    for root, members in groups.items():
        for word in set().union(*(contents[i] for i in members)):
            content_index[word].append(root)
    paraphrases: dict[int, list[int]] = defaultdict(list)
    telling = {w: roots for w, roots in content_index.items() if len(roots) <= _STOCK_WORD}  # the rest: stock
    for i in indirect:
        words = _content(refs[i].words)
        if len(words) < PARAPHRASE_MIN_WORDS:
            continue
        hits = Counter(itertools.chain.from_iterable(telling.get(w, ()) for w in words))
        # ``shared`` below is at most a trail's hits plus the stock words left out of them, so
        # trails with fewer hits cannot qualify: stopping there keeps this linear in the corpus.
        need = _need(words, sum(1 for w in words if w in content_index and w not in telling))
        best = None
        shun = avoid.get(refs[i].quote.id) if avoid else None
        for root, _ in sorted(((r, c) for r, c in hits.items() if c >= need), key=lambda kv: (-kv[1], kv[0])):
            members = groups[root]
            if shun and any(refs[m].stands_for in shun for m in members):
                continue
            here = [m for m in members if refs[m].quote.article_id == refs[i].quote.article_id]
            if any(len(words & contents[m]) / len(words) >= PARAPHRASE_SHARE for m in here):
                continue  # the article quotes these words itself: a summary, not a re-report
            elsewhere = [m for m in members if m not in here and _speakers_agree(refs[m].quote, refs[i].quote)]
            shared = len(words & set().union(*(contents[m] for m in elsewhere))) if elsewhere else 0
            if shared >= PARAPHRASE_MIN_WORDS and shared / len(words) >= PARAPHRASE_SHARE:
                best = root
                break
        if best is not None:
            paraphrases[best].append(i)

    trails: list[Trail] = []
    mapping: dict[str, str] = {}
    merges: list[Merge] = []
    decided = {r.quote.id for r in refs if r.stands_for is None}
    for root, members in sorted(groups.items()):
        para = paraphrases.get(root, [])
        stored = sorted({refs[m].stands_for for m in members if refs[m].stands_for is not None})
        if stored:
            new = [refs[m] for m in members if refs[m].stands_for is None]
            if new or para or (revisit and not revisit.isdisjoint(stored)):  # else it stands as it is
                merges.append(Merge(stored, new, [refs[p] for p in para], decided))
            continue
        articles = {refs[m].quote.article_id for m in members}
        if len(articles) < 2 and not para:
            continue  # one article's quote: no trail to follow yet
        trails.append(_trail(refs, members, para, mapping))
    trails.sort(key=lambda t: t.id)
    return TrailsResult(trails, mapping, merges)


def _trail(refs: list[QuoteRef], members: list[int], para: list[int], mapping: dict[str, str]) -> Trail:
    first = refs[members[0]]  # members are in publication order
    tid = trail_id(first.quote.id)
    speakers = Counter((refs[m].quote.speaker_id, refs[m].quote.speaker) for m in members if refs[m].quote.speaker_id)
    speaker_id, speaker = speakers.most_common(1)[0][0] if speakers else (None, first.quote.speaker)
    variants: dict[str, dict] = {}
    appearances = []
    for m in members:
        ref = refs[m]
        mapping[ref.quote.id] = tid
        key = ref.shown.strip()
        kind = None
        if ref.words != first.words or key != first.shown.strip():
            if key not in variants:
                kind, diff = _diff(first.words, ref.words, first.shown, ref.shown)
                variants[key] = {"text": ref.shown, "kind": kind, "diff": diff, "article_ids": []}
            kind = variants[key]["kind"]
            if ref.quote.article_id not in variants[key]["article_ids"]:
                variants[key]["article_ids"].append(ref.quote.article_id)
        appearances.append({"article_id": ref.quote.article_id, "quote_id": ref.quote.id, "outlet": ref.outlet,
                            "published": ref.published, "text": ref.shown, "variant": kind, "origin": ref.origin})
    paraphrases = []
    for p in para:
        ref = refs[p]
        mapping[ref.quote.id] = tid
        paraphrases.append({"article_id": ref.quote.article_id, "quote_id": ref.quote.id, "outlet": ref.outlet,
                            "published": ref.published, "text": ref.quote.text})
    dates = [refs[m].published for m in members + para if refs[m].published]
    origins = [refs[m].origin for m in members if refs[m].origin]
    article_ids = list(dict.fromkeys(refs[m].quote.article_id for m in members))
    return Trail(
        id=tid, speaker_id=speaker_id, speaker=speaker, text=first.shown, article_ids=article_ids,
        first_seen=min(dates) if dates else None, variants=list(variants.values()), appearances=appearances,
        origin=origins[0] if origins else None, paraphrases=paraphrases,
    )


# Articles per pass of the trails stage. A pass holds its articles' quotes and what they
# reach, so a first run over a large corpus stays within one pass's memory.
CHUNK = 20_000


def trail_key(shingle: tuple[str, ...]) -> int:
    """A signed 64-bit hash of a word shingle, stable across processes and machines."""
    digest = hashlib.blake2b(" ".join(shingle).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _keys(refs: Iterable[QuoteRef]) -> list[tuple[int, str, str]]:
    return [(trail_key(shingle), r.quote.id, r.quote.article_id)
            for r in refs if r.quote.kind != "indirect" for shingle in sorted(_shingles(r.words))]


# What the stage reads of a quote (the spans, titles and mention of each are left out:
# a pass may hold hundreds of thousands of quotes).
_QUOTE_FIELDS = ("text", "kind", "section", "start", "end", "cue", "speaker", "speaker_id", "speaker_local",
                 "trail_id")


def _refs_for(store, article_ids: Iterable[str], only: set[str] | None = None) -> list[QuoteRef]:
    """QuoteRefs for the quotes of the articles (only the quote ids in ``only``, if given).

    An origin named once in an article counts for all its speaker's quotes there, so refs
    are made from every quote of the article before any is left out: a quote reached
    alone gets the origin it gets in a pass over everything. Articles are read 500 at a
    time (their bodies are needed for origins).
    """
    refs: list[QuoteRef] = []
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        by_article: dict[str, list[Quote]] = defaultdict(list)
        for q in store.quotes_of_articles(part, _QUOTE_FIELDS):
            by_article[q.article_id].append(q)
        for article in store.get_articles(part):
            meta = {article.id: (article.outlet, article.published, article.body)}
            refs.extend(r for r in make_refs(by_article.pop(article.id, []), meta)
                        if only is None or r.quote.id in only)
    return refs


def update_trails(store, *, full: bool = False, chunk: int = CHUNK) -> int:
    """Bring the trails up to date with the stored quotes; point quotes at their trails.

    Incremental: only the articles written since the last run (marked pending in their
    write's transaction) are read, with what their quotes may repeat, found through the
    hashed word 4-grams kept in ``trail_keys``: stored quotes on no trail, and stored
    trails (whose keys are kept once per trail, ``TRAIL_INDEX``), each as its distinct
    wordings; indirect speech also reaches the trails whose
    words it shares (``trail_words``). A trail that gains members is rebuilt from its stored
    record, so a pass holds its new quotes and what they reach, never a stored trail's
    members; a trail listing a rewritten article is rebuilt from its members. Pending
    articles go ``chunk`` at a time, in the order they were written, so memory holds one
    pass whatever the corpus size. Trails are connected groups of matching quotes, so this
    gives what one pass over everything gives, with two bounds. A stored appearance keeps
    the origin it was written with until its article changes, and a trail no pass reaches
    keeps the speaker it was written with (a rebuilt one reads its members' speaker ids as
    they are now). And indirect speech is
    matched with the trails its pass reaches: the paraphrases of a reached trail are
    assigned afresh, but a trail that forms or grows later does not reach back to indirect
    speech on no trail. (Stock phrases, shingles with more than ``_COMMON_KEY`` holders, are
    counted over every stored key, waiting articles' too, as one pass would count them.)
    ``full=True`` forgets every trail and goes through every article again. Returns the
    number of trails stored.
    """
    from .store.schema import TRAILS_REBUILD_KEY

    if full or store.get_state(TRAILS_REBUILD_KEY):
        store.reset_trails()  # every article pending again, in one transaction
        store.set_state(TRAILS_REBUILD_KEY, False)
    pending = store.trails_pending()
    if not pending:
        return store.counts().get("trails", 0)
    order = sorted(pending, key=lambda a: (pending[a], a))  # written order; a rebuild: by id
    # One pass over every stored article (a first run that fits): nothing to look up, the
    # pass's own index sees every holder.
    alone = len(order) <= chunk and store.counts().get("articles", 0) <= len(order)
    # Stored trails listing a pending article hold quotes that article's rewrite replaced:
    # the pass of that article, and any earlier pass that reaches them, rebuilds them from
    # their members. (Read once: a trail a pass rebuilds no longer lists waiting articles.)
    listed = store.trails_listing(order)
    stored = 0
    for start in range(0, len(order), chunk):
        stored = _update_part(store, {a: pending[a] for a in order[start:start + chunk]}, set(order[start:]),
                              listed, look_up=not alone)
    return stored


def _stand_ins(forms: Iterable[Quote]) -> list[QuoteRef]:
    """Refs standing for stored trails' members, one per wording and speaker (``forms``)."""
    refs = []
    for n, quote in enumerate(forms):
        quote.id = f"{quote.trail_id}#{n}"
        shown = quoted_text(quote)
        words = [sys.intern(w) for w in fold_words(shown)]
        if len(words) >= MIN_WORDS:
            refs.append(QuoteRef(quote, None, None, words, shown, stands_for=quote.trail_id))
    return refs


def _paraphrase_reach(store, refs: Iterable[QuoteRef]) -> set[str]:
    """Stored trails that the indirect quotes among ``refs`` may render: those sharing enough
    of a quote's telling words with it (``trail_words``), as the paraphrase rule asks."""
    quotes = [words for r in refs if r.quote.kind == "indirect"
              and len(words := _content(r.words)) >= PARAPHRASE_MIN_WORDS]
    if not quotes:
        return set()
    postings, stock = store.trail_word_postings(set().union(*quotes), _STOCK_WORD)
    reached: set[str] = set()
    for words in quotes:
        hits = Counter(itertools.chain.from_iterable(postings.get(w, ()) for w in words))
        need = _need(words, len(words & stock))
        reached.update(trail for trail, n in hits.items() if n >= need)
    return reached


def _update_part(store, part: dict[str, int], waiting: set[str], listed: dict[str, set[str]],
                 look_up: bool = True) -> int:
    """One pass: ``part``'s quotes, matched with what they reach and written with it.

    ``waiting``: this pass's articles and those of later passes, whose stored quotes are
    not reached (this pass reads its own as new; the later ones' turn comes). ``listed``:
    pending article → the stored trails that listed it when the run began.
    """
    new_refs = _refs_for(store, part)
    # Keys are written with the articles (computed on the workers); an article stored
    # without them (by an older version) gets them here.
    keyed = store.articles_with_trail_keys(part)
    missing = [r for r in new_refs if r.quote.article_id not in keyed]
    if missing:
        store.add_trail_keys({r.quote.article_id for r in missing}, _keys(missing))
    loose, reached, common = store.trail_key_holders(part, _COMMON_KEY) if look_up else (set(), set(), {})
    if look_up:  # indirect speech reaches trails by their words, not by shared runs of them
        reached |= _paraphrase_reach(store, new_refs)
    # Trails listing an article of this pass lose its old quotes: they are rebuilt from their
    # members, compared afresh. The others only gain members, so what was decided inside
    # them stands: their wordings are enough to match new quotes with.
    touched = set().union(*listed.values())
    broken = set().union(*(listed.get(article, ()) for article in part)) | (reached & touched)
    members = store.quote_ids_in_trails(broken)
    placed = {q: article for q, (article, _) in store.quote_trail_ids(members).items() if article not in waiting}
    placed.update((q, article) for q, article in loose if article not in waiting)
    gaining = reached - broken
    # The gaining trails' paraphrases are assigned afresh, as one pass over everything would:
    # a trail formed since may render their words better.
    said = {q: (article, trail) for q, article, trail in store.trail_paraphrases(gaining) if article not in waiting}
    listing = store.trails_listing({article for article, _ in said.values()})
    avoid = {q: listing.get(article, set()) - {trail} for q, (article, trail) in said.items()}
    placed.update((q, article) for q, (article, _) in said.items())
    refs = (new_refs + _refs_for(store, set(placed.values()), set(placed)) + _stand_ins(store.trail_forms(gaining)))
    # Quotes on no trail were compared with each other when the later of them was new.
    settled = {q: None for q, article in loose if article not in waiting}
    result = build_trails(refs, set(common), settled, {trail for _, trail in said.values()}, avoid)
    return store.update_trails_part(part, broken, result.trails, result.mapping,
                                    {r.quote.id for r in refs if r.stands_for is None}, result.merges, TRAIL_INDEX)


def trail_keys_of(quotes: list[Quote], article) -> list[tuple[int, str, str]]:
    """The trail keys of one article's quotes (what a worker computes for the store)."""
    return _keys(make_refs(quotes, {article.id: (article.outlet, article.published, article.body)}))
