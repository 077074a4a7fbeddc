"""Speakers: one canonical ``Speaker`` per real person (or organisation) across the corpus.

The quotes stage names each speaker the way its article does (``Quote.speaker_local``:
"James Cleverly", "Mr Cleverly", "the Kremlin", "a Whitehall source"). This stage
turns those per-article names into corpus-wide speakers. It works on ``SpeakerRef``
rows, one per distinct (article, local name), so it never needs the quotes in memory.

Rules, in the order they are applied:

* **People** are blocked by their folded surname ("Šefčovič" = "Sefcovic"; the
  transliterated Slavic endings are made one: "Zelenskyy" = "Zelenskiy" = "Zelensky"),
  so the pairwise work stays inside small blocks even for hundreds of thousands of refs.
* Within a block, full names (given name + surname) merge when their given names
  match: the same skeleton ("Dmitri" = "Dmitry") or, for longer names, the same
  Metaphone code one edit apart ("Aleksandr" = "Aleksander"). Middle names and
  initials are ignored ("Dmitri S. Peskov" = "Dmitry Peskov"). Different given
  names never merge, so two people who share a surname stay apart.
* A name is given name + middle names + surname; lower-case particles belong to the
  surname ("Ursula von der Leyen"). "Sir Alan" alone reads as a surname "Alan" and is
  left as its own speaker: too little to go on.
* Honorifics and titles ("Mr", "Dame", "Prime Minister", "Foreign Secretary") are
  peeled off the name and kept as titles; "Mr"/"Ms"/"Sir"… also give a gender.
* A short form (honorific + surname, or initial + surname) joins the one full-name
  person of that surname in the corpus, only when there is exactly one candidate
  and the honorific's gender does not contradict what is known of that person.
  Otherwise short forms of one surname and gender form their own speaker
  ("Mr Marsh"): there is no evidence to pick one Marsh over another.
* **Organisations** merge by folded name without a leading "the" ("the Kremlin" =
  "Kremlin").
* **Unnamed** sources are never merged, not with people and not with each other
  across articles: "a government source" in two articles may be two people. Each is
  kept per article with the id ``unnamed:<article_id>:<slug>``.

The canonical name of a person is the most frequent full form, where forms that
differ only in accents count together and are shown with their accents ("Zoe
Kovac" + "Zoë Kovač" → "Zoë Kovač"). Everything is sorted before it is clustered
and ties are broken lexicographically, so the same refs in any order give the same
speakers and ids.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import jellyfish

from .records import Quote, Speaker
from .store.base import SpeakerPlacement, SpeakerRef

# ---------------------------------------------------------------- vocabulary
# Words that head a title placed before a name. Everything up to and including the
# last of them is the title: "Foreign Secretary James Cleverly", "Putin spokesman
# Dmitri Peskov", "Mr President Macron".
_TITLE_HEADS = frozenset("""
    mr mrs ms miss mx sir dame lord lady baron baroness dr doctor prof professor rev reverend
    father sister president vice minister secretary chancellor premier spokesman spokeswoman
    spokesperson leader governor mayor senator sen rep representative ambassador envoy
    commissioner general gen colonel col admiral captain capt lieutenant lt sergeant sgt
    chairman chairwoman chair director chief king queen prince princess pope judge justice
    sheikh emir sultan cllr councillor inspector superintendent detective mp mep adviser advisor
""".split())
_MALE = frozenset("mr sir lord baron father king prince sheikh emir sultan".split())
_FEMALE = frozenset("mrs ms miss dame lady baroness sister queen princess".split())
# Lower-case words that belong to the surname that follows them ("von der Leyen").
_PARTICLES = frozenset("von van der den de du da di del della la le bin ibn al el ter dos das".split())
_SUFFIXES = frozenset("jr sr ii iii iv".split())
# Letters NFKD does not decompose into a base letter plus a combining mark.
_EXTRA_FOLDS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae",
                              "œ": "oe", "ı": "i", "ʼ": "", "’": "", "'": ""})
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_INITIAL = re.compile(r"^[^\W\d_]\.?$")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")
_FUZZY_MIN_LEN = 6  # below this, one edit separates different names (Maria/Marie)


# ---------------------------------------------------------------- records
@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's local name taken apart: the display form without titles, and matching keys."""

    display: str  # "Dmitri S. Peskov" for "Putin spokesman Dmitri S. Peskov"
    titles: tuple[str, ...]
    gender: str | None  # "m" / "f" from honorifics, None when unknown or mixed
    given_key: str  # skeleton of the given name; a single letter for an initial; "" for none
    surname_key: str

    @property
    def is_full(self) -> bool:
        return len(self.given_key) > 1


