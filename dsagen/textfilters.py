"""Jinja filters for legal prose: numbers in words, lists joined with 'and', long dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
MONTHS = ("January February March April May June July August September October November "
           "December").split()


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
    parts = [str(i) for i in items]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


def join_and(items: Iterable[Any]) -> str:
    return _join(items, "and")


def join_or(items: Iterable[Any]) -> str:
    return _join(items, "or")


def long_date(value: Any) -> str:
    """'1 March 2026' for a date; anything else is printed as given."""
    if isinstance(value, dt.date):
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return str(value)


def humanize(value: Any) -> str:
    """'secure_enclave' -> 'secure enclave' for enum values printed in prose."""
    return str(value).replace("_", " ")


FILTERS: dict[str, Callable[..., str]] = {
    "num_words": num_words,
    "words": lambda v: words(v) if isinstance(v, int) and not isinstance(v, bool) else str(v),
    "join_and": join_and,
    "join_or": join_or,
    "long_date": long_date,
    "humanize": humanize,
}
