"""Reporting clauses in a parsed paragraph: cue, speaker, the clause's extent, its content.

A clause is found from its cue (a reporting verb outside quotation marks, or "according
to"). Its *frame* is the attribution itself (speaker, cue, addressee, time and place:
"he told MPs on Monday"); what it reports is found next to the frame: a quotation right
before or after it (``direct.py``), else the reported clause from the parse (here).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from .cues import (
    ACCORDING, ADDRESSEE_LEMMAS, DIRECT_ONLY_LEMMAS, INFINITIVE_CONTENT_LEMMAS, LEMMA_OF_FORM, MEDIUM_NOUNS,
    OBJECT_CONTENT_LEMMAS, OBJECT_PREPOSITIONS, coarse, doc_text, sentence,
)
from .mentions import Mention, mention_from_token, mention_from_words

# Dependents of the cue that belong to the attribution, not to what was said.
_FRAME_DEPS = frozenset({"aux", "auxpass", "neg", "advmod", "prep", "npadvmod", "dative", "prt", "agent"})
# Subject-like dependents that follow the verb in inverted attributions ("…, warns Cleverly").
_INVERTED_DEPS = frozenset({"dobj", "attr", "npadvmod", "appos", "oprd", "nsubj", "dative"})
# The cue inherits its subject from these heads: "slammed …, saying", "is expected to say".
_INHERIT_DEPS = frozenset({"xcomp", "advcl", "conj"})
_ATTRIBUTION_CLOSE = re.compile(r"[\s.!?…]*$")
_CONTENT_TRIM = " \t\n,;:—–-"
_MIN_CONTENT_WORDS = 3
_MAX_SUBJECT_CLIMB = 3
_MAX_BORROW_DISTANCE = 30  # tokens between a participle and the cue verb whose subject it borrows
# "is expected to say", "is set to announce": how far a governing verb may sit from the cue.
_MAX_CHAIN_GAP = 3
_COMPLEMENTISERS = frozenset({"that", "whether"})
_TRAILING_CONJUNCTIONS = frozenset({"and", "but", "or", "while", "as"})

InQuote = Callable[[int], bool]


@dataclass(slots=True)
class Clause:
    """One attribution: who (mention), how (cue), where its frame sits, what it reports."""

    paragraph: int
    cue: str
    cue_start: int
    frame_start: int
    frame_end: int
    sentence_start: int
    sentence_end: int
    mention: Mention | None
    content: tuple[int, int] | None = None  # reported clause from the parse, when any
    # The rest of the content after a frame inside the sentence: "Lenox was a juggernaut,
    # Mr. Clarke said, until it went bankrupt."
    content_after: tuple[int, int] | None = None
    # A question put to someone else ("asked by the host whether …"): the asker does not
    # go on speaking in the quotes that follow; the one asked answers.
    question: bool = False


def _end(token: Token) -> int:
    return token.idx + len(token.text)


def _is_cue_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") and token.lower_ in LEMMA_OF_FORM and token.dep_ != "amod"


def _is_complementiser(token: Token) -> bool:
    return token.dep_ == "mark" and token.lower_ in _COMPLEMENTISERS


def _is_passive(token: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in token.children)


def _reduced_passive(verb: Token) -> bool:
    """"Fishing crews told to stay clear": a headline passive, the subject is the hearer."""
    if verb.tag_ != "VBN" and not (verb.tag_ == "VBD" and verb.lower_ == "told"):
        return False
    if LEMMA_OF_FORM.get(verb.lower_) not in ADDRESSEE_LEMMAS:
        return False
    children = list(verb.children)
    return not any(c.dep_ in ("dobj", "dative") for c in children) and any(
        c.dep_ == "xcomp" and c.left_edge.lower_ == "to" and c.left_edge.i == verb.i + 1 for c in children)


def _inverted_subject(verb: Token) -> Token | None:
    """The speaker after the verb: "said a Whitehall source", "warns Cleverly"."""
    if verb.tag_ == "VBG":  # ", accusing its board of …": an object, never an inverted speaker
        return None
    previous = verb.nbor(-1) if verb.i > sentence(verb).start else None
    if previous is None or previous.text not in {",", "”", "’", '"', "'", "—", "–"}:
        return None
    for child in verb.rights:
        if child.dep_ in _INVERTED_DEPS and coarse(child) in ("PROPN", "NOUN", "PRON"):
            return child
    return None


def subject_of(verb: Token) -> Token | None:
    """Who speaks through ``verb``: its subject, an inverted subject, or its head's subject."""
    if verb.dep_ == "acl" and verb.tag_ == "VBN" and verb.head.i < verb.i \
            and not any(t.is_punct for t in verb.doc[verb.head.i + 1:verb.i]):
        return None  # "a firm called Northwind Analytics", "the report cited by …": a naming, not a speaker
    if verb.dep_ == "acl" and coarse(verb.head) in ("PROPN", "NOUN") and verb.head.i < verb.i:
        head = verb.head  # "Mayor Pia Lund saying she would talk"
        if head.lower_ in MEDIUM_NOUNS and coarse(head) == "NOUN":
            # "The mayor issued a statement saying …", "posted a string of messages calling …": the issuer speaks.
            governor = head
            for _ in range(4):
                if governor.dep_ not in ("dobj", "pobj", "prep") or governor.head is governor:
                    break
                governor = governor.head
                if coarse(governor) == "VERB":
                    issuer = subject_of(governor) if governor.i < head.i else None
                    if issuer is not None:
                        return issuer
                    break
        return head
    before = verb.doc[verb.i - 1] if verb.i > 0 else None
    if (verb.tag_ == "VBG" and verb.dep_ == "advcl" and before is not None and before.dep_ == "pobj"
            and coarse(before) == "PROPN"):
        # "She spoke in the wake of Mayor Lund saying she would talk": the parser hangs the
        # participle on the main verb, but the name right before it (no comma) is who says it.
        return before
    subject_deps = {"nsubj"}
    for _ in range(_MAX_SUBJECT_CLIMB):
        for child in verb.lefts:
            if child.dep_ in subject_deps:
                return child
        inverted = _inverted_subject(verb)
        if inverted is not None:
            return inverted
        for child in verb.rights:
            if child.dep_ == "nsubj" and verb.tag_ != "VBG":  # "accusing its board of …": not a subject
                return child
        if verb.tag_ == "VBG" and verb.dep_ == "advcl" and verb.head.dep_ in ("relcl", "acl"):
            # "X, who …, has defended the boats his government sent, saying …": X speaks.
            root = sentence(verb).root
            if coarse(root) in ("VERB", "AUX") and root.i < verb.i:
                verb = root
                continue
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep" and coarse(verb.head.head) in ("VERB", "AUX"):
            verb = verb.head.head  # "he refuses …, aside from saying": the subject of "refuses"
            subject_deps = {"nsubj", "nsubjpass"}
            continue
        if verb.dep_ not in _INHERIT_DEPS or verb.head is verb or not coarse(verb.head) in ("VERB", "AUX"):
            return None
        if verb.dep_ == "conj" and verb.head.dep_ == "ccomp" and _is_cue_verb(verb.head.head):
            # "She warned that firms would fail and called on …": the parser hangs "called" on
            # "fail"; a second cue verb goes with the speaker, not with what was reported.
            verb = verb.head.head
            continue
        verb = verb.head
        subject_deps = {"nsubj", "nsubjpass"}  # "she is expected to say"
    return None


