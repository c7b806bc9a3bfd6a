"""Ingesting a negotiated copy: compare it with the partner's latest issued agreement and
record each clause's text, status, severity, recovered parameters and tracked authorship.

The standard is the DOCX we issued, kept byte for byte in the registry: regenerating it from
the stored parameters would use *today's* clause library, so a copy of an agreement issued
before a clause changed would show our own change as the partner's. Reading and comparing
happen before the write transaction opens; the transaction only inserts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ..errors import DocumentError, RegistryError
from ..library import Library, load_library
from ..positions import worst
from ..read.package import read_document_bytes
from ..stamp import issued_params_digest
from .blobs import issued_docx, store_document
from .cells import family_cells
from .lifecycle import insert_id, set_state_row, supersede
from .record import show
from .schema import (
    agreement_clauses,
    agreements,
    dumps,
    negotiated_clauses,
    negotiated_versions,
    now,
    partners,
    unknown_partner,
)
from .store import Registry

if TYPE_CHECKING:
    from ..compare.model import ClauseResult, Comparison
    from ..read.docx import ReadDocument

INGEST_STATES = ("received", "executed")


@dataclass
class IngestResult:
    """What an ingest recorded (or found already recorded)."""

    partner: str
    version: int
    version_id: int
    agreement_id: int
    duplicate: bool
    received_at: str
    state: str
    worst_severity: str | None = None
    summary: dict[str, int] = field(default_factory=dict)
    deviations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"partner": self.partner, "version": self.version,
                "agreement": self.agreement_id, "duplicate": self.duplicate,
                "received_at": self.received_at, "state": self.state,
                "worst_severity": self.worst_severity, "summary": self.summary,
                "deviations": self.deviations}


@dataclass
class _Standard:
    partner_id: int
    agreement_id: int
    library_root: str | None
    docx: bytes
    clauses: dict[str, dict[str, Any]]  # clause id -> agreement_clauses row


def ingest(registry: Registry, partner: str, path: Path, *, state: str = "received",
           library: Library | None = None) -> IngestResult:
    """Compare a negotiated DOCX with the partner's latest issued agreement and record it.

    The same file (by sha256) is never recorded twice: the earlier record is returned.
    """
    if state not in INGEST_STATES:
        raise RegistryError(f"--state: expected one of {', '.join(INGEST_STATES)}, "
                            f"found '{state}'")
    data = read_document_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    with registry.read() as conn:
        found = _already(conn, sha, partner)
        if found is not None:
            return found
        if conn.execute(select(partners.c.id).where(partners.c.slug == partner)).first() is None:
            raise unknown_partner(conn, partner)
    negotiated = _read(data, path)
    with registry.read() as conn:
        standard = _load_standard(conn, partner,
                                  issued_params_digest(negotiated.custom_properties))
    if library is None:
        root = Path(standard.library_root) if standard.library_root else None
        library = load_library(root if root is not None and root.is_dir() else None)
    comparison = _compare(standard, negotiated, path, library)
    modified = negotiated.core_properties.get("modified")
    rows = [_clause_row(result, standard.clauses) for result in comparison.clauses]
    cells, kinds = family_cells((r["family"], r["clause_id"] or r["title"], r["position"],
                                 json.loads(r["reasons"]), r["status"]) for r in rows)
    received = now()

    def write(conn: Connection) -> IngestResult:
        again = _already(conn, sha, partner)
        if again is not None:
            return again
        seq = int(conn.execute(select(func.coalesce(func.max(negotiated_versions.c.seq), 0))
                               .where(negotiated_versions.c.partner_id == standard.partner_id)
                               ).scalar_one()) + 1
        version_id = insert_id(conn, negotiated_versions.insert().values(
            partner_id=standard.partner_id, agreement_id=standard.agreement_id, seq=seq,
            sha256=sha, filename=path.name, size=len(data), state=state, received_at=received,
            document_modified=modified, revisions=comparison.revisions,
            authors=dumps(comparison.authors), worst_severity=comparison.worst,
            summary=dumps(comparison.summary),
            untracked_changes=sum(1 for c in comparison.clauses for ch in c.changes
                                  if not ch.tracked),
            cells=cells, cell_kinds=kinds,
        ))
        _insert_negotiated_clauses(conn, version_id, rows)
        store_document(conn, sha, data)
        current = conn.execute(select(agreements.c.state).where(
            agreements.c.id == standard.agreement_id)).scalar_one()
        set_state_row(conn, standard.agreement_id, current, state, version_id=version_id,
                      note=f"version {seq} ingested from {path.name}")
        if state == "executed":
            supersede(conn, standard.partner_id, standard.agreement_id, ("executed",),
                      note=f"agreement #{standard.agreement_id} executed")
        return IngestResult(partner, seq, version_id, standard.agreement_id, False, received,
                            state, comparison.worst, comparison.summary,
                            [{"clause": r["clause_id"] or r["title"], "title": r["title"],
                              "status": r["status"], "position": r["position"],
                              "reasons": json.loads(r["reasons"])}
                             for r in rows if r["status"] not in ("unchanged", "cosmetic")
                             or r["position"] != "standard"])

    return registry.write(write)


def _insert_negotiated_clauses(conn: Connection, version_id: int,
                               rows: list[dict[str, Any]]) -> None:
    conn.execute(negotiated_clauses.insert(),
                 [{**row, "version_id": version_id, "seq": seq} for seq, row in enumerate(rows)])


def _already(conn: Connection, sha: str, partner: str) -> IngestResult | None:
    row = conn.execute(
        select(negotiated_versions, partners.c.slug)
        .join(partners, partners.c.id == negotiated_versions.c.partner_id)
        .where(negotiated_versions.c.sha256 == sha)).first()
    if row is None:
        return None
    if row.slug != partner:
        raise RegistryError(f"this file was already ingested for partner '{row.slug}' "
                            f"(version {row.seq}, {row.received_at}), not '{partner}'")
    return IngestResult(partner, row.seq, row.id, row.agreement_id, True, row.received_at,
                        row.state, row.worst_severity, json.loads(row.summary))


def _load_standard(conn: Connection, slug: str, params_digest: str | None) -> _Standard:
    """The partner's latest agreement; the latest one with the parameter digest the copy's
    provenance names, when it names one of this partner's (a copy of an earlier agreement
    returned after a newer draft was generated is compared with what it is a copy of)."""
    partner_id = conn.execute(select(partners.c.id).where(partners.c.slug == slug)).scalar()
    if partner_id is None:
        raise unknown_partner(conn, slug)
    latest = select(agreements).where(agreements.c.partner_id == partner_id).order_by(
        agreements.c.id.desc()).limit(1)
    agreement = conn.execute(latest.where(agreements.c.params_digest == params_digest)
                             ).first() if params_digest else None
    if agreement is None:
        agreement = conn.execute(latest).first()
    if agreement is None:
        raise RegistryError(f"partner '{slug}' has no issued agreement to compare with")
    docx = issued_docx(conn, agreement.id)
    if docx is None:
        raise RegistryError(f"agreement #{agreement.id} of '{slug}' has no stored DOCX")
    clauses = {row.clause_id: dict(row._mapping) for row in conn.execute(
        select(agreement_clauses).where(agreement_clauses.c.agreement_id == agreement.id))}
    return _Standard(int(partner_id), int(agreement.id), agreement.library_root, bytes(docx),
                     clauses)


def _read(data: bytes, path: Path) -> ReadDocument:
    from ..compare.normalize import clean
    from ..read.docx import read_docx

    if not data.startswith(b"PK"):
        raise DocumentError("expected a DOCX (a ZIP package), found something else", path=path)
    negotiated = read_docx(data, name=str(path))
    if not any(clean(p.text) for p in negotiated.accepted):
        raise DocumentError("the document has no text to compare (empty document)", path=path)
    return negotiated


def _compare(standard: _Standard, negotiated: ReadDocument, path: Path,
             library: Library) -> Comparison:
    """The compare engine on bytes (dsagen.compare.api.compare_files, minus the file reads)."""
    from ..compare.api import UNRELATED_BELOW
    from ..compare.engine import compare
    from ..compare.standard import context_from_properties
    from ..read.docx import read_docx

    issued = read_docx(standard.docx, name=f"agreement #{standard.agreement_id}")
    comparison = compare(issued, negotiated, context_from_properties(issued, library))
    matched = [c for c in comparison.clauses if c.status not in ("added", "removed")]
    std_count = sum(1 for c in comparison.clauses if c.status != "added")
    if std_count and len(matched) / std_count < UNRELATED_BELOW:
        raise DocumentError(
            f"does not look like agreement #{standard.agreement_id}: only {len(matched)} of "
            f"{std_count} issued clauses have a counterpart in it", path=path)
    return comparison


def _clause_row(result: ClauseResult, issued: dict[str, dict[str, Any]]) -> dict[str, Any]:
    base = issued.get(result.id or "")
    position, reasons = negotiated_position(result, base)
    standard_text = "\n".join(p.standard.text for p in result.paragraphs if p.standard)
    text = "\n".join(p.negotiated.text for p in result.paragraphs if p.negotiated)
    values = json.loads(base["params"]) if base else {}
    values.update({p.name: p.negotiated for p in result.parameters})
    if result.status == "removed":
        values = {}
    authors = sorted({a for a in [*(c.author for c in result.changes if c.tracked),
                                  *(p.author for p in result.paragraphs if p.tracked)] if a})
    dates = sorted({d for d in [*(c.date for c in result.changes if c.tracked),
                                *(p.date for p in result.paragraphs if p.tracked)] if d})
    family = base["family"] if base else None
    return {
        "clause_id": result.id, "family": family, "title": result.title,
        "clause_version": result.version, "status": result.status,
        "severity": result.severity, "position": position, "reasons": dumps(reasons),
        "variant_standard": result.variant_standard,
        "variant_negotiated": result.variant_negotiated,
        "parameters": dumps([{"name": p.name, "standard": p.standard,
                              "negotiated": p.negotiated, "position": p.position,
                              "note": p.note} for p in result.parameters]),
        "param_values": dumps(values),
        "changes": dumps([{"op": c.op, "standard": c.standard, "negotiated": c.negotiated,
                           "tracked": c.tracked, "author": c.author, "date": c.date}
                          for c in result.changes]),
        "authors": dumps(authors), "dates": dumps(dates), "untracked": result.untracked,
        "notes": dumps(result.notes),
        "standard_text": None if standard_text == text else standard_text, "text": text,
    }


def negotiated_position(result: ClauseResult,
                        issued: dict[str, Any] | None) -> tuple[str, list[str]]:
    """Where a negotiated clause stands against the playbook, and why.

    What we issued counts as long as the partner left it alone (a fallback variant we chose,
    a parameter issued at a fallback value); what the partner changed counts as classified.
    """
    if result.status == "removed":
        return "missing", ["clause deleted by the partner"]
    if result.status == "added":
        return worst(result.severity, "approval") or "approval", ["clause added by the partner"]
    reasons: list[str] = []
    position: str | None = "standard"
    renegotiated = {p.name for p in result.parameters}
    if issued is not None:
        same_variant = result.variant_negotiated in (None, issued["variant"])
        if same_variant and issued["variant_position"] != "standard":
            reasons.append(f"variant {issued['variant']} ({issued['variant_position']})")
            position = worst(position, issued["variant_position"])
        values = json.loads(issued["params"])
        for name, where in json.loads(issued["param_positions"]).items():
            if name not in renegotiated and where != "standard":
                reasons.append(f"{name} = {show(values.get(name))} ({where})")
                position = worst(position, where)
    if result.status in ("modified", "moved") and result.severity not in (None, "standard"):
        for param in result.parameters:
            reasons.append(f"{param.name}: {show(param.standard)} → {show(param.negotiated)} "
                           f"({param.position})")
        if result.variant_negotiated not in (None, result.variant_standard):
            reasons.append(f"wording of variant {result.variant_negotiated}")
        if any("beyond" in note or "no library clause" in note for note in result.notes):
            reasons.append("custom wording (approval)")
        position = worst(position, result.severity)
    elif result.status == "modified" and result.parameters:
        for param in result.parameters:  # renegotiated back to the standard value
            reasons.append(f"{param.name}: {show(param.standard)} → {show(param.negotiated)} "
                           f"({param.position})")
    return position or "standard", reasons
