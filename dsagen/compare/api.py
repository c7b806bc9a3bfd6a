"""The library entry point for `dsagen diff`: two paths in, a Comparison (and the standard's
DOCX bytes, which the redline is written over) out."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DocumentError
from ..library import Library, load_library
from ..read.docx import ReadDocument, read_docx
from .engine import compare
from .model import Comparison
from .normalize import clean
from .standard import Standard, standard_from_docx, standard_from_yaml

UNRELATED_BELOW = 0.2


def load_standard(path: Path, library: Library, template: str | None = None) -> Standard:
    if path.suffix.lower() in (".yaml", ".yml"):
        return standard_from_yaml(path, library, template)
    return standard_from_docx(path, library)


def compare_files(standard_path: Path, negotiated_path: Path, *, library: Library | None = None,
                  template: str | None = None) -> tuple[Comparison, Standard, ReadDocument]:
    """Compare a negotiated DOCX with the standard (partner YAML or issued DOCX)."""
    library = library or load_library()
    standard = load_standard(standard_path, library, template)
    try:
        negotiated = read_docx(negotiated_path)
    except FileNotFoundError:
        raise DocumentError("no such file", path=negotiated_path) from None
    if not any(clean(p.text) for p in negotiated.accepted):
        raise DocumentError("the document has no text to compare (empty document)",
                            path=negotiated_path)
    comparison = compare(standard.document, negotiated, standard.context)
    matched = [c for c in comparison.clauses
               if c.status not in ("added", "removed") and c.alignment != "position"]
    std_count = sum(1 for c in comparison.clauses if c.status != "added")
    shared = _shared_vocabulary(standard.document, negotiated)
    if std_count and len(matched) / std_count < UNRELATED_BELOW and shared < 0.3:
        raise DocumentError(
            f"the documents look unrelated: {len(matched)} of {std_count} standard clauses have "
            f"a counterpart and they share {shared:.0%} of their vocabulary",
            path=negotiated_path)
    comparison.warnings += _provenance_mismatch(standard, negotiated)
    from ..lint import mark_rule_breaks

    mark_rule_breaks(comparison, standard.context)  # regulatory rules a change breaks: walk-away
    return comparison, standard, negotiated


def _shared_vocabulary(standard: ReadDocument, negotiated: ReadDocument) -> float:
    """Share of the standard's distinct longer words that the negotiated text also uses."""

    def words(document: ReadDocument) -> set[str]:
        return {w for p in document.accepted for w in re.findall(r"[a-z]{4,}", p.text.lower())}

    ours = words(standard)
    return len(ours & words(negotiated)) / len(ours) if ours else 1.0


def _provenance_mismatch(standard: Standard, negotiated: ReadDocument) -> list[str]:
    """A returned copy names the partner and template it was issued for; comparing it with
    another partner's standard is almost always the wrong pair of files."""
    props = negotiated.custom_properties
    context = standard.context
    if context is None or not props.get("dsagen.partner"):
        return []
    theirs = (props.get("dsagen.partner"), props.get("dsagen.template"))
    ours = (context.partner, context.template)
    if None in ours or theirs == ours:
        return []
    return [f"{negotiated.path} was issued for partner '{theirs[0]}' ({theirs[1]}), but the "
            f"standard is for '{ours[0]}' ({ours[1]}): check that these are the right files"]
