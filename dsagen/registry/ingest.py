"""Ingesting a negotiated copy: check that it is a copy of what this partner was issued, review
it against that agreement (dsagen.review, the path diff and lint take too) and record each
clause's text, status, severity, recovered parameters and tracked authorship.

The standard is the DOCX we issued, kept byte for byte in the registry: regenerating it from
the stored parameters would use *today's* clause library, so a copy of an agreement issued
before a clause changed would show our own change as the partner's. Reading and comparing
happen before the write transaction opens; the transaction only inserts.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ..errors import DocumentError, DsagenError, RegistryError
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
    from ..compare.standard import Standard
    from ..provenance import Pointer

INGEST_STATES = ("received", "executed")


class IdentityMismatch(DocumentError):
    """The copy's provenance names another partner, template or reference than the partner it
    is being recorded under (`--force` records it anyway, noted in the history)."""


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
    warnings: list[str] = field(default_factory=list)
    provenance: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "partner": self.partner,
            "version": self.version,
            "agreement": self.agreement_id,
            "duplicate": self.duplicate,
            "received_at": self.received_at,
            "state": self.state,
            "worst_severity": self.worst_severity,
            "summary": self.summary,
            "deviations": self.deviations,
            "warnings": self.warnings,
            "provenance": self.provenance,
        }


@dataclass
class _Issued:
    """The agreement a copy is compared with, as the registry holds it."""

    partner_id: int
    agreement_id: int
    template: str
    reference: str
    library_root: str | None
    docx: bytes
    clauses: dict[str, dict[str, Any]]  # clause id -> agreement_clauses row


@dataclass
class Reviewed:
    """A copy read, checked and graded, its rows ready to insert (nothing written yet): plain
    data, so a worker process can prepare it and the parent record it."""

    partner: str
    path: Path
    data: bytes
    sha: str
    partner_id: int
    agreement_id: int
    version: dict[str, Any]  # negotiated_versions columns known before the write
    rows: list[dict[str, Any]]  # negotiated_clauses rows
    warnings: list[str]
    provenance: dict[str, Any] | None
    template: str = ""  # the issued agreement's: its kin in storage (dsagen.registry.blobs)


def ingest(
    registry: Registry,
    partner: str,
    path: Path,
    *,
    state: str = "received",
    library: Library | None = None,
    force: bool = False,
) -> IngestResult:
    """Compare a negotiated DOCX with the partner's issued agreement and record it.

    The same file (by sha256) is never recorded twice: the earlier record is returned. A copy
    whose provenance names another partner, template or reference is refused (IdentityMismatch)
    unless `force`.
    """
    return Ingester(registry, state=state, library=library, force=force).ingest(partner, path)


class Ingester:
    """Ingests one copy after another in one process: the clause libraries are loaded once
    (per library root) and the registry stays open."""

    def __init__(
        self,
        registry: Registry,
        *,
        state: str = "received",
        library: Library | None = None,
        force: bool = False,
    ) -> None:
        if state not in INGEST_STATES:
            raise RegistryError(
                f"--state: expected one of {', '.join(INGEST_STATES)}, found '{state}'"
            )
        self.registry, self.state, self.force = registry, state, force
        self.library = library
        self._libraries: dict[str | None, Library] = {}

    def ingest(self, partner: str | None, path: Path) -> IngestResult:
        """Record one copy; `partner` None takes it from the copy's provenance, which must then
        point at an agreement the registry issued to that partner."""
        prepared = self.prepare(partner, path)
        if isinstance(prepared, IngestResult):
            return prepared
        return self.record(prepared)

    def record(self, reviewed: Reviewed) -> IngestResult:
        """The write transaction for a prepared copy."""
        return self.registry.write(lambda conn: _record(conn, reviewed, self.state))

    def prepare(self, partner: str | None, path: Path) -> Reviewed | IngestResult:
        """Everything before the write: read, identity check, review, rows (or the earlier
        record of this very file)."""
        from ..provenance import copy_pointer
        from ..review import read_returned, review

        data = read_document_bytes(path)
        sha = hashlib.sha256(data).hexdigest()
        if partner is not None:
            with self.registry.read() as conn:
                found = _known(conn, sha, partner)
            if found is not None:
                return found
        negotiated = read_returned(path, data)
        pointer = copy_pointer(negotiated.custom_properties)
        with self.registry.read() as conn:
            if partner is None:
                if pointer is None:
                    raise DocumentError(
                        "the copy carries no dsagen provenance naming its partner; "
                        "ingest it as `dsagen ingest PARTNER FILE`",
                        path=path,
                    )
                partner = pointer.partner
                found = _already(conn, sha, partner)  # _load_issued checks the partner
                if found is not None:
                    return found
            issued = _load_issued(
                conn, partner, pointer, issued_params_digest(negotiated.custom_properties)
            )
        warnings = _identity(pointer, partner, issued, path, self.force)
        comparison = review(_standard(issued, self._library_for(issued.library_root)), negotiated)
        return _reviewed(
            partner,
            path,
            data,
            sha,
            issued,
            comparison,
            negotiated.core_properties.get("modified"),
            warnings + comparison.warnings,
        )

    def _library_for(self, root: str | None) -> Library:
        if self.library is not None:
            return self.library
        if root not in self._libraries:
            folder = Path(root) if root else None
            self._libraries[root] = load_library(
                folder if folder is not None and folder.is_dir() else None
            )
        return self._libraries[root]


def _known(conn: Connection, sha: str, partner: str) -> IngestResult | None:
    """The earlier record of this very file; the partner must exist."""
    found = _already(conn, sha, partner)
    if (
        found is None
        and conn.execute(select(partners.c.id).where(partners.c.slug == partner)).first() is None
    ):
        raise unknown_partner(conn, partner)
    return found


def _standard(issued: _Issued, library: Library) -> Standard:
    from ..provenance import REGISTRY, Provenance
    from ..review import standard_from_issued

    return standard_from_issued(
        issued.docx,
        f"agreement #{issued.agreement_id}",
        library,
        Provenance(
            REGISTRY,
            f"the DOCX issued as agreement #{issued.agreement_id} "
            f"({issued.reference}), from the registry",
        ),
    )


def _identity(
    pointer: Pointer | None, partner: str, issued: _Issued, path: Path, force: bool
) -> list[str]:
    """The copy's own properties only point; they must point at this partner's agreement."""
    if pointer is None:
        return [f"{path.name} carries no dsagen provenance; recorded under '{partner}' as named"]
    theirs = (pointer.partner, pointer.template or issued.template, pointer.reference)
    ours = (partner, issued.template, issued.reference)
    if theirs == ours:
        return []
    message = (
        f"the copy's provenance names {pointer.describe()}, but '{partner}' was issued "
        f"agreement #{issued.agreement_id} (template '{issued.template}', reference "
        f"'{issued.reference}')"
    )
    if not force:
        raise IdentityMismatch(
            f"{message}; check the partner, or pass --force to record it under '{partner}' anyway",
            path=path,
        )
    return [f"identity check overridden (--force): {message}"]


def _reviewed(
    partner: str,
    path: Path,
    data: bytes,
    sha: str,
    issued: _Issued,
    comparison: Comparison,
    modified: str | None,
    warnings: list[str],
) -> Reviewed:
    rows = [_clause_row(result, issued.clauses) for result in comparison.clauses]
    cells, kinds = family_cells(
        (
            r["family"],
            r["clause_id"] or r["title"],
            r["position"],
            json.loads(r["reasons"]),
            r["status"],
        )
        for r in rows
    )
    version = {
        "filename": path.name,
        "size": len(data),
        "document_modified": modified,
        "revisions": comparison.revisions,
        "authors": dumps(comparison.authors),
        "worst_severity": comparison.worst,
        "summary": dumps(comparison.summary),
        "untracked_changes": comparison.untracked_changes,
        "cells": cells,
        "cell_kinds": kinds,
    }
    provenance = comparison.provenance.to_json() if comparison.provenance else None
    return Reviewed(
        partner,
        path,
        data,
        sha,
        issued.partner_id,
        issued.agreement_id,
        version,
        rows,
        warnings,
        provenance,
        issued.template,
    )


def _refuse_unapproved(conn: Connection, agreement_id: int, reviewed: Reviewed) -> None:
    """A copy ingested as executed, like `dsagen state executed`, may not carry a deviation
    above fallback: approvals name a copy by its sha256, so this new one has none yet (ingest
    it as received, approve, then execute; the transaction is rolled back)."""
    from .approvals import standing

    pending = standing(conn, agreement_id).pending
    if pending:
        listed = "; ".join(f"{d.clause} ({d.position})" for d in pending)
        raise RegistryError(
            f"{reviewed.path}: cannot be ingested as executed: {len(pending)} deviation(s) "
            f"above fallback have no approval: {listed}. Ingest it as received, record "
            f"approvals with `dsagen approve {reviewed.partner} --clause ID --by NAME`, then "
            f"`dsagen state {reviewed.partner} executed`"
        )


def _record(conn: Connection, reviewed: Reviewed, state: str) -> IngestResult:
    """The write transaction: one negotiated version, its clauses, its file, its state."""
    again = _already(conn, reviewed.sha, reviewed.partner)
    if again is not None:
        return again
    agreement_id, partner_id, version = (
        reviewed.agreement_id,
        reviewed.partner_id,
        reviewed.version,
    )
    received = now()
    seq = (
        int(
            conn.execute(
                select(func.coalesce(func.max(negotiated_versions.c.seq), 0)).where(
                    negotiated_versions.c.partner_id == partner_id
                )
            ).scalar_one()
        )
        + 1
    )
    version_id = insert_id(
        conn,
        negotiated_versions.insert().values(
            partner_id=partner_id,
            agreement_id=agreement_id,
            seq=seq,
            sha256=reviewed.sha,
            state=state,
            received_at=received,
            **version,
        ),
    )
    _insert_negotiated_clauses(conn, version_id, reviewed.rows)
    store_document(conn, reviewed.sha, reviewed.data, reviewed.template)
    current = conn.execute(
        select(agreements.c.state).where(agreements.c.id == agreement_id)
    ).scalar_one()
    if state == "executed" and current != "executed":
        _refuse_unapproved(conn, agreement_id, reviewed)
    overridden = [w for w in reviewed.warnings if w.startswith("identity check overridden")]
    set_state_row(
        conn,
        agreement_id,
        current,
        state,
        version_id=version_id,
        note="; ".join([f"version {seq} ingested from {reviewed.path.name}", *overridden]),
    )
    if state == "executed":
        supersede(
            conn,
            partner_id,
            agreement_id,
            ("executed",),
            note=f"agreement #{agreement_id} executed",
        )
    return IngestResult(
        reviewed.partner,
        seq,
        version_id,
        agreement_id,
        False,
        received,
        state,
        version["worst_severity"],
        json.loads(version["summary"]),
        [
            {
                "clause": r["clause_id"] or r["title"],
                "title": r["title"],
                "status": r["status"],
                "position": r["position"],
                "reasons": json.loads(r["reasons"]),
            }
            for r in reviewed.rows
            if r["status"] not in ("unchanged", "cosmetic") or r["position"] != "standard"
        ],
        reviewed.warnings,
        reviewed.provenance,
    )


def _insert_negotiated_clauses(
    conn: Connection, version_id: int, rows: list[dict[str, Any]]
) -> None:
    conn.execute(
        negotiated_clauses.insert(),
        [{**row, "version_id": version_id, "seq": seq} for seq, row in enumerate(rows)],
    )


def _already(conn: Connection, sha: str, partner: str) -> IngestResult | None:
    row = conn.execute(
        select(negotiated_versions, partners.c.slug)
        .join(partners, partners.c.id == negotiated_versions.c.partner_id)
        .where(negotiated_versions.c.sha256 == sha)
    ).first()
    if row is None:
        return None
    if row.slug != partner:
        raise RegistryError(
            f"this file was already ingested for partner '{row.slug}' "
            f"(version {row.seq}, {row.received_at}), not '{partner}'"
        )
    return IngestResult(
        partner,
        row.seq,
        row.id,
        row.agreement_id,
        True,
        row.received_at,
        row.state,
        row.worst_severity,
        json.loads(row.summary),
    )


def _load_issued(
    conn: Connection, slug: str, pointer: Pointer | None, digest: str | None
) -> _Issued:
    """The agreement the copy is a copy of: the one its provenance points to among this
    partner's (same reference and parameter digest, else same reference), else the partner's
    latest. A copy of an earlier agreement returned after a newer draft was generated is
    compared with what it is a copy of."""
    partner_id = conn.execute(select(partners.c.id).where(partners.c.slug == slug)).scalar()
    if partner_id is None:
        raise unknown_partner(conn, slug)
    latest = (
        select(agreements)
        .where(agreements.c.partner_id == partner_id)
        .order_by(agreements.c.id.desc())
        .limit(1)
    )
    agreement = None
    if pointer is not None and pointer.partner == slug:
        named = latest.where(agreements.c.reference == pointer.reference)
        if pointer.params_digest:
            agreement = conn.execute(
                named.where(agreements.c.params_digest == pointer.params_digest)
            ).first()
        agreement = agreement or conn.execute(named).first()
    if agreement is None and digest:  # a signing version points by its opaque key only
        agreement = conn.execute(latest.where(agreements.c.params_digest == digest)).first()
    if agreement is None:
        agreement = conn.execute(latest).first()
    if agreement is None:
        raise RegistryError(f"partner '{slug}' has no issued agreement to compare with")
    docx = issued_docx(conn, agreement.id)
    if docx is None:
        raise RegistryError(f"agreement #{agreement.id} of '{slug}' has no stored DOCX")
    clauses = {
        row.clause_id: dict(row._mapping)
        for row in conn.execute(
            select(agreement_clauses).where(agreement_clauses.c.agreement_id == agreement.id)
        )
    }
    return _Issued(
        int(partner_id),
        int(agreement.id),
        agreement.template_id,
        agreement.reference,
        agreement.library_root,
        bytes(docx),
        clauses,
    )


def _clause_row(result: ClauseResult, issued: dict[str, dict[str, Any]]) -> dict[str, Any]:
    base = issued.get(result.id or "")
    position, reasons = negotiated_position(result, base)
    standard_text = "\n".join(p.standard.text for p in result.paragraphs if p.standard)
    text = "\n".join(p.negotiated.text for p in result.paragraphs if p.negotiated)
    values = json.loads(base["params"]) if base else {}
    values.update({p.name: p.negotiated for p in result.parameters})
    if result.status == "removed":
        values = {}
    authors = sorted(
        {
            a
            for a in [
                *(c.author for c in result.changes if c.tracked),
                *(p.author for p in result.paragraphs if p.tracked),
            ]
            if a
        }
    )
    dates = sorted(
        {
            d
            for d in [
                *(c.date for c in result.changes if c.tracked),
                *(p.date for p in result.paragraphs if p.tracked),
            ]
            if d
        }
    )
    family = base["family"] if base else None
    return {
        "clause_id": result.id,
        "family": family,
        "title": result.title,
        "clause_version": result.version,
        "status": result.status,
        "severity": result.severity,
        "position": position,
        "reasons": dumps(reasons),
        "variant_standard": result.variant_standard,
        "variant_negotiated": result.variant_negotiated,
        "parameters": dumps(
            [
                {
                    "name": p.name,
                    "standard": p.standard,
                    "negotiated": p.negotiated,
                    "position": p.position,
                    "note": p.note,
                }
                for p in result.parameters
            ]
        ),
        "param_values": dumps(values),
        "changes": dumps([c.to_json() for c in result.changes]),
        "authors": dumps(authors),
        "dates": dumps(dates),
        "untracked": result.untracked,
        "notes": dumps(result.notes),
        "standard_text": None if standard_text == text else standard_text,
        "text": text,
    }


def negotiated_position(
    result: ClauseResult,
    issued: dict[str, Any] | None,
) -> tuple[str, list[str]]:
    """Where a negotiated clause stands against the playbook, and why.

    What we issued counts as long as the partner left it alone (a fallback variant we chose,
    a parameter issued at a fallback value); what the partner changed counts as classified.
    """
    if result.status == "removed":
        return "missing", ["clause deleted by the partner"]
    if result.status == "added":
        return worst(result.severity, "approval") or "approval", ["clause added by the partner"]
    positions, reasons = _issued_positions(result, issued) if issued is not None else ([], [])
    reasons += [f"breaks {rule.rule} ({rule.citation})" for rule in result.rules]
    if result.status in ("modified", "moved") and result.severity not in (None, "standard"):
        reasons += _parameter_changes(result)
        if result.variant_negotiated not in (None, result.variant_standard):
            reasons.append(f"wording of variant {result.variant_negotiated}")
        if any("beyond" in note or "no library clause" in note for note in result.notes):
            reasons.append("custom wording (approval)")
        positions.append(result.severity)
    elif result.status == "modified" and result.parameters:
        reasons += _parameter_changes(result)  # renegotiated back to the standard value
    return worst("standard", *positions) or "standard", reasons


def _issued_positions(
    result: ClauseResult, issued: dict[str, Any]
) -> tuple[list[str | None], list[str]]:
    """Positions we issued (a variant, parameter values) that the partner left alone, and
    the reasons that name them."""
    positions: list[str | None] = []
    reasons: list[str] = []
    same_variant = result.variant_negotiated in (None, issued["variant"])
    if same_variant and issued["variant_position"] != "standard":
        reasons.append(f"variant {issued['variant']} ({issued['variant_position']})")
        positions.append(issued["variant_position"])
    renegotiated = {p.name for p in result.parameters}
    values = json.loads(issued["params"])
    for name, where in json.loads(issued["param_positions"]).items():
        if name not in renegotiated and where != "standard":
            reasons.append(f"{name} = {show(values.get(name))} ({where})")
            positions.append(where)
    return positions, reasons


def _parameter_changes(result: ClauseResult) -> list[str]:
    return [
        f"{param.name}: {show(param.standard)} → {show(param.negotiated)} ({param.position})"
        for param in result.parameters
    ]


@dataclass
class IngestOutcome:
    """One file of a batch: what was recorded, or the one-line error that stopped it."""

    path: Path
    result: IngestResult | None = None
    error: DsagenError | None = None

    def to_json(self) -> dict[str, Any]:
        if self.result is not None:
            return {"file": str(self.path), **self.result.to_json()}
        return {"file": str(self.path), "error": str(self.error)}


def ingest_targets(paths: list[Path]) -> list[Path]:
    """Folders expanded into their DOCX files (sorted, Word's lock files left out); files kept
    as given (a missing one fails on its own turn, not the batch)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() == ".docx"
                    and not p.name.startswith((".", "~$"))
                )
            )
        else:
            files.append(path)
    return files


