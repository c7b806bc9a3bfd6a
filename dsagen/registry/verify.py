"""Is this DOCX/PDF one the registry issued (or received)? If not, which agreement it derives
from and what differs.

Byte identity is a sha256 look-up. Otherwise the agreement is found by the provenance a dsagen
DOCX carries (custom properties: partner, reference and parameter digest) when dsagen's
signature on them holds, else by the agreement reference printed in the text, else by word
overlap with every stored agreement. Differences come from dsagen.review for a DOCX; for a PDF,
from the extracted text, paragraph by paragraph.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from ..compare.normalize import clean, comparable
from ..errors import DocumentError, DsagenError
from ..library import Library, load_library
from ..read.package import read_document_bytes
from .blobs import issued_docx
from .schema import (
    agreement_clauses,
    agreements,
    issued_files,
    negotiated_versions,
    partners,
)
from .store import Registry
from .textdiff import summarise

if TYPE_CHECKING:
    from ..provenance import Pointer

RESEMBLES_FROM = 0.5  # word overlap (Jaccard) below which a file derives from no agreement
_SQUASH = re.compile(r"[\s\-\u00ad\u2010\u2011]+")
_BLANK = re.compile(r"_{2,}")  # a form blank: its length differs between DOCX and PDF
_PAGE_LINE = re.compile(r"^\s*page \d+( of \d+)?\s*$", re.IGNORECASE)


@dataclass
class Verification:
    file: str
    sha256: str
    format: str
    identical: bool
    match: dict[str, Any] | None = None  # what it is byte-identical to
    derived_from: dict[str, Any] | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)
    # A DOCX's own dsagen properties: whether dsagen's signature on them holds, and why.
    provenance: dict[str, Any] | None = None

    @property
    def issued(self) -> bool:
        """Byte-identical to a file we issued (a partner's received copy is not one)."""
        return self.identical and (self.match or {}).get("kind") == "issued"

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "dsagen.verify/1",
            "file": self.file,
            "sha256": self.sha256,
            "format": self.format,
            "identical": self.identical,
            "issued": self.issued,
            "match": self.match,
            "derived_from": self.derived_from,
            "differences": self.differences,
            "provenance": self.provenance,
        }


def verify(registry: Registry, path: Path, library: Library | None = None) -> Verification:
    data = read_document_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    kind = "pdf" if data.startswith(b"%PDF-") else "docx" if data.startswith(b"PK") else None
    if kind is None:
        raise DocumentError("expected a DOCX or PDF file, found neither", path=path)
    result = Verification(str(path), sha, kind, False)
    with registry.read() as conn:
        result.match = _identical(conn, sha)
        if result.match is not None:
            result.identical = True
            return result
    if kind == "docx":
        _derive_docx(registry, data, path, result, library)
    else:
        _derive_pdf(registry, data, path, result)
    return result


def _identical(conn: Connection, sha: str) -> dict[str, Any] | None:
    issued = conn.execute(
        select(
            issued_files.c.format,
            issued_files.c.path,
            issued_files.c.created_at,
            agreements.c.id,
            agreements.c.reference,
            agreements.c.state,
            partners.c.slug,
        )
        .join(agreements, agreements.c.id == issued_files.c.agreement_id)
        .join(partners, partners.c.id == agreements.c.partner_id)
        .where(issued_files.c.sha256 == sha)
        .order_by(issued_files.c.id)
    ).first()
    if issued is not None:
        return {
            "kind": "issued",
            "partner": issued.slug,
            "agreement": issued.id,
            "reference": issued.reference,
            "state": issued.state,
            "format": issued.format,
            "path": issued.path,
            "at": issued.created_at,
        }
    received = conn.execute(
        select(negotiated_versions, partners.c.slug)
        .join(partners, partners.c.id == negotiated_versions.c.partner_id)
        .where(negotiated_versions.c.sha256 == sha)
    ).first()
    if received is not None:
        return {
            "kind": "received",
            "partner": received.slug,
            "agreement": received.agreement_id,
            "version": received.seq,
            "state": received.state,
            "format": "docx",
            "path": received.filename,
            "at": received.received_at,
        }
    return None


def _describe(conn: Connection, agreement_id: int, how: str, score: float | None) -> dict[str, Any]:
    row = conn.execute(
        select(
            agreements.c.id,
            agreements.c.reference,
            agreements.c.state,
            agreements.c.created_at,
            partners.c.slug,
        )
        .join(partners, partners.c.id == agreements.c.partner_id)
        .where(agreements.c.id == agreement_id)
    ).one()
    return {
        "partner": row.slug,
        "agreement": row.id,
        "reference": row.reference,
        "state": row.state,
        "at": row.created_at,
        "found_by": how,
        "similarity": None if score is None else round(score, 3),
    }


