"""Questions asked of the registry across partners: the partner x clause-family matrix and
every wording of one clause (history.py: one partner; export.py: everything).

"Where a partner stands" is its latest agreement: the latest negotiated copy of it when one has
been ingested, else the agreement as we issued it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, func, select

from ..compare.normalize import clean
from ..errors import RegistryError
from ..positions import Position
from .cells import NOT_IN_AGREEMENT, OTHER, Cell
from .schema import (
    agreement_clauses,
    agreements,
    dumps,
    negotiated_clauses,
    negotiated_versions,
    partners,
)
from .store import Registry

NEAR_IDENTICAL = 90  # rapidfuzz ratio (0-100) at which two wordings count as one


@dataclass(frozen=True)
class Head:
    """Where one partner stands: its latest agreement and, if any, the latest copy of it."""

    partner_id: int
    partner: str
    name: str
    agreement_id: int
    agreement_state: str
    reference: str
    version_id: int | None
    version: int | None

    @property
    def source(self) -> str:
        return "negotiated" if self.version_id is not None else "issued"


def heads(conn: Connection) -> list[Head]:
    latest_agreement = (
        select(agreements.c.partner_id, func.max(agreements.c.id).label("agreement_id"))
        .group_by(agreements.c.partner_id)
        .subquery()
    )
    latest_version = (
        select(
            negotiated_versions.c.agreement_id,
            func.max(negotiated_versions.c.id).label("version_id"),
        )
        .group_by(negotiated_versions.c.agreement_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            partners.c.id,
            partners.c.slug,
            partners.c.name,
            agreements.c.id.label("aid"),
            agreements.c.state,
            agreements.c.reference,
            latest_version.c.version_id,
            negotiated_versions.c.seq,
        )
        .join(latest_agreement, latest_agreement.c.partner_id == partners.c.id)
        .join(agreements, agreements.c.id == latest_agreement.c.agreement_id)
        .outerjoin(latest_version, latest_version.c.agreement_id == agreements.c.id)
        .outerjoin(negotiated_versions, negotiated_versions.c.id == latest_version.c.version_id)
        .order_by(partners.c.slug)
    ).all()
    return [
        Head(r.id, r.slug, r.name, r.aid, r.state, r.reference, r.version_id, r.seq) for r in rows
    ]


def head_subqueries() -> tuple[Any, Any]:
    """(version ids, agreement ids without a version) of every head, as SQL subqueries."""
    latest_agreement = select(func.max(agreements.c.id)).group_by(agreements.c.partner_id)
    latest_versions = (
        select(func.max(negotiated_versions.c.id))
        .where(negotiated_versions.c.agreement_id.in_(latest_agreement))
        .group_by(negotiated_versions.c.agreement_id)
    )
    without = (
        select(agreements.c.id)
        .where(agreements.c.id.in_(latest_agreement))
        .where(~agreements.c.id.in_(select(negotiated_versions.c.agreement_id)))
    )
    return latest_versions, without


# ------------------------------------------------------------------------------------- matrix


@dataclass
class MatrixRow:
    head: Head
    stored: str  # the version's (or agreement's) cells as stored: JSON {family: cell}
    kinds: dict[str, str]  # family -> cell kind, for counting without parsing `stored`

    @cached_property
    def cells(self) -> dict[str, Cell]:
        return {family: Cell.from_json(data) for family, data in json.loads(self.stored).items()}

    def cell(self, family: str) -> Cell:
        return self.cells.get(family, NOT_IN_AGREEMENT)


@dataclass
class Matrix:
    """Families in column order and one row per partner. A family missing from a row's cells
    is not in that partner's agreement (kind "n/a")."""

    families: list[str]
    rows: list[MatrixRow]

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for family in self.families:
            tally = Counter(row.kinds.get(family, "n/a") for row in self.rows)
            counts[family] = {kind: tally[kind] for kind in (*Position, "n/a") if tally[kind]}
        return counts

    def _header(self) -> dict[str, Any]:
        return {"schema": "dsagen.variants/1", "families": self.families, "counts": self.counts()}

    @staticmethod
    def _partner(row: MatrixRow) -> dict[str, Any]:
        return {
            "partner": row.head.partner,
            "name": row.head.name,
            "agreement": row.head.agreement_id,
            "state": row.head.agreement_state,
            "source": row.head.source,
            "version": row.head.version,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self._header(),
            "partners": [
                {**self._partner(row), "cells": json.loads(row.stored)} for row in self.rows
            ],
        }

    def json_text(self) -> str:
        """The same document as `to_json`, compact, with each row's stored cells spliced in as
        they are (decoding and re-encoding them is most of the time on a thousand partners)."""
        head = json.dumps(self._header(), ensure_ascii=False, separators=(",", ":"))
        rows = [
            json.dumps(self._partner(row), ensure_ascii=False, separators=(",", ":"))[:-1]
            + ',"cells":'
            + row.stored
            + "}"
            for row in self.rows
        ]
        return head[:-1] + ',"partners":[' + ",".join(rows) + "]}"

    def csv_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "partner": row.head.partner,
                "family": family,
                "kind": cell.kind,
                "label": cell.label,
                "clause": cell.clause or "",
                "source": row.head.source,
                "version": row.head.version or "",
                "reasons": "; ".join(cell.reasons),
            }
            for row in self.rows
            for family, cell in ((f, row.cell(f)) for f in self.families)
        ]


