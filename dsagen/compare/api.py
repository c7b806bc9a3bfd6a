"""The library entry point for `dsagen diff`: two paths in, a Comparison (and the standard's
DOCX bytes, which the redline is written over) out."""

from __future__ import annotations

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
    matched = [c for c in comparison.clauses if c.status not in ("added", "removed")]
    std_count = sum(1 for c in comparison.clauses if c.status != "added")
    if std_count and len(matched) / std_count < UNRELATED_BELOW:
        raise DocumentError(
            f"the documents look unrelated: only {len(matched)} of {std_count} standard clauses "
            "have a counterpart in the negotiated document", path=negotiated_path)
    return comparison, standard, negotiated
