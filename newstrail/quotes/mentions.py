"""Speaker mentions: the words that name a speaker, and what kind of name they are.

A mention is built from the subject token of a reporting clause. It keeps the noun
phrase that names the speaker ("Foreign Secretary James Cleverly", "a No 10
spokesperson") and drops what merely describes it at length (relative clauses,
appositions), which become titles instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from spacy.tokens import Span, Token

from .cues import (
    FIRST_PERSON, HONORIFICS, INDEFINITE_DETERMINERS, NAME_TITLES, ORGANISATION_LABELS,
    ORGANISATION_NOUNS, PLURAL_PRONOUNS, PRONOUN_GENDER, ROLE_NOUNS, TITLE_HEADS, coarse,
    doc_text, sentence,
)

MentionKind = Literal["name", "pronoun", "role", "unnamed", "organisation", "self"]

# Right-hand dependents that describe rather than name: left out of the mention.
_DESCRIPTIVE_DEPS = frozenset({"relcl", "appos", "acl", "punct", "cc", "conj", "advcl", "prep"})
# Left-hand dependents that are not part of a title: "the", "Labour’s".
_NOT_TITLE_DEPS = frozenset({"det", "poss", "case", "punct", "predet"})


@dataclass(slots=True)
class Mention:
    """A speaker as named at one place in the text (offsets into the section text)."""

    start: int
    end: int
    text: str
    kind: MentionKind
    head: str  # lower-cased head word: "cleverly", "president", "he"
    name: str | None = None  # person name without honorific: "James Cleverly", "Cleverly"
    gender: str | None = None
    titles: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)  # lower-cased words before the head
    honorific: str | None = None  # as written: "Ms", "Mr.", "Sir"
    definite: bool = False  # "the source", "the union": may refer back to an earlier speaker


def _text(tokens: list[Token], *, skip_determiner: bool = False) -> str:
    """The text under a run of tokens, as written (spacing kept)."""
    if skip_determiner and len(tokens) > 1 and tokens[0].dep_ == "det":
        tokens = tokens[1:]
    doc = tokens[0].doc
    return doc_text(doc)[tokens[0].idx: tokens[-1].idx + len(tokens[-1].text)]


def _offset_span(tokens: list[Token], offset: int) -> tuple[int, int]:
    first, last = tokens[0], tokens[-1]
    return offset + first.idx, offset + last.idx + len(last.text)


def _strip_possessive(text: str) -> str:
    for suffix in ("’s", "'s", "’", "'"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _clean_word(token: Token) -> str:
    return token.lower_.rstrip(".")


def _person_entity(token: Token) -> Span | None:
    """The PERSON entity the token is part of, read from its IOB tags (``doc.ents`` builds
    every entity span on each access, which is slow when asked per token)."""
    if token.ent_type_ != "PERSON":
        return None
    doc = token.doc
    start = token.i
    while doc[start].ent_iob_ == "I" and start > 0 and doc[start - 1].ent_type_ == "PERSON":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def person_name(ent: Span) -> tuple[str, str | None]:
    """A PERSON entity's name without honorifics or titles, and the gender an honorific gives."""
    words = [t for t in ent if not t.is_punct or t.text == "."]
    gender = None
    while words and (_clean_word(words[0]) in HONORIFICS or _clean_word(words[0]) in NAME_TITLES):
        gender = gender or HONORIFICS.get(_clean_word(words[0]))
        words = words[1:]
    text = doc_text(ent.doc)[words[0].idx: words[-1].idx + len(words[-1].text)] if words else ent.text
    return _strip_possessive(text).strip(), gender


def noun_phrase(head: Token) -> list[Token]:
    """The head with its left modifiers and name parts; descriptive right-hand parts dropped."""
    tokens = [t for child in head.lefts if child.dep_ != "punct" for t in child.subtree]
    tokens.append(head)
    for child in head.rights:
        if child.dep_ in _DESCRIPTIVE_DEPS or child.is_punct:
            break
        tokens.extend(child.subtree)
    tokens.sort(key=lambda t: t.i)
    # Keep one contiguous run ending at the head (a stray left child can sit far away).
    while len(tokens) > 1 and tokens[1].i - tokens[0].i > 1:
        tokens.pop(0)
    # “But why?” reporter Jackie Nespral asked: the parser can hang the closing mark on the name.
    while len(tokens) > 1 and tokens[0].is_punct:
        tokens.pop(0)
    return tokens


