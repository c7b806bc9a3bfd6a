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
from typing import Any, NamedTuple

from sqlalchemy import Connection, LargeBinary, func, select, type_coerce

from ..compare.normalize import clean
from ..errors import RegistryError
from ..positions import Position
from .cells import NOT_IN_AGREEMENT, OTHER, Cell
from .packing import unpack, unpack_utf8
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


class Head(NamedTuple):
    """Where one partner stands: its latest agreement and, if any, the latest copy of it (a
    named tuple: the matrix makes one per partner, ten thousand at a time)."""

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
    return [_head(row) for row in conn.execute(_heads_select())]


def _heads_select(*columns: Any) -> Any:
    """Each partner's latest agreement and its latest copy, by partner, with `columns` of
    either (`negotiated_versions`, `agreements`) beside them."""
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
    return (
        select(
            partners.c.id,
            partners.c.slug,
            partners.c.name,
            agreements.c.id.label("aid"),
            agreements.c.state,
            agreements.c.reference,
            latest_version.c.version_id,
            negotiated_versions.c.seq,
            *columns,
        )
        .join(latest_agreement, latest_agreement.c.partner_id == partners.c.id)
        .join(agreements, agreements.c.id == latest_agreement.c.agreement_id)
        .outerjoin(latest_version, latest_version.c.agreement_id == agreements.c.id)
        .outerjoin(negotiated_versions, negotiated_versions.c.id == latest_version.c.version_id)
        .order_by(partners.c.slug)
    )


def _head(row: Any) -> Head:
    """The head of a row of _heads_select (its first columns, in Head's order)."""
    return Head._make(row[:8])


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
    stored: bytes  # the version's (or agreement's) cells as stored: UTF-8 JSON {family: cell}
    stored_kinds: str  # JSON {family: cell kind}, as stored
    kinds: dict[str, str]  # the same parsed (one dict for every row stored alike)

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
        """Per family, how many partners stand at each kind. Counted once per distinct set
        of kinds: most partners share theirs with many others."""
        alike = Counter(row.stored_kinds for row in self.rows)
        kinds = {row.stored_kinds: row.kinds for row in self.rows}
        tally: dict[str, Counter[str]] = {family: Counter() for family in self.families}
        for stored, count in alike.items():
            for family in self.families:
                tally[family][kinds[stored].get(family, "n/a")] += count
        return {
            family: {kind: found[kind] for kind in (*Position, "n/a") if found[kind]}
            for family, found in tally.items()
        }

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

    def json_bytes(self) -> bytes:
        """The same document as `to_json`, compact UTF-8, with each row's stored cells spliced
        in as they are (decoding and re-encoding them is most of the time on a thousand
        partners)."""
        encode = _COMPACT.encode
        parts = [encode(self._header())[:-1].encode(), b',"partners":[']
        for row in self.rows:
            parts += (encode(self._partner(row))[:-1].encode(), b',"cells":', row.stored, b"},")
        if self.rows:
            parts[-1] = b"}"
        parts.append(b"]}")
        return b"".join(parts)

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


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, not one a row


def variants_matrix(registry: Registry) -> Matrix:
    """Partner x clause family: standard, which fallback, deviation (severity), missing.

    Each agreement and each negotiated version carries its family cells, worked out when it
    was recorded (dsagen.registry.cells), so this reads one row per partner."""
    stored_cells = func.coalesce(negotiated_versions.c.cells, agreements.c.cells)
    with registry.read() as conn:
        found = conn.execute(
            _heads_select(
                type_coerce(stored_cells, LargeBinary).label("cells"),  # unpacked below
                func.coalesce(negotiated_versions.c.cell_kinds, agreements.c.cell_kinds).label(
                    "kinds"
                ),
            )
        ).all()
        order = family_order(conn)
    # Partners stored alike (most are standard on most families) are unpacked and parsed once.
    unpacked: dict[bytes, bytes] = {}
    parsed: dict[str, dict[str, str]] = {}
    rows = []
    for row in found:
        cells = unpacked.get(row.cells)
        if cells is None:
            cells = unpacked[row.cells] = unpack_utf8(row.cells)
        kinds = parsed.get(row.kinds)
        if kinds is None:
            kinds = parsed[row.kinds] = json.loads(row.kinds)
        rows.append(MatrixRow(_head(row), cells, row.kinds, kinds))
    families = sorted(
        {f for kinds in parsed.values() for f in kinds},
        key=lambda f: (f == OTHER, order.get(f, 10**6), f),
    )
    return Matrix(families, rows)


def family_order(conn: Connection) -> dict[str, int]:
    """Each clause family's earliest position in any agreement (the matrix's column order).
    Read family by family through the (family, seq) index, a few lookups per family, rather
    than by scanning every clause of every agreement."""
    clauses = agreement_clauses.c
    walk = select(func.min(clauses.family).label("family")).cte("families", recursive=True)
    walk = walk.union_all(
        select(
            select(func.min(clauses.family)).where(clauses.family > walk.c.family).scalar_subquery()
        ).where(walk.c.family.is_not(None))
    )
    first = select(func.min(clauses.seq)).where(clauses.family == walk.c.family).scalar_subquery()
    return {
        family: int(seq)
        for family, seq in conn.execute(
            select(walk.c.family, first).where(walk.c.family.is_not(None))
        )
    }


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
                type_coerce(negotiated_clauses.c.param_values, LargeBinary).label("param_values"),
                type_coerce(negotiated_clauses.c.text, LargeBinary).label("text"),
            ).where(
                negotiated_clauses.c.version_id.in_(versions),
                negotiated_clauses.c.clause_id.in_(ids),
            )
        ).all()
        issued = conn.execute(
            select(
                agreement_clauses.c.agreement_id.label("key"),
                agreement_clauses.c.position,
                type_coerce(agreement_clauses.c.params, LargeBinary).label("param_values"),
                type_coerce(agreement_clauses.c.text, LargeBinary).label("text"),
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
    # Texts and values are stored packed, and most partners' are stored alike: each distinct
    # one is unpacked, cleaned or parsed once.
    wordings: dict[bytes, str] = {}
    agreed: dict[bytes, list[tuple[str, str]]] = {}
    for partner, status, row in rows:
        seen.add(partner)
        if status == "removed":
            missing.append(partner)
            continue
        text = wordings.get(row.text)
        if text is None:
            lines = (clean(line) for line in unpack(row.text).split("\n"))
            text = wordings[row.text] = "\n".join(line for line in lines if line)
        wording = texts.setdefault(text, Wording(text, [], Counter()))
        wording.partners.append(partner)
        wording.positions[row.position] += 1
        pairs = agreed.get(row.param_values)
        if pairs is None:
            pairs = agreed[row.param_values] = [
                (name, dumps(value)) for name, value in json.loads(unpack(row.param_values)).items()
            ]
        for name, value in pairs:
            values[name][value].append(partner)
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