def _derive_docx(
    registry: Registry, data: bytes, path: Path, result: Verification, library: Library | None
) -> None:
    """The agreement a DOCX derives from, and what differs (through dsagen.review). The copy's
    properties are followed only when dsagen's signature on them holds; otherwise, and when
    they point at an agreement the text does not resemble, the text decides."""
    from ..provenance import check_signature, copy_pointer
    from ..read.docx import read_docx
    from ..review import UnrelatedDocuments

    document = read_docx(data, name=str(path))
    signature = check_signature(document.custom_properties)
    pointer = copy_pointer(document.custom_properties)
    result.provenance = {"verified": signature.valid, "detail": signature.reason}
    text = "\n".join(p.text for p in document.accepted)
    with registry.read() as conn:
        found: tuple[int, str, float | None] | None = (
            _by_properties(conn, pointer, text)
            if signature.valid
            else _by_signing_version_key(conn, document.custom_properties, text)
        )
        found = found or _by_text(conn, text)
    if found is None:
        return
    try:
        _differences(registry, found, document, result, library)
    except UnrelatedDocuments:
        if found[1] != SIGNED_POINTER:
            raise
        with registry.read() as conn:
            found = _by_text(conn, text)
        result.differences = []
        if found is not None:
            _differences(registry, found, document, result, library)


SIGNED_POINTER = "document properties"  # followed only when signed


def _by_properties(
    conn: Connection, pointer: Pointer | None, text: str
) -> tuple[int, str, None] | None:
    """The agreement signed properties point to, unless the text names another agreement's
    reference and not this one's (properties moved from another file keep their signature)."""
    if pointer is None or not pointer.params_digest:
        return None
    if _names_other_reference(conn, text, pointer.reference):
        return None
    row = conn.execute(
        select(agreements.c.id)
        .join(partners, partners.c.id == agreements.c.partner_id)
        .where(
            partners.c.slug == pointer.partner,
            agreements.c.reference == pointer.reference,
            agreements.c.params_digest == pointer.params_digest,
        )
        .order_by(agreements.c.id.desc())
    ).first()
    return None if row is None else (row.id, SIGNED_POINTER, None)


def _by_signing_version_key(
    conn: Connection, properties: dict[str, str], text: str
) -> tuple[int, str, None] | None:
    """A signing version carries one opaque key (no dsagen values to forge): followed when it
    resolves, unless the text names another agreement's reference and not that one's."""
    from ..stamp import is_signing_version, issued_params_digest

    digest = issued_params_digest(properties) if is_signing_version(properties) else None
    if not digest:
        return None
    row = conn.execute(
        select(agreements.c.id, agreements.c.reference)
        .where(agreements.c.params_digest == digest)
        .order_by(agreements.c.id.desc())
    ).first()
    if row is None or _names_other_reference(conn, text, row.reference):
        return None
    return (row.id, SIGNED_POINTER, None)


def _names_other_reference(conn: Connection, text: str, reference: str) -> bool:
    normal = clean(text)
    named = {
        row.reference
        for row in conn.execute(select(agreements.c.reference).distinct())
        if len(row.reference) >= 4 and row.reference in normal
    }
    return bool(named) and reference not in named


def _differences(
    registry: Registry,
    found: tuple[int, str, float | None],
    document: Any,
    result: Verification,
    library: Library | None,
) -> None:
    """What differs between the copy and the agreement it derives from, clause by clause."""
    from ..provenance import REGISTRY, Provenance
    from ..review import review, standard_from_issued

    with registry.read() as conn:
        result.derived_from = _describe(conn, found[0], found[1], found[2])
        issued = issued_docx(conn, found[0])
        root = conn.execute(
            select(agreements.c.library_root).where(agreements.c.id == found[0])
        ).scalar()
    if issued is None:
        return
    if library is None:
        library = load_library(Path(root) if root and Path(root).is_dir() else None)
    standard = standard_from_issued(
        bytes(issued),
        f"agreement #{found[0]}",
        library,
        Provenance(REGISTRY, f"the DOCX issued as agreement #{found[0]}, from the registry"),
    )
    comparison = review(standard, document)
    for clause in comparison.clauses:
        if clause.status == "unchanged":
            continue
        result.differences.append(
            {
                "clause": clause.id or clause.title,
                "title": clause.title,
                "status": clause.status,
                "severity": clause.severity,
                "changes": [{"before": c.standard, "after": c.negotiated} for c in clause.changes],
            }
        )
    if not result.differences:
        result.differences.append(
            {
                "clause": None,
                "title": "(package)",
                "status": "cosmetic",
                "changes": [
                    {
                        "before": "",
                        "after": "",
                        "note": "same text; the file differs only in "
                        "formatting, metadata or packaging",
                    }
                ],
            }
        )