_FINITE = frozenset({"VBD", "VBZ", "VBP"})


def _subject_beside(verb: Token, kinds: tuple[str, ...] = ("NOUN", "PROPN", "NUM")) -> Token | None:
    """The noun right before a finite cue the parser left without a subject: "About 4 in 10 say …"."""
    if verb.tag_ not in _FINITE:
        return None
    i = verb.i - 1
    # Skip "also", "has", and the comma closing an apposition ("the minister, Zoë Kovač, said").
    while i >= sentence(verb).start and (coarse(verb.doc[i]) in ("ADV", "AUX", "PART") or verb.doc[i].text == ","):
        i -= 1
    if i < sentence(verb).start:
        return None
    token = verb.doc[i]
    return token if coarse(token) in kinds else None


# Tags of the words of a speaker's noun phrase right after an inverted cue ("said the
# retired neurosurgeon Ben Carson").
_NAME_PHRASE_TAGS = frozenset({"DT", "JJ", "NNP", "NNPS", "NN", "NNS", "PRP$", "POS", "CD", "HYPH", "VBN"})
_NAME_PHRASE_END = frozenset({",", ".", ";", "—", "–", "-", ":", "”", '"'})


def _subject_following(verb: Token, in_quote: InQuote) -> Token | None:
    """“…,” said Nora Vance, an economist …: the parser made the name the subject of a
    later verb and left the cue without one; the noun phrase right after it speaks."""
    if verb.tag_ not in ("VBD", "VBZ") or verb.i == 0 or verb.nbor(-1).text not in {",", "”", '"', "’", "'"}:
        return None
    sent_end = sentence(verb).end
    i = verb.i + 1
    head = None
    while i < sent_end and not in_quote(verb.doc[i].idx):
        token = verb.doc[i]
        if token.tag_ in _NAME_PHRASE_TAGS:
            if token.tag_.startswith("NN"):
                head = token
        elif token.is_title and token.tag_ == "RB" and i == verb.i + 1:
            head = token  # "said Brandt," tagged as an adverb
        else:
            break
        i += 1
    if head is None or head.i != i - 1:
        return None
    if i < sent_end and verb.doc[i].text not in _NAME_PHRASE_END:
        return None
    return head


