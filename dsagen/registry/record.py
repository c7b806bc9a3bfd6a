"""Writing to the registry: what `generate` produced, and each negotiated copy ingested.

The standard a negotiated copy is compared with is the DOCX we issued, kept byte for byte in the
registry: regenerating it from the stored parameters would use *today's* clause library, so a
copy of an agreement issued before a clause changed would show our own change as the partner's.
Slow work (reading DOCX files, comparing) happens before the write transaction opens, so a
transaction only holds the write lock for the inserts.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from ..assemble import Agreement, Section
from ..compare.model import ClauseResult, Comparison
from ..errors import DocumentError, RegistryError
from ..generate import GeneratedAgreement
from ..library import Library, load_library
from ..partners import canonical_json
from .store import (
    Registry,
    agreement_clauses,
    agreements,
    documents,
    issued_files,
    negotiated_clauses,
    negotiated_versions,
    now,
    partners,
    state_changes,
)

INGEST_STATES = ("received", "executed")
#: Cell kinds from best to worst; "missing" (a clause the partner deleted) ranks as approval+.
POSITIONS = ("standard", "fallback", "approval", "missing", "walk-away")


def rank(position: str | None) -> int:
    return POSITIONS.index(position) if position in POSITIONS else -1


def worst(*positions: str | None) -> str | None:
    best: str | None = None
    for position in positions:
        if rank(position) > rank(best):
            best = position
    return best


def dumps(value: Any) -> str:
    return canonical_json(value)


@dataclass(frozen=True)
class RecordedAgreement:
    id: int
    partner: str
    new: bool


@dataclass
class IssuedClause:
    """One clause of a generated agreement, ready to insert."""

    clause_id: str
    family: str
    title: str
    version: str
    variant: str
    variant_position: str
    position: str
    reasons: list[str]
    params: dict[str, Any]
    param_positions: dict[str, str]
    text: str


@dataclass
class _Prepared:
    result: GeneratedAgreement
    docx: bytes
    docx_sha: str
    clauses: list[IssuedClause]
    library_root: str


# ---------------------------------------------------------------------------------- generation


def record_generation(registry: Registry, results: list[GeneratedAgreement], *,
                      library_root: Path | None = None) -> list[RecordedAgreement]:
    """Record generated agreements (one transaction for the batch); re-recording the same
    agreement adds only files not seen before."""
    library = load_library(library_root)
    prepared = [_prepare(result, library) for result in results]
    return registry.write(lambda conn: [_record_one(conn, item) for item in prepared])


def _prepare(result: GeneratedAgreement, library: Library) -> _Prepared:
    from ..compare.segments import segment
    from ..read.docx import read_docx
    from ..render.docx import render_docx

    docx = None
    for file in result.files:
        if file.format == "docx":
            try:
                data = Path(file.path).read_bytes()
            except OSError:
                continue
            if hashlib.sha256(data).hexdigest() == file.sha256:
                docx = data
    if docx is None:  # not written as a file (or changed since): the same bytes, from memory
        docx = render_docx(result.agreement)
    texts = {seg.key: "\n".join(seg.texts)
             for seg in segment(read_docx(docx, name=f"{result.partner}.docx").accepted)
             if seg.anchor is not None}
    clauses = [_issued_clause(section, result.agreement, library, texts.get(section.clause_id, ""))
               for section in result.agreement.sections]
    return _Prepared(result, docx, hashlib.sha256(docx).hexdigest(), clauses,
                     str(library.root))


def clause_values(section: Section, agreement: Agreement, library: Library) -> dict[str, Any]:
    """The clause's own parameters (declared in its file) that its text uses, with values."""
    clause = library.clauses.get(section.clause_id)
    own = clause.params if clause is not None else {}
    return {name: agreement.parameters.get(name) for name in section.params if name in own}


def _issued_clause(section: Section, agreement: Agreement, library: Library,
                   text: str) -> IssuedClause:
    values = clause_values(section, agreement, library)
    owners = library.param_owner()
    reasons: list[str] = []
    position: str | None = "standard"
    if section.position != "standard":
        reasons.append(f"variant {section.variant} ({section.position})")
        position = worst(position, section.position)
    param_positions: dict[str, str] = {}
    for name, value in values.items():
        param = owners[name].params[name]
        if param.playbook is None:
            continue
        param_positions[name] = where = param.playbook.position(value)
        if where != "standard":
            reasons.append(f"{name} = {_show(value)} ({where})")
            position = worst(position, where)
    return IssuedClause(section.clause_id, section.family, section.title, section.version,
                        section.variant, section.position, position or "standard", reasons,
                        values, param_positions, text)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def _partner_id(conn: Connection, slug: str, name: str) -> int:
    row = conn.execute(select(partners.c.id, partners.c.name)
                       .where(partners.c.slug == slug)).first()
    if row is None:
        return insert_id(conn, partners.insert().values(slug=slug, name=name, created_at=now()))
    if name and row.name != name:
        conn.execute(partners.update().where(partners.c.id == row.id).values(name=name))
    return int(row.id)


