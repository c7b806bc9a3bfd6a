"""Where a clause stands against the playbook, best to worst: the registry's cell kinds."""

from __future__ import annotations

#: "missing" (a clause the partner deleted) ranks between a custom deviation and walk-away.
POSITIONS = ("standard", "fallback", "approval", "missing", "walk-away")


def rank(position: str | None) -> int:
    return POSITIONS.index(position) if position in POSITIONS else -1


def worst(*positions: str | None) -> str | None:
    found: str | None = None
    for position in positions:
        if rank(position) > rank(found):
            found = position
    return found
