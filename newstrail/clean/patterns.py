"""Every pattern the cleaner uses, in one place, each with a name.

Line patterns must match a whole paragraph; sentence patterns a whole sentence.
Both are matched case-insensitively against text whose spaces are already
normalised (see ``text.normalise``). Keep them specific: a pattern that could match
a sentence of reporting is worse than no pattern, because the corpus evidence
(``evidence.py``) catches most publisher furniture without any pattern at all.
"""
from __future__ import annotations

import re

_I = re.IGNORECASE


def _full(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "|".join(alternatives) + r")[\s.!:]*$", _I)


# ---------------------------------------------------------------- whole paragraphs
LINE_PATTERNS: dict[str, re.Pattern[str]] = {
    "appeal_heading": _full(r"your support helps us to tell the story", r"support (?:our|independent) journalism"),
    "notification_prompt": _full(
        r"(?:stay up to date with|get|turn on|allow|enable) (?:push |breaking news )?notifications(?: from .{1,60})?",
        r"notifications can be managed in (?:your )?browser preferences",
    ),
    "newsletter_prompt": _full(
        r"(?:sign up|subscribe)(?: now)? (?:to|for) (?:our|the|a) [\w' -]{0,60}newsletters?(?: [\w' -]{0,60})?",
        r"get (?:our|the) [\w' -]{0,40}(?:newsletter|briefing|digest|bulletin)[\w' -]{0,60}",
    ),
    "comment_prompt": _full(
        r"join (?:our|the) commenting forum",
        r"join thought-provoking conversations.{0,120}",
        r"(?:\d+ )?comments?(?: \(\d+\))?",
        r"(?:view|show|read|leave|add|post|load) (?:all |more )?(?:\d+ )?comments?(?: \(\d+\))?",
        r"(?:have your say|comment on this (?:article|story))",
    ),
    "registration_prompt": _full(
        r"thank you for registering",
        r"please refresh (?:the|your) (?:page|browser).{0,160}",
        r"(?:log|sign) in to (?:comment|continue|read).{0,80}",
        r"already (?:a subscriber|registered)\?.{0,60}",
    ),
    "related_links": _full(
        r"(?:read|see) (?:more|also)",
        r"(?:read|see) (?:more|also)\s*[:|–—-]\s*.{1,200}",
        r"(?:related|more on this(?: story)?|most read|recommended|you may also like|trending|more from .{1,40})(?: articles?| stories| content)?",
        r"(?:related|more on this(?: story)?)(?: articles?| stories)?\s*:\s*.{1,200}",
    ),
    "share_prompt": _full(
        r"share(?: this)?(?: article| story| page)?",
        r"(?:click to )?share (?:on|via) (?:facebook|twitter|x|whatsapp|email|linkedin).{0,60}",
        r"(?:follow|like) us on .{1,60}",
        r"copy link|link copied",
    ),
    "advert": _full(
        r"advertisement|advert|sponsored(?: content)?|skip advert",
        r"(?:story|article) continues below(?: advertisement)?|continue reading(?: below)?",
    ),
    "copyright": _full(r"(?:©|copyright\b).{0,120}", r"all rights reserved"),
    "photo_credit": _full(r"\((?:getty(?: images)?|pa(?: wire| media)?|ap|afp|reuters|epa|shutterstock)[^)]{0,60}\)"),
}

# ---------------------------------------------------------------- single sentences
# Sentences of donation pleas that also turn up outside a delimited appeal block,
# sometimes glued to the first sentence of the article.
SENTENCE_PATTERNS: dict[str, re.Pattern[str]] = {
    "appeal_closer": _full(r"your support makes all the difference"),
    "appeal_donation": _full(r"your (?:donation|support) (?:allows|helps|enables) us to keep .{0,120}"),
    "appeal_trust": _full(r".{0,60} is trusted by .{0,80}(?:americans|readers).{0,80}"),
    "appeal_paywall": _full(r".{0,80}we choose not to lock .{0,80} paywalls.{0,80}"),
    "appeal_paid_for": _full(
        r"(?:but )?quality journalism must still be paid for",
        r"we believe quality journalism should be available to everyone.{0,80}",
    ),
    "appeal_help": _full(r"help us (?:keep )?(?:bring|bringing|tell|telling) .{0,60}(?:stories|journalism).{0,40}"),
}