def _speaker_of_reported(verb: Token, in_quote: InQuote) -> Token | None:
    """"Dole said Kane should leave, echoing …": the parser hung the participle on what was
    said; it is the speaker's, so its subject is the speaker, not the reported clause's."""
    head = verb.head
    if verb.tag_ != "VBG" or verb.dep_ != "advcl" or head.dep_ != "ccomp" or not _is_cue_verb(head.head) \
            or in_quote(head.head.idx) or not any(t.text == "," for t in verb.doc[head.i:verb.i]):
        return None
    subject = subject_of(head.head)
    return subject if subject is not None and not in_quote(subject.idx) else None


def _borrowed_subject(verb: Token, in_quote: InQuote) -> Token | None:
    """“…,” Sanders said, suggesting …: a participle the parser hung inside the quote takes
    the subject of the verb before it, outside the marks ("treating … -- and asserting")."""
    if verb.tag_ != "VBG" and verb.dep_ == "xcomp" and verb.head.tag_ == "VBG":
        verb = verb.head  # "…, going on to say"
    if verb.tag_ != "VBG":
        return None
    for i in range(verb.i - 1, max(sentence(verb).start, verb.i - _MAX_BORROW_DISTANCE) - 1, -1):
        previous = verb.doc[i]
        if previous.tag_.startswith("VB") and not in_quote(previous.idx):
            subject = subject_of(previous)
            return subject if subject is not None and not in_quote(subject.idx) else None
    return None


def _verb_chain(verb: Token) -> list[Token]:
    """The cue and the verbs it hangs from by xcomp: "expected" ← "say"."""
    chain = [verb]
    while chain[-1].dep_ == "xcomp" and chain[-1].head.lower_ not in LEMMA_OF_FORM \
            and 0 < chain[-1].i - chain[-1].head.i <= _MAX_CHAIN_GAP:
        chain.append(chain[-1].head)
    return chain


def _frame_tokens(verb: Token, chain: list[Token], subject: Token | None, in_quote: InQuote) -> list[Token]:
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    tokens: list[Token] = list(chain)
    for link in chain:
        for child in link.children:
            allowed = (child.dep_ in _FRAME_DEPS or (child.dep_ == "dobj" and lemma in ADDRESSEE_LEMMAS)) \
                and not (child.dep_ == "prep" and child.lower_ in OBJECT_PREPOSITIONS.get(lemma, ()))
            if allowed and not any(in_quote(t.idx) or _is_complementiser(t) for t in child.subtree):
                tokens.extend(child.subtree if child.dep_ not in ("aux", "auxpass", "neg") else [child])
    if subject is not None and sentence(subject) == sentence(verb):
        if verb.is_ancestor(subject) or not subject.is_ancestor(verb):
            tokens.extend(subject.subtree)
        else:
            # "Voss, the treasurer, …, calling the budget a “sham”": the parser hung the cue on its
            # speaker; the speaker's words end before the cue, what the cue says is not frame.
            tokens.extend(t for t in subject.subtree if t.i < verb.i and not verb.is_ancestor(t))
    tokens = sorted(set(tokens), key=lambda t: t.i)
    # A quotation mark the parser hung on the subject is the quote's, not the frame's.
    while len(tokens) > 1 and tokens[0].is_quote:
        tokens.pop(0)
    return tokens


def _contiguous(tokens: list[Token], anchor: Token) -> list[Token]:
    """The run of tokens around the anchor without gaps (a frame is one stretch of words)."""
    by_index = {t.i for t in tokens}
    first = last = anchor.i
    while first - 1 in by_index:
        first -= 1
    while last + 1 in by_index:
        last += 1
    return [t for t in tokens if first <= t.i <= last]


def _cue_text(verb: Token, chain: list[Token], subject: Token | None) -> str:
    """"said", "told MPs", "told The Telegraph", "expected to say"."""
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    if lemma in ADDRESSEE_LEMMAS:
        objects = [c for c in verb.rights if c.dep_ in ("dobj", "dative") and c.left_edge.i == verb.i + 1
                   and (subject is None or c.i != subject.i) and coarse(c) in ("PROPN", "NOUN", "PRON")]
        if objects:
            return verb.doc[verb.i: objects[0].i + 1].text
    if len(chain) > 1:
        top = chain[-1]
        return verb.doc[top.i: verb.i + 1].text
    return verb.text


def _trimmed(doc: Doc, start: int, end: int, min_words: int = _MIN_CONTENT_WORDS) -> tuple[int, int] | None:
    text = doc_text(doc)
    while start < end and text[start] in _CONTENT_TRIM:
        start += 1
    while end > start:
        if text[end - 1] in _CONTENT_TRIM or text[end - 1] == ".":
            end -= 1
            continue
        # "he will end the war, and the Kremlin confirmed …": the conjunction joins the next clause.
        words = text[start:end].rsplit(None, 1)
        if len(words) == 2 and words[1].lower() in _TRAILING_CONJUNCTIONS:
            end = start + len(words[0])
            continue
        break
    if len(text[start:end].split()) < min_words:
        return None
    return start, end


