"""Text normalisation: what counts as the same text, and what is only cosmetic.

Three levels (comparison.md §8.3): `clean` removes what a reader never sees (NBSP vs space, runs
of white space, NFKC forms, zero-width marks); `cosmetic_form` also forgets quote style, typed
numbering labels, white space before punctuation and dsagen's generation stamp, and nothing else:
in a contract a defined term losing its capitals or a deleted comma changes what the text means,
so two texts are only cosmetically different when their cosmetic forms are equal. `matching_key`
forgets far more (case, punctuation, dashes); it only decides which clauses and paragraphs
correspond, never whether a change matters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..stamp import without_edition_marks

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
#: Typographic quotes and primes, as plain ' and ".
_QUOTE_MARKS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
}
_QUOTE_STYLE = str.maketrans(_QUOTE_MARKS)
#: Quotes and every dash and hyphen variant, for text compared as words.
_QUOTES = str.maketrans(
    {**_QUOTE_MARKS, **dict.fromkeys("\u2013\u2014\u2012\u2212\u2010\u2011", "-")}
)
_SPACE = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+(?=[,.;:!?)\]])|(?<=[(\[])\s+")
_SPACED_PUNCTUATION = (*(" " + mark for mark in ",.;:!?)]"), "( ", "[ ")
# A cross-reference as dsagen writes it ("clause 18", "clauses 3 and 4", "Clause 9.2"): the
# client recomputes the number when clauses are inserted, deleted or moved.
_REFERENCE = re.compile(
    r"\b((?:clause|section)s?\s+)(\d+)((?:\.\d+)*)"
    r"((?:(?:\s*,\s*|\s+(?:and|or|to)\s+)\d+(?:\.\d+)*)*)",
    re.IGNORECASE,
)
_LISTED = re.compile(r"(\d+)((?:\.\d+)*)")
_LABEL = re.compile(
    r"^\s*(?:(?:clause|section|article)\s+)?"
    r"(?:\d+[A-Z]?(?:\.\d+)*\.?|\(?[a-z]{1,4}\)|\(?[ivxlc]{1,6}\))\s+",
    re.IGNORECASE,
)
_PUNCT = re.compile(r"[^\w\s]")


@lru_cache(maxsize=200_000)
def clean(text: str) -> str:
    """NFKC, invisible marks removed, white space collapsed (quote style is kept)."""
    return _collapsed(unicodedata.normalize("NFKC", text).translate(_INVISIBLE))


def _collapsed(text: str) -> str:
    """White space runs as one space, none at the ends: what `_SPACE.sub(" ", text).strip()`
    gives (str.split and re's \\s agree on what white space is), in a fraction of the time."""
    return " ".join(text.split())


@lru_cache(maxsize=50_000)
def cosmetic_form(text: str) -> str:
    """The text with only the differences that never change meaning removed: white space,
    quote style, a typed numbering label and dsagen's edition marks (stamp, DRAFT legend,
    signature page legend)."""
    text = without_edition_marks(clean(text).translate(_QUOTE_STYLE))
    text = _LABEL.sub("", text)
    # After `clean` the only white space left is " ": without a space beside punctuation
    # there is nothing for the scan to remove.
    if any(pair in text for pair in _SPACED_PUNCTUATION):
        text = _SPACE_BEFORE_PUNCT.sub("", text)
    return _collapsed(text)


def renumber_references(text: str, numbers: dict[int, int]) -> str:
    """Cross-reference numbers translated through `numbers` (the negotiated clause number ->
    the standard number of the same clause), so that references the client refreshed after a
    clause was inserted, deleted or moved read as they did in the standard."""
    if not numbers or not text:
        return text

    def number(match: re.Match[str]) -> str:
        major = int(match.group(1)) if len(match.group(1)) < 6 else -1
        return f"{numbers.get(major, match.group(1))}{match.group(2)}"

    def reference(match: re.Match[str]) -> str:
        head = _LISTED.sub(number, match.group(2) + match.group(3), count=1)
        return match.group(1) + head + _LISTED.sub(number, match.group(4))

    return _REFERENCE.sub(reference, text)


@lru_cache(maxsize=50_000)
def matching_key(text: str) -> str:
    """The text reduced for deciding correspondence (case, punctuation, dashes forgotten)."""
    text = without_edition_marks(clean(text).translate(_QUOTES))
    text = _LABEL.sub("", text)
    return _collapsed(_PUNCT.sub(" ", text).casefold())


def strip_label(text: str) -> str:
    """Drop a typed clause number ('7.', '7.1', '(a)') from the start of a heading or paragraph."""
    return _LABEL.sub("", clean(text))


@lru_cache(maxsize=200_000)
def comparable(text: str) -> str:
    """Text as compared for content: cleaned, with quote and dash style unified."""
    return clean(text).translate(_QUOTES)
