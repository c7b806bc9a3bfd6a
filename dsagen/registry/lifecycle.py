"""Agreement lifecycle (draft, sent, received, executed, superseded) and the small write
helpers the recording and ingest transactions share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..errors import RegistryError
from .schema import STATES, agreements, documents, now, partners, state_changes
from .store import Registry


def insert_id(conn: Connection, statement: Any) -> int:
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def store_document(conn: Connection, sha: str, data: bytes) -> None:
    if conn.execute(select(documents.c.sha256).where(documents.c.sha256 == sha)).first() is None:
        conn.execute(documents.insert().values(sha256=sha, size=len(data), content=data))


def set_state_row(conn: Connection, agreement_id: int, previous: str | None, state: str, *,
                  version_id: int | None = None, note: str = "") -> None:
    """Move one agreement to `state` and log the change (nothing when it is there already)."""
    if previous == state:
        return
    conn.execute(agreements.update().where(agreements.c.id == agreement_id).values(state=state))
    conn.execute(state_changes.insert().values(agreement_id=agreement_id, version_id=version_id,
                                               previous=previous, state=state, at=now(),
                                               note=note))


def supersede(conn: Connection, partner_id: int, keep: int, states: tuple[str, ...],
              note: str) -> None:
    """The partner's other agreements in `states` become superseded."""
    rows = conn.execute(select(agreements.c.id, agreements.c.state).where(
        agreements.c.partner_id == partner_id, agreements.c.id != keep,
        agreements.c.state.in_(states))).all()
    for row in rows:
        set_state_row(conn, row.id, row.state, "superseded", note=note)


@dataclass(frozen=True)
class StateChange:
    agreement: int
    partner: str
    reference: str
    previous: str
    state: str

    def to_json(self) -> dict[str, Any]:
        return {"agreement": self.agreement, "partner": self.partner,
                "reference": self.reference, "from": self.previous, "to": self.state}


def set_state(registry: Registry, agreement: str, state: str, note: str = "") -> StateChange:
    """Move an agreement (id, reference, or partner slug for its latest) to a lifecycle state;
    executing one supersedes the partner's earlier executed agreement."""

    if state not in STATES:
        raise RegistryError(f"STATE: expected one of {', '.join(STATES)}, found '{state}'")

    def work(conn: Connection) -> StateChange:
        row = resolve_agreement(conn, agreement)
        set_state_row(conn, row.id, row.state, state, note=note or "set by hand")
        if state == "executed":
            supersede(conn, row.partner_id, row.id, ("executed",),
                       note=f"agreement #{row.id} executed")
        return StateChange(row.id, row.slug, row.reference, row.state, state)

    return registry.write(work)


def resolve_agreement(conn: Connection, agreement: str) -> Any:
    """An agreement by id (`12` or `#12`), by reference, or by partner slug (its latest)."""
    query = select(agreements, partners.c.slug).join(partners,
                                                     partners.c.id == agreements.c.partner_id)
    text = agreement.strip()
    if text.lstrip("#").isdigit():
        row = conn.execute(query.where(agreements.c.id == int(text.lstrip("#")))).first()
        if row is not None:
            return row
    rows = conn.execute(query.where(agreements.c.reference == text)
                        .order_by(agreements.c.id)).all()
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        ids = ", ".join(f"#{r.id} ({r.slug})" for r in rows)
        raise RegistryError(f"AGREEMENT: reference '{text}' names {len(rows)} agreements ({ids}); "
                            "give the number instead")
    row = conn.execute(query.where(partners.c.slug == text)
                       .order_by(agreements.c.id.desc())).first()
    if row is not None:
        return row
    raise RegistryError(f"AGREEMENT: expected an agreement number, reference or partner, found "
                        f"'{text}' (dsagen history PARTNER lists a partner's agreements)")
