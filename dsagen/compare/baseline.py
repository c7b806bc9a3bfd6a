"""Which standard a returned copy is compared with: the file actually issued, when known.

A copy issued months ago was built from the clause library of that day. Compared with today's
rendering, every clause the library has since revised would look like the partner's edit. When
the copy names its reference and the registry kept the DOCX issued under it, that file is the
baseline; otherwise every output warns which clause versions changed since issue.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import DsagenError
from ..read.docx import ReadDocument
from ..read.properties import json_property
from .standard import Standard, manifest_clauses


@dataclass(frozen=True)
class Issued:
    """The DOCX we issued for a reference, as the registry kept it."""

    reference: str
    partner: str
    docx: bytes
    created_at: str


@dataclass(frozen=True)
class Pointer:
    """What a copy's own properties say it was issued as. They only point: what was issued
    comes from the registry, never from the copy."""

    partner: str
    reference: str
    library_version: str | None
    params_digest: str | None


def copy_reference(negotiated: ReadDocument) -> Pointer | None:
    """The pointer in the copy's dsagen properties, if they are well formed."""
    props = negotiated.custom_properties
    partner = props.get("dsagen.partner")
    manifest = json_property(props, "dsagen.manifest")
    if manifest is None:
        return None
    reference = manifest.get("reference")
    if not (isinstance(partner, str) and isinstance(reference, str) and partner and reference):
        return None
    version, digest = manifest.get("library_version"), manifest.get("params_sha256")
    return Pointer(partner, reference, version if isinstance(version, str) else None,
                   digest if isinstance(digest, str) else None)


def issued_from_registry(negotiated: ReadDocument) -> Issued | None:
    """The stored DOCX issued under the reference the copy names, from the registry dsagen
    would use (DSAGEN_REGISTRY, else .dsagen/registry.db); None when there is none."""
    pointer = copy_reference(negotiated)
    if pointer is None:
        return None
    from sqlalchemy import select

    from ..registry.blobs import load_document
    from ..registry.schema import agreements, issued_files, partners
    from ..registry.store import open_registry

    try:
        registry = open_registry(os.environ.get("DSAGEN_REGISTRY") or None)
    except DsagenError:
        return None  # no registry here: nothing recorded to compare with
    try:
        with registry.read() as conn:
            row = conn.execute(
                select(issued_files.c.sha256, agreements.c.created_at)
                .select_from(agreements.join(partners).join(issued_files))
                .where(partners.c.slug == pointer.partner,
                       agreements.c.reference == pointer.reference,
                       # the same issue, not a later one under the same reference
                       agreements.c.library_version == (pointer.library_version or ""),
                       agreements.c.params_digest == (pointer.params_digest or ""),
                       issued_files.c.format == "docx", issued_files.c.stored.is_(True))
                .order_by(agreements.c.id.desc()).limit(1)).first()
            docx = load_document(conn, row[0]) if row is not None else None
    except DsagenError:
        return None
    finally:
        registry.close()
    if row is None or docx is None:
        return None
    return Issued(pointer.reference, pointer.partner, docx, str(row[1]))


def baseline_warnings(standard: Standard, negotiated: ReadDocument) -> list[str]:
    """The copy names the clause library and clause versions it was issued with; when today's
    standard is built from other versions, differences may be ours, not the partner's."""
    props = negotiated.custom_properties
    if standard.context is None or "dsagen.manifest" not in props:
        return []
    manifest = json_property(props, "dsagen.manifest")
    if manifest is None:
        return [f"{negotiated.path}: its dsagen.manifest property is not a readable JSON "
                "mapping, so the library it was issued with is unknown"]
    issued = {clause_id: version for clause_id, version, _ in manifest_clauses(manifest)}
    ours = standard.context.versions
    changed = sorted(f"{c} {issued[c]} -> {ours[c]}" for c in issued.keys() & ours.keys()
                     if issued[c] != ours[c])
    library = manifest.get("library_version")
    today = standard.context.library.version
    if not changed and (not isinstance(library, str) or library == today):
        return []
    where = f"clause library {library}" if isinstance(library, str) else "an earlier library"
    detail = (f"; clause versions changed since issue: {', '.join(changed)}" if changed
              else "; no clause version changed")
    return [f"{negotiated.path} was issued with {where}, the standard is built with "
            f"clause library {today}{detail}. Compare with the DOCX actually issued "
            "(dsagen diff ISSUED.docx RETURNED.docx) to see only the partner's changes"]
