"""Where the standard comes from: a partner YAML (generated in memory) or a DOCX we issued.

Either way the result is the standard as a read document plus, when known, the context that
lets the classifier recover parameters: the library, the issued values, variants and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..library import Library
from ..params import ValueProblem, check_value
from ..provenance import Provenance
from ..read.docx import ReadDocument, read_docx
from ..read.package import read_document_bytes
from ..read.properties import json_property


@dataclass
class StandardContext:
    """What dsagen knows about how the standard was made."""

    library: Library
    values: dict[str, Any]
    variants: dict[str, str] = field(default_factory=dict)  # clause id -> issued variant
    versions: dict[str, str] = field(default_factory=dict)  # clause id -> issued version
    numbers: dict[str, int] = field(default_factory=dict)  # clause id -> heading number
    template: str | None = None
    partner: str | None = None


@dataclass
class Standard:
    document: ReadDocument
    docx: bytes
    context: StandardContext | None
    # Where its issued values came from (dsagen/provenance.py), and the same for people.
    provenance: Provenance | None = None
    baseline: str = ""


def standard_from_yaml(
    path: Path, library: Library, template: str | None = None, *, final: bool = False
) -> Standard:
    from ..assemble import assemble
    from ..partners import load_partner
    from ..render.docx import render_docx

    partner = load_partner(path, library, template_id=template)
    agreement = assemble(partner, library)
    data = render_docx(agreement, final=final)
    context = StandardContext(
        library=library,
        values=dict(partner.values),
        variants={s.clause_id: s.variant for s in agreement.sections},
        versions={s.clause_id: s.version for s in agreement.sections},
        numbers={s.clause_id: s.number for s in agreement.sections if s.number is not None},
        template=agreement.template_id,
        partner=agreement.partner,
    )
    return Standard(read_docx(data, name=str(path)), data, context)


def standard_from_docx(path: Path, library: Library) -> Standard:
    data = read_document_bytes(path)
    document = read_docx(data, name=str(path))
    return Standard(document, data, context_from_properties(document, library))


def manifest_clauses(manifest: Any) -> list[tuple[str, str, str]]:
    """(clause id, version, variant) of each entry "id@version#variant" of a dsagen manifest;
    entries of another shape are left out (the manifest is the partner's to edit)."""
    entries = manifest.get("clauses") if isinstance(manifest, dict) else None
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str) and "@" in entry:
            clause_id, _, rest = entry.partition("@")
            version, _, variant = rest.partition("#")
            found.append((clause_id, version, variant))
    return found


def context_from_properties(document: ReadDocument, library: Library) -> StandardContext | None:
    """Rebuild the context from the provenance dsagen stores in custom properties."""
    props = document.custom_properties
    manifest = json_property(props, "dsagen.manifest")
    raw_values = json_property(props, "dsagen.params")
    if manifest is None or raw_values is None:
        return None
    owners = library.param_owner()
    values: dict[str, Any] = {}
    for name, value in raw_values.items():
        if name in owners and value is not None:
            try:
                values[name] = check_value(owners[name].params[name], value)
            except ValueProblem:
                values[name] = value
        else:
            values[name] = value
    variants, versions, numbers = {}, {}, {}
    counter = 0
    for clause_id, version, variant in manifest_clauses(manifest):
        variants[clause_id], versions[clause_id] = variant, version
        clause = library.clauses.get(clause_id)
        if clause is None or clause.numbered:
            counter += 1
            numbers[clause_id] = counter
    template, partner = manifest.get("template"), manifest.get("partner")
    return StandardContext(
        library,
        values,
        variants,
        versions,
        numbers,
        template if isinstance(template, str) else None,
        partner if isinstance(partner, str) else None,
    )