def insert_id(conn: Connection, statement: Any) -> int:
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def _store_document(conn: Connection, sha: str, data: bytes) -> None:
    if conn.execute(select(documents.c.sha256).where(documents.c.sha256 == sha)).first() is None:
        conn.execute(documents.insert().values(sha256=sha, size=len(data), content=data))


def _set_state(conn: Connection, agreement_id: int, previous: str | None, state: str, *,
               version_id: int | None = None, note: str = "") -> None:
    if previous == state:
        return
    conn.execute(agreements.update().where(agreements.c.id == agreement_id).values(state=state))
    conn.execute(state_changes.insert().values(agreement_id=agreement_id, version_id=version_id,
                                               previous=previous, state=state, at=now(),
                                               note=note))


def _supersede(conn: Connection, partner_id: int, keep: int, states: tuple[str, ...],
               note: str) -> None:
    rows = conn.execute(select(agreements.c.id, agreements.c.state).where(
        agreements.c.partner_id == partner_id, agreements.c.id != keep,
        agreements.c.state.in_(states))).all()
    for row in rows:
        _set_state(conn, row.id, row.state, "superseded", note=note)


def _record_one(conn: Connection, item: _Prepared) -> RecordedAgreement:
    result = item.result
    agreement = result.agreement
    partner_id = _partner_id(conn, result.partner, agreement.recipient_name)
    existing = conn.execute(select(agreements.c.id).where(
        agreements.c.partner_id == partner_id, agreements.c.template_id == agreement.template_id,
        agreements.c.params_digest == agreement.params_digest,
        agreements.c.library_digest == agreement.library_digest)).first()
    new = existing is None
    if existing is None:
        agreement_id = insert_id(conn, agreements.insert().values(
            partner_id=partner_id, template_id=agreement.template_id,
            template_version=agreement.template_version, title=agreement.title,
            reference=agreement.reference,
            effective_date=str(agreement.effective_date or "") or None,
            library_version=agreement.library_version,
            library_digest=agreement.library_digest, library_root=item.library_root,
            params_digest=agreement.params_digest, parameters=dumps(agreement.parameters),
            generator=agreement.generator, state="draft", created_at=now(),
        ))
        conn.execute(agreement_clauses.insert(), [
            {"agreement_id": agreement_id, "seq": seq, "clause_id": c.clause_id,
             "family": c.family, "title": c.title, "version": c.version, "variant": c.variant,
             "variant_position": c.variant_position, "position": c.position,
             "reasons": dumps(c.reasons), "params": dumps(c.params),
             "param_positions": dumps(c.param_positions), "text": c.text}
            for seq, c in enumerate(item.clauses)])
        conn.execute(state_changes.insert().values(agreement_id=agreement_id, previous=None,
                                                   state="draft", at=now(), note="generated"))
        _supersede(conn, partner_id, agreement_id, ("draft", "sent", "received"),
                   note=f"replaced by agreement #{agreement_id}")
    else:
        agreement_id = int(existing.id)
    _store_document(conn, item.docx_sha, item.docx)
    seen = {row.sha256 for row in conn.execute(select(issued_files.c.sha256).where(
        issued_files.c.agreement_id == agreement_id))}
    files: list[tuple[str, str | None, str, int]] = [(f.format, f.path, f.sha256, f.size)
                                                     for f in result.files]
    if item.docx_sha not in {sha for _, _, sha, _ in files}:
        files.append(("docx", None, item.docx_sha, len(item.docx)))  # kept, never written
    for fmt, path, sha, size in files:
        if sha not in seen:
            seen.add(sha)
            conn.execute(issued_files.insert().values(
                agreement_id=agreement_id, format=fmt, path=path, sha256=sha, size=size,
                stored=sha == item.docx_sha, created_at=now()))
    return RecordedAgreement(agreement_id, result.partner, new)


