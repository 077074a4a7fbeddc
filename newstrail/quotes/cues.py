"""Word lists: reporting verbs, honorifics, speaker nouns and pronouns.

Verbs are matched by surface form (``said``, ``warns``, ``adding``), built once from the
lemmas below, so the lemmatizer can stay disabled and the same table drives the cheap
regex prefilter that decides which paragraphs are worth parsing.
"""
from __future__ import annotations

import re

# Verbs that introduce what someone said. Cognition verbs (think, believe, want) are left
# out on purpose: they report beliefs, not statements.
REPORTING_LEMMAS = frozenset("""
    say tell add warn insist urge question acknowledge suggest claim argue announce explain
    note state declare stress emphasise emphasize reiterate repeat assert contend admit
    concede confirm deny reply respond answer ask write tweet post predict promise vow pledge
    caution threaten complain charge allege accuse describe report reveal disclose recall
    remark comment observe point agree counter retort conclude testify demand plead
    boast joke quip propose recommend advise assure reassure remind maintain signal hint
    mention inform indicate dismiss slam blast criticise criticize praise call
    cite discuss attack condemn denounce blame brand label characterize characterise liken
    compare decry applaud hail lament recount speak talk rebut dispute tout thank mock refer
    dub bemoan deride ridicule encourage exhort laud reference echo
""".split())

# Verbs that attribute a quotation standing right beside them but report nothing on their
# own: "“You lie!” he yelled", "a sign that read “…”", "“…,” she continued".
DIRECT_ONLY_LEMMAS = frozenset("""
    exclaim continue chant shout yell scream cry read interject mouth snap shoot fire beam
    gush muse sing whisper mutter thunder sigh laugh cheer proclaim declare tease scoff
    quote begin conclude wonder elaborate opine react
""".split()) - REPORTING_LEMMAS

# Verbs whose content may be a noun phrase: "called Clinton a “champion”", "cited the
# report", "spoke of the legacy of racism". Other verbs need a clause.
OBJECT_CONTENT_LEMMAS = frozenset("""
    call describe cite mention criticise criticize attack blast slam praise condemn denounce
    discuss accuse blame brand label characterize characterise liken compare dismiss question
    demand propose promise deny decry applaud hail lament tout recount speak talk reveal
    announce recommend urge rebut dispute thank mock refer warn dub bemoan deride ridicule pledge
    vow say laud reference echo point
""".split())
# Prepositions that carry such a content: "called for X", "spoke of X", "compared him to X".
OBJECT_PREPOSITIONS: dict[str, tuple[str, ...]] = {
    "call": ("for",), "speak": ("of", "about", "out"), "talk": ("about", "of"), "describe": ("as",),
    "characterize": ("as",), "characterise": ("as",), "dismiss": ("as",), "brand": ("as",),
    "label": ("as",), "liken": ("to",), "compare": ("to", "with"), "accuse": ("of",),
    "blame": ("for", "on"), "criticize": ("for", "as"), "criticise": ("for", "as"), "praise": ("for", "as"),
    "attack": ("for", "as"), "blast": ("for", "as"), "slam": ("for", "as"), "condemn": ("as", "for"),
    "denounce": ("as",), "hail": ("as",), "tout": ("as",), "thank": ("for",), "mock": ("for", "as"),
    "refer": ("to", "as"), "warn": ("of", "against", "about"), "dub": ("as",), "deride": ("as",),
    "ridicule": ("as",), "laud": ("for", "as"), "point": ("to",),
}

# Verbs whose reported content is usually an infinitive after the addressee:
# "urged Western powers to be careful", "told him to leave".
INFINITIVE_CONTENT_LEMMAS = frozenset(
    "urge tell ask advise warn call promise vow pledge threaten demand plead encourage exhort".split())

# Verbs that take the hearer as object: the object belongs to the cue ("told MPs").
ADDRESSEE_LEMMAS = frozenset("tell inform remind assure reassure warn advise ask urge encourage exhort".split())

_IRREGULAR_FORMS = {
    "say": ("said", "says", "saying"),
    "tell": ("told", "tells", "telling"),
    "write": ("wrote", "written", "writes", "writing"),
    "speak": ("spoke", "spoken", "speaks", "speaking"),
    "read": ("reads", "reading"),
    "shoot": ("shot",),  # "shot back"
    "sing": ("sang", "sung", "sings", "singing"),
    "begin": ("began", "begins"),
    "cry": ("cried", "cries"),
}
_DOUBLING = frozenset("admit quip plead snap dub refer".split())  # admitted, quipped, dubbed, referred
_VOWELS = "aeiou"


def _forms(lemma: str) -> set[str]:
    """Regular inflections of an English verb: warn -> warns, warned, warning."""
    if lemma in _IRREGULAR_FORMS:
        return {lemma, *_IRREGULAR_FORMS[lemma]}
    stem_e = lemma[:-1] if lemma.endswith("e") else lemma
    forms = {lemma, stem_e + "ing", stem_e + "ed"}
    if lemma.endswith(("s", "sh", "ch", "x")):
        forms.add(lemma + "es")
    elif lemma.endswith("y") and lemma[-2] not in _VOWELS:
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    else:
        forms.add(lemma + "s")
    if lemma in _DOUBLING:
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


LEMMA_OF_FORM: dict[str, str] = {form: lemma for lemma in sorted(REPORTING_LEMMAS | DIRECT_ONLY_LEMMAS)
                                  for form in _forms(lemma)}

# "according to X" is a cue without a verb.
ACCORDING = "according"

# Cheap test run on raw text before parsing: could this paragraph report speech?
# Forms that in news are nearly always nouns ("the state", "the Post", "a question"): they
# alone do not make a paragraph worth parsing (a paragraph with another cue is still parsed,
# and there they still count as cues).
NOUN_LIKE_FORMS = frozenset("state states post posts question questions".split())

