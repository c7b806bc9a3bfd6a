"""Agreements whose clauses differ from today's library, and what changed.

A clause is outdated when its version is older than the library's, or when the digest of the
clause text it was generated from (dsagen.lock) differs from today's: a wording changed without
a version bump is found too. Agreements recorded before digests were kept compare versions only.

What changed is the clause as issued (stored text) against the same clause rendered today from
the same stored parameters and variant. It is worked out once per clause, issued version,
variant and digest, on the first agreement found in that group: parameters appear on both sides
and cancel out, so the diff is the library's change, which is what an amendment has to carry.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..errors import DsagenError, RegistryError
from ..library import Library
from ..lock import text_digest
from .schema import STATES, agreement_clauses, agreements, partners
from .store import Registry
from .textdiff import summarise


def semver(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


@dataclass
class OutdatedClause:
    clause: str
    title: str
    issued: str
    current: str | None  # None: no longer in the library
    variant: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "title": self.title,
            "issued_version": self.issued,
            "current_version": self.current,
            "variant": self.variant,
            "changes": self.changes,
            "note": self.note,
        }


@dataclass
class OutdatedAgreement:
    partner: str
    agreement: int
    reference: str
    state: str
    created_at: str
    library_version: str
    clauses: list[OutdatedClause]

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "agreement": self.agreement,
            "reference": self.reference,
            "state": self.state,
            "created_at": self.created_at,
            "library_version": self.library_version,
            "clauses": [c.to_json() for c in self.clauses],
        }


def outdated(
    registry: Registry,
    library: Library,
    states: tuple[str, ...] | None = None,
) -> list[OutdatedAgreement]:
    """Agreements (superseded and terminated ones excluded unless asked for) whose clauses
    differ from today's library."""
    wanted = states or tuple(s for s in STATES if s not in ("superseded", "terminated"))
    unknown = [s for s in wanted if s not in STATES]
    if unknown:
        raise RegistryError(f"--state: expected one of {', '.join(STATES)}, found '{unknown[0]}'")
    found: dict[int, OutdatedAgreement] = {}
    groups: dict[tuple[str, str, str, str], list[OutdatedClause]] = defaultdict(list)
    first: dict[tuple[str, str, str, str], int] = {}
    digests: dict[str, str] = {}
    for row in _issued_clauses(registry, wanted):
        item = _outdated_clause(row, library, digests)
        if item is None:
            continue
        agreement = found.setdefault(
            row.id,
            OutdatedAgreement(
                row.slug, row.id, row.reference, row.state, row.created_at, row.library_version, []
            ),
        )
        agreement.clauses.append(item)
        if row.clause_id in library.clauses:
            key = (row.clause_id, row.version, row.variant, row.text_digest or "")
            groups[key].append(item)
            first.setdefault(key, row.id)
    for key, items in groups.items():
        changes, note = _what_changed(registry, library, first[key], key[0])
        if key[1] == library.clauses[key[0]].version:
            note = "; ".join(filter(None, ("wording changed without a version bump", note)))
        for item in items:
            item.changes, item.note = changes, note
    return list(found.values())


def _issued_clauses(registry: Registry, states: tuple[str, ...]) -> list[Any]:
    """Every clause of every agreement in one of STATES, with its agreement and partner, in
    partner, agreement and clause order."""
    with registry.read() as conn:
        return list(
            conn.execute(
                select(
                    agreements.c.id,
                    agreements.c.reference,
                    agreements.c.state,
                    agreements.c.created_at,
                    agreements.c.library_version,
                    partners.c.slug,
                    agreement_clauses.c.clause_id,
                    agreement_clauses.c.title,
                    agreement_clauses.c.version,
                    agreement_clauses.c.variant,
                    agreement_clauses.c.text_digest,
                )
                .join(partners, partners.c.id == agreements.c.partner_id)
                .join(agreement_clauses, agreement_clauses.c.agreement_id == agreements.c.id)
                .where(agreements.c.state.in_(states))
                .order_by(partners.c.slug, agreements.c.id, agreement_clauses.c.seq)
            ).all()
        )


def _outdated_clause(row: Any, library: Library, digests: dict[str, str]) -> OutdatedClause | None:
    """The issued clause of ROW if today's library has a newer version or other wording (or
    no longer has it), else None; DIGESTS caches today's text digests by clause id."""
    clause = library.clauses.get(row.clause_id)
    if clause is None:
        return OutdatedClause(
            row.clause_id,
            row.title,
            row.version,
            None,
            row.variant,
            note="no longer in the clause library",
        )
    if clause.id not in digests:
        digests[clause.id] = text_digest(clause)
    reworded = row.text_digest is not None and row.text_digest != digests[clause.id]
    if semver(row.version) >= semver(clause.version) and not reworded:
        return None
    return OutdatedClause(row.clause_id, row.title, row.version, clause.version, row.variant)


def _what_changed(
    registry: Registry, library: Library, agreement_id: int, clause_id: str
) -> tuple[list[dict[str, Any]], str]:
    try:
        issued, today = _texts(registry, library, agreement_id, clause_id)
    except DsagenError as error:
        return [], f"cannot render today's text from the stored parameters: {error.message}"
    changes = summarise(issued, today)
    return changes, "" if changes else "wording unchanged (metadata or unused text only)"


def _texts(
    registry: Registry, library: Library, agreement_id: int, clause_id: str
) -> tuple[str, str]:
    """The clause as issued, and as `library` renders it today for the same agreement."""
    from ..assemble import assemble
    from ..compare.segments import segment
    from ..params import ValueProblem, check_value
    from ..partners import PartnerParams
    from ..read.docx import read_docx
    from ..render.docx import render_docx

    with registry.read() as conn:
        agreement = conn.execute(
            select(agreements, partners.c.slug)
            .join(partners, partners.c.id == agreements.c.partner_id)
            .where(agreements.c.id == agreement_id)
        ).one()
        clauses = conn.execute(
            select(
                agreement_clauses.c.clause_id, agreement_clauses.c.variant, agreement_clauses.c.text
            )
            .where(agreement_clauses.c.agreement_id == agreement_id)
            .order_by(agreement_clauses.c.seq)
        ).all()
    included = tuple(c.clause_id for c in clauses if c.clause_id in library.clauses)
    owners = library.param_owner()
    values: dict[str, Any] = {}
    for name, value in json.loads(agreement.parameters).items():
        try:
            values[name] = (
                check_value(owners[name].params[name], value)
                if (name in owners and value is not None)
                else value
            )
        except ValueProblem:
            values[name] = value
    for clause in included:  # parameters added to the library since: their defaults
        for name, param in library.clauses[clause].params.items():
            values.setdefault(name, param.default)
    variants = {
        c.clause_id: c.variant
        for c in clauses
        if c.clause_id in library.clauses and c.variant in library.clauses[c.clause_id].variants
    }
    partner = PartnerParams(
        agreement.slug,
        f"registry agreement #{agreement_id}",
        agreement.template_id,
        values,
        variants,
        included,
        "",
    )
    data = render_docx(assemble(partner, library))
    texts = {
        seg.key: "\n".join(seg.texts)
        for seg in segment(read_docx(data).accepted)
        if seg.anchor is not None
    }
    issued = next(c.text for c in clauses if c.clause_id == clause_id)
    return issued, texts.get(clause_id, "")