def _subtree_extent(token: Token) -> tuple[int, int]:
    return token.left_edge.idx, _end(token.right_edge)


def _trailing_content(doc: Doc, frame_start: int, frame_end: int, sent_start: int, sent_end: int
                      ) -> tuple[int, int] | None:
    """"Putin may use talks to rearm, warns Cleverly": the words before an attribution that
    ends the sentence (or that sits between commas inside it: see ``_resumed_content``)."""
    before = doc_text(doc)[sent_start:frame_start].rstrip()
    if not before.endswith((",", "—", "–", ";")):
        return None
    closes = _ATTRIBUTION_CLOSE.match(doc_text(doc)[frame_end:sent_end]) is not None
    resumed = None if closes else _resumed_content(doc, frame_end, sent_end)
    if not closes and resumed is None:
        return None
    found = _trimmed(doc, sent_start, sent_start + len(before), min_words=2)
    # "Otherwise, she said, countries may …": one opening word before the frame is no
    # content of its own; what was said is the rest of the sentence.
    return found if found is not None or closes else resumed


def _resumed_content(doc: Doc, frame_end: int, sent_end: int) -> tuple[int, int] | None:
    """"Lenox was a juggernaut, Mr. Clarke said, until it went bankrupt": the words after the frame."""
    after = doc_text(doc)[frame_end:sent_end]
    stripped = after.lstrip()
    if not stripped.startswith((",", "—", "–")):
        return None
    following = stripped[1:].split(None, 1)
    word = following[0].rstrip(",;:—–").lower() if following else ""
    if word.endswith("ing") and word in LEMMA_OF_FORM:
        return None  # "…, Spicer said, adding, “…”": the participle reports words of its own
    return _trimmed(doc, frame_end + len(after) - len(stripped) + 1, sent_end, min_words=2)


def _colon_content(doc: Doc, frame_end: int, sent_end: int) -> tuple[int, int] | None:
    """"He added: the talks would go on": the words after a colon that ends the frame."""
    after = doc_text(doc)[frame_end:sent_end]
    stripped = after.lstrip()
    if not stripped.startswith(":"):
        return None
    return _trimmed(doc, frame_end + len(after) - len(stripped) + 1, sent_end)


def _ancestors_below(token: Token, stop: Token):
    """The heads above ``token``, up to (not including) ``stop`` or the root."""
    for ancestor in token.ancestors:
        if ancestor is stop or ancestor.i == stop.i:
            return
        yield ancestor


def _complement_content(verb: Token, frame_end: int) -> tuple[int, int] | None:
    """"said ahead of the speech that …": a that-clause the parser hung elsewhere."""
    for token in sentence(verb):
        if token.idx >= frame_end and _is_complementiser(token):
            # "declared “…” and said that …", "called for …, saying … that …": a that-clause
            # under another cue verb is that cue's.
            if any(a is not verb and a.i > verb.i and _is_cue_verb(a) for a in _ancestors_below(token, verb)):
                continue
            return token.idx, sentence(verb).end_char
    return None


def _outside_frame(extent: tuple[int, int], frame: tuple[int, int]) -> tuple[int, int]:
    """"who she said were “emboldened …”": content never includes its own attribution."""
    start, end = extent
    if start < frame[1] and frame[0] < end:
        return (frame[1], end) if end - frame[1] >= frame[0] - start else (start, frame[0])
    return extent


def _parse_content(verb: Token, frame: tuple[int, int], in_quote: InQuote) -> tuple[int, int] | None:
    """What the cue reports, from the parse: its clausal complement or infinitive."""
    doc, sent = verb.doc, sentence(verb)
    sent_start, sent_end = sent.start_char, sent.end_char
    # "The solution, the partner said, was simple": the words before a frame set between
    # commas are short, but the sentence goes on after it (see ``_content_after``).
    short_ok = 2 if _resumed_content(doc, frame[1], sent_end) is not None else _MIN_CONTENT_WORDS
    for finder, min_words in (
        (lambda: _ccomp_content(verb, frame), _MIN_CONTENT_WORDS),
        # ", pointing at the chairman, “…”": a participle reports nothing before its comma.
        (lambda: None if verb.tag_ == "VBG" else _trailing_content(doc, frame[0], frame[1], sent_start, sent_end),
         short_ok),
        (lambda: _colon_content(doc, frame[1], sent_end), _MIN_CONTENT_WORDS),
        (lambda: _complement_content(verb, frame[1]), _MIN_CONTENT_WORDS),
    ):
        extent = finder()
        if extent is not None:
            extent = _outside_frame(extent, frame)
            extent = (extent[0], _cut_at_next_cue(doc, *extent, verb))
        if extent is not None and (found := _trimmed(doc, *extent, min_words=min_words)) is not None:
            return found
    lemma = LEMMA_OF_FORM.get(verb.lower_, "")
    for child in verb.children:
        if child.dep_ == "xcomp" and lemma in INFINITIVE_CONTENT_LEMMAS:
            return _trimmed(doc, *_subtree_extent(child))
        # "acknowledged the “value of sanctions degrades over time”": an object that quotes.
        if child.dep_ == "dobj" and any(in_quote(t.idx) for t in child.subtree):
            return _trimmed(doc, *_subtree_extent(child))
    return _object_content(verb, lemma, frame) or _rest_of_sentence(verb, lemma, frame)


