"""Recording what `dsagen generate` produced: partners, agreements, each clause's provenance
and playbook position, output hashes, and the issued DOCX bytes later ingests compare with.

Everything recorded comes from the agreement in memory (each clause's text is the text the
DOCX writer puts in the document, as the compare engine's reader finds it again: a test holds
the two equal), so recording never re-reads a written file. The rows are prepared where the
agreement was rendered (a generate worker); the parent only inserts them, a batch per
transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..library import Library, load_library
from ..positions import worst
from .blobs import Piece, pieces, store_document
from .cells import family_cells
from .lifecycle import insert_id, supersede
from .schema import (
    agreement_clauses,
    agreements,
    dumps,
    issued_files,
    now,
    partners,
    state_changes,
)
from .store import Registry

if TYPE_CHECKING:
    from ..assemble import Agreement, Section
    from ..generate import GeneratedAgreement


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


@dataclass(frozen=True)
class IssuedRecord:
    """One generated agreement's rows, ready to insert (small and picklable: a worker makes
    it next to the render, the parent inserts it)."""

    result: GeneratedAgreement
    docx: bytes
    docx_sha: str
    clauses: list[IssuedClause]
    library_root: str
    cells: tuple[str, str]  # JSON cells, JSON kinds
    digests: dict[str, str]  # clause id -> digest of the library's text (dsagen.lock)
    partner_name: str = ""  # the other party's name (playbook.Organisation.partner)
    pieces: list[Piece] | None = None  # the DOCX split for storing (blobs.pieces), if made


def record_generation(
    registry: Registry, results: list[GeneratedAgreement], *, library_root: Path | None = None
) -> list[RecordedAgreement]:
    """Record generated agreements (one transaction for the batch); re-recording the same
    agreement adds only files not seen before."""
    from ..render.docx import render_docx

    library = load_library(library_root)
    return record_issued(
        registry,
        [issued_record(result, library, render_docx(result.agreement)) for result in results],
    )


def record_issued(registry: Registry, items: list[IssuedRecord]) -> list[RecordedAgreement]:
    """Insert prepared agreements, all in one transaction."""
    return registry.write(lambda conn: [_record_one(conn, item) for item in items])


def issued_record(result: GeneratedAgreement, library: Library, docx: bytes) -> IssuedRecord:
    """The rows for one agreement, from the agreement in memory and its DOCX bytes (what a
    generate worker runs: dsagen.generate.Settings.prepare_record). The partner is named after
    the other party, never after us."""
    from ..lock import text_digest
    from ..playbook import organisation

    agreement = result.agreement
    clauses = [
        _issued_clause(section, agreement, library, issued_text(section))
        for section in agreement.sections
    ]
    cells = family_cells((c.family, c.clause_id, c.position, c.reasons, "issued") for c in clauses)
    digests = {
        c.clause_id: text_digest(library.clauses[c.clause_id])
        for c in clauses
        if c.clause_id in library.clauses
    }
    return IssuedRecord(
        result,
        docx,
        hashlib.sha256(docx).hexdigest(),
        clauses,
        str(library.root),
        cells,
        digests,
        organisation(library).partner(agreement.parameters),
        pieces(docx),
    )


def issued_text(section: Section) -> str:
    """A clause's text as the DOCX writer lays it out and the compare reader reads it back:
    its non-blank paragraphs, then for signatures each signatory's block, one line each."""
    from ..compare.normalize import clean

    lines = [paragraph.text for paragraph in section.paragraphs]
    for signatory in section.signatories:
        lines += [
            signatory.heading,
            "Signature: ______________________________",
            f"Name: {signatory.name}",
            f"Title: {signatory.title}",
            "Date: ______________________",
        ]
    return "\n".join(line for line in lines if clean(line))


def clause_values(section: Section, agreement: Agreement, library: Library) -> dict[str, Any]:
    """The clause's own parameters (declared in its file) that its text uses, with values."""
    clause = library.clauses.get(section.clause_id)
    own = clause.params if clause is not None else {}
    return {name: agreement.parameters.get(name) for name in section.params if name in own}