def variants_matrix(registry: Registry) -> Matrix:
    """Partner x clause family: standard, which fallback, deviation (severity), missing.

    Each agreement and each negotiated version carries its family cells, worked out when it
    was recorded (dsagen.registry.cells), so this reads one row per partner."""
    with registry.read() as conn:
        all_heads = heads(conn)
        versions, issued_only = head_subqueries()
        stored = {
            ("v", row[0]): (row[1], row[2])
            for row in conn.execute(
                select(
                    negotiated_versions.c.id,
                    negotiated_versions.c.cells,
                    negotiated_versions.c.cell_kinds,
                ).where(negotiated_versions.c.id.in_(versions))
            )
        }
        stored.update(
            {
                ("a", row[0]): (row[1], row[2])
                for row in conn.execute(
                    select(agreements.c.id, agreements.c.cells, agreements.c.cell_kinds).where(
                        agreements.c.id.in_(issued_only)
                    )
                )
            }
        )
        order = dict(
            conn.execute(
                select(agreement_clauses.c.family, func.min(agreement_clauses.c.seq)).group_by(
                    agreement_clauses.c.family
                )
            ).all()
        )
    rows = []
    for head in all_heads:
        cells, kinds = stored[
            ("v", head.version_id) if head.version_id is not None else ("a", head.agreement_id)
        ]
        rows.append(MatrixRow(head, cells, json.loads(kinds)))
    families = sorted(
        {f for row in rows for f in row.kinds}, key=lambda f: (f == OTHER, order.get(f, 10**6), f)
    )
    return Matrix(families, rows)


# ------------------------------------------------------------------------ one clause's wordings


@dataclass
class Wording:
    text: str
    partners: list[str]
    positions: Counter[str]


@dataclass
class WordingGroup:
    wordings: list[Wording]

    @property
    def partners(self) -> list[str]:
        return sorted(p for w in self.wordings for p in w.partners)

    def to_json(self) -> dict[str, Any]:
        positions: Counter[str] = Counter()
        for wording in self.wordings:
            positions.update(wording.positions)
        return {
            "count": len(self.partners),
            "partners": self.partners,
            "text": self.wordings[0].text,
            "positions": {k: positions[k] for k in Position if positions[k]},
            "wordings": [
                {"count": len(w.partners), "partners": sorted(w.partners), "text": w.text}
                for w in self.wordings
            ],
        }


@dataclass
class ClauseVariants:
    clause: str
    clause_ids: list[str]
    total: int
    groups: list[WordingGroup]
    parameters: dict[str, list[tuple[Any, list[str]]]]
    missing: list[str]
    absent: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "dsagen.clause-variants/1",
            "clause": self.clause,
            "clauses": self.clause_ids,
            "partners": self.total,
            "groups": [g.to_json() for g in self.groups],
            "parameters": [
                {
                    "name": name,
                    "values": [
                        {"value": value, "count": len(names), "partners": sorted(names)}
                        for value, names in values
                    ],
                }
                for name, values in self.parameters.items()
            ],
            "missing": self.missing,
            "absent": self.absent,
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "group": index,
                "count": len(w.partners),
                "partners": " ".join(sorted(w.partners)),
                "text": w.text,
            }
            for index, group in enumerate(self.groups, start=1)
            for w in group.wordings
        ]