# ---------------------------------------------------------------- folding and keys
@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form: "Šefčovič" → "sefcovic"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_EXTRA_FOLDS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", _NON_ALNUM.sub(" ", bare)).strip()


@lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """A key for a given name that survives the usual romanisation differences.

    y/i, x/ks and doubled letters are where Cyrillic transliterations disagree
    (Dmitry/Dmitri, Volodymyr/Volodimir, Oleksandr/Olexandr, Sergey/Sergei).
    Used on given names only: within one surname block the risk of joining two
    people is small, while on surnames it would join families (Pryce/Price).
    """
    key = fold(word).replace(" ", "").replace("x", "ks").replace("y", "i")
    key = re.sub(r"(.)\1+", r"\1", key)
    return re.sub(r"ei$", "i", key)


@lru_cache(maxsize=65536)
def surname_key(surname: str) -> str:
    """Folded surname, with the Slavic adjective endings transliterated four ways made one.

    Only the ending: a y/i swap inside an English surname is a different family
    (Pryce/Price, Smyth/Smith), but Zelensky/Zelenskyy/Zelenskiy/Zelenskyi is one man.
    """
    return re.sub(r"(?:iy|yy|ij|yj|yi|ii)$", "y", fold(surname).replace(" ", ""))


def given_names_match(a: str, b: str) -> bool:
    """Whether two given-name skeletons can be one person's name written two ways."""
    if a == b:
        return True
    if min(len(a), len(b)) < _FUZZY_MIN_LEN or a[0] != b[0]:
        return False
    return jellyfish.damerau_levenshtein_distance(a, b) <= 1 and jellyfish.metaphone(a) == jellyfish.metaphone(b)


def slugify(text: str) -> str:
    return _SLUG_JUNK.sub("-", fold(text)).strip("-") or "speaker"


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _bare(token: str) -> str:
    return fold(token).replace(" ", "")


# ---------------------------------------------------------------- parsing names
def parse_person(local: str) -> PersonName:
    """Split a person's local name into titles, given name and surname."""
    text = _clean(local.split(",")[0])  # "Alan Pryce, chairman of the board": the name comes first
    text = re.sub(r"[’']s$", "", text)  # possessive left by the quotes stage
    tokens = text.split(" ")
    while len(tokens) > 1 and _bare(tokens[-1]) in _SUFFIXES:
        tokens.pop()
    cut = _title_end(tokens)
    titles, name = tokens[:cut], tokens[cut:]
    surname_start = _surname_start(name)
    surname, before = name[surname_start:], name[:surname_start]
    given = before[0] if before else ""
    honorifics = {_bare(t) for t in titles}
    genders = {g for g, words in (("m", _MALE), ("f", _FEMALE)) if honorifics & words}
    return PersonName(
        display=" ".join(name),
        titles=(" ".join(titles),) if titles else (),
        gender=genders.pop() if len(genders) == 1 else None,
        given_key=_bare(given)[:1] if _INITIAL.match(given) else skeleton(given),
        surname_key=surname_key(" ".join(surname)),
    )


def _title_end(tokens: list[str]) -> int:
    """Index just after the last title word that still leaves a name behind it."""
    for i in range(len(tokens) - 2, -1, -1):
        if _bare(tokens[i]) in _TITLE_HEADS:
            return i + 1
    return 0


def _surname_start(name: list[str]) -> int:
    start = len(name) - 1
    while start > 0 and name[start - 1].casefold() in _PARTICLES:
        start -= 1
    return start


def _gender_of(titles: Iterable[str]) -> set[str]:
    words = {_bare(w) for title in titles for w in title.split()}
    return {g for g, table in (("m", _MALE), ("f", _FEMALE)) if words & table}


