"""Dates an agreement makes come due, declared by its clauses as data (`deadlines:` in a clause
file) and worked out from the agreement's parameter values.

A deadline's `date` is a small formula, parsed when the library loads so that a typo is a
library error naming file, line and field, never a wrong date later:

    effective_date + term_months months
    earliest(effective_date + retention_months months, term_end)
    retention_end + erasure_days days - 1 week

An atom is a `date` parameter or another deadline's id (from any clause); `earliest(...)` and
`latest(...)` pick among several; each `+`/`-` adds an amount (an integer or an int parameter)
of days, weeks, months or years. Months and years keep the day of the month, or the last day
of a shorter month. Nothing is evaluated as code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LibraryError
from .params import unknown_key

OWERS = ("provider", "recipient", "both")
DEADLINE_KEYS = ("id", "name", "date", "owed_by", "when", "description")
UNITS = {
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
DEADLINE_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TOKEN = re.compile(r"\s*(?:(?P<int>\d{1,4})\b|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[-+(),]))")


# --------------------------------------------------------------------------------- formulas


@dataclass(frozen=True)
class Step:
    """`+ 30 days` or `- notice_days days`: a sign, an amount (int or parameter), a unit."""

    sign: int
    amount: int | str
    unit: str


@dataclass(frozen=True)
class Formula:
    """An atom (a name, or earliest/latest over formulas) followed by steps."""

    name: str | None
    pick: str | None  # "earliest" | "latest" when `options` are given
    options: tuple[Formula, ...]
    steps: tuple[Step, ...]

    def names(self) -> set[str]:
        """Every parameter or deadline id the formula reads."""
        found = {self.name} if self.name else set()
        for option in self.options:
            found |= option.names()
        found |= {s.amount for s in self.steps if isinstance(s.amount, str)}
        return found


class FormulaError(ValueError):
    pass


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise FormulaError(f"unexpected '{text[position:].strip()[:20]}'")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, what: str) -> str:
        token = self.peek()
        if token is None:
            raise FormulaError(f"expected {what}, found the end of the formula")
        self.index += 1
        return token[1]

    def formula(self) -> Formula:
        name = self.take("a date parameter, a deadline id, earliest( or latest(")
        pick: str | None = None
        options: tuple[Formula, ...] = ()
        if name in ("earliest", "latest") and self.peek() == ("op", "("):
            self.index += 1
            pick, items = name, [self.formula()]
            while self.peek() == ("op", ","):
                self.index += 1
                items.append(self.formula())
            if self.take("')'") != ")":
                raise FormulaError(f"expected ')' to close {pick}(")
            name, options = "", tuple(items)
        elif not DEADLINE_ID.fullmatch(name):
            raise FormulaError(f"expected a date parameter or deadline id, found '{name}'")
        return Formula(name or None, pick, options, tuple(self.steps()))

    def steps(self) -> list[Step]:
        steps = []
        while self.peek() in (("op", "+"), ("op", "-")):
            sign = 1 if self.take("+ or -") == "+" else -1
            kind, amount = self.peek() or ("", "")
            self.take("an amount (a number or an int parameter)")
            if kind not in ("int", "name"):
                raise FormulaError(f"expected an amount after the sign, found '{amount}'")
            unit = self.take("a unit (days, weeks, months or years)")
            if unit not in UNITS:
                raise FormulaError(f"expected days, weeks, months or years, found '{unit}'")
            steps.append(Step(sign, int(amount) if kind == "int" else amount, UNITS[unit]))
        return steps


def parse_formula(text: str) -> Formula:
    """Parse a deadline formula; FormulaError says what was expected where."""
    parser = _Parser(text)
    formula = parser.formula()
    rest = parser.peek()
    if rest is not None:
        raise FormulaError(f"unexpected '{rest[1]}' after a complete formula")
    return formula


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def evaluate(
    formula: Formula, values: Mapping[str, Any], dates: Mapping[str, dt.date]
) -> dt.date | None:
    """The date, or None when a value it needs is missing (a clause not in the agreement)."""
    if formula.name is not None:
        base = dates.get(formula.name) or as_date(values.get(formula.name))
    else:
        found = [evaluate(option, values, dates) for option in formula.options]
        known = [day for day in found if day is not None]
        if not known:
            return None
        base = min(known) if formula.pick == "earliest" else max(known)
    if base is None:
        return None
    for step in formula.steps:
        amount = step.amount if isinstance(step.amount, int) else values.get(step.amount)
        if isinstance(amount, bool) or not isinstance(amount, int):
            return None
        amount *= step.sign
        if step.unit == "days":
            base += dt.timedelta(days=amount)
        elif step.unit == "weeks":
            base += dt.timedelta(weeks=amount)
        else:
            base = add_months(base, amount * (12 if step.unit == "years" else 1))
    return base


# --------------------------------------------------------------------------- clause field


@dataclass(frozen=True)
class Deadline:
    """One date a clause makes come due: who owes what by when."""

    id: str
    name: str
    formula: Formula
    date: str  # the formula as written
    owed_by: str  # provider | recipient | both
    when: str | None  # Jinja condition over the parameter values, like a variant's
    description: str


def load_deadlines(raw: Any, path: Path, line: int | None) -> tuple[Deadline, ...]:
    """The `deadlines:` list of a clause file, checked."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise LibraryError(
            "expected a list of deadlines (id, name, date, owed_by)",
            path=path,
            line=line,
            field="deadlines",
        )
    return tuple(
        _load_deadline(item, f"deadlines[{index}]", path, line) for index, item in enumerate(raw)
    )