# ----------------------------------------------------------------------------------- ingestion


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
    agreement_state: str
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
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError("no such file", path=path) from None
    except OSError as error:
        raise DocumentError(f"cannot read file ({error.strerror})", path=path) from None
    sha = hashlib.sha256(data).hexdigest()
    with registry.read() as conn:
        found = _already(conn, sha, partner)
        if found is not None:
            return found
        standard = _load_standard(conn, partner)
    if library is None:
        root = Path(standard.library_root) if standard.library_root else None
        library = load_library(root if root is not None and root.is_dir() else None)
    comparison, modified = _compare(standard, data, path, library)
    rows = [_clause_row(result, standard.clauses) for result in comparison.clauses]
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
        ))
        _insert_negotiated_clauses(conn, version_id, rows)
        _store_document(conn, sha, data)
        current = conn.execute(select(agreements.c.state).where(
            agreements.c.id == standard.agreement_id)).scalar_one()
        _set_state(conn, standard.agreement_id, current, state, version_id=version_id,
                   note=f"version {seq} ingested from {path.name}")
        if state == "executed":
            _supersede(conn, standard.partner_id, standard.agreement_id, ("executed",),
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


def unknown_partner(conn: Connection, slug: str) -> RegistryError:
    from ..params import suggest

    known = [row[0] for row in conn.execute(select(partners.c.slug).order_by(partners.c.slug))]
    if not known:
        return RegistryError(f"unknown partner '{slug}': the registry has no partners yet "
                             "(dsagen generate records them)")
    listing = f"; known: {', '.join(known)}" if len(known) <= 12 else f" ({len(known)} known)"
    return RegistryError(f"unknown partner '{slug}'{suggest(slug, tuple(known))}{listing}")


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


def _load_standard(conn: Connection, slug: str) -> _Standard:
    partner_id = conn.execute(select(partners.c.id).where(partners.c.slug == slug)).scalar()
    if partner_id is None:
        raise unknown_partner(conn, slug)
    agreement = conn.execute(select(agreements).where(agreements.c.partner_id == partner_id)
                             .order_by(agreements.c.id.desc()).limit(1)).first()
    if agreement is None:
        raise RegistryError(f"partner '{slug}' has no issued agreement to compare with")
    docx = conn.execute(
        select(documents.c.content)
        .join(issued_files, issued_files.c.sha256 == documents.c.sha256)
        .where(issued_files.c.agreement_id == agreement.id, issued_files.c.stored.is_(True))
        .order_by(issued_files.c.id.desc()).limit(1)).scalar()
    if docx is None:
        raise RegistryError(f"agreement #{agreement.id} of '{slug}' has no stored DOCX")
    clauses = {row.clause_id: dict(row._mapping) for row in conn.execute(
        select(agreement_clauses).where(agreement_clauses.c.agreement_id == agreement.id))}
    return _Standard(int(partner_id), int(agreement.id), agreement.state, agreement.library_root,
                     bytes(docx), clauses)


def _compare(standard: _Standard, data: bytes, path: Path,
             library: Library) -> tuple[Comparison, str | None]:
    """The compare engine on bytes (dsagen.compare.api.compare_files, minus the file reads)."""
    from ..compare.api import UNRELATED_BELOW
    from ..compare.engine import compare
    from ..compare.normalize import clean
    from ..compare.standard import context_from_properties
    from ..read.docx import read_docx

    if not data.startswith(b"PK"):
        raise DocumentError("expected a DOCX (a ZIP package), found something else", path=path)
    negotiated = read_docx(data, name=str(path))
    if not any(clean(p.text) for p in negotiated.accepted):
        raise DocumentError("the document has no text to compare (empty document)", path=path)
    issued = read_docx(standard.docx, name=f"agreement #{standard.agreement_id}")
    comparison = compare(issued, negotiated, context_from_properties(issued, library))
    matched = [c for c in comparison.clauses if c.status not in ("added", "removed")]
    std_count = sum(1 for c in comparison.clauses if c.status != "added")
    if std_count and len(matched) / std_count < UNRELATED_BELOW:
        raise DocumentError(
            f"does not look like agreement #{standard.agreement_id}: only {len(matched)} of "
            f"{std_count} issued clauses have a counterpart in it", path=path)
    return comparison, negotiated.core_properties.get("modified")


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
        "values": dumps(values),
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
                reasons.append(f"{name} = {_show(values.get(name))} ({where})")
                position = worst(position, where)
    if result.status in ("modified", "moved") and result.severity not in (None, "standard"):
        for param in result.parameters:
            reasons.append(f"{param.name}: {_show(param.standard)} → {_show(param.negotiated)} "
                           f"({param.position})")
        if result.variant_negotiated not in (None, result.variant_standard):
            reasons.append(f"wording of variant {result.variant_negotiated}")
        if any("beyond" in note or "no library clause" in note for note in result.notes):
            reasons.append(f"custom wording ({result.severity})")
        position = worst(position, result.severity)
    elif result.status == "modified" and result.parameters:
        for param in result.parameters:  # renegotiated back to the standard value
            reasons.append(f"{param.name}: {_show(param.standard)} → {_show(param.negotiated)} "
                           f"({param.position})")
    return position or "standard", reasons


__all__ = ["record_generation", "ingest", "IngestResult", "RecordedAgreement", "POSITIONS",
           "worst", "rank"]