# A donation appeal runs from its heading to its closing sentence; the paragraphs
# in between are the plea itself, whatever their wording this year.
APPEAL_OPENER = LINE_PATTERNS["appeal_heading"]
APPEAL_CLOSER = SENTENCE_PATTERNS["appeal_closer"]
APPEAL_MAX_PARAGRAPHS = 8

# ---------------------------------------------------------------- shapes of text
# Sentence-final punctuation, possibly followed by closing quotes or brackets.
TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*$")
# Marks that open or close a quotation. The straight single quote and ’ are left
# out: they are apostrophes far more often than quotation marks.
QUOTE_MARKS = re.compile(r"[\"“”‘«»„]")
REPORTING_VERB = re.compile(
    r"\b(?:said|says|say|saying|told|tells|added|adds|warned|warns|claimed|claims|stated|insisted|"
    r"explained|argued|asked|announced|suggested|according to)\b", _I)

# Sentence boundaries: whitespace after sentence-final punctuation before a capital
# or an opening quote, and the glued case "difference.President" (no space) that
# scraped text produces when a boilerplate block ends right before the article.
SENTENCE_BREAK = re.compile(
    r"[.!?…][\"'”’)\]]*(?P<space>\s+)(?=[\"“‘'(\[]?[A-Z0-9])|[a-z][.!?](?P<glue>)(?=[A-Z][a-z])")

# ---------------------------------------------------------------- header lines
BYLINE_PREFIX = re.compile(r"^by\s+", _I)
ROLE_WORDS = re.compile(
    r"\b(?:correspondent|editor|reporter|writer|columnist|journalist|contributor|staff|analyst|producer|"
    r"presenter|commentator|chief|desk|team|newsroom|bureau)s?\b", _I)
# Capitalised words that are not parts of people's names in a byline.
NOT_NAME_WORDS = frozenset(
    "the news press agency media staff reporter reporters correspondent editor online digital "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december updated published comments video live".split())
# Last words of newspaper and agency names: "By Tom Ferris, Northfield Courier" names
# a reporter and the paper, not two reporters.
OUTLET_WORDS = frozenset(
    "times post news herald journal telegraph mail express tribune chronicle guardian observer "
    "independent standard star mirror review record press sun gazette courier daily weekly bulletin "
    "examiner dispatch today wire agency inquirer sentinel gazette monitor reuters ap afp bbc cnn".split())
NAME_PARTICLES = frozenset("de del della der van von da di la le du bin al el st".split())
NAME_WORD = re.compile(r"^(?:[A-Z][a-zà-ÿ]+(?:[-'’][A-Z]?[a-zà-ÿ]+)*|[A-Z]\.|Mc[A-Z][a-z]+)$")

MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
         r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_TIME = r"\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s*(?:GMT|BST|UTC|CET|CEST|EST|EDT|ET|PT|PST|PDT|[+-]\d{2}:?\d{2}))?"
DATELINE = re.compile(
    r"^(?:(?:first )?(?:published|updated|posted|last updated)\s*:?\s*(?:on\s+)?)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\.?,?\s+\d{{4}}|{MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"(?:,?\s*(?:at\s+)?{_TIME})?\.?$", _I)
DATELINE_PREFIX = re.compile(r"^(?:(?:first )?(?:published|updated|posted|last updated)\s*:?\s*(?:on\s+)?)", _I)
HAS_TIME = re.compile(r"\d{1,2}[:.]\d{2}|T\d{2}:\d{2}")

# Site names appended to headlines: "Headline | UK | News".
TITLE_SUFFIX = re.compile(r"\s+\|\s+[^|]{1,40}$")
TITLE_DASH_SUFFIX = re.compile(r"\s+[-–—]\s+([^-–—]{1,40})$")

# The publisher naming itself in its own boilerplate. Only searched in removed text.
_NAME = r"(?P<name>(?:The )?[A-Z][\w&’'.-]*(?: [A-Z][\w&’'.-]*){0,3})"
OUTLET_SIGNATURES: dict[str, re.Pattern[str]] = {
    "trusted_by": re.compile(_NAME + r" is trusted by\b"),
    "notifications_from": re.compile(r"\b(?i:notifications|alerts|newsletters?|updates) (?i:from) " + _NAME),
    "read_by": re.compile(_NAME + r" is read by\b"),
}