def _titles(head: Token, tokens: list[Token], ent: Span | None) -> list[str]:
    """Roles the noun phrase gives its person: "Foreign Secretary" James Cleverly, "the vice president …"."""
    titles = []
    if ent is not None:
        before = [t for t in tokens if t.i < ent.start]
        # Cut at the last possessive or determiner: "Labour’s shadow foreign secretary".
        while before and any(t.dep_ in _NOT_TITLE_DEPS or t.tag_ == "POS" for t in before):
            cut = max(i for i, t in enumerate(before) if t.dep_ in _NOT_TITLE_DEPS or t.tag_ == "POS")
            before = before[cut + 1:]
        words = [t for t in before if _clean_word(t) not in HONORIFICS]
        if words:
            titles.append(" ".join(t.text for t in words))
    for child in head.rights:
        if _is_title_apposition(child):
            words = [t for t in child.subtree if not (t.i == child.left_edge.i and t.dep_ == "det")]
            words = [t for t in words if not t.is_punct or t.text in "-’'"]
            if words:
                titles.append(doc_text(head.doc)[words[0].idx: words[-1].idx + len(words[-1].text)])
    return titles


def _is_title_apposition(token: Token) -> bool:
    """", the vice president of the European Commission": an apposition after a comma that names a role."""
    comma = token.doc[token.left_edge.i - 1] if token.left_edge.i > 0 else None
    return (token.dep_ == "appos" and _person_entity(token) is None and token.lower_ in TITLE_HEADS
            and comma is not None and comma.text == ",")


def _appositive_person(head: Token) -> Token | None:
    """"Ukraine’s president, Volodymyr Zelensky": the named person a role noun stands beside."""
    for child in head.rights:
        if child.dep_ == "appos" and _person_entity(child) is not None:
            return child
    return None


def mention_from_token(head: Token, offset: int) -> Mention:
    """Classify the speaker named by ``head`` (a subject token) and record its words."""
    lower = head.lower_
    # "Those close to him", "some", "others": a description, not a pronoun to resolve.
    personal = lower in PRONOUN_GENDER or lower in PLURAL_PRONOUNS or lower in FIRST_PERSON or lower in ("it", "one")
    if coarse(head) == "PRON" and not personal:
        tokens = [head]
        last = _description_end(head, tokens)
        start, _ = _offset_span(tokens, offset)
        return Mention(start, offset + last.idx + len(last.text), doc_text(head.doc)[head.idx: last.idx + len(last.text)],
                       "unnamed", lower)
    if coarse(head) == "PRON" or personal:
        start, end = _offset_span([head], offset)
        kind: MentionKind = "self" if lower in FIRST_PERSON else "pronoun"
        return Mention(start, end, head.text, kind, lower, gender=PRONOUN_GENDER.get(lower))
    named = _appositive_person(head)
    if named is not None and _is_title_head(head):
        role = noun_phrase(head)
        mention = mention_from_token(named, offset)
        mention.titles.append(_text(role, skip_determiner=True))
        return mention
    tokens = noun_phrase(head)
    start, end = _offset_span(tokens, offset)
    text = doc_text(head.doc)[tokens[0].idx: tokens[-1].idx + len(tokens[-1].text)]
    modifiers = [_clean_word(t) for t in tokens if t.i < head.i and t.dep_ not in ("det", "punct", "case")]
    ent = _person_entity(head)
    honorific_token = next((t for t in tokens if _clean_word(t) in HONORIFICS), None)
    honorific = _clean_word(honorific_token) if honorific_token is not None else None
    is_role = ent is None and lower in ROLE_NOUNS
    # "The Varenian foreign ministry", "Union says": a body, even when tagged as a proper noun.
    is_body = ent is None and honorific is None and lower in ORGANISATION_NOUNS
    proper = coarse(head) == "PROPN" and not is_role and not is_body
    # An honorific makes a person whatever the entity tagger thought ("Ms Jones" as ORG).
    if ent is not None or (proper and (honorific is not None or head.ent_type_ not in ORGANISATION_LABELS)):
        name, gender = person_name(ent) if ent is not None else (_strip_possessive(head.text), None)
        if honorific is not None:
            gender = HONORIFICS[honorific] or gender
        return Mention(start, end, text, "name", lower, name=name, gender=gender,
                       titles=_titles(head, tokens, ent), modifiers=modifiers,
                       honorific=honorific_token.text if honorific_token is not None else None)
    last = _description_end(head, tokens)
    determiner = next((t.lower_ for t in tokens if t.dep_ == "det"), None)
    return Mention(start, offset + last.idx + len(last.text), doc_text(head.doc)[tokens[0].idx: last.idx + len(last.text)],
                   _common_kind(head, tokens), lower, modifiers=modifiers,
                   definite=determiner in ("the", "this", "that") or (
                       determiner is None and head.tag_ == "NNP" and not any(t.dep_ == "nummod" for t in tokens)))