def _by_text(conn: Connection, text: str) -> tuple[int, str, float] | None:
    """The agreement whose reference the text names, else the one sharing the most words."""
    normal = clean(text)
    refs = conn.execute(
        select(agreements.c.id, agreements.c.reference).order_by(agreements.c.id.desc())
    ).all()
    named = [row.id for row in refs if len(row.reference) >= 4 and row.reference in normal]
    texts = _agreement_texts(conn, named or None)
    words = set(comparable(normal).casefold().split())
    best: tuple[int, str, float] | None = None
    for agreement_id, body in texts.items():
        theirs = set(comparable(body).casefold().split())
        score = len(words & theirs) / max(1, len(words | theirs))
        if best is None or score > best[2]:
            best = (
                agreement_id,
                "agreement reference in the text" if named else "text similarity",
                score,
            )
    if best is None or best[2] < RESEMBLES_FROM:
        return None
    return best


def _agreement_texts(conn: Connection, ids: list[int] | None) -> dict[int, str]:
    query = select(agreement_clauses.c.agreement_id, agreement_clauses.c.text).order_by(
        agreement_clauses.c.agreement_id, agreement_clauses.c.seq
    )
    if ids is not None:
        query = query.where(agreement_clauses.c.agreement_id.in_(ids))
    texts: dict[int, list[str]] = {}
    for row in conn.execute(query):
        texts.setdefault(row.agreement_id, []).append(row.text)
    return {key: "\n".join(parts) for key, parts in texts.items()}


def pdf_text(data: bytes, path: Path) -> str:
    """The PDF's text without running headers, footers and page numbers."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ModuleNotFoundError:  # pragma: no cover - a declared dependency
        raise DsagenError("verifying a PDF needs pypdf: pip install pypdf") from None
    import io

    try:
        pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    except (PdfReadError, ValueError, KeyError) as error:
        raise DocumentError(f"cannot read the PDF ({error})", path=path) from None
    seen: dict[str, int] = {}
    for page in pages:
        for line in {re.sub(r"\d+", "#", clean(line)) for line in page.splitlines()}:
            seen[line] = seen.get(line, 0) + 1
    repeated = {line for line, count in seen.items() if count >= 2 and len(pages) >= 2}
    kept = [
        line
        for page in pages
        for line in page.splitlines()
        if not _PAGE_LINE.match(line) and re.sub(r"\d+", "#", clean(line)) not in repeated
    ]
    return "\n".join(kept)


def _derive_pdf(registry: Registry, data: bytes, path: Path, result: Verification) -> None:
    from rapidfuzz import fuzz

    text = pdf_text(data, path)
    if not clean(text):
        raise DocumentError("the PDF has no extractable text to compare", path=path)
    with registry.read() as conn:
        found = _by_text(conn, text)
        if found is None:
            return
        result.derived_from = _describe(conn, found[0], found[1], found[2])
        clauses = conn.execute(
            select(
                agreement_clauses.c.clause_id, agreement_clauses.c.title, agreement_clauses.c.text
            )
            .where(agreement_clauses.c.agreement_id == found[0])
            .order_by(agreement_clauses.c.seq)
        ).all()
    flat = _BLANK.sub("__", " ".join(comparable(text).split()))
    squashed = _SQUASH.sub("", flat)
    for clause in clauses:
        changes: list[dict[str, Any]] = []
        for paragraph in (p for p in clause.text.split("\n") if clean(p)):
            mine = _BLANK.sub("__", " ".join(comparable(paragraph).split()))
            if _SQUASH.sub("", mine) in squashed:
                continue
            where = fuzz.partial_ratio_alignment(mine, flat)
            if where is None or where.score < 60:
                changes.append({"before": mine, "after": ""})
                continue
            changes += summarise(mine, flat[where.dest_start : where.dest_end])
        if changes:
            result.differences.append(
                {
                    "clause": clause.clause_id,
                    "title": clause.title,
                    "status": "modified",
                    "changes": changes,
                }
            )
