"""In-article speaker resolution: mentions → the person, organisation or source they name.

One :class:`Registry` per article. It is filled from the PERSON and ORG entities of every
parsed paragraph (full names, titles from appositions and pre-name modifiers, where each
is mentioned), then speaker mentions are resolved in document order (title, standfirst,
body). Positions are article-wide (see ``position``), so "before" and "after" mean the
same thing across sections.

* names and honorific + name ("Mr Cleverly", "Sir Keir") → the person whose surname (or,
  after Sir/Dame, first name) matches; the fullest name seen wins. An honorific's gender
  must fit: "Mr Marsh" is never Helen Marsh. When two people share a surname, the one
  mentioned last before the mention wins;
* he / she → the person of compatible gender mentioned last before the pronoun, as a
  speaker or as the subject of a sentence; singular "they" → the most recent unnamed or
  organisation speaker;
* a role ("the Foreign Secretary", "the Ukrainian president") → the person the article
  gives that title, else the most recent person speaker with no conflicting title;
* mentions that find nothing before them (headlines: "…, the British Foreign Secretary
  has warned") take the first compatible person speaker after them;
* unnamed sources ("a Whitehall source") and organisations stay what they are; a definite
  description ("the source", "the union") refers back to the earlier source or body of the
  article with the same head noun.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from .cues import HONORIFICS, QUALIFYING_MODIFIERS
from .mentions import Mention, Named

# Sir Keir, Dame Margaret: these honorifics go with the first name.
_FIRST_NAME_HONORIFICS = frozenset({"sir", "dame", "lady", "lord"})
# Two modifier words refer to the same thing when they share this many first letters:
# "Ukraine’s president" and "the Ukrainian president".
_STEM = 5
# Positions are section index * this + offset in the section text.
_SECTION_STRIDE = 10_000_000


def position(section_index: int, offset: int) -> int:
    """An article-wide position: sections in order (title, standfirst, body), then offsets."""
    return section_index * _SECTION_STRIDE + offset


@dataclass(slots=True, eq=False)
class Entity:
    """Something that speaks in the article: a person, an organisation or an unnamed source."""

    name: str
    kind: str = "person"  # "person" / "organisation" / "unnamed"
    gender: str | None = None
    titles: list[str] = field(default_factory=list)
    honorific: str | None = None  # as first written with the name: "Ms"
    head: str | None = None  # head noun of a description: "source"
    mentions: list[int] = field(default_factory=list)  # sorted positions

    @property
    def parts(self) -> list[str]:
        return self.name.replace(".", " ").lower().split()

    @property
    def display(self) -> str:
        """The fullest name the article gives: "Grace Okafor", else "Ms Okafor" rather than "Okafor"."""
        if self.kind == "person" and self.honorific and len(self.name.split()) == 1:
            return f"{self.honorific} {self.name}"
        return self.name

    def add_title(self, title: str) -> None:
        title = title.strip()
        if title and title.lower() not in (t.lower() for t in self.titles) and title.lower() != self.name.lower():
            self.titles.append(title)

    def title_heads(self) -> set[str]:
        return {t.lower().replace("’s", "").split(" of ")[0].split()[-1] for t in self.titles if t.split()}

    def seen_at(self, where: int | None) -> None:
        if where is not None:
            bisect.insort(self.mentions, where)

    def last_before(self, where: int | None) -> int:
        """Position of the last mention before ``where`` (-1 when none)."""
        if where is None:
            return self.mentions[-1] if self.mentions else -1
        i = bisect.bisect_left(self.mentions, where)
        return self.mentions[i - 1] if i else -1


def _stem(word: str) -> str:
    return word.lower().replace("’s", "").replace("'s", "")[:_STEM]


def _same_person(name: str, person: Entity) -> bool:
    words = name.replace(".", " ").lower().split()
    parts = person.parts
    if not words or not parts:
        return False
    if len(words) == 1:
        return words[0] == parts[-1]
    return words[-1] == parts[-1] and (words[0] == parts[0] or len(words[0]) == 1 or len(parts[0]) == 1)


def _gender_fits(gender: str | None, person: Entity) -> bool:
    return gender is None or person.gender is None or gender == person.gender


def _role_matches(mention: Mention, title: str) -> bool:
    """"the Ukrainian president" vs "Ukraine’s president"; "the foreign secretary" vs "Foreign Secretary"."""
    words = [w for w in title.lower().replace("’s", "").replace("'s", "").split(" of ")[0].split()]
    if not words or words[-1] != mention.head:
        return False
    stems = {_stem(w) for w in words[:-1]}
    qualifiers = set(words[:-1]) & QUALIFYING_MODIFIERS
    return all(_stem(m) in stems for m in mention.modifiers) and qualifiers <= set(mention.modifiers)


def _head_of(name: str) -> str:
    """"Kessling Chamber of Commerce" → "chamber"; "Kessling Dockworkers’ Union" → "union"."""
    words = name.lower().split(" of ")[0].split()
    return words[-1] if words else ""


class Registry:
    """Entities of one article and the speakers resolved so far."""

    def __init__(self) -> None:
        self.people: list[Entity] = []
        self.others: dict[str, Entity] = {}
        self.bodies: list[Entity] = []  # ORG entities of the text, for "the union"
        self.recent: list[Entity] = []  # speakers in order of resolution
        # (position, entity): speakers and sentence subjects, the antecedents of he/she.
        self.timeline: list[tuple[int, int, Entity]] = []
        self.guesses: list[tuple[str, list[str]]] = []  # names seen in unparsed text

    def add_guesses(self, names: Iterable[tuple[str, list[str]]]) -> None:
        self.guesses.extend(names)

    def _lengthen(self, person: Entity) -> None:
        """A surname-only person takes the full name found in text that was not parsed."""
        if len(person.parts) != 1:
            return
        for name, titles in self.guesses:
            if _same_person(person.name, Entity(name)):
                person.name = name
                for title in titles:
                    person.add_title(title)
                return

    def _mark(self, where: int | None, entity: Entity) -> None:
        if where is not None:
            bisect.insort(self.timeline, (where, len(self.timeline), entity))

    def person(self, name: str, gender: str | None = None, titles: Iterable[str] = (), where: int | None = None,
               honorific: str | None = None) -> Entity:
        """The person of that name, registering (or lengthening) it."""
        words = name.replace(".", " ").lower().split()
        if honorific is not None and honorific.lower().rstrip(".") in _FIRST_NAME_HONORIFICS and len(words) == 1:
            by_first = self._by_first_name(name)  # "Sir Alan" is Alan Pryce, not a Mr Alan
            if by_first is not None:
                by_first.seen_at(where)
                return by_first
        candidates = [p for p in self.people if (_same_person(name, p) or _same_person(p.name, Entity(name)))
                      and _gender_fits(gender, p)]
        exact = [p for p in candidates if len(words) > 1 and p.parts == words]
        if exact:
            match: Entity | None = exact[0]
        elif len(candidates) > 1:
            # Two Marshes: the one named last before this mention.
            match = max(candidates, key=lambda p: (p.last_before(where), -self.people.index(p)))
        else:
            match = candidates[0] if candidates else None
        if match is None:
            match = Entity(name)
            self.people.append(match)
        elif len(words) > len(match.name.split()):
            match.name = name
        match.gender = match.gender or gender
        match.honorific = match.honorific or honorific
        for title in titles:
            match.add_title(title)
        match.seen_at(where)
        self._lengthen(match)
        return match

    def described(self, mention: Mention, kind: str) -> Entity:
        if mention.definite:
            earlier = self._earlier_description(mention, kind)
            if earlier is not None:
                return earlier
        name = mention.text
        if kind == "organisation" and name.lower().startswith("the ") and len(name.split()) > 2:
            name = name[4:]  # "The Varenian foreign ministry" is named "Varenian foreign ministry"
        key = f"{kind}:{name.lower()}"
        if key not in self.others:
            self.others[key] = Entity(name, kind=kind, head=mention.head)
        return self.others[key]

    def _earlier_description(self, mention: Mention, kind: str) -> Entity | None:
        """"the source" → "a government source" said before; "the union" → "Kessling Dockworkers’ Union"."""
        for entity in reversed(self.recent):
            if entity.kind == kind and entity.head == mention.head:
                return entity
        if kind == "organisation":
            # Capitalised words must agree ("the Russian embassy" is not the US Embassy);
            # others may differ ("the regional chamber of commerce" = Kessling Chamber of Commerce).
            proper = [w.lower() for w in mention.text.split()[1:] if w[:1].isupper()]
            for body in self.bodies:
                if _head_of(body.name) == mention.head and body.name.lower() != mention.text.lower():
                    if all(w in body.name.lower() for w in proper):
                        return body
        return None

    def _by_first_name(self, word: str) -> Entity | None:
        return next((p for p in self.people if p.parts and p.parts[0] == word.lower()), None)

    def resolve(self, mention: Mention, where: int | None = None) -> Entity | None:
        """The entity a mention refers to; None when it cannot be told yet (pronoun, role)."""
        if mention.kind == "name" and mention.name:
            return self._resolve_name(mention, where)
        if mention.kind == "organisation":
            return self.described(mention, "organisation")
        if mention.kind == "unnamed":
            return self.described(mention, "unnamed")
        if mention.kind == "pronoun":
            return self._resolve_pronoun(mention, where)
        if mention.kind == "role":
            return self._resolve_role(mention)
        return None

    def _resolve_name(self, mention: Mention, where: int | None) -> Entity:
        name = mention.name or mention.text
        first_word = mention.text.split()[0].lower().rstrip(".")
        if first_word in _FIRST_NAME_HONORIFICS and len(name.split()) == 1:
            by_first = self._by_first_name(name)
            if by_first is not None:
                by_first.gender = by_first.gender or HONORIFICS.get(first_word)
                return by_first
        return self.person(name, mention.gender, mention.titles, where, mention.honorific)

    def _resolve_pronoun(self, mention: Mention, where: int | None) -> Entity | None:
        if mention.head in ("they", "them"):
            return next((e for e in reversed(self.recent[-3:]) if e.kind != "person"), None)
        if mention.head in ("it",):
            return next((e for e in reversed(self.recent[-3:]) if e.kind == "organisation"), None)
        stop = len(self.timeline) if where is None else bisect.bisect_left(self.timeline, (where, -1))
        for _, _, entity in reversed(self.timeline[:stop]):
            if entity.kind == "person" and entity.gender in (None, mention.gender):
                entity.gender = entity.gender or mention.gender
                return entity
        for entity in reversed(self.recent):
            if entity.kind == "person" and entity.gender in (None, mention.gender):
                entity.gender = entity.gender or mention.gender
                return entity
        return None

    def _resolve_role(self, mention: Mention) -> Entity | None:
        titled = [p for p in self.people if any(_role_matches(mention, t) for t in p.titles)]
        if titled:
            recent = [e for e in reversed(self.recent) if e in titled]
            return recent[0] if recent else titled[0]
        for entity in reversed(self.recent):
            if entity.kind == "person" and self.compatible_role(entity, mention):
                return entity
        return None

    @staticmethod
    def compatible_role(entity: Entity, mention: Mention) -> bool:
        """A person can carry a role unless the article gives them another one."""
        heads = entity.title_heads()
        return not heads or mention.head in heads

    def spoke(self, entity: Entity, where: int | None = None) -> None:
        self.recent.append(entity)
        self._mark(where, entity)

    def register_entities(self, names: Iterable[Named], base: int = 0) -> None:
        """PERSON entities of a parsed paragraph; ``base`` is the paragraph's article-wide position."""
        for named in names:
            where = base + named.start
            entity = self.person(named.name, named.gender, named.titles, where, named.honorific)
            if named.subject:
                self._mark(where, entity)

    def register_bodies(self, names: Iterable[Named]) -> None:
        for named in names:
            if not any(b.name.lower() == named.name.lower() for b in self.bodies):
                self.bodies.append(Entity(named.name, kind="organisation", head=_head_of(named.name)))


