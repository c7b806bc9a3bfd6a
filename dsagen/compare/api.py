"""The library entry point for `dsagen diff`: two paths in, a Comparison (and the standard's
DOCX bytes, which the redline is written over) out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import DocumentError
from ..library import Library, load_library
from ..read.docx import ReadDocument, ViewParagraph, read_docx
from ..stamp import is_signing_version
from .baseline import baseline_warnings, issued_from_registry
from .engine import compare
from .model import Comparison
from .normalize import clean, matching_key
from .segments import segment
from .standard import Standard, context_from_properties, standard_from_docx, standard_from_yaml

UNRELATED_BELOW = 0.2


def load_standard(path: Path, library: Library, template: str | None = None, *,
                  final: bool = False) -> Standard:
    """The standard from a partner YAML (rendered as the signing version with `final`) or an
    issued DOCX."""
    if path.suffix.lower() in (".yaml", ".yml"):
        return standard_from_yaml(path, library, template, final=final)
    return standard_from_docx(path, library)


def compare_files(standard_path: Path, negotiated_path: Path, *, library: Library | None = None,
                  template: str | None = None) -> tuple[Comparison, Standard, ReadDocument]:
    """Compare a negotiated DOCX with the standard (partner YAML or issued DOCX)."""
    library = library or load_library()
    try:
        negotiated = read_docx(negotiated_path)
    except FileNotFoundError:
        raise DocumentError("no such file", path=negotiated_path) from None
    # A signing version is compared with the signing version of the standard, so the legends
    # that distinguish the editions are not reported as the partner's changes.
    standard = load_standard(standard_path, library, template,
                             final=is_signing_version(negotiated.custom_properties))
    if not _has_content(negotiated):
        raise DocumentError("the document has no content to compare (empty document: no text, "
                            "object or text box in its body, headers, footers or notes)",
                            path=negotiated_path)
    standard, baseline = _baseline(standard_path, standard, negotiated, library)
    comparison = compare(standard.document, negotiated, standard.context)
    comparison.baseline = baseline
    body = [c for c in comparison.clauses if c.story == "body"]
    matched = [c for c in body if c.status not in ("added", "removed")
               and c.alignment != "position"]
    std_count = sum(1 for c in body if c.status != "added")
    if std_count and len(matched) / std_count < UNRELATED_BELOW and not _shared_structure(
            standard.document, negotiated) and (shared := _shared_vocabulary(
                standard.document, negotiated)) < 0.3:
        raise DocumentError(
            f"the documents look unrelated: {len(matched)} of {std_count} standard clauses have "
            f"a counterpart, they share {shared:.0%} of their vocabulary, and no table shape or "
            "heading in common", path=negotiated_path)
    comparison.warnings += _provenance_mismatch(standard, negotiated)
    comparison.warnings += baseline_warnings(standard, negotiated)
    if comparison.fails("any"):  # only a negotiated change can break a rule the standard kept
        from ..lint import mark_rule_breaks

        mark_rule_breaks(comparison, standard.context)  # rules a change breaks: walk-away
    return comparison, standard, negotiated


def _baseline(path: Path, standard: Standard, negotiated: ReadDocument,
              library: Library) -> tuple[Standard, str]:
    """The file we issued for the copy's reference, when the registry kept it; else the
    standard as given. Returns the standard to use and a sentence saying which it is."""
    if standard.context is None or path.suffix.lower() not in (".yaml", ".yml"):
        return standard, f"the DOCX {path}"
    issued = issued_from_registry(negotiated)
    if issued is None or issued.partner != standard.context.partner:
        return standard, (f"{path} rendered with clause library {library.version} (no issued "
                          "DOCX for this copy's reference in the registry)")
    document = read_docx(issued.docx, name=f"{issued.reference} (issued DOCX, registry)")
    context = context_from_properties(document, library) or standard.context
    return Standard(document, issued.docx, context), (
        f"the DOCX issued as {issued.reference} on {issued.created_at[:10]}, from the registry")


def _paragraphs(document: ReadDocument) -> Iterator[ViewParagraph]:
    """Every accepted paragraph of every story (objects read as tokens such as [image])."""
    yield from document.accepted
    for story in document.stories:
        yield from story.accepted


def _has_content(document: ReadDocument) -> bool:
    return any(p.text.strip() for p in _paragraphs(document))


def _shared_vocabulary(standard: ReadDocument, negotiated: ReadDocument) -> float:
    """Share of the standard's distinct longer words that the negotiated text also uses."""

    def words(document: ReadDocument) -> set[str]:
        return {w for p in _paragraphs(document)
                for w in re.findall(r"[a-z]{4,}", clean(p.text).lower())}

    ours = words(standard)
    return len(ours & words(negotiated)) / len(ours) if ours else 1.0


def _shared_structure(standard: ReadDocument, negotiated: ReadDocument) -> list[str]:
    """What the two documents share besides words: a table of the same shape, a heading."""
    shared = []
    tables = _table_shapes(standard) & _table_shapes(negotiated)
    if tables:
        shared.append(f"{len(tables)} table shape(s)")
    headings = _headings(standard) & _headings(negotiated)
    if headings:
        shared.append(f"{len(headings)} heading(s)")
    return shared


def _table_shapes(document: ReadDocument) -> set[tuple[tuple[int, int], ...]]:
    cells: dict[int, set[tuple[int, int]]] = {}
    for paragraph in document.accepted:
        if paragraph.table is not None:
            table, row, cell = paragraph.table
            cells.setdefault(table, set()).add((row, cell))
    return {tuple(sorted(found)) for found in cells.values() if len(found) > 1}


def _headings(document: ReadDocument) -> set[str]:
    return {matching_key(s.title) for s in segment(document.accepted)
            if s.heading is not None and matching_key(s.title)}


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