def _ccomp_content(verb: Token, frame: tuple[int, int]) -> tuple[int, int] | None:
    """The verb's clausal complement; one before the frame only when no colon parts them
    ("… on Friday: Republicans said they're convinced …" reports what follows)."""
    found = [c for c in verb.children if c.dep_ == "ccomp"]
    after = [c for c in found if c.i > verb.i]
    before = [c for c in found if c.i < verb.i
              and ":" not in doc_text(verb.doc)[_end(c.right_edge):frame[0]]]
    chosen = next(iter(before if before and not after else after or before), None)
    return _subtree_extent(chosen) if chosen is not None else None


def _rest_of_sentence(verb: Token, lemma: str, frame: tuple[int, int]) -> tuple[int, int] | None:
    """"He said legalizing it could put thousands to work": when the parse gives a verb of
    saying no complement, the words that follow the frame up to the end of the sentence."""
    if lemma in OBJECT_CONTENT_LEMMAS and lemma != "say" or lemma in INFINITIVE_CONTENT_LEMMAS and lemma != "tell":
        return None
    doc, sent = verb.doc, sentence(verb)
    after = doc_text(doc)[frame[1]:sent.end_char]
    stripped = after.lstrip()
    if not stripped or not (stripped[0].isalnum()) or frame[1] - frame[0] > 80:
        return None
    start = frame[1] + len(after) - len(stripped)
    end = _cut_at_next_cue(doc, start, sent.end_char, verb)
    return _trimmed(doc, start, end, min_words=2)


# Verbs whose object is the hearer or the occasion, not what was said: "spoke This Week",
# "thanked Congress for …", "warned Moscow of …".
_HEARER_OBJECT = frozenset("speak talk warn urge thank refer tell".split())


_CLAUSE_BREAKS = frozenset({"while", "whereas", "compared"})
# Words that open a clause of its own after "according to X,".
_CLAUSE_OPENERS = frozenset({"but", "and", "while", "whereas", "although", "though", "yet"})


def _inside(token: Token, verb: Token) -> bool:
    """Is ``token`` in what ``verb`` reports (its clausal complement)?"""
    while token.dep_ != "ROOT" and token.head is not token:
        if token.head == verb:
            return token.dep_ == "ccomp"
        token = token.head
    return False


def _tokens_between(doc: Doc, start: int, end: int):
    """Tokens that start inside [start, end), found without walking the whole document."""
    low, high = 0, len(doc)
    while low < high:  # first token at or after start
        middle = (low + high) // 2
        if doc[middle].idx <= start:
            low = middle + 1
        else:
            high = middle
    i = low
    while i < len(doc) and doc[i].idx < end:
        yield doc[i]
        i += 1


def _object_content(verb: Token, lemma: str, frame: tuple[int, int]) -> tuple[int, int] | None:
    """What a verb of judging or mentioning reports as a noun phrase.

    "called Clinton a “champion”", "described Clinton as a disgrace", "cited the
    report", "called for his dismissal", "spoke of the legacy of racism".
    """
    if lemma not in OBJECT_CONTENT_LEMMAS:
        return None
    parts = [child for child in verb.rights if child.left_edge.idx >= frame[1] and (
        (child.dep_ in ("dobj", "dative") and lemma not in _HEARER_OBJECT) or child.dep_ in ("oprd", "ccomp", "xcomp")
        or (child.dep_ == "prep" and child.lower_ in OBJECT_PREPOSITIONS.get(lemma, ()))
        or _marked_clause(child, OBJECT_PREPOSITIONS.get(lemma, ())))]
    if not parts:
        return None
    if lemma == "call" and len(parts) < 2 and not any(p.dep_ in ("oprd", "xcomp", "prep", "ccomp", "advcl") for p in parts):
        return None  # "called him": a phone call, not a judgement ("called her son her hero" is)
    start, end = min(p.left_edge.idx for p in parts), max(_end(p.right_edge) for p in parts)
    return _trimmed(verb.doc, start, end, min_words=1)