# ---------------------------------------------------------------- clustering
@dataclass(slots=True)
class _Cluster:
    kind: str
    refs: list[SpeakerRef] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # display form of each ref, same order
    full: list[bool] = field(default_factory=list)  # whether that form is a full name
    titles: set[str] = field(default_factory=set)
    full_titles: set[str] = field(default_factory=set)  # those of its full-name refs alone
    given_keys: set[str] = field(default_factory=set)
    unnamed_article: str | None = None
    leftover: tuple[str | None, str] | None = None  # (gender, given key) of a short-form speaker

    def add(self, ref: SpeakerRef, display: str, titles: Iterable[str] = (), *, full: bool = True) -> None:
        self.refs.append(ref)
        self.names.append(display)
        self.full.append(full)
        added = [t for t in (*ref.titles, *titles) if t.strip()]
        self.titles.update(added)
        if full:
            self.full_titles.update(added)

    def forms(self) -> dict[tuple[str, bool], tuple[int, int]]:
        """(display form, full?) → (refs, quotes): the counts the canonical name is chosen from."""
        counts: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
        for form, ref in zip(zip(self.names, self.full), self.refs):
            counts[form][0] += 1
            counts[form][1] += ref.quote_count
        return {form: (n, q) for form, (n, q) in counts.items()}

    def name(self) -> str:
        """The canonical name, from full names when there are any ("Grace Okafor", not "Ms Okafor")."""
        return name_from_forms(self.forms())

    def summary(self) -> dict:
        """What ``extend_block`` needs to add refs to this speaker without its refs: the form
        counts (for the name) and, for people, the given names and genders short forms are
        judged against."""
        out: dict = {"role": "leftover" if self.leftover is not None else self.kind,
                     "forms": sorted([name, int(full), n, q] for (name, full), (n, q) in self.forms().items()),
                     "refs": len(self.refs)}
        if self.kind == "person":
            out.update(given=sorted(self.given_keys), gender_full=sorted(_gender_of(self.full_titles)),
                       gender_all=sorted(_gender_of(self.titles)), shorts=self.full.count(False))
        if self.leftover is not None:
            out["leftover"] = list(self.leftover)
        return out


def build_speakers(refs: Iterable[SpeakerRef]) -> tuple[list[Speaker], dict[tuple[str, str], str]]:
    """Canonical speakers, and the map (article_id, local) → speaker id.

    Duplicate (article_id, local) rows are merged (quote counts added), so callers
    may stream refs straight from quotes without de-duplicating first.
    """
    speakers, mapping, _ = build_speaker_index(refs)
    return speakers, mapping


def build_speaker_index(refs: Iterable[SpeakerRef]
                        ) -> tuple[list[Speaker], dict[tuple[str, str], str], dict[str, SpeakerPlacement]]:
    """``build_speakers``, plus each speaker's block and base id (its id before a -2/-3 suffix).

    Clusters never span blocks, so the speakers of a set of blocks can be rebuilt from
    those blocks' refs alone; the ids stay those of a full rebuild as long as every
    block holding a speaker of the same base id is rebuilt with them (see
    ``newstrail.pipeline``).
    """
    merged = sorted(_dedupe(refs).values(), key=lambda r: (r.article_id, r.local))
    by_kind: dict[str, list[SpeakerRef]] = defaultdict(list)
    for ref in merged:
        by_kind[_kind_family(ref.kind)].append(ref)
    clusters = [*_people(by_kind["person"]), *_organisations(by_kind["organisation"]),
                *_unnamed(by_kind["unnamed"])]
    placement: dict[str, SpeakerPlacement] = {}
    speakers, mapping = _finish(clusters, placement)
    return speakers, mapping, placement


@dataclass(slots=True)
class BlockExtension:
    """New refs placed in a block's stored speakers, as ``extend_block`` found them.

    Valid only while the ids it relies on stay unshared: each base id in ``grown_bases``
    must be held by its one stored speaker, and none in ``new_bases`` by any (otherwise
    the -2/-3 numbering could move, which only a re-clustering settles).
    """

    speakers: list[tuple[Speaker, SpeakerPlacement]]  # the changed and the new ones
    mapping: dict[tuple[str, str], str]  # (article id, local name) → speaker id, for the new refs
    grown_bases: set[str]
    new_bases: set[str]


