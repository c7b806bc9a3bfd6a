"""Which standard a returned copy is compared with: the file actually issued, when known.

A copy issued months ago was built from the clause library of that day. Compared with today's
rendering, every clause the library has since revised would look like the partner's edit. When
the copy names its reference and the registry kept the DOCX issued under it, that file is the
baseline (dsagen.review); otherwise every output warns which clause versions changed since
issue.
"""

from __future__ import annotations

from ..read.docx import ReadDocument
from ..read.properties import json_property
from .standard import Standard, manifest_clauses


def baseline_warnings(standard: Standard, negotiated: ReadDocument) -> list[str]:
    """The copy names the clause library and clause versions it was issued with; when today's
    standard is built from other versions, differences may be ours, not the partner's."""
    props = negotiated.custom_properties
    if standard.context is None or "dsagen.manifest" not in props:
        return []
    manifest = json_property(props, "dsagen.manifest")
    if manifest is None:
        return [
            f"{negotiated.path}: its dsagen.manifest property is not a readable JSON "
            "mapping, so the library it was issued with is unknown"
        ]
    issued = {clause_id: version for clause_id, version, _ in manifest_clauses(manifest)}
    ours = standard.context.versions
    changed = sorted(
        f"{c} {issued[c]} -> {ours[c]}" for c in issued.keys() & ours.keys() if issued[c] != ours[c]
    )
    library = manifest.get("library_version")
    today = standard.context.library.version
    if not changed and (not isinstance(library, str) or library == today):
        return []
    where = f"clause library {library}" if isinstance(library, str) else "an earlier library"
    detail = (
        f"; clause versions changed since issue: {', '.join(changed)}"
        if changed
        else "; no clause version changed"
    )
    return [
        f"{negotiated.path} was issued with {where}, the standard is built with "
        f"clause library {today}{detail}. Compare with the DOCX actually issued "
        "(dsagen diff ISSUED.docx RETURNED.docx) to see only the partner's changes"
    ]