def _marked_clause(token: Token, prepositions: tuple[str, ...]) -> bool:
    """"called for the board to resign": the parser makes "for" the mark of a clause, not a preposition."""
    return token.dep_ == "advcl" and any(
        child.dep_ == "mark" and child.i == token.left_edge.i and child.lower_ in prepositions for child in token.children)


def _cut_at_next_cue(doc: Doc, start: int, end: int, verb: Token | None = None) -> int:
    """"said it was opposed to the test and warned North Korea to …": stop before "and warned".

    Only a second cue of the same speaker (a conjunct of ``verb`` itself, without a subject
    of its own) ends the content; one hanging inside the content is part of what was said.
    """
    tokens = list(_tokens_between(doc, start, end))
    # "refused to answer …, but said …": a conjunct of the verb the cue hangs from counts too.
    heads, link = set(), verb
    while link is not None:
        heads.add(link.i)
        link = link.head if link.dep_ == "xcomp" and link.head is not link else None
    for token in tokens:
        # "said Kane should leave the race, echoing a memo …": a participle after a comma that
        # hangs from the cue itself tells what the speaker did, not what was said.
        # The parser may hang it on the complement's verb instead; a cue participle there
        # ("…, saying …") still starts words of its own.
        if verb is not None and token.tag_ == "VBG" and token.i > verb.i and token.dep_ in ("advcl", "xcomp", "conj") \
                and (token.head.i == verb.i or token.lower_ in LEMMA_OF_FORM) and doc[token.i - 1].idx > start:
            if doc[token.i - 1].text == ",":
                return doc[token.i - 1].idx
            if doc[token.i - 1].is_quote and token.i > 1 and doc[token.i - 2].text == ",":
                return _end(doc[token.i - 1])  # "…working together," suggesting …
        # "While he acknowledged …, Ham also noted …": the content of a subordinate cue ends
        # where the clause it hangs from (a cue with a subject of its own) begins.
        if verb is not None and _is_cue_verb(token) and token.is_ancestor(verb):
            subject = next((c for c in token.lefts if c.dep_ == "nsubj"), None)
            if subject is not None and subject.left_edge.idx > start:
                return subject.left_edge.idx
        # "…, while 22 percent said …", "whereas Petraeus acknowledged …": a second
        # attribution in the same sentence ends the first one's content.
        if token.lower_ in _CLAUSE_BREAKS and any(
                _is_cue_verb(t) and t.i > token.i and any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
                for t in tokens):
            return token.idx
        if token.dep_ == "cc" and token.i + 1 < len(doc):
            following = doc[token.i + 1]
            same_speaker = verb is None or following.head.i in heads or _inside(following.head, verb)
            if _is_cue_verb(following) and following.dep_ == "conj" and same_speaker \
                    and not any(c.dep_ in ("nsubj", "nsubjpass") for c in following.children):
                return token.idx
    return end


def _content_after(doc: Doc, content: tuple[int, int] | None, frame: tuple[int, int], sent_end: int
                   ) -> tuple[int, int] | None:
    """The second half of a content the frame interrupts (only when the first half ends at the frame)."""
    if content is None or content[1] > frame[0] or doc_text(doc)[content[1]:frame[0]].strip(" ,—–") != "":
        return None
    return _resumed_content(doc, frame[1], sent_end)


def _according_clause(token: Token, paragraph: int, offset: int) -> Clause | None:
    """"According to X, …" or "…, according to X": the rest of the sentence is the content."""
    to = token.nbor(1) if token.i + 1 < len(token.doc) else None
    if to is None or to.lower_ != "to":
        return None
    source = next((c for c in to.children if c.dep_ == "pobj"), None)
    phrase = list(token.subtree) if token.head is not token else [token, to]
    if source is not None:
        phrase = sorted(set(phrase) | {token, to} | set(source.subtree), key=lambda t: t.i)
    doc, sent = token.doc, sentence(token)
    frame_start, frame_end = phrase[0].idx, _end(phrase[-1])
    left_start, right_end = sent.start_char, sent.end_char
    head = token.head
    if head is not token and head.tag_.startswith("VB") and head.dep_ == "conj" and sentence(head) == sent:
        # "…, and he will be part of it, according to three people": the conjunct the phrase
        # hangs from is what they say, not the whole sentence.
        if head.i < token.i:
            left_start = max(left_start, head.left_edge.idx)
        else:
            right_end = min(right_end, _end(head.right_edge))
    left = _trimmed(doc, left_start, frame_start)
    right = _trimmed(doc, frame_end, right_end)
    if right is not None and doc_text(doc)[right[0]:right[1]].split(None, 1)[0].lower() in _CLAUSE_OPENERS:
        right = None  # "X leads by 271 delegates according to the AP, but Y vowed …"
    sides = [s for s in (left, right) if s is not None]
    content = max(sides, key=lambda s: s[1] - s[0]) if sides else None
    mention = mention_from_token(source, offset) if source is not None else None
    return Clause(paragraph, "according to", offset + token.idx, offset + frame_start, offset + frame_end,
                  offset + sent.start_char, offset + sent.end_char, mention, _shift(content, offset), question=True)