@dataclass(slots=True)
class _Held:
    """A stored speaker while new refs are added to it (or a new one, ``stored`` False)."""

    speaker: Speaker
    base_id: str
    summary: dict
    stored: bool = True
    touched: bool = False
    forms: dict[tuple[str, bool], list[int]] = field(default_factory=dict)
    titles: set[str] = field(default_factory=set)
    given: set[str] = field(default_factory=set)
    gender_full: set[str] = field(default_factory=set)
    gender_all: set[str] = field(default_factory=set)
    keys: list[tuple[str, str]] = field(default_factory=list)  # (article id, local) of the refs added

    @classmethod
    def of(cls, speaker: Speaker, base_id: str, summary: dict) -> _Held:
        return cls(speaker, base_id, summary, forms={(n, bool(f)): [c, q] for n, f, c, q in summary["forms"]},
                   titles=set(speaker.titles), given=set(summary.get("given", ())),
                   gender_full=set(summary.get("gender_full", ())), gender_all=set(summary.get("gender_all", ())))

    @classmethod
    def new(cls, kind: str, leftover: tuple[str | None, str] | None = None) -> _Held:
        summary: dict = {"role": "leftover" if leftover is not None else kind, "forms": [], "refs": 0}
        if kind == "person":
            summary.update(given=[], gender_full=[], gender_all=[], shorts=0)
        if leftover is not None:
            summary["leftover"] = list(leftover)
        return cls(Speaker(id="", name="", kind=kind), "", summary, stored=False)  # type: ignore[arg-type]

    @property
    def role(self) -> str:
        return self.summary["role"]

    def add(self, ref: SpeakerRef, display: str, titles: Iterable[str], *, full: bool) -> None:
        self.touched = True
        self.keys.append((ref.article_id, ref.local))
        count = self.forms.setdefault((display, full), [0, 0])
        count[0] += 1
        count[1] += ref.quote_count
        added = {t for t in (*ref.titles, *titles) if t.strip()}
        self.titles |= added
        self.gender_all |= _gender_of(added)
        if full:
            self.gender_full |= _gender_of(added)
        else:
            self.summary["shorts"] = self.summary.get("shorts", 0) + 1
        self.summary["refs"] += 1
        self.speaker.quote_count += ref.quote_count

    def finish(self) -> str:
        name = name_from_forms({form: (n, q) for form, (n, q) in self.forms.items()})
        speaker, summary = self.speaker, self.summary
        speaker.name = name
        # Sorted once here, not per ref: a common speaker's articles run to thousands.
        speaker.aliases = sorted({*speaker.aliases, *(local for _, local in self.keys)} - {name})
        speaker.article_ids = sorted({*speaker.article_ids, *(a for a, _ in self.keys)})
        speaker.titles = _unique_titles(self.titles)
        summary["forms"] = sorted([n, int(f), c, q] for (n, f), (c, q) in self.forms.items())
        if speaker.kind == "person":
            summary.update(given=sorted(self.given), gender_full=sorted(self.gender_full),
                           gender_all=sorted(self.gender_all))
        return name


def extend_block(block: str, stored: list[tuple[Speaker, str, dict | None]],
                 refs: list[SpeakerRef]) -> BlockExtension | None:
    """Place a block's new refs in its stored speakers, exactly as clustering the whole
    block again would; None wherever that cannot be told from the stored summaries.

    The cases taken are the ones a growing corpus mostly brings: another mention of a
    known full name or organisation, a short form whose one candidate is clear, a new
    person in a block without short forms. A new ref that could move other refs (a new
    given name where short forms wait for a candidate, a gender that changes how a short
    form is judged) or a name that would change makes the caller re-cluster the block.
    """
    if not stored or block.startswith("u:") or any(summary is None for _, _, summary in stored):
        return None
    held = [_Held.of(speaker, base, summary) for speaker, base, summary in stored]  # type: ignore[arg-type]
    for ref in sorted(refs, key=lambda r: (r.article_id, r.local)):
        if ref.local != _clean(ref.local) or not ref.local or block_of(ref) != block:
            return None
        if block.startswith("o:"):
            if len(held) != 1:
                return None
            held[0].add(ref, re.sub(r"^the\s+", "", ref.local), (), full=True)
        elif not _place_person(held, ref):
            return None
    out: list[tuple[Speaker, SpeakerPlacement]] = []
    mapping: dict[tuple[str, str], str] = {}
    grown: set[str] = set()
    new: set[str] = set()
    for h in held:
        if not h.touched:
            continue
        old = h.speaker.name
        name = h.finish()
        if h.stored:
            if name != old:
                return None  # a new name is a new id: the block is re-clustered
            grown.add(h.base_id)
        else:
            h.base_id = h.speaker.id = slugify(name)
            if h.base_id in new:
                return None
            new.add(h.base_id)
        out.append((h.speaker, SpeakerPlacement(block, h.base_id, h.summary)))
        mapping.update(dict.fromkeys(h.keys, h.speaker.id))
    return BlockExtension(out, mapping, grown, new)