def resolve_all(registry: Registry, mentions: list[Mention | None], positions: list[int | None] | None = None
                ) -> list[Entity | None]:
    """Resolve mentions given in document order; forward-looking for what finds nothing before."""
    positions = positions or [None] * len(mentions)
    resolved: list[Entity | None] = []
    for mention, where in zip(mentions, positions):
        entity = registry.resolve(mention, where) if mention is not None else None
        if entity is not None:
            registry.spoke(entity, where)
            if mention is not None and mention.kind == "role":
                entity.add_title(_role_title(mention))
        resolved.append(entity)
    for i, mention in enumerate(mentions):
        if resolved[i] is None and mention is not None and mention.kind in ("pronoun", "role") \
                and mention.head not in ("they", "them", "it"):
            resolved[i] = _first_after(mention, resolved[i + 1:], registry)
            if resolved[i] is not None and mention.kind == "role":
                resolved[i].add_title(_role_title(mention))
    return resolved


def _first_after(mention: Mention, later: list[Entity | None], registry: Registry) -> Entity | None:
    for entity in later:
        if entity is None or entity.kind != "person":
            continue
        if mention.kind == "pronoun" and entity.gender in (None, mention.gender):
            return entity
        if mention.kind == "role" and registry.compatible_role(entity, mention):
            return entity
    return None


def _role_title(mention: Mention) -> str:
    words = mention.text.split()
    if words and words[0].lower() in ("the", "a", "an", "this", "that"):
        words = words[1:]
    return " ".join(words)
