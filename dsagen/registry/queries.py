"""Questions asked of the registry: the partner x clause-family matrix, every wording of one
clause across partners, one partner's timeline, and the whole registry as plain data.

"Where a partner stands" is its latest agreement: the latest negotiated copy of it when one has
been ingested, else the agreement as we issued it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, select

from ..compare.normalize import clean
from ..errors import RegistryError
from .record import POSITIONS, dumps, rank, unknown_partner
from .store import (
    Registry,
    agreement_clauses,
    agreements,
    issued_files,
    negotiated_clauses,
    negotiated_versions,
    partners,
    state_changes,
)
from .textdiff import summarise

NEAR_IDENTICAL = 90  # rapidfuzz ratio (0-100) at which two wordings count as one
OTHER = "other"  # column for clauses the partner added (no library family)


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
    latest_agreement = (select(agreements.c.partner_id,
                               func.max(agreements.c.id).label("agreement_id"))
                        .group_by(agreements.c.partner_id).subquery())
    latest_version = (select(negotiated_versions.c.agreement_id,
                             func.max(negotiated_versions.c.id).label("version_id"))
                      .group_by(negotiated_versions.c.agreement_id).subquery())
    rows = conn.execute(
        select(partners.c.id, partners.c.slug, partners.c.name, agreements.c.id.label("aid"),
               agreements.c.state, agreements.c.reference, latest_version.c.version_id,
               negotiated_versions.c.seq)
        .join(latest_agreement, latest_agreement.c.partner_id == partners.c.id)
        .join(agreements, agreements.c.id == latest_agreement.c.agreement_id)
        .outerjoin(latest_version, latest_version.c.agreement_id == agreements.c.id)
        .outerjoin(negotiated_versions, negotiated_versions.c.id == latest_version.c.version_id)
        .order_by(partners.c.slug)).all()
    return [Head(r.id, r.slug, r.name, r.aid, r.state, r.reference, r.version_id, r.seq)
            for r in rows]


def _head_subqueries() -> tuple[Any, Any]:
    """(version ids, agreement ids without a version) of every head, as SQL subqueries."""
    latest_agreement = select(func.max(agreements.c.id)).group_by(agreements.c.partner_id)
    latest_versions = (select(func.max(negotiated_versions.c.id))
                       .where(negotiated_versions.c.agreement_id.in_(latest_agreement))
                       .group_by(negotiated_versions.c.agreement_id))
    without = (select(agreements.c.id).where(agreements.c.id.in_(latest_agreement))
               .where(~agreements.c.id.in_(select(negotiated_versions.c.agreement_id))))
    return latest_versions, without


# ------------------------------------------------------------------------------------- matrix


@dataclass
class Cell:
    kind: str  # standard | fallback | approval | missing | walk-away | n/a
    label: str
    clause: str | None  # the clause the cell links to (the worst one in the family)
    reasons: list[str] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "clause": self.clause,
                "clauses": self.clauses, "reasons": self.reasons}


@dataclass
class MatrixRow:
    head: Head
    cells: dict[str, Cell]


@dataclass
class Matrix:
    families: list[str]
    rows: list[MatrixRow]

    def counts(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for family in self.families:
            tally = Counter(row.cells[family].kind for row in self.rows)
            counts[family] = {kind: tally[kind] for kind in (*POSITIONS, "n/a") if tally[kind]}
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "dsagen.variants/1",
            "families": self.families,
            "counts": self.counts(),
            "partners": [{
                "partner": row.head.partner, "name": row.head.name,
                "agreement": row.head.agreement_id, "state": row.head.agreement_state,
                "source": row.head.source, "version": row.head.version,
                "cells": {family: row.cells[family].to_json() for family in self.families},
            } for row in self.rows],
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        return [{"partner": row.head.partner, "family": family, "kind": cell.kind,
                 "label": cell.label, "clause": cell.clause or "", "source": row.head.source,
                 "version": row.head.version or "", "reasons": "; ".join(cell.reasons)}
                for row in self.rows for family, cell in
                ((f, row.cells[f]) for f in self.families)]


def variants_matrix(registry: Registry) -> Matrix:
    """Partner x clause family: standard, which fallback, deviation (severity), missing."""
    with registry.read() as conn:
        all_heads = heads(conn)
        versions, issued_only = _head_subqueries()
        negotiated = conn.execute(
            select(negotiated_clauses.c.version_id, negotiated_clauses.c.seq,
                   negotiated_clauses.c.clause_id, negotiated_clauses.c.family,
                   negotiated_clauses.c.title, negotiated_clauses.c.status,
                   negotiated_clauses.c.position, negotiated_clauses.c.reasons)
            .where(negotiated_clauses.c.version_id.in_(versions))).all()
        issued = conn.execute(
            select(agreement_clauses.c.agreement_id, agreement_clauses.c.seq,
                   agreement_clauses.c.clause_id, agreement_clauses.c.family,
                   agreement_clauses.c.position, agreement_clauses.c.reasons)
            .where(agreement_clauses.c.agreement_id.in_(issued_only))).all()
        order = dict(conn.execute(select(agreement_clauses.c.family,
                                         func.min(agreement_clauses.c.seq))
                                  .group_by(agreement_clauses.c.family)).all())
    by_version = {h.version_id: h for h in all_heads if h.version_id is not None}
    by_agreement = {h.agreement_id: h for h in all_heads if h.version_id is None}
    found: dict[int, dict[str, list[tuple[str, str, list[str], str]]]] = defaultdict(
        lambda: defaultdict(list))
    for row in negotiated:
        family = row.family
        if family is None:
            if row.status != "added":
                continue
            family = OTHER
        found[by_version[row.version_id].partner_id][family].append(
            (row.clause_id or row.title, row.position, json.loads(row.reasons), row.status))
    for row in issued:
        found[by_agreement[row.agreement_id].partner_id][row.family].append(
            (row.clause_id, row.position, json.loads(row.reasons), "issued"))
    families = sorted({f for cells in found.values() for f in cells},
                      key=lambda f: (f == OTHER, order.get(f, 10**6), f))
    rows = [MatrixRow(head, {family: _cell(found[head.partner_id].get(family, []))
                             for family in families}) for head in all_heads]
    return Matrix(families, rows)


def _cell(entries: list[tuple[str, str, list[str], str]]) -> Cell:
    if not entries:
        return Cell("n/a", "", None)
    clause, position, _, _ = max(entries, key=lambda e: rank(e[1]))
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


def _fallback_names(entries: list[tuple[str, str, list[str], str]]) -> list[str]:
    names = []
    for _clause, position, reasons, _ in entries:
        if position != "fallback":
            continue
        for reason in reasons:
            if reason.endswith("(fallback)"):
                names.append(reason[: -len("(fallback)")].strip())
    return names or ["pre-approved"]


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
        return {"count": len(self.partners), "partners": self.partners,
                "text": self.wordings[0].text,
                "positions": {k: positions[k] for k in POSITIONS if positions[k]},
                "wordings": [{"count": len(w.partners), "partners": sorted(w.partners),
                              "text": w.text} for w in self.wordings]}


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
            "clause": self.clause, "clauses": self.clause_ids, "partners": self.total,
            "groups": [g.to_json() for g in self.groups],
            "parameters": [{"name": name, "values": [
                {"value": value, "count": len(names), "partners": sorted(names)}
                for value, names in values]} for name, values in self.parameters.items()],
            "missing": self.missing, "absent": self.absent,
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        return [{"group": index, "count": len(w.partners), "partners": " ".join(sorted(w.partners)),
                 "text": w.text}
                for index, group in enumerate(self.groups, start=1) for w in group.wordings]


def clause_variants(registry: Registry, clause: str,
                    threshold: int = NEAR_IDENTICAL) -> ClauseVariants:
    """Every wording of a clause (or of every clause of a family) where partners stand."""
    from rapidfuzz import fuzz, process

    with registry.read() as conn:
        ids = [r[0] for r in conn.execute(select(agreement_clauses.c.clause_id).distinct()
                                          .where(agreement_clauses.c.clause_id == clause))]
        if not ids:
            ids = sorted(r[0] for r in conn.execute(
                select(agreement_clauses.c.clause_id).distinct()
                .where(agreement_clauses.c.family == clause)))
        if not ids:
            known = sorted(r[0] for r in conn.execute(
                select(agreement_clauses.c.clause_id).distinct()))
            from ..params import suggest

            raise RegistryError(f"--clause: no agreement has a clause or family '{clause}'"
                                f"{suggest(clause, tuple(known))}; known: {', '.join(known)}")
        all_heads = heads(conn)
        versions, issued_only = _head_subqueries()
        negotiated = conn.execute(
            select(negotiated_clauses.c.version_id.label("key"), negotiated_clauses.c.status,
                   negotiated_clauses.c.position, negotiated_clauses.c.values,
                   negotiated_clauses.c.text)
            .where(negotiated_clauses.c.version_id.in_(versions),
                   negotiated_clauses.c.clause_id.in_(ids))).all()
        issued = conn.execute(
            select(agreement_clauses.c.agreement_id.label("key"), agreement_clauses.c.position,
                   agreement_clauses.c.params.label("values"), agreement_clauses.c.text)
            .where(agreement_clauses.c.agreement_id.in_(issued_only),
                   agreement_clauses.c.clause_id.in_(ids))).all()
    by_version = {h.version_id: h.partner for h in all_heads if h.version_id is not None}
    by_agreement = {h.agreement_id: h.partner for h in all_heads if h.version_id is None}
    texts: dict[str, Wording] = {}
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    missing, seen = [], set()
    rows = [(by_version[r.key], r.status, r) for r in negotiated] + [
        (by_agreement[r.key], "issued", r) for r in issued]
    for partner, status, row in rows:
        seen.add(partner)
        if status == "removed":
            missing.append(partner)
            continue
        text = "\n".join(clean(line) for line in row.text.split("\n") if clean(line))
        wording = texts.setdefault(text, Wording(text, [], Counter()))
        wording.partners.append(partner)
        wording.positions[row.position] += 1
        for name, value in json.loads(row.values).items():
            values[name][dumps(value)].append(partner)
    groups: list[WordingGroup] = []
    leaders: list[str] = []
    for wording in sorted(texts.values(), key=lambda w: (-len(w.partners), w.text)):
        match = process.extractOne(wording.text, leaders, scorer=fuzz.ratio,
                                   score_cutoff=threshold) if leaders else None
        if match is not None:
            groups[match[2]].wordings.append(wording)
        else:
            leaders.append(wording.text)
            groups.append(WordingGroup([wording]))
    groups.sort(key=lambda g: -len(g.partners))
    parameters = {name: sorted(((json.loads(value), names) for value, names in seen_values.items()),
                               key=lambda item: (-len(item[1]), dumps(item[0])))
                  for name, seen_values in sorted(values.items())}
    absent = sorted(h.partner for h in all_heads if h.partner not in seen)
    return ClauseVariants(clause, ids, len(seen), groups, parameters, sorted(missing), absent)


# ------------------------------------------------------------------------------------ history


def history(registry: Registry, partner: str) -> dict[str, Any]:
    """One partner's timeline: agreements issued, copies received, state changes, and what
    changed in each clause from one version to the next."""
    with registry.read() as conn:
        row = conn.execute(select(partners).where(partners.c.slug == partner)).first()
        if row is None:
            raise unknown_partner(conn, partner)
        issued = conn.execute(select(agreements).where(agreements.c.partner_id == row.id)
                              .order_by(agreements.c.id)).all()
        agreement_ids = [a.id for a in issued]
        issued_text = _grouped(conn.execute(
            select(agreement_clauses).where(agreement_clauses.c.agreement_id.in_(agreement_ids))
            .order_by(agreement_clauses.c.seq)).all(), "agreement_id")
        files = _grouped(conn.execute(select(issued_files).where(
            issued_files.c.agreement_id.in_(agreement_ids)).order_by(issued_files.c.id)).all(),
            "agreement_id")
        received = conn.execute(select(negotiated_versions).where(
            negotiated_versions.c.partner_id == row.id).order_by(negotiated_versions.c.id)).all()
        received_text = _grouped(conn.execute(select(negotiated_clauses).where(
            negotiated_clauses.c.version_id.in_([v.id for v in received]))
            .order_by(negotiated_clauses.c.seq)).all(), "version_id")
        states = conn.execute(select(state_changes).where(
            state_changes.c.agreement_id.in_(agreement_ids)).order_by(state_changes.c.id)).all()
    events: list[tuple[str, int, dict[str, Any], dict[str, _Snap] | None]] = []
    for a in issued:
        snapshot = {c.clause_id: _Snap(c.text, c.version, c.variant, c.position)
                    for c in issued_text.get(a.id, [])}
        events.append((a.created_at, 0, {
            "kind": "issued", "at": a.created_at, "agreement": a.id, "state": a.state,
            "template": a.template_id, "template_version": a.template_version,
            "reference": a.reference, "library_version": a.library_version,
            "params_sha256": a.params_digest,
            "files": [{"format": f.format, "path": f.path, "sha256": f.sha256}
                      for f in files.get(a.id, []) if f.path],
        }, snapshot))
    for v in received:
        snapshot = {(c.clause_id or c.title): _Snap(c.text, c.clause_version, c.variant_negotiated,
                                                   c.position)
                    for c in received_text.get(v.id, []) if c.status != "removed"}
        events.append((v.received_at, 1, {
            "kind": "received", "at": v.received_at, "version": v.seq, "agreement": v.agreement_id,
            "file": v.filename, "sha256": v.sha256, "state": v.state,
            "worst_severity": v.worst_severity, "summary": json.loads(v.summary),
            "revisions": v.revisions, "authors": json.loads(v.authors),
            "untracked_changes": v.untracked_changes,
        }, snapshot))
    for s in states:
        events.append((s.at, 2, {"kind": "state", "at": s.at, "agreement": s.agreement_id,
                                 "from": s.previous, "to": s.state, "note": s.note}, None))
    events.sort(key=lambda e: (e[0], e[1]))
    timeline, previous = [], None
    for _, _, entry, snapshot in events:
        if snapshot is not None:
            entry["changes"] = _snapshot_changes(previous, snapshot) if previous is not None else []
            previous = snapshot
        timeline.append(entry)
    return {"schema": "dsagen.history/1", "partner": row.slug, "name": row.name,
            "events": timeline}


@dataclass(frozen=True)
class _Snap:
    text: str
    version: str | None
    variant: str | None
    position: str


def _grouped(rows: list[Any], key: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


def _snapshot_changes(before: dict[str, _Snap], after: dict[str, _Snap]) -> list[dict[str, Any]]:
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


# ------------------------------------------------------------------------------------- export


def export(registry: Registry) -> dict[str, Any]:
    """The whole registry (without file bytes) as nested plain data."""
    with registry.read() as conn:
        tables = {
            "partners": conn.execute(select(partners).order_by(partners.c.id)).all(),
            "agreements": conn.execute(select(agreements).order_by(agreements.c.id)).all(),
            "clauses": conn.execute(select(agreement_clauses).order_by(
                agreement_clauses.c.agreement_id, agreement_clauses.c.seq)).all(),
            "files": conn.execute(select(issued_files).order_by(issued_files.c.id)).all(),
            "versions": conn.execute(select(negotiated_versions).order_by(
                negotiated_versions.c.id)).all(),
            "negotiated": conn.execute(select(negotiated_clauses).order_by(
                negotiated_clauses.c.version_id, negotiated_clauses.c.seq)).all(),
            "states": conn.execute(select(state_changes).order_by(state_changes.c.id)).all(),
        }
    clauses = _grouped(tables["clauses"], "agreement_id")
    files = _grouped(tables["files"], "agreement_id")
    states = _grouped(tables["states"], "agreement_id")
    negotiated = _grouped(tables["negotiated"], "version_id")
    versions = _grouped(tables["versions"], "agreement_id")
    by_partner = _grouped(tables["agreements"], "partner_id")
    return {"schema": "dsagen.registry/1", "partners": [{
        "partner": p.slug, "name": p.name, "created_at": p.created_at,
        "agreements": [{
            **_plain(a, drop=("id", "partner_id", "parameters")), "id": a.id,
            "parameters": json.loads(a.parameters),
            "clauses": [_plain(c, drop=("id", "agreement_id")) for c in clauses.get(a.id, [])],
            "files": [_plain(f, drop=("id", "agreement_id")) for f in files.get(a.id, [])],
            "states": [_plain(s, drop=("id", "agreement_id")) for s in states.get(a.id, [])],
            "negotiated": [{
                **_plain(v, drop=("id", "partner_id", "agreement_id")),
                "clauses": [_plain(c, drop=("id", "version_id"))
                            for c in negotiated.get(v.id, [])],
            } for v in versions.get(a.id, [])],
        } for a in by_partner.get(p.id, [])],
    } for p in tables["partners"]]}


_JSON_COLUMNS = {"reasons", "params", "param_positions", "authors", "summary", "parameters",
                 "values", "changes", "dates", "notes"}


def _plain(row: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {key: (json.loads(value) if key in _JSON_COLUMNS and isinstance(value, str)
                  else value)
            for key, value in row._mapping.items() if key not in drop}


CSV_COLUMNS = ("partner", "agreement", "agreement_state", "record", "version", "state", "at",
               "file", "sha256", "seq", "clause_id", "family", "clause_version", "variant",
               "status", "position", "reasons", "values", "authors", "text")


def export_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export flattened to one row per clause, issued or negotiated (for CSV)."""
    rows: list[dict[str, Any]] = []
    for partner in data["partners"]:
        for a in partner["agreements"]:
            docx = next((f for f in a["files"] if f["format"] == "docx"), None)
            for c in a["clauses"]:
                rows.append({"partner": partner["partner"], "agreement": a["id"],
                             "agreement_state": a["state"], "record": "issued", "version": "",
                             "state": "", "at": a["created_at"],
                             "file": (docx or {}).get("path") or "",
                             "sha256": (docx or {}).get("sha256", ""), "seq": c["seq"],
                             "clause_id": c["clause_id"], "family": c["family"],
                             "clause_version": c["version"], "variant": c["variant"],
                             "status": "", "position": c["position"],
                             "reasons": "; ".join(c["reasons"]), "values": dumps(c["params"]),
                             "authors": "", "text": c["text"]})
            for v in a["negotiated"]:
                for c in v["clauses"]:
                    rows.append({"partner": partner["partner"], "agreement": a["id"],
                                 "agreement_state": a["state"], "record": "negotiated",
                                 "version": v["seq"], "state": v["state"],
                                 "at": v["received_at"], "file": v["filename"],
                                 "sha256": v["sha256"], "seq": c["seq"],
                                 "clause_id": c["clause_id"] or "", "family": c["family"] or "",
                                 "clause_version": c["clause_version"] or "",
                                 "variant": c["variant_negotiated"] or "", "status": c["status"],
                                 "position": c["position"], "reasons": "; ".join(c["reasons"]),
                                 "values": dumps(c["values"]),
                                 "authors": " ".join(c["authors"]), "text": c["text"]})
    return rows
