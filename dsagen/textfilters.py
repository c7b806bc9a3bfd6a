"""Jinja filters for legal prose: numbers in words, lists joined with 'and', long dates."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from typing import Any

import jinja2

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
MONTHS = (
    "January February March April May June July August September October November December"
).split()


def words(number: int) -> str:
    """English words for 0..999,999 ('thirty-six'); larger numbers stay digits."""
    if number < 0 or number >= 1_000_000:
        return f"{number:,}"
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    tail = "" if not rest else (" and " if rest < 100 else " ") + words(rest)
    return f"{words(thousands)} thousand{tail}"


def num_words(value: Any) -> str:
    """'thirty-six (36)', the drafting convention that survives a typo in either form."""
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    return f"{words(value)} ({value})"


def _join(items: Iterable[Any], word: str) -> str:
    """'A, B and C'; items that themselves contain commas are separated by semicolons
    ('A, with x; B; and C'), so the reader can tell where each item ends."""
    parts = [str(i) for i in items]
    if len(parts) <= 1:
        return "".join(parts)
    if any("," in part for part in parts):
        return "; ".join(parts[:-1]) + f"; {word} " + parts[-1]
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def join_and(items: Iterable[Any]) -> str:
    return _join(items, "and")


def join_or(items: Iterable[Any]) -> str:
    return _join(items, "or")


def long_date(value: Any, locale: str = "en-GB") -> str:
    """'1 March 2026' ('March 1, 2026' in en-US) for a date; anything else as given."""
    if isinstance(value, dt.date):
        month = MONTHS[value.month - 1]
        if locale == "en-US":
            return f"{month} {value.day}, {value.year}"
        return f"{value.day} {month} {value.year}"
    return str(value)


@jinja2.pass_context
def _long_date_filter(context: Any, value: Any) -> str:
    return long_date(value, str(context.get("locale") or "en-GB"))


def humanize(value: Any) -> str:
    """'secure_enclave' -> 'secure enclave' for enum values printed in prose."""
    return str(value).replace("_", " ")


FILTERS: dict[str, Callable[..., str]] = {
    "num_words": num_words,
    "words": lambda v: words(v) if isinstance(v, int) and not isinstance(v, bool) else str(v),
    "join_and": join_and,
    "join_or": join_or,
    "long_date": _long_date_filter,
    "humanize": humanize,
}


# -- locale ------------------------------------------------------------------------------------
# Clause texts are written in British English; an agreement under United States law reads in
# American English. Only the library's own words change: partner values are data and print as
# given, and the attached licence texts stay verbatim.
LOCALES = ("en-GB", "en-US")
_US_SPELLING = {
    "licence": "license",
    "licences": "licenses",
    "authorise": "authorize",
    "authorised": "authorized",
    "authorises": "authorizes",
    "authorising": "authorizing",
    "authorisation": "authorization",
    "authorisations": "authorizations",
    "unauthorised": "unauthorized",
    "organisation": "organization",
    "organisations": "organizations",
    "organisational": "organizational",
    "recognised": "recognized",
    "recognise": "recognize",
    "pseudonymised": "pseudonymized",
    "pseudonymisation": "pseudonymization",
    "pseudonymise": "pseudonymize",
    "anonymised": "anonymized",
    "anonymisation": "anonymization",
    "minimisation": "minimization",
    "minimise": "minimize",
    "analyse": "analyze",
    "analysed": "analyzed",
    "analysing": "analyzing",
    "programme": "program",
    "programmes": "programs",
    "defence": "defense",
    "behaviour": "behavior",
    "favour": "favor",
    "centre": "center",
    "modelling": "modeling",
    "judgement": "judgment",
    "fulfil": "fulfill",
    "labour": "labor",
    "generalise": "generalize",
    "generalised": "generalized",
    "generalisation": "generalization",
    "generalisations": "generalizations",
    "randomised": "randomized",
    "randomisation": "randomization",
    "summarise": "summarize",
    "memorise": "memorize",
    "utilise": "utilize",
    "whilst": "while",
    "memorised": "memorized",
    "catalogue": "catalog",
    "honour": "honor",
    "colour": "color",
    "cheque": "check",
    "utilised": "utilized",
    "trade marks": "trademarks",
    "trade mark": "trademark",
    "per cent": "percent",
    "characterise": "characterize",
    "prioritise": "prioritize",
    "categorise": "categorize",
    "categorised": "categorized",
    "emphasise": "emphasize",
    "practise": "practice",
    "enrol": "enroll",
    "enrolment": "enrollment",
}
_US_WORDS = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _US_SPELLING), key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_JINJA_TAG = re.compile(r"({{.*?}}|{%.*?%}|{#.*?#})", re.DOTALL)
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_US_LAW = re.compile(
    r"\b(State of|United States|U\.S\.|Commonwealth of|District of Columbia)"
    r"\b",
    re.IGNORECASE,
)
_CIVIL_LAW = re.compile(
    r"\b(German|Germany|Austria|Switzerland|Swiss|France|French|Netherlands|Dutch|Belgium|"
    r"Luxembourg|Italy|Italian|Spain|Spanish|Portugal|Denmark|Sweden|Finland|Norway|Poland|"
    r"Czech|Slovak|Hungary|Greece|Estonia|Latvia|Lithuania|Slovenia|Croatia|Romania|Bulgaria|"
    r"Japan|Korea|Brazil|Mexico)\b",
    re.IGNORECASE,
)


def _us_word(match: re.Match[str]) -> str:
    word = match.group(0)
    american = _US_SPELLING[word.lower()]
    if word.isupper():
        return american.upper()
    if word[0].isupper():
        return american[0].upper() + american[1:]
    return american


def american(text: str) -> str:
    """British spellings of the library's words -> American (case kept)."""
    return _US_WORDS.sub(_us_word, text)


def _prose_string(match: re.Match[str]) -> str:
    literal = match.group(0)
    return american(literal) if " " in literal else literal


@functools.lru_cache(maxsize=4096)
def localise_source(source: str, locale: str) -> str:
    """A clause's Jinja source with its prose in the locale's spelling: literal text, and
    string literals that contain a space, change; names, parameter values compared in
    conditions and identifiers (no spaces) do not, so the source still means the same.
    Cached: every partner of a batch localises the same library sources."""
    if locale != "en-US":
        return source
    out = []
    for index, part in enumerate(_JINJA_TAG.split(source)):
        if index % 2 == 0:
            out.append(american(part))
        else:
            out.append(_STRING.sub(_prose_string, part))
    return "".join(out)


def locale_of(values: dict[str, Any]) -> str:
    """The partner's `locale`, else American English under United States law, else British."""
    chosen = values.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    law = values.get("governing_law")
    state = values.get("recipient_state")
    if isinstance(law, str) and _US_LAW.search(law):
        return "en-US"
    if not law and isinstance(state, str) and state:
        return "en-US"
    return "en-GB"


def civil_law(values: dict[str, Any]) -> bool:
    """True when the governing law is a civil-law system (Germany, France, ...), whose
    liability rules (e.g. BGB 276(3), 309 No. 7) the liability wording must respect."""
    law = values.get("governing_law")
    return isinstance(law, str) and bool(_CIVIL_LAW.search(law)) and not _US_LAW.search(law)