_DESCRIPTION_PREPOSITIONS = frozenset({"for", "of", "from", "at", "in", "close", "with", "to", "on"})


def _description_end(head: Token, tokens: list[Token]) -> Token:
    """Last word of a described source, with "for/of/from X" kept: "a spokesman for the Kremlin".

    The prepositional phrase stops at a comma or dash: what follows ("…, who are not
    part of the dispute") describes, it does not name.
    """
    last = tokens[-1]
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ in _DESCRIPTION_PREPOSITIONS and child.i == last.i + 1:
            for token in sorted(child.subtree, key=lambda t: t.i):
                if token.is_punct and token.text not in ("’", "'", "-", "."):
                    break
                last = token
            break
    return last


def _common_kind(head: Token, tokens: list[Token]) -> MentionKind:
    determiner = next((t.lower_ for t in tokens if t.dep_ == "det"), None)
    lower = head.lower_
    if head.ent_type_ in ORGANISATION_LABELS or lower in ORGANISATION_NOUNS:
        return "organisation"
    if lower in ROLE_NOUNS and determiner not in INDEFINITE_DETERMINERS and head.tag_ != "NNS":
        return "role"
    # "a Whitehall source", "sources", "the spokesman": described, never forced onto a name.
    return "unnamed"


def _is_title_head(token: Token) -> bool:
    """"Ukraine’s president, Volodymyr Zelensky": the role noun a name stands in apposition to."""
    return _person_entity(token) is None and token.lower_ in TITLE_HEADS and token.i + 1 < len(token.doc) \
        and token.doc[token.i + 1].text == ","


@dataclass(slots=True)
class Named:
    """A PERSON (or organisation) entity seen in a parsed paragraph."""

    name: str
    gender: str | None
    titles: list[str]
    start: int  # offset into the parsed text
    subject: bool = False  # the subject of its clause: a likely antecedent for "he"/"she"
    honorific: str | None = None


_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


def _main_subject(token: Token) -> bool:
    """The subject of its sentence's main verb ("Dmitri Orlenko welcomed …"), not of a
    reported clause ("he said Putin would …"): only those are antecedents for he/she."""
    if token.dep_ == "appos":
        token = token.head
    if token.dep_ not in _SUBJECT_DEPS:
        return False
    verb = token.head
    while verb.dep_ == "conj" and verb.head is not verb:
        verb = verb.head
    return verb.dep_ == "ROOT" and not any(t.text in "“”\"‘’" for t in sentence(verb) if t.i < token.i)


def people(doc) -> list[Named]:
    """Every PERSON entity of a parsed text, in order."""
    found = []
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        name, gender = person_name(ent)
        if not name:
            continue
        head = ent.root
        titles = _titles(head, noun_phrase(head), ent)
        if head.dep_ == "appos" and _is_title_head(head.head):
            titles.append(_text(noun_phrase(head.head), skip_determiner=True))
        honorific = next((t.text for t in ent if _clean_word(t) in HONORIFICS), None)
        if honorific is None and ent.start > 0 and _clean_word(doc[ent.start - 1]) in HONORIFICS:
            honorific = doc[ent.start - 1].text  # "Ms" left outside the entity
            gender = gender or HONORIFICS[_clean_word(doc[ent.start - 1])]
        subject = _main_subject(head)
        found.append(Named(name, gender, titles, ent.start_char, subject, honorific))
    return found


