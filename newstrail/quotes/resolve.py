"""In-article speaker resolution: mentions → the person, organisation or source they name.

One :class:`Registry` per article. It is filled from the PERSON entities of every parsed
paragraph (full names, titles from appositions and pre-name modifiers), then speaker
mentions are resolved in document order (title, standfirst, body):

* names and honorific + name ("Mr Cleverly", "Sir Keir") → the person whose surname (or,
  after Sir/Dame, first name) matches; the fullest name seen wins;
* he / she → the most recent person speaker of compatible gender (genders come from
  honorifics and from pronouns already resolved); singular "they" → the most recent
  unnamed or organisation speaker;
* a role ("the Foreign Secretary", "the Ukrainian president") → the person the article
  gives that title, else the most recent person speaker with no conflicting title;
* mentions that find nothing before them (headlines: "…, the British Foreign Secretary
  has warned") take the first compatible person speaker after them;
* unnamed sources ("a Whitehall source") and organisations stay what they are.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .cues import HONORIFICS, QUALIFYING_MODIFIERS
from .mentions import Mention

# Sir Keir, Dame Margaret: these honorifics go with the first name.
_FIRST_NAME_HONORIFICS = frozenset({"sir", "dame", "lady", "lord"})
# Two modifier words refer to the same thing when they share this many first letters:
# "Ukraine’s president" and "the Ukrainian president".
_STEM = 5


@dataclass(slots=True, eq=False)
class Entity:
    """Something that speaks in the article: a person, an organisation or an unnamed source."""

    name: str
    kind: str = "person"  # "person" / "organisation" / "unnamed"
    gender: str | None = None
    titles: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[str]:
        return self.name.replace(".", " ").lower().split()

    def add_title(self, title: str) -> None:
        title = title.strip()
        if title and title.lower() not in (t.lower() for t in self.titles) and title.lower() != self.name.lower():
            self.titles.append(title)

    def title_heads(self) -> set[str]:
        return {t.lower().replace("’s", "").split(" of ")[0].split()[-1] for t in self.titles if t.split()}


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


def _role_matches(mention: Mention, title: str) -> bool:
    """"the Ukrainian president" vs "Ukraine’s president"; "the foreign secretary" vs "Foreign Secretary"."""
    words = [w for w in title.lower().replace("’s", "").replace("'s", "").split(" of ")[0].split()]
    if not words or words[-1] != mention.head:
        return False
    stems = {_stem(w) for w in words[:-1]}
    qualifiers = set(words[:-1]) & QUALIFYING_MODIFIERS
    return all(_stem(m) in stems for m in mention.modifiers) and qualifiers <= set(mention.modifiers)


class Registry:
    """Entities of one article and the speakers resolved so far."""

    def __init__(self) -> None:
        self.people: list[Entity] = []
        self.others: dict[str, Entity] = {}
        self.recent: list[Entity] = []  # speakers in order of resolution
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

    def person(self, name: str, gender: str | None = None, titles: Iterable[str] = ()) -> Entity:
        """The person of that name, registering (or lengthening) it."""
        match = next((p for p in self.people if _same_person(name, p) or _same_person(p.name, Entity(name))), None)
        if match is None:
            match = Entity(name)
            self.people.append(match)
        elif len(name.split()) > len(match.name.split()):
            match.name = name
        match.gender = match.gender or gender
        for title in titles:
            match.add_title(title)
        self._lengthen(match)
        return match

    def described(self, mention: Mention, kind: str) -> Entity:
        key = f"{kind}:{mention.text.lower()}"
        return self.others.setdefault(key, Entity(mention.text, kind=kind))

    def _by_first_name(self, word: str) -> Entity | None:
        return next((p for p in self.people if p.parts and p.parts[0] == word.lower()), None)

    def resolve(self, mention: Mention) -> Entity | None:
        """The entity a mention refers to; None when it cannot be told yet (pronoun, role)."""
        if mention.kind == "name" and mention.name:
            return self._resolve_name(mention)
        if mention.kind == "organisation":
            return self.described(mention, "organisation")
        if mention.kind == "unnamed":
            return self.described(mention, "unnamed")
        if mention.kind == "pronoun":
            return self._resolve_pronoun(mention)
        if mention.kind == "role":
            return self._resolve_role(mention)
        return None

    def _resolve_name(self, mention: Mention) -> Entity:
        name = mention.name or mention.text
        first_word = mention.text.split()[0].lower().rstrip(".")
        if first_word in _FIRST_NAME_HONORIFICS and len(name.split()) == 1:
            by_first = self._by_first_name(name)
            if by_first is not None:
                by_first.gender = by_first.gender or HONORIFICS.get(first_word)
                return by_first
        return self.person(name, mention.gender, mention.titles)

    def _resolve_pronoun(self, mention: Mention) -> Entity | None:
        if mention.head in ("they", "them"):
            return next((e for e in reversed(self.recent[-3:]) if e.kind != "person"), None)
        if mention.head in ("it",):
            return next((e for e in reversed(self.recent[-3:]) if e.kind == "organisation"), None)
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

    def spoke(self, entity: Entity) -> None:
        self.recent.append(entity)

    def register_entities(self, names: Iterable[tuple[str, str | None, list[str]]]) -> None:
        for name, gender, titles in names:
            self.person(name, gender, titles)


def resolve_all(registry: Registry, mentions: list[Mention | None]) -> list[Entity | None]:
    """Resolve mentions given in document order; forward-looking for what finds nothing before."""
    resolved: list[Entity | None] = []
    for mention in mentions:
        entity = registry.resolve(mention) if mention is not None else None
        if entity is not None:
            registry.spoke(entity)
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
