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
from .blobs import Kept, Piece, pieces, store_documents
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
    return registry.write(lambda conn: _record_many(conn, items))


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


def _record_many(conn: Connection, items: list[IssuedRecord]) -> list[RecordedAgreement]:
    """A batch's rows, each kind inserted in one statement: the parent records while every
    worker waits, so each statement saved is saved for the whole batch. The same as recording
    the agreements one after another: an agreement recorded before (or earlier in the batch)
    only gains the files not seen before, and a partner's newest agreement supersedes its
    unsigned ones."""
    partner_ids = _partner_ids(conn, [(i.result.partner, i.partner_name) for i in items])
    keys = [_agreement_key(item, partner_ids) for item in items]
    known = _known_agreements(conn, set(keys))
    first = {key: index for index, key in reversed(list(enumerate(keys)))}
    fresh = [(key, items[index]) for key, index in first.items() if key not in known]
    created = _insert_agreements(conn, sorted(fresh, key=lambda pair: first[pair[0]]))
    known.update(created)
    _supersede_unsigned(conn, [(key[0], agreement_id) for key, agreement_id in created.items()])
    store_documents(
        conn,
        [
            Kept(item.docx_sha, item.docx, item.result.agreement.template_id, item.pieces)
            for item in items
        ],
    )
    _insert_files(conn, [(known[key], item) for key, item in zip(keys, items, strict=True)])
    return [
        RecordedAgreement(known[key], item.result.partner, key in created and first[key] == index)
        for index, (key, item) in enumerate(zip(keys, items, strict=True))
    ]


AgreementKey = tuple[int, str, str, str]  # partner id, template, parameters, clause library


def _agreement_key(item: IssuedRecord, partner_ids: dict[str, int]) -> AgreementKey:
    agreement = item.result.agreement
    return (
        partner_ids[item.result.partner],
        agreement.template_id,
        agreement.params_digest,
        agreement.library_digest,
    )


def _partner_ids(conn: Connection, named: list[tuple[str, str]]) -> dict[str, int]:
    """Each partner's id, creating the new ones and renaming the others (the other party's
    name as this batch gives it)."""
    names = dict(named)
    rows = {
        row.slug: row
        for row in conn.execute(
            select(partners.c.id, partners.c.slug, partners.c.name).where(
                partners.c.slug.in_(names)
            )
        )
    }
    ids: dict[str, int] = {}
    for slug, name in names.items():
        row = rows.get(slug)
        if row is None:
            ids[slug] = insert_id(
                conn, partners.insert().values(slug=slug, name=name, created_at=now())
            )
            continue
        if name and row.name != name:
            conn.execute(partners.update().where(partners.c.id == row.id).values(name=name))
        ids[slug] = int(row.id)
    return ids


def _known_agreements(conn: Connection, keys: set[AgreementKey]) -> dict[AgreementKey, int]:
    rows = conn.execute(
        select(
            agreements.c.id,
            agreements.c.partner_id,
            agreements.c.template_id,
            agreements.c.params_digest,
            agreements.c.library_digest,
        ).where(agreements.c.partner_id.in_({key[0] for key in keys}))
    )
    found: dict[AgreementKey, int] = {}
    for row in rows:
        key = (int(row.partner_id), row.template_id, row.params_digest, row.library_digest)
        if key in keys:
            found.setdefault(key, int(row.id))
    return found


def _insert_agreements(
    conn: Connection, fresh: list[tuple[AgreementKey, IssuedRecord]]
) -> dict[AgreementKey, int]:
    """The new agreements, their clauses and their first state, three statements in all."""
    if not fresh:
        return {}
    at = now()
    ids = conn.execute(
        agreements.insert().returning(agreements.c.id, sort_by_parameter_order=True),
        [_agreement_row(key[0], item, at) for key, item in fresh],
    ).scalars()
    created = {key: int(agreement_id) for (key, _), agreement_id in zip(fresh, ids, strict=True)}
    conn.execute(
        agreement_clauses.insert(),
        [
            _clause_row(created[key], seq, clause, item)
            for key, item in fresh
            for seq, clause in enumerate(item.clauses)
        ],
    )
    conn.execute(
        state_changes.insert(),
        [
            {
                "agreement_id": created[key],
                "previous": None,
                "state": "draft",
                "at": at,
                "note": "generated",
            }
            for key, _ in fresh
        ],
    )
    return created


def _agreement_row(partner_id: int, item: IssuedRecord, at: str) -> dict[str, Any]:
    agreement = item.result.agreement
    return {
        "partner_id": partner_id,
        "template_id": agreement.template_id,
        "template_version": agreement.template_version,
        "title": agreement.title,
        "reference": agreement.reference,
        "effective_date": str(agreement.effective_date or "") or None,
        "library_version": agreement.library_version,
        "library_digest": agreement.library_digest,
        "library_root": item.library_root,
        "params_digest": agreement.params_digest,
        "parameters": dumps(agreement.parameters),
        "generator": agreement.generator,
        "state": "draft",
        "created_at": at,
        "cells": item.cells[0],
        "cell_kinds": item.cells[1],
    }


def _clause_row(agreement_id: int, seq: int, c: IssuedClause, item: IssuedRecord) -> dict[str, Any]:
    return {
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


def _supersede_unsigned(conn: Connection, created: list[tuple[int, int]]) -> None:
    """Each partner's newest agreement replaces its other draft, sent and received ones."""
    newest: dict[int, int] = {}
    for partner_id, agreement_id in created:
        newest[partner_id] = max(agreement_id, newest.get(partner_id, 0))
    for partner_id, agreement_id in newest.items():
        supersede(
            conn,
            partner_id,
            agreement_id,
            ("draft", "sent", "received"),
            note=f"replaced by agreement #{agreement_id}",
        )


def _insert_files(conn: Connection, recorded: list[tuple[int, IssuedRecord]]) -> None:
    """Each agreement's output files not recorded before, and the DOCX kept if not written."""
    seen = {
        (int(row.agreement_id), row.sha256)
        for row in conn.execute(
            select(issued_files.c.agreement_id, issued_files.c.sha256).where(
                issued_files.c.agreement_id.in_({agreement_id for agreement_id, _ in recorded})
            )
        )
    }
    rows = []
    at = now()
    for agreement_id, item in recorded:
        files: list[tuple[str, str | None, str, int]] = [
            (f.format, f.path, f.sha256, f.size) for f in item.result.files
        ]
        if item.docx_sha not in {sha for _, _, sha, _ in files}:
            files.append(("docx", None, item.docx_sha, len(item.docx)))  # kept, never written
        for fmt, path, sha, size in files:
            if (agreement_id, sha) not in seen:
                seen.add((agreement_id, sha))
                rows.append(
                    {
                        "agreement_id": agreement_id,
                        "format": fmt,
                        "path": path,
                        "sha256": sha,
                        "size": size,
                        "stored": sha == item.docx_sha,
                        "created_at": at,
                    }
                )
    if rows:
        conn.execute(issued_files.insert(), rows)