def ingest_many(
    registry: Registry,
    partner: str | None,
    paths: list[Path],
    *,
    state: str = "received",
    library: Library | None = None,
    force: bool = False,
    jobs: int | None = None,
    done: Callable[[IngestOutcome], None] | None = None,
) -> list[IngestOutcome]:
    """Ingest many copies (partner None: each copy's provenance names it). With `jobs` > 1
    (default: the CPU count), worker processes read and review while this process writes,
    one transaction per copy, so a batch stopped half-way keeps what it recorded. A file that
    fails is reported and the rest go on."""
    ingester = Ingester(registry, state=state, library=library, force=force)
    workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    outcomes = []
    for path, prepared in _prepare_all(ingester, partner, paths, workers):
        try:
            if isinstance(prepared, DsagenError):
                raise prepared
            result = prepared if isinstance(prepared, IngestResult) else ingester.record(prepared)
            outcome = IngestOutcome(path, result=result)
        except DsagenError as error:
            outcome = IngestOutcome(path, error=error)
        outcomes.append(outcome)
        if done is not None:
            done(outcome)
    return outcomes


Prepared = Reviewed | IngestResult | DsagenError


def _prepare_all(
    ingester: Ingester, partner: str | None, paths: list[Path], jobs: int
) -> Iterator[tuple[Path, Prepared]]:
    if jobs <= 1 or len(paths) < 2 * jobs:
        for path in paths:
            yield path, _prepare_one(ingester, partner, path)
        return
    from concurrent.futures import ProcessPoolExecutor

    url = ingester.registry.location.url.render_as_string(hide_password=False)
    root = str(ingester.library.root) if ingester.library is not None else None
    with ProcessPoolExecutor(
        jobs, initializer=_start_worker, initargs=(url, root, ingester.force)
    ) as pool:
        chunk = max(1, min(16, len(paths) // (4 * jobs)))
        for path, prepared in zip(
            paths,
            pool.map(_worker_prepare, [(partner, p) for p in paths], chunksize=chunk),
            strict=True,
        ):
            yield path, _revived(prepared)


def _prepare_one(ingester: Ingester, partner: str | None, path: Path) -> Prepared:
    try:
        return ingester.prepare(partner, path)
    except DsagenError as error:
        return error


_WORKER: list[Ingester] = []  # the worker process's own ingester (its own registry connection)


def _start_worker(url: str, library_root: str | None, force: bool) -> None:
    from .store import open_registry

    library = load_library(Path(library_root)) if library_root else None
    _WORKER.append(Ingester(open_registry(url), library=library, force=force))


def _worker_prepare(item: tuple[str | None, Path]) -> Reviewed | IngestResult | tuple[str, int]:
    """In a worker: the prepared copy, or its error as (message, exit code): exceptions with
    keyword arguments do not survive pickling."""
    prepared = _prepare_one(_WORKER[0], *item)
    return (str(prepared), prepared.exit_code) if isinstance(prepared, DsagenError) else prepared


def _revived(prepared: Reviewed | IngestResult | tuple[str, int]) -> Prepared:
    if not isinstance(prepared, tuple):
        return prepared
    error = DsagenError(prepared[0])
    error.exit_code = prepared[1]
    return error
