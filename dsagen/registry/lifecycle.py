"""Agreement lifecycle (draft → sent → received → executed → superseded or terminated), the
audit trail's events, and the small write helpers the recording and ingest transactions share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from ..errors import RegistryError
from .schema import STATES, agreements, audit_events, dumps, now, partners, state_changes
from .store import Registry


def insert_id(conn: Connection, statement: Any) -> int:
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def set_state_row(
    conn: Connection,
    agreement_id: int,
    previous: str | None,
    state: str,
    *,
    version_id: int | None = None,
    note: str = "",
) -> None:
    """Move one agreement to `state` and log the change (nothing when it is there already)."""
    if previous == state:
        return
    conn.execute(agreements.update().where(agreements.c.id == agreement_id).values(state=state))
    conn.execute(
        state_changes.insert().values(
            agreement_id=agreement_id,
            version_id=version_id,
            previous=previous,
            state=state,
            at=now(),
            note=note,
        )
    )


def supersede(
    conn: Connection, partner_id: int, keep: int, states: tuple[str, ...], note: str
) -> None:
    """The partner's other agreements in `states` become superseded."""
    rows = conn.execute(
        select(agreements.c.id, agreements.c.state).where(
            agreements.c.partner_id == partner_id,
            agreements.c.id != keep,
            agreements.c.state.in_(states),
        )
    ).all()
    for row in rows:
        set_state_row(conn, row.id, row.state, "superseded", note=note)


#: The way forward; any state may also become superseded, and only an executed agreement can
#: be terminated. Going back, or leaving superseded/terminated, needs --reopen.
FORWARD = ("draft", "sent", "received", "executed")
FINAL = ("superseded", "terminated")


@dataclass(frozen=True)
class StateChange:
    agreement: int
    partner: str
    reference: str
    previous: str
    state: str
    overridden: tuple[str, ...] = ()  # deviations executed without approval (--force)

    def to_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "partner": self.partner,
            "reference": self.reference,
            "from": self.previous,
            "to": self.state,
            "overridden": list(self.overridden),
        }


def check_transition(previous: str, state: str, *, reopen: bool) -> None:
    """Refuse a move the lifecycle does not allow, saying what would."""
    if previous == state or reopen:
        return
    if previous in FINAL:
        raise RegistryError(
            f"STATE: the agreement is {previous}; moving it to {state} reopens "
            "it: add --reopen (and --note why)"
        )
    if state == "terminated" and previous != "executed":
        raise RegistryError(
            f"STATE: only an executed agreement can be terminated; this one is "
            f"{previous} (a draft that will not be signed becomes superseded)"
        )
    if state in FORWARD and FORWARD.index(state) < FORWARD.index(previous):
        raise RegistryError(
            f"STATE: {previous} → {state} goes back in the lifecycle (draft → "
            "sent → received → executed); add --reopen (and --note why)"
        )


def record_event(
    conn: Connection,
    partner_id: int,
    agreement_id: int | None,
    kind: str,
    *,
    actor: str = "",
    note: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the audit trail (forgotten ingests, forced executions)."""
    conn.execute(
        audit_events.insert().values(
            partner_id=partner_id,
            agreement_id=agreement_id,
            kind=kind,
            actor=actor,
            note=note,
            detail=dumps(detail or {}),
            at=now(),
        )
    )


def set_state(
    registry: Registry,
    agreement: str,
    state: str,
    note: str = "",
    *,
    reopen: bool = False,
    force: bool = False,
    by: str = "",
) -> StateChange:
    """Move an agreement (id, reference, or partner slug for its latest) to a lifecycle state.

    Executing one is refused while a deviation above fallback has no approval, unless `force`
    (which needs a note saying why, kept in the audit trail); it supersedes the partner's
    earlier executed agreement."""
    from .approvals import standing

    if state not in STATES:
        raise RegistryError(f"STATE: expected one of {', '.join(STATES)}, found '{state}'")
    if force and not note.strip():
        raise RegistryError("--force: give the reason with --note; it is kept in the history")

    def work(conn: Connection) -> StateChange:
        row = resolve_agreement(conn, agreement)
        check_transition(row.state, state, reopen=reopen)
        overridden: tuple[str, ...] = ()
        if state == "executed" and row.state != "executed":
            pending = standing(conn, row.id).pending
            if pending and not force:
                listed = "; ".join(f"{d.clause} ({d.position})" for d in pending)
                raise RegistryError(
                    f"agreement #{row.id} ({row.slug}) cannot be executed: {len(pending)} "
                    f"deviation(s) above fallback have no approval: {listed}. Record them with "
                    f"`dsagen approve {row.slug} --clause ID --by NAME`, or execute anyway with "
                    "--force --note REASON"
                )
            overridden = tuple(d.clause for d in pending)
            if overridden:
                record_event(
                    conn,
                    row.partner_id,
                    row.id,
                    "override",
                    actor=by,
                    note=note,
                    detail={"executed_without_approval": [d.to_json() for d in pending]},
                )
        label = note or "set by hand"
        if reopen and row.state != state:
            label = f"reopened: {label}"
        set_state_row(conn, row.id, row.state, state, note=label)
        if state == "executed":
            supersede(
                conn, row.partner_id, row.id, ("executed",), note=f"agreement #{row.id} executed"
            )
        return StateChange(row.id, row.slug, row.reference, row.state, state, overridden)

    return registry.write(work)


def resolve_agreement(conn: Connection, agreement: str) -> Any:
    """An agreement by id (`12` or `#12`), by reference, or by partner slug (its latest)."""
    query = select(agreements, partners.c.slug).join(
        partners, partners.c.id == agreements.c.partner_id
    )
    text = agreement.strip()
    if text.lstrip("#").isdigit():
        row = conn.execute(query.where(agreements.c.id == int(text.lstrip("#")))).first()
        if row is not None:
            return row
    rows = conn.execute(query.where(agreements.c.reference == text).order_by(agreements.c.id)).all()
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        ids = ", ".join(f"#{r.id} ({r.slug})" for r in rows)
        raise RegistryError(
            f"AGREEMENT: reference '{text}' names {len(rows)} agreements ({ids}); "
            "give the number instead"
        )
    row = conn.execute(
        query.where(partners.c.slug == text).order_by(agreements.c.id.desc())
    ).first()
    if row is not None:
        return row
    raise RegistryError(
        f"AGREEMENT: expected an agreement number, reference or partner, found "
        f"'{text}' (dsagen history PARTNER lists a partner's agreements)"
    )