def _load_deadline(item: Any, field: str, path: Path, line: int | None) -> Deadline:
    """One entry of `deadlines:`; `line` is the list's, for an entry without lines of its own."""
    if not isinstance(item, dict):
        raise LibraryError(
            "expected a mapping with id, name, date and owed_by",
            path=path,
            line=line,
            field=field,
        )
    key_lines = getattr(item, "key_lines", {})
    item_line = key_lines.get("id", line)
    if unknown := unknown_key(item, DEADLINE_KEYS):
        key, message = unknown
        raise LibraryError(
            message, path=path, line=key_lines.get(key, item_line), field=f"{field}.{key}"
        )
    values = _deadline_texts(item, field, path, item_line)
    if values["owed_by"] not in OWERS:
        raise LibraryError(
            f"expected one of {', '.join(OWERS)}, found '{values['owed_by']}'",
            path=path,
            line=item_line,
            field=f"{field}.owed_by",
        )
    try:
        formula = parse_formula(values["date"])
    except FormulaError as error:
        raise LibraryError(
            f"formula '{values['date']}': {error}",
            path=path,
            line=item_line,
            field=f"{field}.date",
        ) from None
    when = item.get("when")
    return Deadline(
        values["id"],
        values["name"].strip(),
        formula,
        values["date"],
        values["owed_by"],
        str(when) if when is not None else None,
        str(item.get("description") or "").strip(),
    )


def _deadline_texts(
    item: dict[str, Any], field: str, path: Path, line: int | None
) -> dict[str, str]:
    """The required texts of a deadline (id, name, date, owed_by), the id well formed."""
    values: dict[str, str] = {}
    for key in ("id", "name", "date", "owed_by"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LibraryError(
                f"expected a non-empty text, found {value!r}",
                path=path,
                line=line,
                field=f"{field}.{key}",
            )
        values[key] = value
    if not DEADLINE_ID.fullmatch(values["id"]):
        raise LibraryError(
            f"expected an id of lowercase letters, digits and underscores, found '{values['id']}'",
            path=path,
            line=line,
            field=f"{field}.id",
        )
    return values


def check_references(clauses: Mapping[str, Any]) -> None:
    """Every name a formula reads is a parameter or a deadline of the library; ids are unique
    (raised as a LibraryError naming the clause file)."""
    params = {name for clause in clauses.values() for name in clause.params}
    owner: dict[str, str] = {}
    for clause in clauses.values():
        for deadline in clause.deadlines:
            if deadline.id in owner or deadline.id in params:
                where = "a parameter" if deadline.id in params else f"in {owner[deadline.id]}"
                raise LibraryError(
                    f"deadline id '{deadline.id}' is also {where}",
                    path=clause.path,
                    field="deadlines",
                )
            owner[deadline.id] = clause.path
    for clause in clauses.values():
        for deadline in clause.deadlines:
            missing = sorted(deadline.formula.names() - params - set(owner))
            if missing:
                raise LibraryError(
                    f"deadline '{deadline.id}': '{missing[0]}' is neither a "
                    "parameter nor a deadline of the library",
                    path=clause.path,
                    field="deadlines",
                )
