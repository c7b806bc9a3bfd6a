"""Dates that come due under executed agreements: each clause's declared deadlines (see
dsagen.deadlines) worked out from the values as agreed — the parameters we issued, updated by
what the executed copy says where the partner renegotiated a value.

The deadlines are today's library's declarations for the clauses the agreement holds: they are
metadata (naming dates the text already fixes), not wording, so an older agreement gets them
too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..deadlines import Deadline, add_months, evaluate
from ..errors import DsagenError
from ..library import Library
from .schema import agreement_clauses, agreements, negotiated_clauses, negotiated_versions, partners
from .store import Registry

ICS_PRODID = "-//dsagen//agreement deadlines//EN"


@dataclass(frozen=True)
class Due:
    """One date an executed agreement makes come due."""

    date: dt.date
    partner: str
    partner_name: str
    agreement: int
    reference: str
    clause: str
    deadline: str  # the deadline's id
    name: str
    owed_by: str
    description: str

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "partner": self.partner,
            "partner_name": self.partner_name,
            "agreement": self.agreement,
            "reference": self.reference,
            "clause": self.clause,
            "deadline": self.deadline,
            "name": self.name,
            "owed_by": self.owed_by,
            "description": self.description,
        }


def due(
    registry: Registry, library: Library, *, today: dt.date, until: dt.date | None = None
) -> list[Due]:
    """Every deadline of every executed agreement, by date; with `until`, only those from
    `today` to `until`."""
    with registry.read() as conn:
        rows = conn.execute(
            select(
                agreements.c.id,
                agreements.c.reference,
                agreements.c.parameters,
                partners.c.slug,
                partners.c.name,
            )
            .join(partners, partners.c.id == agreements.c.partner_id)
            .where(agreements.c.state == "executed")
            .order_by(partners.c.slug)
        ).all()
        clauses = _clauses(conn, [r.id for r in rows])
        agreed = _agreed_values(conn, [r.id for r in rows])
    found: list[Due] = []
    for row in rows:
        values = {**json.loads(row.parameters), **agreed.get(row.id, {})}
        for clause_id, deadline, date in agreement_dates(library, clauses.get(row.id, []), values):
            found.append(
                Due(
                    date,
                    row.slug,
                    row.name,
                    row.id,
                    row.reference,
                    clause_id,
                    deadline.id,
                    deadline.name,
                    deadline.owed_by,
                    deadline.description,
                )
            )
    if until is not None:
        found = [d for d in found if today <= d.date <= until]
    return sorted(found, key=lambda d: (d.date, d.partner, d.deadline))


def within(text: str, today: dt.date) -> dt.date:
    """The last day of a window like `90d`, `12w`, `6m` or `1y` (days when no unit)."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*([dwmy]?)\s*", text.lower())
    if match is None:
        raise DsagenError(
            f"--within: expected a number of days, weeks, months or years like "
            f"90d, 12w, 6m or 1y, found '{text}'"
        )
    amount, unit = int(match.group(1)), match.group(2) or "d"
    if unit in "dw":
        return today + dt.timedelta(days=amount * (7 if unit == "w" else 1))
    return add_months(today, amount * (12 if unit == "y" else 1))


def agreement_dates(
    library: Library, clause_ids: list[str], values: dict[str, Any]
) -> list[tuple[str, Deadline, dt.date]]:
    """(clause, deadline, date) for the deadlines of the given clauses that have a date.

    A deadline may name another, in any order: they are worked out until nothing changes."""
    declared = [
        (clause_id, deadline)
        for clause_id in clause_ids
        if clause_id in library.clauses
        for deadline in library.clauses[clause_id].deadlines
        if deadline.when is None or _holds(library, deadline.when, values)
    ]
    dates: dict[str, dt.date] = {}
    for _ in range(len(declared)):
        before = len(dates)
        for _, deadline in declared:
            if deadline.id not in dates:
                date = evaluate(deadline.formula, values, dates)
                if date is not None:
                    dates[deadline.id] = date
        if len(dates) == before:
            break
    return [
        (clause_id, deadline, dates[deadline.id])
        for clause_id, deadline in declared
        if deadline.id in dates
    ]


def _holds(library: Library, condition: str, values: dict[str, Any]) -> bool:
    from ..partners import evaluate as evaluate_condition

    try:
        return bool(evaluate_condition(library, condition, values))
    except Exception:  # a value the condition needs is missing: the deadline does not apply
        return False


def _clauses(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for row in conn.execute(
        select(agreement_clauses.c.agreement_id, agreement_clauses.c.clause_id)
        .where(agreement_clauses.c.agreement_id.in_(ids))
        .order_by(agreement_clauses.c.seq)
    ):
        found.setdefault(row.agreement_id, []).append(row.clause_id)
    return found


def _agreed_values(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Agreement id -> parameter values as the latest copy of it states them."""
    heads = {
        row.agreement_id: row.id
        for row in conn.execute(  # ascending: the latest wins
            select(negotiated_versions.c.agreement_id, negotiated_versions.c.id)
            .where(negotiated_versions.c.agreement_id.in_(ids))
            .order_by(negotiated_versions.c.id)
        )
    }
    found: dict[int, dict[str, Any]] = {}
    for row in conn.execute(
        select(negotiated_clauses.c.version_id, negotiated_clauses.c.param_values).where(
            negotiated_clauses.c.version_id.in_(list(heads.values()))
        )
    ):
        found.setdefault(row.version_id, {}).update(json.loads(row.param_values))
    return {agreement: found.get(version, {}) for agreement, version in heads.items()}


def to_ics(items: list[Due], *, stamp: dt.datetime) -> bytes:
    """An iCalendar file (RFC 5545) with one all-day event per date, importable in Outlook and
    Google Calendar; UIDs are stable, so importing a newer file updates the events."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", ICS_PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Agreement deadlines (dsagen)")
    for item in items:
        event = Event()
        event.add("uid", f"{item.partner}-{item.agreement}-{item.deadline}@dsagen")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.date)
        event.add("dtend", item.date + dt.timedelta(days=1))
        event.add("summary", f"{item.name}: {item.partner_name or item.partner}")
        owed = {"both": "both parties"}.get(item.owed_by, f"the {item.owed_by}")
        event.add(
            "description",
            "\n".join(
                filter(
                    None,
                    (
                        f"Agreement #{item.agreement} ({item.reference}) with {item.partner}.",
                        f"Owed by {owed}, under clause '{item.clause}'.",
                        item.description,
                    ),
                )
            ),
        )
        event.add("categories", ["dsagen", item.deadline])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