CUE_WORD = re.compile(r"\b(?:" + "|".join(sorted((f for f, lemma in LEMMA_OF_FORM.items()
                                                     if lemma in REPORTING_LEMMAS and f not in NOUN_LIKE_FORMS),
                                                    key=len, reverse=True))
                      + r"|according to)\b", re.IGNORECASE)
# Cues that only attribute a quotation beside them: worth a parse only where there is one.
DIRECT_CUE_WORD = re.compile(r"\b(?:" + "|".join(sorted((f for f, lemma in LEMMA_OF_FORM.items()
                                                            if lemma in DIRECT_ONLY_LEMMAS), key=len, reverse=True))
                             + r")\b", re.IGNORECASE)

# What carries someone's words without speaking itself: "issued a statement saying …",
# "in a speech calling …", "ran an ad accusing …": the one who issued it speaks.
MEDIUM_NOUNS = frozenset("""
    statement statements speech speeches release letter letters article articles op-ed column
    ad ads advert advertisement commercial tweet tweets post posts email emails message messages
    memo note video interview remarks address announcement resolution petition essay editorial
    book bill motion lawsuit complaint filing
""".split())

# Honorifics and the gender they imply (None: either).
HONORIFICS: dict[str, str | None] = {
    "mr": "m", "sir": "m", "lord": "m", "mister": "m",
    "ms": "f", "mrs": "f", "miss": "f", "dame": "f", "lady": "f", "baroness": "f", "madam": "f",
    "dr": None, "prof": None, "professor": None, "rev": None,
}

PRONOUN_GENDER: dict[str, str] = {"he": "m", "him": "m", "she": "f", "her": "f"}
PLURAL_PRONOUNS = frozenset({"they", "them"})
FIRST_PERSON = frozenset({"i", "we", "me", "us"})

# Determiners that mark a description as indefinite ("a Whitehall source", "some officials").
INDEFINITE_DETERMINERS = frozenset({"a", "an", "some", "several", "one", "two", "three", "many", "other"})

# Entity labels that make a subject an organisation-like speaker.
ORGANISATION_LABELS = frozenset({"ORG", "GPE", "NORP"})

# Head nouns of role descriptions that stand for one named person ("the Foreign Secretary",
# "the Ukrainian president"): these are resolved to a person of the article.
ROLE_NOUNS = frozenset("""
    president secretary minister leader chancellor premier senator governor candidate nominee
    chairman chairwoman chair director chief ambassador commissioner mayor congressman
    congresswoman representative general king queen prince princess pope judge attorney ceo
    founder head boss manager coach host envoy speaker deputy mp vice-president frontrunner
    front-runner incumbent challenger rival opponent billionaire businessman mogul
""".split())

# Head nouns of bodies that speak as one: "the campaign said", "the ministry said".
ORGANISATION_NOUNS = frozenset("""
    campaign government ministry department committee party company agency office
    administration council group team kremlin police army military court commission union
    embassy board firm newspaper network paper organisation organization foundation
    chamber authority association institute bank corporation federation coalition bureau
    parliament senate congress house caucus cabinet regime
""".split())

# Titles that come before a name but are not part of it ("Sen. Cruz", "President Obama").
NAME_TITLES = frozenset("""
    president sen senator rep representative gov governor secretary minister gen general
    col colonel maj major capt captain lt chancellor judge justice mayor king queen prince
    princess pope cardinal bishop
""".split())

# Nouns that can head a title given in apposition: "Maros Sefcovic, the vice president …".
TITLE_HEADS = ROLE_NOUNS | frozenset("""
    spokesman spokeswoman spokesperson adviser advisor aide analyst economist professor
    strategist pollster lawyer expert member officer official correspondent editor author
    researcher fellow partner executive secretary leader
""".split())

# Title words that make a different office: a "shadow foreign secretary" is not the
# foreign secretary, a "former president" not the president.
QUALIFYING_MODIFIERS = frozenset("shadow former deputy vice acting ex assistant junior under".split())


# Coarse word classes from the fine-grained tags, so the attribute ruler (which only maps
# tags to these) can stay off: it is an eighth of the parse time.
_COARSE = {
    "NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "PRP": "PRON", "PRP$": "PRON",
    "WP": "PRON", "WP$": "PRON", "EX": "PRON", "CD": "NUM", "RB": "ADV", "RBR": "ADV", "RBS": "ADV",
    "WRB": "ADV", "TO": "PART", "POS": "PART", "DT": "DET", "PDT": "DET", "WDT": "DET", "IN": "ADP",
    "RP": "ADP", "JJ": "ADJ", "JJR": "ADJ", "JJS": "ADJ", "MD": "AUX", "UH": "INTJ",
}


def coarse(token) -> str:
    """NOUN, PROPN, PRON, VERB, AUX, NUM, ADV, … for a tagged token (no attribute ruler needed)."""
    tag = token.tag_
    if tag == "MD" or token.dep_ in ("aux", "auxpass"):
        return "AUX"
    if tag.startswith("VB"):
        return "VERB"
    return _COARSE.get(tag, "X")


_SENTENCES = "newstrail.quotes.sentences"


def sentence(token):
    """``token.sent`` (a spaCy Span), from a table built once per parse (spaCy walks the whole doc on every call)."""
    table = token.doc.user_data.get(_SENTENCES)
    if table is None:
        table = [sent for sent in token.doc.sents for _ in sent]
        token.doc.user_data[_SENTENCES] = table
    return table[token.i]


_TEXT = "newstrail.quotes.text"


def doc_text(doc) -> str:
    """``doc.text``, kept once per parse (spaCy joins every token on every call)."""
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text
