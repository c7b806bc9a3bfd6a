"""Cells of the partner x clause-family matrix, worked out when a version is recorded.

A family cell is the worst position among the family's clauses, labelled for a reader
(`fallback: retention_months = 48`, `custom (approval)`, `missing`) and pointing at the clause
whose redline explains it. Agreements and negotiated versions store their cells as JSON, so
`dsagen variants` reads one row per partner instead of every clause of every partner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..positions import Position
from .schema import dumps

OTHER = "other"  # column for clauses the partner added (no library family)
Entry = tuple[str, str, list[str], str]  # clause key, position, reasons, status


@dataclass
class Cell:
    kind: str  # standard | fallback | approval | missing | walk-away | n/a
    label: str
    clause: str | None  # the clause the cell links to (the worst one in the family)
    reasons: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "clause": self.clause,
            "clauses": self.clauses,
            "reasons": self.reasons,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Cell:
        if data is None:
            return NOT_IN_AGREEMENT
        return cls(data["kind"], data["label"], data["clause"], data["reasons"], data["clauses"])


NOT_IN_AGREEMENT = Cell("n/a", "", None)


def family_cells(rows: Iterable[tuple[str | None, str, str, list[str], str]]) -> tuple[str, str]:
    """JSON of {family: cell} and of {family: kind} from (family, clause key, position,
    reasons, status) rows; rows without a family count under OTHER only when the partner
    added the clause."""
    grouped: dict[str, list[Entry]] = defaultdict(list)
    for family, key, position, reasons, status in rows:
        if family is None:
            if status != "added":
                continue
            family = OTHER
        grouped[family].append((key, position, reasons, status))
    cells = {family: _cell(entries) for family, entries in grouped.items()}
    return (
        dumps({family: cell.to_json() for family, cell in cells.items()}),
        dumps({family: cell.kind for family, cell in cells.items()}),
    )


_RANK: dict[str, int] = {position.value: position.rank for position in Position}


def _by_rank(entry: Entry) -> int:
    return _RANK.get(entry[1], -1)


def _cell(entries: list[Entry]) -> Cell:
    if not entries:
        return Cell("n/a", "", None)
    if len(entries) == 1 and entries[0][1] == "standard" and entries[0][3] != "added":
        return Cell("standard", "standard", entries[0][0], entries[0][2], [entries[0][0]])
    clause, position, _, _ = max(entries, key=_by_rank)
    reasons = [f"{c}: {r}" if len(entries) > 1 else r for c, _, rs, _ in entries for r in rs]
    if position == "missing":
        label = "missing"
    elif position == "standard":
        label = "standard"
    elif position == "fallback":
        label = "fallback: " + ", ".join(_fallback_names(entries))
    else:
        label = f"custom ({position})"
    added = [e for e in entries if e[3] == "added"]
    if added:
        label = f"+{len(added)} added" + (f", {label}" if len(added) < len(entries) else "")
    return Cell(position, label, clause, reasons, [e[0] for e in entries])


def _fallback_names(entries: list[Entry]) -> list[str]:
    names = []
    for _clause, position, reasons, _ in entries:
        if position != "fallback":
            continue
        for reason in reasons:
            if reason.endswith("(fallback)"):
                names.append(reason[: -len("(fallback)")].strip())
    return names or ["pre-approved"]
