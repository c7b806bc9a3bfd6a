"""Approvals: who signed off which deviation of which version, and what still awaits one.

A deviation needs approval when its playbook position is above `fallback` (a custom change, a
deleted clause, anything beyond walk-away). It is read from where the agreement stands: its
latest negotiated copy, else the agreement as issued. An approval names that copy by its
file's sha256, so it never carries over to another file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..errors import RegistryError
from .schema import (
    agreement_clauses,
    agreements,
    approvals,
    dumps,
    negotiated_clauses,
    negotiated_versions,
    now,
    partners,
    unknown_partner,
)
from .store import Registry

ABOVE_FALLBACK = ("approval", "missing", "walk-away")


@dataclass
class Deviation:
    """One clause of an agreement's current text that is above fallback."""

    clause: str  # clause id, or the title of a clause the partner added
    title: str
    position: str
    reasons: list[str]
    approved_by: str | None = None
    approved_at: str | None = None
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "title": self.title,
            "position": self.position,
            "reasons": self.reasons,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "note": self.note,
        }


@dataclass
class Standing:
    """Where one agreement stands: its latest copy (or as issued) and its deviations."""

    agreement_id: int
    partner_id: int
    partner: str
    version_seq: int | None
    version_sha256: str | None
    deviations: list[Deviation]

    @property
    def pending(self) -> list[Deviation]:
        return [d for d in self.deviations if d.approved_by is None]

    @property
    def source(self) -> str:
        return f"version {self.version_seq}" if self.version_seq else "the agreement as issued"


def standing(conn: Connection, agreement_id: int) -> Standing:
    """The agreement's deviations above fallback, each with its approval if recorded."""
    head = conn.execute(
        select(agreements.c.partner_id, partners.c.slug)
        .join(partners, partners.c.id == agreements.c.partner_id)
        .where(agreements.c.id == agreement_id)
    ).one()
    version = conn.execute(
        select(negotiated_versions.c.id, negotiated_versions.c.seq, negotiated_versions.c.sha256)
        .where(negotiated_versions.c.agreement_id == agreement_id)
        .order_by(negotiated_versions.c.id.desc())
        .limit(1)
    ).first()
    if version is not None:
        rows = conn.execute(
            select(
                negotiated_clauses.c.clause_id,
                negotiated_clauses.c.title,
                negotiated_clauses.c.position,
                negotiated_clauses.c.reasons,
            )
            .where(
                negotiated_clauses.c.version_id == version.id,
                negotiated_clauses.c.position.in_(ABOVE_FALLBACK),
            )
            .order_by(negotiated_clauses.c.seq)
        ).all()
    else:
        rows = conn.execute(
            select(
                agreement_clauses.c.clause_id,
                agreement_clauses.c.title,
                agreement_clauses.c.position,
                agreement_clauses.c.reasons,
            )
            .where(
                agreement_clauses.c.agreement_id == agreement_id,
                agreement_clauses.c.position.in_(ABOVE_FALLBACK),
            )
            .order_by(agreement_clauses.c.seq)
        ).all()
    sha = version.sha256 if version is not None else None
    signed = {
        row.clause_id: row
        for row in conn.execute(
            select(approvals)
            .where(
                approvals.c.agreement_id == agreement_id,
                approvals.c.version_sha256.is_(None)
                if sha is None
                else approvals.c.version_sha256 == sha,
            )
            .order_by(approvals.c.id)
        )
    }
    found = []
    for row in rows:
        key = row.clause_id or row.title
        approval = signed.get(key)
        found.append(
            Deviation(
                key,
                row.title,
                row.position,
                json.loads(row.reasons),
                approval.approved_by if approval else None,
                approval.at if approval else None,
                approval.note if approval else "",
            )
        )
    return Standing(
        agreement_id,
        int(head.partner_id),
        head.slug,
        version.seq if version is not None else None,
        sha,
        found,
    )


def approve(
    registry: Registry, partner: str, *, by: str, clause: str | None = None, note: str = ""
) -> tuple[Standing, list[Deviation]]:
    """Record `by`'s approval of one deviation (`clause`) or of every one still pending, on
    where the partner's latest agreement stands; returns it and what was approved."""
    by = " ".join(by.split())
    if not by:
        raise RegistryError("--by: expected the name of the person approving, found nothing")

    def work(conn: Connection) -> tuple[Standing, list[Deviation]]:
        agreement_id = conn.execute(
            select(agreements.c.id)
            .join(partners, partners.c.id == agreements.c.partner_id)
            .where(partners.c.slug == partner)
            .order_by(agreements.c.id.desc())
            .limit(1)
        ).scalar()
        if agreement_id is None:
            raise unknown_partner(conn, partner)
        current = standing(conn, int(agreement_id))
        chosen = _chosen(current, clause)
        at = now()
        conn.execute(
            approvals.insert(),
            [
                {
                    "partner_id": current.partner_id,
                    "agreement_id": current.agreement_id,
                    "version_sha256": current.version_sha256,
                    "version_seq": current.version_seq,
                    "clause_id": item.clause,
                    "position": item.position,
                    "reasons": dumps(item.reasons),
                    "approved_by": by,
                    "note": note,
                    "at": at,
                }
                for item in chosen
            ],
        )
        for item in chosen:
            item.approved_by, item.approved_at, item.note = by, at, note
        return current, chosen

    return registry.write(work)


def _chosen(current: Standing, clause: str | None) -> list[Deviation]:
    where = f"agreement #{current.agreement_id} ({current.source})"
    if clause is None:
        if not current.pending:
            raise RegistryError(f"{current.partner}: nothing awaits approval in {where}")
        return current.pending
    matches = [d for d in current.deviations if clause in (d.clause, d.title)]
    if not matches:
        listed = ", ".join(f"{d.clause} ({d.position})" for d in current.deviations)
        raise RegistryError(
            f"--clause: '{clause}' is not a deviation above fallback in {where}"
            + (f"; those are: {listed}" if listed else "; it has none")
        )
    done = [d for d in matches if d.approved_by is not None]
    if done:
        raise RegistryError(
            f"--clause: '{clause}' in {where} was already approved by "
            f"{done[0].approved_by} ({(done[0].approved_at or '')[:10]})"
        )
    return matches
