"""Forgetting a mistaken ingest: the version, its clauses and its file go; the audit trail
keeps what was forgotten, when, by whom and why.

The agreement goes back to the state it had before the ingest when that ingest was the last
thing to set it. Pieces of the file that no other document shares are deleted too: a copy
ingested under the wrong partner may hold another partner's terms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select

from ..errors import RegistryError
from .lifecycle import record_event, set_state_row
from .schema import (
    agreements,
    blobs,
    documents,
    issued_files,
    negotiated_clauses,
    negotiated_versions,
    partners,
    state_changes,
    unknown_partner,
)
from .store import Registry


@dataclass(frozen=True)
class Forgotten:
    partner: str
    version: int
    agreement: int
    filename: str
    sha256: str
    state: tuple[str, str] | None  # (from, to) when the agreement's state was restored

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "version": self.version,
            "agreement": self.agreement,
            "file": self.filename,
            "sha256": self.sha256,
            "state": list(self.state) if self.state else None,
        }


def forget(
    registry: Registry, partner: str, version: int, *, note: str = "", by: str = ""
) -> Forgotten:
    """Remove negotiated version `version` of `partner` (numbering as `dsagen history`)."""

    def work(conn: Connection) -> Forgotten:
        partner_id = conn.execute(select(partners.c.id).where(partners.c.slug == partner)).scalar()
        if partner_id is None:
            raise unknown_partner(conn, partner)
        row = conn.execute(
            select(negotiated_versions).where(
                negotiated_versions.c.partner_id == partner_id, negotiated_versions.c.seq == version
            )
        ).first()
        if row is None:
            known = [
                str(r[0])
                for r in conn.execute(
                    select(negotiated_versions.c.seq)
                    .where(negotiated_versions.c.partner_id == partner_id)
                    .order_by(negotiated_versions.c.seq)
                )
            ]
            raise RegistryError(
                f"VERSION: partner '{partner}' has no negotiated version "
                f"{version}; recorded: {', '.join(known) or 'none'}"
            )
        restored = _restore_state(conn, row)
        record_event(
            conn,
            int(partner_id),
            row.agreement_id,
            "forget",
            actor=by,
            note=note,
            detail={
                "version": row.seq,
                "file": row.filename,
                "sha256": row.sha256,
                "received_at": row.received_at,
                "state": row.state,
                "worst_severity": row.worst_severity,
                "restored_state": list(restored) if restored else None,
            },
        )
        conn.execute(
            state_changes.update()
            .where(state_changes.c.version_id == row.id)
            .values(version_id=None)
        )
        conn.execute(delete(negotiated_clauses).where(negotiated_clauses.c.version_id == row.id))
        conn.execute(delete(negotiated_versions).where(negotiated_versions.c.id == row.id))
        _drop_document(conn, row.sha256)
        return Forgotten(partner, row.seq, row.agreement_id, row.filename, row.sha256, restored)

    return registry.write(work)


def _restore_state(conn: Connection, version: Any) -> tuple[str, str] | None:
    """Undo the version's state change when it is still the agreement's latest."""
    last = conn.execute(
        select(state_changes)
        .where(state_changes.c.agreement_id == version.agreement_id)
        .order_by(state_changes.c.id.desc())
        .limit(1)
    ).first()
    current = conn.execute(
        select(agreements.c.state).where(agreements.c.id == version.agreement_id)
    ).scalar_one()
    if last is None or last.version_id != version.id or last.previous is None:
        return None
    set_state_row(
        conn,
        version.agreement_id,
        current,
        last.previous,
        note=f"version {version.seq} ({version.filename}) forgotten",
    )
    return current, last.previous


def _drop_document(conn: Connection, sha: str) -> None:
    """Delete the file and the pieces only it used (others' pieces and bases stay)."""
    if conn.execute(select(issued_files.c.id).where(issued_files.c.sha256 == sha)).first():
        return  # also a file we issued: keep it
    parts = conn.execute(select(documents.c.parts).where(documents.c.sha256 == sha)).scalar()
    conn.execute(delete(documents).where(documents.c.sha256 == sha))
    if parts is None:
        return
    for entry in json.loads(parts):
        blob = entry["blob"]
        used = conn.execute(
            select(documents.c.sha256).where(documents.c.parts.contains(blob)).limit(1)
        ).first()
        base_of = conn.execute(select(blobs.c.id).where(blobs.c.base == blob).limit(1)).first()
        if used is None and base_of is None:
            conn.execute(delete(blobs).where(blobs.c.sha256 == blob))