def organisations(doc) -> list[Named]:
    """Every ORG entity of a parsed text, in order ("the Kessling Dockworkers’ Union")."""
    return [Named(_strip_possessive(ent.text[4:] if ent.text.lower().startswith("the ") else ent.text), None, [],
                  ent.start_char) for ent in doc.ents if ent.label_ == "ORG"]


_PRONOUNS = {**PRONOUN_GENDER, **dict.fromkeys(PLURAL_PRONOUNS), **dict.fromkeys(FIRST_PERSON)}


def mention_from_words(text: str, start: int, end: int) -> Mention | None:
    """A speaker named in text that was not parsed: "― Pamela Padilla", "Port chairman: ‘…’"."""
    words = text[start:end].split()
    if not words or len(words) > 6:
        return None
    lower = [w.lower().rstrip(".,") for w in words]
    if len(words) == 1 and lower[0] in _PRONOUNS:
        kind: MentionKind = "self" if lower[0] in FIRST_PERSON else "pronoun"
        return Mention(start, end, text[start:end], kind, lower[0], gender=PRONOUN_GENDER.get(lower[0]))
    if not words[-1][:1].isupper() and lower[-1] not in ROLE_NOUNS and lower[-1] not in TITLE_HEADS:
        return None
    if lower[-1] in ROLE_NOUNS or lower[-1] in TITLE_HEADS:
        return Mention(start, end, text[start:end], "role", lower[-1], modifiers=lower[:-1], definite=True)
    if lower[-1] in ORGANISATION_NOUNS:
        return Mention(start, end, text[start:end], "organisation", lower[-1], modifiers=lower[:-1], definite=True)
    honorific = words[0] if lower[0] in HONORIFICS and len(words) > 1 else None
    name_words = words[1:] if honorific else words
    while len(name_words) > 1 and name_words[0].lower().rstrip(".") in NAME_TITLES | TITLE_HEADS:
        name_words = name_words[1:]
    if not all(w[:1].isupper() or w.lower() in ("de", "van", "von", "der", "da", "del", "la", "le", "bin", "al")
               for w in name_words):
        return None
    return Mention(start, end, text[start:end], "name", lower[-1], name=_strip_possessive(" ".join(name_words)),
                   gender=HONORIFICS.get(honorific.lower().rstrip(".")) if honorific else None, honorific=honorific)


# Capitalised runs in text that is not parsed: "Foreign Secretary Mary Jones".
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:[A-Z]\.|[A-Z][\w’'-]*))+")


def unparsed_names(text: str) -> list[tuple[str, list[str]]]:
    """(name, titles) guesses from raw text: a capitalised run after its last title word.

    Used only to lengthen a name the parse found ("Ms Jones" → "Mary Jones"), never to
    create a speaker, so a wrong guess cannot become a quote's speaker on its own.
    """
    found = []
    for match in _CAPITALISED_RUN.finditer(text):
        words = [w for w in match.group().split()]
        cut = max((i + 1 for i, w in enumerate(words)
                   if w.lower().rstrip(".") in TITLE_HEADS or w.lower().rstrip(".") in HONORIFICS
                   or w.lower().rstrip(".") in NAME_TITLES), default=0)
        # Without a title to cut at, a long run is more likely "Secretary of State Tom Brown"
        # or "Boston Mayor Tom Brown" than a three-word name: keep its last two words.
        name = [_strip_possessive(w) for w in words[cut:]][-2:]
        if len(name) >= 2:
            titles = [" ".join(words[:cut])] if cut and words[cut - 1].lower().rstrip(".") in TITLE_HEADS else []
            found.append((" ".join(name), titles))
    return found


_CAPITALISED_BODY = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of|for|the|and|[A-Z][\w’'-]*))*")


def unparsed_bodies(text: str) -> list[Named]:
    """Organisation names in raw text: a capitalised run headed by a body noun ("Kessling Dockworkers’ Union")."""
    found = []
    for match in _CAPITALISED_BODY.finditer(text):
        words = match.group().split()
        while words and words[-1] in ("of", "for", "the", "and"):
            words.pop()
        if len(words) < 2:
            continue
        name = " ".join(words)
        head = name.lower().split(" of ")[0].split()[-1]
        if head in ORGANISATION_NOUNS:
            found.append(Named(_strip_possessive(name), None, [], match.start()))
    return found