def clause_variants(
    registry: Registry, clause: str, threshold: int = NEAR_IDENTICAL
) -> ClauseVariants:
    """Every wording of a clause (or of every clause of a family) where partners stand."""
    from rapidfuzz import fuzz, process

    with registry.read() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                select(agreement_clauses.c.clause_id)
                .distinct()
                .where(agreement_clauses.c.clause_id == clause)
            )
        ]
        if not ids:
            ids = sorted(
                r[0]
                for r in conn.execute(
                    select(agreement_clauses.c.clause_id)
                    .distinct()
                    .where(agreement_clauses.c.family == clause)
                )
            )
        if not ids:
            known = sorted(
                r[0] for r in conn.execute(select(agreement_clauses.c.clause_id).distinct())
            )
            from ..params import suggest

            raise RegistryError(
                f"--clause: no agreement has a clause or family '{clause}'"
                f"{suggest(clause, tuple(known))}; known: {', '.join(known)}"
            )
        all_heads = heads(conn)
        versions, issued_only = head_subqueries()
        negotiated = conn.execute(
            select(
                negotiated_clauses.c.version_id.label("key"),
                negotiated_clauses.c.status,
                negotiated_clauses.c.position,
                negotiated_clauses.c.param_values,
                negotiated_clauses.c.text,
            ).where(
                negotiated_clauses.c.version_id.in_(versions),
                negotiated_clauses.c.clause_id.in_(ids),
            )
        ).all()
        issued = conn.execute(
            select(
                agreement_clauses.c.agreement_id.label("key"),
                agreement_clauses.c.position,
                agreement_clauses.c.params.label("param_values"),
                agreement_clauses.c.text,
            ).where(
                agreement_clauses.c.agreement_id.in_(issued_only),
                agreement_clauses.c.clause_id.in_(ids),
            )
        ).all()
    by_version = {h.version_id: h.partner for h in all_heads if h.version_id is not None}
    by_agreement = {h.agreement_id: h.partner for h in all_heads if h.version_id is None}
    texts: dict[str, Wording] = {}
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    missing, seen = [], set()
    rows: list[tuple[str, str, Any]] = [(by_version[r.key], r.status, r) for r in negotiated] + [
        (by_agreement[r.key], "issued", r) for r in issued
    ]
    for partner, status, row in rows:
        seen.add(partner)
        if status == "removed":
            missing.append(partner)
            continue
        text = "\n".join(clean(line) for line in row.text.split("\n") if clean(line))
        wording = texts.setdefault(text, Wording(text, [], Counter()))
        wording.partners.append(partner)
        wording.positions[row.position] += 1
        for name, value in json.loads(row.param_values).items():
            values[name][dumps(value)].append(partner)
    groups: list[WordingGroup] = []
    leaders: list[str] = []
    for wording in sorted(texts.values(), key=lambda w: (-len(w.partners), w.text)):
        match = (
            process.extractOne(wording.text, leaders, scorer=fuzz.ratio, score_cutoff=threshold)
            if leaders
            else None
        )
        if match is not None:
            groups[match[2]].wordings.append(wording)
        else:
            leaders.append(wording.text)
            groups.append(WordingGroup([wording]))
    groups.sort(key=lambda g: -len(g.partners))
    parameters = {
        name: sorted(
            ((json.loads(value), names) for value, names in seen_values.items()),
            key=lambda item: (-len(item[1]), dumps(item[0])),
        )
        for name, seen_values in sorted(values.items())
    }
    absent = sorted(h.partner for h in all_heads if h.partner not in seen)
    return ClauseVariants(clause, ids, len(seen), groups, parameters, sorted(missing), absent)


def grouped(rows: Sequence[Any], key: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out
