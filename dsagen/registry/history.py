"""One partner's timeline: agreements issued, negotiated copies received, state changes,
approvals, forgotten ingests and forced executions, and what changed in each clause from one
version (issued or received) to the next."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..compare.normalize import clean
from .queries import grouped
from .schema import (
    agreement_clauses,
    agreements,
    approvals,
    audit_events,
    issued_files,
    negotiated_clauses,
    negotiated_versions,
    partners,
    state_changes,
    unknown_partner,
)
from .store import Registry


def history(registry: Registry, partner: str) -> dict[str, Any]:
    """One partner's timeline: agreements issued, copies received, state changes, and what
    changed in each clause from one version to the next."""
    with registry.read() as conn:
        row = conn.execute(select(partners).where(partners.c.slug == partner)).first()
        if row is None:
            raise unknown_partner(conn, partner)
        issued = conn.execute(
            select(agreements).where(agreements.c.partner_id == row.id).order_by(agreements.c.id)
        ).all()
        agreement_ids = [a.id for a in issued]
        issued_text = grouped(
            conn.execute(
                select(agreement_clauses)
                .where(agreement_clauses.c.agreement_id.in_(agreement_ids))
                .order_by(agreement_clauses.c.seq)
            ).all(),
            "agreement_id",
        )
        files = grouped(
            conn.execute(
                select(issued_files)
                .where(issued_files.c.agreement_id.in_(agreement_ids))
                .order_by(issued_files.c.id)
            ).all(),
            "agreement_id",
        )
        received = conn.execute(
            select(negotiated_versions)
            .where(negotiated_versions.c.partner_id == row.id)
            .order_by(negotiated_versions.c.id)
        ).all()
        received_text = grouped(
            conn.execute(
                select(negotiated_clauses)
                .where(negotiated_clauses.c.version_id.in_([v.id for v in received]))
                .order_by(negotiated_clauses.c.seq)
            ).all(),
            "version_id",
        )
        states = conn.execute(
            select(state_changes)
            .where(state_changes.c.agreement_id.in_(agreement_ids))
            .order_by(state_changes.c.id)
        ).all()
        signed = conn.execute(
            select(approvals).where(approvals.c.partner_id == row.id).order_by(approvals.c.id)
        ).all()
        audited = conn.execute(
            select(audit_events)
            .where(audit_events.c.partner_id == row.id)
            .order_by(audit_events.c.id)
        ).all()
    events: list[tuple[str, int, dict[str, Any], dict[str, _Snap] | None]] = []
    for a in issued:
        snapshot = {
            c.clause_id: _Snap(c.text, c.version, c.variant, c.position)
            for c in issued_text.get(a.id, [])
        }
        events.append(
            (
                a.created_at,
                0,
                {
                    "kind": "issued",
                    "at": a.created_at,
                    "agreement": a.id,
                    "state": a.state,
                    "template": a.template_id,
                    "template_version": a.template_version,
                    "reference": a.reference,
                    "library_version": a.library_version,
                    "params_sha256": a.params_digest,
                    "files": [
                        {"format": f.format, "path": f.path, "sha256": f.sha256}
                        for f in files.get(a.id, [])
                        if f.path
                    ],
                },
                snapshot,
            )
        )
    for v in received:
        snapshot = {
            (c.clause_id or c.title): _Snap(
                c.text, c.clause_version, c.variant_negotiated, c.position
            )
            for c in received_text.get(v.id, [])
            if c.status != "removed" and (c.clause_id or c.status == "added")
        }
        events.append(
            (
                v.received_at,
                1,
                {
                    "kind": "received",
                    "at": v.received_at,
                    "version": v.seq,
                    "agreement": v.agreement_id,
                    "file": v.filename,
                    "sha256": v.sha256,
                    "state": v.state,
                    "worst_severity": v.worst_severity,
                    "summary": json.loads(v.summary),
                    "revisions": v.revisions,
                    "authors": json.loads(v.authors),
                    "untracked_changes": v.untracked_changes,
                },
                snapshot,
            )
        )
    for s in states:
        events.append(
            (
                s.at,
                2,
                {
                    "kind": "state",
                    "at": s.at,
                    "agreement": s.agreement_id,
                    "from": s.previous,
                    "to": s.state,
                    "note": s.note,
                },
                None,
            )
        )
    for a in signed:
        events.append(
            (
                a.at,
                3,
                {
                    "kind": "approval",
                    "at": a.at,
                    "agreement": a.agreement_id,
                    "version": a.version_seq,
                    "sha256": a.version_sha256,
                    "clause": a.clause_id,
                    "position": a.position,
                    "reasons": json.loads(a.reasons),
                    "by": a.approved_by,
                    "note": a.note,
                },
                None,
            )
        )
    for e in audited:
        events.append(
            (
                e.at,
                4,
                {
                    "kind": e.kind,
                    "at": e.at,
                    "agreement": e.agreement_id,
                    "by": e.actor,
                    "note": e.note,
                    **json.loads(e.detail),
                },
                None,
            )
        )
    events.sort(key=lambda e: (e[0], e[1]))
    timeline: list[dict[str, Any]] = []
    previous: dict[str, _Snap] | None = None
    for _, _, entry, snap in events:
        if snap is not None:
            entry["changes"] = _snapshot_changes(previous, snap) if previous is not None else []
            previous = snap
        timeline.append(entry)
    return {"schema": "dsagen.history/1", "partner": row.slug, "name": row.name, "events": timeline}


@dataclass(frozen=True)
class _Snap:
    text: str
    version: str | None
    variant: str | None
    position: str


def _snapshot_changes(before: dict[str, _Snap], after: dict[str, _Snap]) -> list[dict[str, Any]]:
    from .textdiff import summarise

    changes: list[dict[str, Any]] = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append({"clause": key, "change": "added"})
        elif new is None:
            changes.append({"clause": key, "change": "removed"})
        else:
            entry: dict[str, Any] = {"clause": key, "change": "modified"}
            if new.version and old.version and new.version != old.version:
                entry["version"] = [old.version, new.version]
            if new.variant and old.variant and new.variant != old.variant:
                entry["variant"] = [old.variant, new.variant]
            if new.position != old.position:
                entry["position"] = [old.position, new.position]
            if clean(old.text) != clean(new.text):
                entry["text"] = summarise(old.text, new.text)
            if len(entry) > 2:
                changes.append(entry)
    return changes