_QUESTION_WORDS = frozenset("if whether what why how who whom which when where".split())


def _asked_clause(verb: Token, paragraph: int, offset: int, in_quote: InQuote) -> Clause | None:
    """"Asked whether he would run, …", "She was asked about the plan": a question put by
    someone the sentence may not name ("… by the host"). The question is the content."""
    if verb.lower_ != "asked" or verb.tag_ != "VBN":
        return None
    doc, sent = verb.doc, sentence(verb)
    # "Asked whether …, she said …" opens its sentence; "…,” she said when asked about it"
    # is part of the frame of the quote before it.
    opens = verb.i == sent.start or (verb.i == sent.start + 1 and doc[sent.start].lower_ in ("when", "once"))
    if not any(c.dep_ == "auxpass" for c in verb.children) and (
            verb.dep_ != "advcl" or not opens or any(c.dep_ in ("nsubj", "aux") for c in verb.children)):
        return None
    agent = next((c for c in verb.children if c.dep_ == "agent" and c.lower_ == "by"), None)
    asker = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
    # "asked by a reporter about the funds": the parser may hang the question on the asker.
    candidates = list(verb.rights) + ([c for c in asker.rights if c.dep_ == "prep"] if asker is not None else [])
    content = None
    for child in candidates:
        if in_quote(child.idx) and child.dep_ not in ("ccomp", "advcl"):
            continue
        if child.dep_ in ("ccomp", "advcl") and child.left_edge.lower_ in _QUESTION_WORDS:
            content = _trimmed(doc, *_subtree_extent(child))
        elif child.dep_ == "xcomp" and child.left_edge.lower_ == "to":
            content = _trimmed(doc, *_subtree_extent(child))
        elif child.dep_ == "prep" and child.lower_ == "about":
            objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
            content = _trimmed(doc, *_subtree_extent(objects[0]), min_words=2) if objects else None
        else:
            continue
        break
    if content is None:
        return None
    frame_start = min([verb.idx] + [c.idx for c in verb.lefts if c.dep_ in ("aux", "auxpass", "advmod")])
    frame_end = _end(verb)
    mention = None
    if asker is not None and not in_quote(asker.idx) and coarse(asker) in ("PROPN", "NOUN"):
        mention = mention_from_token(asker, offset)
        if agent.i == verb.i + 1:
            frame_end = _end(asker.right_edge if content[0] > _end(asker.right_edge) else asker)
    return Clause(paragraph, verb.text, offset + verb.idx, offset + frame_start, offset + frame_end,
                  offset + sent.start_char, offset + sent.end_char, mention, _shift(content, offset), question=True)


def _shift(span: tuple[int, int] | None, offset: int) -> tuple[int, int] | None:
    return None if span is None else (span[0] + offset, span[1] + offset)


def find_clauses(doc: Doc, paragraph: int, offset: int, in_quote: InQuote) -> list[Clause]:
    """Every reporting clause of a parsed paragraph (``offset``: where the paragraph starts)."""
    clauses = []
    for token in doc:
        if in_quote(token.idx):
            continue
        if token.lower_ == ACCORDING:
            clause = _according_clause(token, paragraph, offset)
            if clause is not None:
                clauses.append(clause)
            continue
        if not _is_cue_verb(token):
            continue
        asked = _asked_clause(token, paragraph, offset, in_quote)
        if asked is not None:
            clauses.append(asked)
            continue
        if _is_passive(token) or _reduced_passive(token):
            continue
        subject = _speaker_of_reported(token, in_quote) or subject_of(token) or _subject_beside(token) \
            or _subject_following(token, in_quote)
        if subject is not None and in_quote(subject.idx):
            # “Happy Cinco de Mayo!,” he tweeted: words inside the marks never speak; the
            # parser took the quote for the subject, the speaker is the word before the verb.
            subject = (next((c for c in token.rights if c.dep_ == "nsubj"), None)  # “…,” said Leslie Wimes
                       or _subject_beside(token, ("NOUN", "PROPN", "PRON")) or _borrowed_subject(token, in_quote))
            if subject is not None and in_quote(subject.idx):
                subject = None
        if subject is None and token.i > 0 and token.nbor(-1).text == ",":
            subject = _borrowed_subject(token, in_quote)  # "Flea shared the news, writing “…”"
        if subject is None:
            continue
        chain = _verb_chain(token)
        frame = _contiguous(_frame_tokens(token, chain, subject, in_quote), token)
        extent = (frame[0].idx, _end(frame[-1]))
        sent = sentence(token)
        direct_only = LEMMA_OF_FORM[token.lower_] in DIRECT_ONLY_LEMMAS
        content = None if direct_only else _parse_content(token, extent, in_quote)
        clauses.append(Clause(
            paragraph=paragraph,
            cue=_cue_text(token, chain, subject),
            cue_start=offset + token.idx,
            frame_start=offset + extent[0],
            frame_end=offset + extent[1],
            sentence_start=offset + sent.start_char,
            sentence_end=offset + sent.end_char,
            mention=mention_from_token(subject, offset),
            content=_shift(content, offset),
            content_after=_shift(_content_after(doc, content, extent, sent.end_char), offset),
        ))
    return clauses


