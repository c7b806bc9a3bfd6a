"""Typed clause parameters: their schema, value checking and playbook positions."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .invisible import first_invisible, name_char
from .limits import MAX_INTEGER, MAX_LINE_CHARS, MAX_LIST_ITEMS, MAX_TEXT_CHARS
from .positions import Position

PARAM_TYPES = ("str", "text", "int", "float", "bool", "date", "enum", "list", "object")


@dataclass(frozen=True)
class Bound:
    """A set of values: explicit values, an inclusive range, or both."""

    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None

    def contains(self, value: Any) -> bool:
        if self.values and _normal(value) in {_normal(v) for v in self.values}:
            return True
        if self.min is None and self.max is None:
            return False
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def excludes(self, value: Any) -> bool:
        """For walk-away limits: values listed, or numbers outside [min, max]."""
        if self.values and _normal(value) in {_normal(v) for v in self.values}:
            return True
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return (self.min is not None and value < self.min) or (
            self.max is not None and value > self.max
        )

    def describe_limit(self) -> str:
        """A walk-away limit in words: what is refused."""
        parts = []
        if self.values:
            parts.append(", ".join(_show(v) for v in self.values))
        if self.min is not None:
            parts.append(f"below {self.min:g}")
        if self.max is not None:
            parts.append(f"above {self.max:g}")
        return " or ".join(parts)

    def describe(self) -> str:
        parts = []
        if self.values:
            parts.append(", ".join(_show(v) for v in self.values))
        if self.min is not None and self.max is not None:
            parts.append(f"{self.min:g}–{self.max:g}")
        elif self.min is not None:
            parts.append(f"at least {self.min:g}")
        elif self.max is not None:
            parts.append(f"at most {self.max:g}")
        return "; ".join(parts)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _normal(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(sorted(str(v) for v in value))
    if isinstance(value, str):
        return value.strip().casefold()
    return value


@dataclass(frozen=True)
class Playbook:
    """Negotiating positions for one parameter: what we send, what we concede, what we refuse."""

    standard: Any = None
    fallback: Bound = field(default_factory=Bound)
    walk_away: Bound = field(default_factory=Bound)
    approver: str | None = None

    def position(self, value: Any) -> Position:
        if self.standard is not None and _normal(value) == _normal(self.standard):
            return Position.STANDARD
        if self.walk_away.excludes(value):
            return Position.WALK_AWAY
        if self.fallback.contains(value):
            return Position.FALLBACK
        return Position.APPROVAL


@dataclass(frozen=True)
class Param:
    """One typed parameter of a clause, as declared in the clause file."""

    name: str
    type: str
    help: str = ""
    required: bool = False
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_help: str = ""  # what the pattern means, for people ("an email address")
    items: Param | None = None
    fields: dict[str, Param] = field(default_factory=dict)
    min_items: int | None = None
    example: Any = None
    playbook: Playbook | None = None
    clause: str = ""
    # Another parameter (same unit) beyond whose value this one has no effect: retention ends
    # with the Term however many months retention_months says.
    capped_by: str | None = None

    def describe_type(self) -> str:
        if self.type == "enum":
            return "one of " + ", ".join(self.choices)
        if self.type == "list" and self.items is not None:
            return f"a list of {self.items.describe_type()}"
        if self.type == "int":
            return "a whole number" + _range_text(self.min, self.max)
        if self.type == "float":
            return "a number" + _range_text(self.min, self.max)
        if self.type == "date":
            return "a date (YYYY-MM-DD)"
        if self.type == "bool":
            return "true or false"
        if self.type == "object":
            return "a mapping with keys " + ", ".join(self.fields)
        return "text"


def _range_text(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" from {low:g} to {high:g}"
    if low is not None:
        return f" of at least {low:g}"
    if high is not None:
        return f" of at most {high:g}"
    return ""


class ValueProblem(Exception):
    """Raised by check_value; the caller adds file and line."""

    def __init__(self, message: str, subfield: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.subfield = subfield
        self.line = line


def _no_such_day(text: str) -> str:
    """' (there is no 30 February 2026)' for a date-shaped text naming no real day."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not match:
        return ""
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f" (there is no month {month})"
    if year < 1:
        return " (there is no year 0)"
    days = calendar.monthrange(year, month)[1]
    name = calendar.month_name[month]
    return f" ({name} {year} has {days} days)" if day > days or day < 1 else ""


def found(value: Any) -> str:
    """How a found value is shown in an error message."""
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"'{shown}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def check_value(param: Param, value: Any) -> Any:
    """Return `value` coerced to the parameter's type, or raise ValueProblem naming the rule."""
    checker = _CHECKERS.get(param.type)
    if checker is None:
        raise ValueProblem(f"unsupported parameter type {param.type}")
    return checker(param, value)


def _wrong_type(param: Param, value: Any) -> ValueProblem:
    return ValueProblem(f"expected {param.describe_type()}, found {found(value)}")