def _place_person(held: list[_Held], ref: SpeakerRef) -> bool:
    """Add a person's ref to the speaker ``_cluster_block`` would put it in; False where
    adding it could move refs already placed, or where their order decides."""
    parsed = parse_person(ref.local)
    people = [h for h in held if h.role == "person"]
    shorts = sum(h.summary.get("shorts", 0) for h in people) + sum(h.summary["refs"] for h in held
                                                                      if h.role == "leftover")
    gender = _gender_of(t for t in (*ref.titles, *parsed.titles) if t.strip())
    if parsed.is_full:
        key = parsed.given_key
        owners = [h for h in people if key in h.given]
        if owners:
            target = owners[0]
            # A gender learnt from a full name changes how short forms are judged.
            if shorts and gender - target.gender_full:
                return False
        else:
            # A new given name may give short forms a candidate, or take their only one.
            if shorts:
                return False
            matches = [h for h in people if any(given_names_match(key, k) for k in h.given)]
            if len(matches) > 1:
                return False  # it would join two people into one
            target = matches[0] if matches else _Held.new("person")
            if not matches:
                held.append(target)
            target.given.add(key)
        target.add(ref, parsed.display, parsed.titles, full=True)
        return True
    candidates = people
    if parsed.given_key:
        candidates = [h for h in people if any(k.startswith(parsed.given_key) for k in h.given)]
    if len(candidates) == 1:
        only = candidates[0]
        # Short forms are judged in order against what is known of the person so far:
        # its full names' gender, plus that of the short forms joined before. Where that
        # is the same at every point, or no gendered short form is at stake, the order
        # does not matter and the ref's place is certain.
        if only.gender_full:
            if only.gender_all != only.gender_full:
                return False
            if not (parsed.gender and parsed.gender not in only.gender_full):
                if gender - only.gender_full:
                    return False
                only.add(ref, parsed.display, parsed.titles, full=False)
                return True
        else:
            if only.gender_all and (parsed.gender or gender):
                return False
            only.add(ref, parsed.display, parsed.titles, full=False)
            return True
    key2 = (parsed.gender, parsed.given_key)
    rest = [h for h in held if h.role == "leftover" and tuple(h.summary["leftover"]) == key2]
    target = rest[0] if rest else _Held.new("person", key2)
    if not rest:
        held.append(target)
    target.add(ref, ref.local, parsed.titles, full=False)
    return True


def _kind_family(kind: str) -> str:
    return kind if kind in ("organisation", "unnamed") else "person"


def block_of(ref: SpeakerRef) -> str:
    """The block a ref is clustered in: people by surname key, organisations by name key,
    unnamed sources by article. Must agree with how ``build_speakers`` groups refs."""
    family = _kind_family(ref.kind)
    if family == "person":
        return "p:" + parse_person(ref.local).surname_key
    if family == "organisation":
        return "o:" + _organisation_key(_clean(ref.local))
    return "u:" + ref.article_id


def article_refs(quotes: Iterable[Quote], outlet: str | None = None) -> list[SpeakerRef]:
    """The refs of one article's quotes, with their blocks: what a worker hands the speakers stage.

    One ref per distinct local name; its kind is the most frequent kind among its quotes
    (ties broken by name, so the result never depends on hashing or order).
    """
    groups: dict[str, list[Quote]] = defaultdict(list)
    for quote in quotes:
        local = _clean(quote.speaker_local or "")
        if local:
            groups[local].append(quote)
    refs = []
    for local in sorted(groups):
        group = groups[local]
        kinds = Counter(q.speaker_kind for q in group if q.speaker_kind)
        kind = min(kinds, key=lambda k: (-kinds[k], k)) if kinds else "person"
        ref = SpeakerRef(group[0].article_id, local, kind,
                         sorted({t for q in group for t in (q.speaker_titles or [])}), len(group), outlet)
        ref.block = block_of(ref)
        refs.append(ref)
    return refs


def _dedupe(refs: Iterable[SpeakerRef]) -> dict[tuple[str, str], SpeakerRef]:
    out: dict[tuple[str, str], SpeakerRef] = {}
    for ref in refs:
        local = _clean(ref.local)
        if not local:
            continue
        key = (ref.article_id, local)
        if key in out:
            out[key].quote_count += ref.quote_count
            out[key].titles = sorted({*out[key].titles, *ref.titles})
            out[key].kind = min(out[key].kind, ref.kind)  # a conflict is resolved the same way in any order
        else:
            out[key] = SpeakerRef(ref.article_id, local, ref.kind, list(ref.titles), ref.quote_count, ref.outlet)
    return out