# “…” ― Pamela Padilla, 25: a quote signed with a dash, no verb (vox pops, epigraphs).
_DASH_SIGNATURE = re.compile(
    r"[^\S\n]*([―—–]|\s-)[^\S\n]*"
    r"((?:[A-Z][\w’'-]*\.?)(?:[^\S\n]+(?:[A-Z][\w’'-]*\.?|de|da|del|van|von|der|la|le|al|bin)){0,4}?)"
    r"[^\S\n]*(?=$|[,;(]|\.(?:\s|$))")
# Words before a quotation that name it as a title, slogan or chant.
_NAMED_CUE = re.compile(r"titled|entitled|chants? of|chanting|slogan", re.IGNORECASE)
_NAMED_WORDS = re.compile(r"\b(" + _NAMED_CUE.pattern + r")[ \t]*[,:]?[ \t]*$", re.IGNORECASE)


def names_quotation(clause: Clause) -> bool:
    """Is this a clause of ``_NAMED_WORDS`` (a title or chant, no speaker)?"""
    return clause.mention is None and clause.content is None and _NAMED_CUE.fullmatch(clause.cue) is not None


# “…” [WaPo.]: a quote in a news digest, its source in brackets.
_BRACKET_SOURCE = re.compile(r"[^\S\n]*\[([A-Z][^\]\n.]{0,40})\.?\]")
# Port chairman: ‘We will not be bullied’ — a headline that names its speaker before a colon.
_COLON_LEAD = re.compile(r"([^\s:.!?“”\"‘’«»][^:.!?“”\"«»]{0,60}?)[ \t]*:[ \t]*$")


def frameless_clauses(text: str, paras, segments_by_paragraph) -> list[Clause]:
    """Attributions without a reporting verb, found from the text around quotation marks.

    They need no parse, so they are found in every paragraph: a quote signed with a
    dash (“…” ― Name) and a speaker before a colon that opens the paragraph
    (Kovač: ‘…’).
    """
    clauses = []
    for paragraph in paras:
        found = segments_by_paragraph.get(paragraph.index, [])
        for segment in found:
            if segment.closed:
                match = _DASH_SIGNATURE.match(text, segment.outer_end, paragraph.end)
                if match is not None:
                    name_end = match.end(2)
                    if text[name_end - 1] == "." and len(text[match.start(2):name_end].split()[-1]) > 2:
                        name_end -= 1  # "― Carla Sanchez." ends a sentence; "― Julie A." keeps its initial
                    mention = mention_from_words(text, match.start(2), name_end)
                    if mention is not None and mention.kind == "name":
                        clauses.append(Clause(paragraph.index, match.group(1).strip(), match.start(1),
                                              match.start(1), name_end, paragraph.start, paragraph.end, mention))
            if segment.closed:
                match = _BRACKET_SOURCE.match(text, segment.outer_end, paragraph.end)
                if match is not None:
                    mention = mention_from_words(text, match.start(1), match.end(1))
                    if mention is not None and mention.kind in ("name", "organisation"):
                        clauses.append(Clause(paragraph.index, "[]", match.start(), match.start(), match.end(),
                                              paragraph.start, paragraph.end, mention))
        for segment in found:
            # An ad titled “Scam”, chants of “Ted! Ted!”: named words with no verb of saying.
            match = _NAMED_WORDS.search(text, max(paragraph.start, segment.open_mark - 40), segment.open_mark)
            if match is not None:
                clauses.append(Clause(paragraph.index, match.group(1), match.start(1), match.start(1), match.end(1),
                                      paragraph.start, paragraph.end, None))
        if found and found[0].open_mark > paragraph.start:
            lead = _COLON_LEAD.fullmatch(text, paragraph.start, found[0].open_mark)
            if lead is not None and len(lead.group(1).split()) <= 4:
                mention = mention_from_words(text, lead.start(1), lead.end(1))
                if mention is not None and mention.kind in ("name", "role", "organisation"):
                    clauses.append(Clause(paragraph.index, ":", lead.end(1), lead.start(1), lead.end(1),
                                          paragraph.start, paragraph.end, mention))
    return clauses