def _issued_clause(
    section: Section, agreement: Agreement, library: Library, text: str
) -> IssuedClause:
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
            reasons.append(f"{name} = {show(value)} ({where})")
            position = worst(position, where)
    return IssuedClause(
        section.clause_id,
        section.family,
        section.title,
        section.version,
        section.variant,
        section.position,
        position or "standard",
        reasons,
        values,
        param_positions,
        text,
    )


def show(value: Any) -> str:
    return value if isinstance(value, str) else dumps(value)


def _partner_id(conn: Connection, slug: str, name: str) -> int:
    row = conn.execute(
        select(partners.c.id, partners.c.name).where(partners.c.slug == slug)
    ).first()
    if row is None:
        return insert_id(conn, partners.insert().values(slug=slug, name=name, created_at=now()))
    if name and row.name != name:
        conn.execute(partners.update().where(partners.c.id == row.id).values(name=name))
    return int(row.id)


def _record_one(conn: Connection, item: IssuedRecord) -> RecordedAgreement:
    result = item.result
    agreement = result.agreement
    partner_id = _partner_id(conn, result.partner, item.partner_name)
    existing = conn.execute(
        select(agreements.c.id).where(
            agreements.c.partner_id == partner_id,
            agreements.c.template_id == agreement.template_id,
            agreements.c.params_digest == agreement.params_digest,
            agreements.c.library_digest == agreement.library_digest,
        )
    ).first()
    new = existing is None
    if existing is None:
        agreement_id = insert_id(
            conn,
            agreements.insert().values(
                partner_id=partner_id,
                template_id=agreement.template_id,
                template_version=agreement.template_version,
                title=agreement.title,
                reference=agreement.reference,
                effective_date=str(agreement.effective_date or "") or None,
                library_version=agreement.library_version,
                library_digest=agreement.library_digest,
                library_root=item.library_root,
                params_digest=agreement.params_digest,
                parameters=dumps(agreement.parameters),
                generator=agreement.generator,
                state="draft",
                created_at=now(),
                cells=item.cells[0],
                cell_kinds=item.cells[1],
            ),
        )
        conn.execute(
            agreement_clauses.insert(),
            [
                {
                    "agreement_id": agreement_id,
                    "seq": seq,
                    "clause_id": c.clause_id,
                    "family": c.family,
                    "title": c.title,
                    "version": c.version,
                    "variant": c.variant,
                    "variant_position": c.variant_position,
                    "position": c.position,
                    "reasons": dumps(c.reasons),
                    "params": dumps(c.params),
                    "param_positions": dumps(c.param_positions),
                    "text": c.text,
                    "text_digest": item.digests.get(c.clause_id),
                }
                for seq, c in enumerate(item.clauses)
            ],
        )
        conn.execute(
            state_changes.insert().values(
                agreement_id=agreement_id, previous=None, state="draft", at=now(), note="generated"
            )
        )
        supersede(
            conn,
            partner_id,
            agreement_id,
            ("draft", "sent", "received"),
            note=f"replaced by agreement #{agreement_id}",
        )
    else:
        agreement_id = int(existing.id)
    store_document(conn, item.docx_sha, item.docx, agreement.template_id, item.pieces)
    seen = {
        row.sha256
        for row in conn.execute(
            select(issued_files.c.sha256).where(issued_files.c.agreement_id == agreement_id)
        )
    }
    files: list[tuple[str, str | None, str, int]] = [
        (f.format, f.path, f.sha256, f.size) for f in result.files
    ]
    if item.docx_sha not in {sha for _, _, sha, _ in files}:
        files.append(("docx", None, item.docx_sha, len(item.docx)))  # kept, never written
    for fmt, path, sha, size in files:
        if sha not in seen:
            seen.add(sha)
            conn.execute(
                issued_files.insert().values(
                    agreement_id=agreement_id,
                    format=fmt,
                    path=path,
                    sha256=sha,
                    size=size,
                    stored=sha == item.docx_sha,
                    created_at=now(),
                )
            )
    return RecordedAgreement(agreement_id, result.partner, new)