def _check_text(param: Param, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _wrong_type(param, value)
    text = _checked_text(param.type, str(value))
    if param.required and not text:
        raise ValueProblem("expected non-empty text, found an empty value")
    if param.pattern and not re.fullmatch(param.pattern, text):
        wanted = param.pattern_help or f"text matching the pattern {param.pattern}"
        raise ValueProblem(f"expected {wanted}, found {found(text)}")
    return _clean_text(text)


def _check_int(param: Param, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(param, value)
    _check_magnitude(value, param.describe_type())
    _check_range(param, value, param.describe_type())
    return value


def _check_float(param: Param, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(param, value)
    _check_magnitude(value, param.describe_type())
    _check_range(param, float(value), param.describe_type())
    return float(value)


def _check_bool(param: Param, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(param, value)
    return value


def _check_date(param: Param, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    reason = ""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            reason = _no_such_day(value.strip())
    raise ValueProblem(f"expected {param.describe_type()}, found {found(value)}{reason}")


def _check_enum(param: Param, value: Any) -> str:
    if not isinstance(value, str) or value not in param.choices:
        hint = _suggest(str(value), param.choices)
        raise ValueProblem(f"expected {param.describe_type()}, found {found(value)}{hint}")
    return value


def _check_list(param: Param, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _wrong_type(param, value)
    if len(value) > MAX_LIST_ITEMS:
        raise ValueProblem(
            f"expected at most {MAX_LIST_ITEMS} items (the limit for one "
            f"list), found {len(value):,}"
        )
    if param.min_items is not None and len(value) < param.min_items:
        raise ValueProblem(f"expected at least {param.min_items} item(s), found {len(value)}")
    assert param.items is not None
    out = []
    lines = getattr(value, "item_lines", None)
    for index, item in enumerate(value):
        try:
            out.append(check_value(param.items, item))
        except ValueProblem as problem:
            where = f"[{index}]" + (f".{problem.subfield}" if problem.subfield else "")
            line = problem.line or (lines[index] if lines else None)
            raise ValueProblem(problem.message, where, line) from None
    return out


def _check_object(param: Param, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong_type(param, value)
    if unknown := unknown_key(value, tuple(param.fields)):
        key, message = unknown
        raise ValueProblem(message, key, getattr(value, "key_lines", {}).get(key))
    result: dict[str, Any] = {}
    for name, sub in param.fields.items():
        if name in value:
            result[name] = _check_field(sub, name, value)
        elif sub.required:
            raise ValueProblem(f"missing required key '{name}' ({sub.describe_type()})", name)
        else:
            result[name] = sub.default
    return result


def _check_field(sub: Param, name: str, mapping: dict[str, Any]) -> Any:
    """One field of an object, its problems named by their path inside the object."""
    try:
        return check_value(sub, mapping[name])
    except ValueProblem as problem:
        path = name + (f".{problem.subfield}" if problem.subfield else "")
        if problem.subfield.startswith("["):
            path = name + problem.subfield
        line = problem.line or getattr(mapping, "value_lines", {}).get(name)
        raise ValueProblem(problem.message, path, line) from None


_CHECKERS: dict[str, Callable[[Param, Any], Any]] = {
    "str": _check_text,
    "text": _check_text,
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "date": _check_date,
    "enum": _check_enum,
    "list": _check_list,
    "object": _check_object,
}


def _check_range(param: Param, value: float, expected: str) -> None:
    if (param.min is not None and value < param.min) or (
        param.max is not None and value > param.max
    ):
        raise ValueProblem(f"expected {expected}, found {value:g}")


def _check_magnitude(value: float, expected: str) -> None:
    """No value beyond MAX_INTEGER, infinite or NaN: every range check and renderer after
    this one may then treat numbers as ordinary."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueProblem(f"expected {expected}, found {value}")
    if abs(value) > MAX_INTEGER:
        digits = len(str(MAX_INTEGER))
        raise ValueProblem(
            f"expected {expected}, found a number of more than {digits} digits (the limit)"
        )


# Line breaks and tabs, with the spaces around them; a no-break space is kept, it is chosen.
_LINE_BREAKS = re.compile(r"[ \t]*[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def _checked_text(kind: str, value: str) -> str:
    """Text within its length limit and free of characters that change how it displays; a
    one-line value (``str``) has its line breaks and tabs turned into single spaces, so it
    cannot start a heading or a list wherever it is rendered."""
    text = value.strip()
    if kind == "str":
        text = _LINE_BREAKS.sub(" ", text)
    limit = MAX_LINE_CHARS if kind == "str" else MAX_TEXT_CHARS
    if len(text) > limit:
        raise ValueProblem(
            f"expected text of at most {limit:,} characters (the limit for "
            f"{'one-line' if kind == 'str' else 'multi-line'} text), found "
            f"{len(text):,}"
        )
    hidden = first_invisible(text)
    if hidden is not None:
        position, char = hidden
        raise ValueProblem(
            f"expected text without invisible or direction-changing "
            f"characters, found {name_char(char)} at character {position + 1}"
        )
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(text: str) -> str:
    """Partner text must not smuggle control characters (they are invalid in XML)."""
    return _CONTROL.sub("", text)


def _suggest(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


suggest = _suggest


def unknown_key(raw: Iterable[Any], allowed: Sequence[str]) -> tuple[str, str] | None:
    """The first key of RAW that is not ALLOWED, with the words that say so and what was
    expected; None when every key is known."""
    for key in raw:
        if key not in allowed:
            return str(key), (
                f"unknown key '{key}'{_suggest(str(key), tuple(allowed))}; "
                f"expected one of {', '.join(allowed)}"
            )
    return None
