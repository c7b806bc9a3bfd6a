"""Text normalisation: what counts as the same text, and what is only cosmetic.

Two levels (comparison.md §8.3): `clean` removes what a reader never sees (NBSP vs space, runs of
white space, NFKC forms, zero-width marks); `cosmetic_key` also forgets quote style, dashes, case,
punctuation and typed numbering, so two texts with equal keys differ only cosmetically.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
                         "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
                         "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
                         "\u2010": "-", "\u2011": "-"})
_SPACE = re.compile(r"\s+")
_LABEL = re.compile(r"^\s*(?:(?:clause|section|article)\s+)?"
                    r"(?:\d+[A-Z]?(?:\.\d+)*\.?|\(?[a-z]{1,4}\)|\(?[ivxlc]{1,6}\))\s+",
                    re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]")


@lru_cache(maxsize=200_000)
def clean(text: str) -> str:
    """NFKC, invisible marks removed, white space collapsed (quote style is kept)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=50_000)
def cosmetic_key(text: str) -> str:
    """The text with every cosmetic difference removed."""
    text = clean(text).translate(_QUOTES)
    text = _LABEL.sub("", text)
    text = _PUNCT.sub(" ", text).casefold()
    return _SPACE.sub(" ", text).strip()


def strip_label(text: str) -> str:
    """Drop a typed clause number ('7.', '7.1', '(a)') from the start of a heading or paragraph."""
    return _LABEL.sub("", clean(text))


@lru_cache(maxsize=200_000)
def comparable(text: str) -> str:
    """Text as compared for content: cleaned, with quote and dash style unified."""
    return clean(text).translate(_QUOTES)