def _people(refs: list[SpeakerRef]) -> Iterator[_Cluster]:
    blocks: dict[str, list[tuple[SpeakerRef, PersonName]]] = defaultdict(list)
    for ref in refs:
        parsed = parse_person(ref.local)
        blocks[parsed.surname_key].append((ref, parsed))
    for key in sorted(blocks):
        yield from _cluster_block(blocks[key])


def _cluster_block(members: list[tuple[SpeakerRef, PersonName]]) -> list[_Cluster]:
    """Cluster one surname block: full names by given name, then short forms onto them."""
    full = [(r, p) for r, p in members if p.is_full]
    short = [(r, p) for r, p in members if not p.is_full]
    given_groups = _group_given_names(sorted({p.given_key for _, p in full}))
    people: dict[str, _Cluster] = {}
    for ref, parsed in full:
        person = people.setdefault(given_groups[parsed.given_key], _Cluster("person"))
        person.add(ref, parsed.display, parsed.titles)
        person.given_keys.add(parsed.given_key)
    leftovers: dict[tuple[str | None, str], _Cluster] = {}
    for ref, parsed in short:
        target = _only_candidate(parsed, list(people.values()))
        if target is None:
            key = (parsed.gender, parsed.given_key)
            target = leftovers.setdefault(key, _Cluster("person", leftover=key))
            display = _clean(ref.local)  # "Mr Marsh" says more than "Marsh" when it stands alone
        else:
            display = parsed.display
        target.add(ref, display, parsed.titles, full=False)
    return [*people.values(), *leftovers.values()]


def _group_given_names(keys: list[str]) -> dict[str, str]:
    """Union the given-name keys of one block that match; map each key to its group's first key."""
    root = {k: k for k in keys}

    def find(k: str) -> str:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    # Distinct keys only match fuzzily, which needs the same first letter and Metaphone
    # code: comparing within those buckets keeps a block of common surname cheap.
    buckets: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in keys:
        buckets[(key[:1], jellyfish.metaphone(key))].append(key)
    for bucket in buckets.values():
        for i, a in enumerate(bucket):
            for b in bucket[i + 1:]:
                if given_names_match(a, b):
                    ra, rb = find(a), find(b)
                    root[max(ra, rb)] = min(ra, rb)
    return {k: find(k) for k in keys}


def _only_candidate(short: PersonName, people: list[_Cluster]) -> _Cluster | None:
    """The one full-name person a short form can only mean, or None when it is not certain."""
    candidates = people
    if short.given_key:  # an initial: "P. Marsh" can only be a Marsh whose given name starts with P
        candidates = [c for c in people if any(k.startswith(short.given_key) for k in c.given_keys)]
    if len(candidates) != 1:
        return None
    known = _gender_of(candidates[0].titles)
    if short.gender and known and short.gender not in known:
        return None
    return candidates[0]


def _organisation_key(local: str) -> str:
    return fold(re.sub(r"^the\s+", "", re.sub(r"^the\s+", "", local), flags=re.IGNORECASE))


def _organisations(refs: list[SpeakerRef]) -> Iterator[_Cluster]:
    groups: dict[str, _Cluster] = {}
    for ref in refs:
        display = re.sub(r"^the\s+", "", _clean(ref.local))  # "the Kremlin" in running text
        key = _organisation_key(_clean(ref.local))
        groups.setdefault(key, _Cluster("organisation")).add(ref, display)
    for key in sorted(groups):
        yield groups[key]


def _unnamed(refs: list[SpeakerRef]) -> Iterator[_Cluster]:
    # One per article and description: nothing says two "senior sources" are one person.
    for ref in refs:
        cluster = _Cluster("unnamed", unnamed_article=ref.article_id)
        cluster.add(ref, _clean(ref.local))
        yield cluster


