"""Where a term stands against the playbook, best to worst, and the one way to say it in words.

`Position` is a string enum, so it serialises as the strings the JSON schemas have always used
("standard", "fallback", "approval", "missing", "walk-away") and compares equal to them; the
order of its members is the order of severity.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .params import Playbook


class Position(StrEnum):
    """A playbook position, declared best first."""

    STANDARD = "standard"
    FALLBACK = "fallback"  # pre-approved: counsel may concede it without asking
    APPROVAL = "approval"  # beyond the fallbacks: a named approver must agree
    MISSING = "missing"  # a clause the partner deleted (registry cells only)
    WALK_AWAY = "walk-away"  # beyond the limit: we do not sign

    @property
    def rank(self) -> int:
        return _ORDER.index(self)


_ORDER = tuple(Position)
#: The positions a playbook assigns to a value or a clause variant.
GRADES = (Position.STANDARD, Position.FALLBACK, Position.APPROVAL, Position.WALK_AWAY)


def rank(position: str | None) -> int:
    """Severity order; -1 for no position (None or a string that is not one)."""
    try:
        return Position(position).rank if position is not None else -1
    except ValueError:
        return -1


def worse(a: str | None, b: str | None) -> str | None:
    """The more severe of two positions (None ranks below standard)."""
    return a if rank(a) >= rank(b) else b


def worst(*positions: str | None) -> str | None:
    """The most severe of any number of positions, None when there are none."""
    found: str | None = None
    for position in positions:
        found = worse(position, found)
    return found


def reaches(position: str | None, threshold: str) -> bool:
    """Whether POSITION is at least as severe as THRESHOLD (for --fail-on and approvals)."""
    return rank(position) >= rank(threshold) >= 0


def explain(position: str, playbook: Playbook | None) -> str:
    """A value's position in words, with the playbook bounds that put it there."""
    if playbook is None:
        return "no playbook position for this parameter"
    if position == Position.WALK_AWAY:
        return f"beyond the walk-away limit ({playbook.walk_away.describe_limit()})"
    if position == Position.FALLBACK:
        return f"pre-approved fallback ({playbook.fallback.describe()})"
    if position == Position.APPROVAL:
        allowed = playbook.fallback.describe()
        limit = playbook.walk_away.describe_limit()
        return (
            "needs approval"
            + (f" by {playbook.approver}" if playbook.approver else "")
            + ": "
            + (f"outside the fallbacks ({allowed})" if allowed else "no pre-approved fallback")
            + (f", within walk-away (refused: {limit})" if limit else "")
        )
    return "standard"