# ---------------------------------------------------------------- naming and ids
def name_from_forms(forms: dict[tuple[str, bool], tuple[int, int]]) -> str:
    """The canonical name: the most frequent form, counting accent variants together and
    showing their accents, from (display form, full?) → (refs, quotes); full forms are
    chosen from when there are any. Counts, not refs: each stored speaker keeps them, so
    a run adding refs to it can tell whether its name (and so its id) would change."""
    chosen = {name: c for (name, full), c in forms.items() if full} or {name: c for (name, _), c in forms.items()}
    by_plain: dict[str, Counter[str]] = defaultdict(Counter)
    quotes: Counter[str] = Counter()
    for name, (n, q) in chosen.items():
        plain = _strip_accents(name)
        by_plain[plain][name] += n
        quotes[plain] += q
    plain = min(by_plain, key=lambda p: (-sum(by_plain[p].values()), -quotes[p], p))
    counts = by_plain[plain]
    return min(counts, key=lambda f: (-_accent_count(f), -counts[f], f))


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _accent_count(text: str) -> int:
    return sum(1 for c in unicodedata.normalize("NFKD", text) if unicodedata.combining(c))


def _finish(clusters: list[_Cluster], placement: dict[str, SpeakerPlacement] | None = None
            ) -> tuple[list[Speaker], dict[tuple[str, str], str]]:
    speakers: list[Speaker] = []
    for cluster in clusters:
        name = cluster.name()
        speakers.append(Speaker(
            id=_base_id(cluster, name),
            name=name,
            aliases=sorted({r.local for r in cluster.refs} - {name}),
            titles=_unique_titles(cluster.titles),
            article_ids=sorted({r.article_id for r in cluster.refs}),
            quote_count=sum(r.quote_count for r in cluster.refs),
            kind=cluster.kind,  # type: ignore[arg-type]
        ))
    members = {id(s): c for s, c in zip(speakers, clusters)}
    # Collisions get -2, -3… in an order fixed by content, never by input order.
    speakers.sort(key=lambda s: (s.id, s.kind, sorted((r.article_id, r.local) for r in members[id(s)].refs)))
    seen: Counter[str] = Counter()
    mapping: dict[tuple[str, str], str] = {}
    for speaker in speakers:
        base = speaker.id
        seen[speaker.id] += 1
        if seen[speaker.id] > 1:
            speaker.id = f"{speaker.id}-{seen[speaker.id]}"
        for ref in members[id(speaker)].refs:
            mapping[(ref.article_id, ref.local)] = speaker.id
        if placement is not None:
            cluster = members[id(speaker)]
            placement[speaker.id] = SpeakerPlacement(block_of(cluster.refs[0]), base, cluster.summary())
    return speakers, mapping


def _unique_titles(titles: set[str]) -> list[str]:
    """Sorted titles, one per case-insensitive spelling ("Minister" and "minister" are one title)."""
    by_fold: dict[str, str] = {}
    for title in sorted(titles):  # upper case sorts first, so "Minister" is the one kept
        by_fold.setdefault(title.casefold(), title)
    return sorted(by_fold.values())


def _base_id(cluster: _Cluster, name: str) -> str:
    if cluster.unnamed_article is not None:
        return f"unnamed:{cluster.unnamed_article}:{slugify(name)}"
    return slugify(name)


# ---------------------------------------------------------------- quotes in and out
def refs_from_quotes(quotes: Iterable[Quote], outlets: dict[str, str | None] | None = None) -> list[SpeakerRef]:
    """One SpeakerRef per (article, local speaker) of the quotes; quotes without a speaker are skipped."""
    refs: dict[tuple[str, str], SpeakerRef] = {}
    for quote in quotes:
        local = _clean(quote.speaker_local or quote.speaker or "")
        if not local:
            continue
        key = (quote.article_id, local)
        if key not in refs:
            refs[key] = SpeakerRef(quote.article_id, local, quote.speaker_kind or "person", [], 0,
                                   (outlets or {}).get(quote.article_id))
        ref = refs[key]
        ref.quote_count += 1
        ref.titles = sorted({*ref.titles, *quote.speaker_titles})
    return list(refs.values())


def assign_speakers(quotes: Iterable[Quote], speakers: list[Speaker],
                    mapping: dict[tuple[str, str], str]) -> None:
    """Set ``speaker_id`` and the canonical ``speaker`` name on quotes, in place."""
    names = {s.id: s.name for s in speakers}
    for quote in quotes:
        speaker_id = mapping.get((quote.article_id, _clean(quote.speaker_local or quote.speaker or "")))
        if speaker_id is not None:
            quote.speaker_id = speaker_id
            quote.speaker = names[speaker_id]
