"""The one path from (standard, returned copy) to a graded Comparison.

`dsagen diff`, `dsagen lint` on a document, `dsagen ingest` and `dsagen verify` all call
`review`, so a copy gets the same grades whichever command reads it: reading, the relatedness
check, the clause-by-clause comparison, the regulatory rules a change breaks, and the playbook
grading. The standard is built here too, in one place, from whichever source the command has:
a partner YAML, a DOCX we issued, the registry, or the copy's own provenance (trusted only when
it is signed with this registry's key; otherwise graded against the library's defaults).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from .compare.model import Comparison
from .compare.standard import (
    Standard,
    StandardContext,
    context_from_properties,
    standard_from_docx,
    standard_from_yaml,
)
from .errors import DocumentError, DsagenError
from .library import Library
from .lint import LintReport
from .provenance import (
    NO_RECORDS,
    PARTNER_FILE,
    REGISTRY,
    SIGNED_PROPERTIES,
    UNVERIFIED,
    IssuedRecords,
    Provenance,
    check_signature,
    copy_pointer,
)
from .read.docx import ReadDocument, ViewParagraph, read_docx
from .read.package import read_document_bytes
from .stamp import is_signing_version

UNRELATED_BELOW = 0.2  # share of the standard's clauses with a counterpart in the copy
SHARED_WORDS_AT_LEAST = 0.3  # ...unless they share this much vocabulary (or a structure)


class UnrelatedDocuments(DocumentError):
    """The returned copy is not a copy of this standard (the wrong pair of files)."""


# -- reading the returned copy ------------------------------------------------------------------


def read_returned(path: Path, data: bytes | None = None) -> ReadDocument:
    """The returned copy read (from `data` when the caller already holds its bytes); an empty
    document is bad input, not a copy with every clause removed."""
    document = read_docx(read_document_bytes(path) if data is None else data, name=str(path))
    if not any(p.text.strip() for p in _paragraphs(document)):
        raise DocumentError(
            "the document has no content to compare (empty document: no text, "
            "object or text box in its body, headers, footers or notes)",
            path=path,
        )
    return document


# -- the review ------------------------------------------------------------------------------


def review(standard: Standard, negotiated: ReadDocument) -> Comparison:
    """Compare a returned copy with its standard and grade every deviation: the playbook
    position of each change, walk-away where a change breaks a regulatory rule the standard
    kept. Raises UnrelatedDocuments when the copy is not a copy of this standard."""
    from .compare.baseline import baseline_warnings
    from .compare.engine import compare

    comparison = compare(standard.document, negotiated, standard.context)
    _check_related(comparison, standard, negotiated)
    comparison.baseline = standard.baseline
    comparison.provenance = standard.provenance
    if standard.provenance is not None and standard.provenance.warning:
        comparison.warnings.append(standard.provenance.warning)
    comparison.warnings += _provenance_mismatch(standard, negotiated)
    comparison.warnings += baseline_warnings(standard, negotiated)
    if comparison.fails("any"):  # only a negotiated change can break a rule the standard kept
        from .lint import mark_rule_breaks

        mark_rule_breaks(comparison, standard.context)
    return comparison


def compare_files(
    standard_path: Path,
    negotiated_path: Path,
    *,
    library: Library | None = None,
    template: str | None = None,
    records: IssuedRecords = NO_RECORDS,
) -> tuple[Comparison, Standard, ReadDocument]:
    """`dsagen diff`: a standard (partner YAML or issued DOCX) and a returned DOCX in, the
    graded comparison out, with the standard (whose DOCX the redline is written over) and the
    copy as read. `records` (dsagen.registry.issued.issued_records) finds the DOCX issued for
    the copy's reference."""
    standard, negotiated = read_pair(
        standard_path, negotiated_path, library=library, template=template, records=records
    )
    return review(standard, negotiated), standard, negotiated


def read_pair(
    standard_path: Path,
    negotiated_path: Path,
    *,
    library: Library | None = None,
    template: str | None = None,
    records: IssuedRecords = NO_RECORDS,
) -> tuple[Standard, ReadDocument]:
    """What `compare_files` reviews: the standard built and the returned copy read (a caller
    that also writes a redline can start it from these while the review runs)."""
    from .library import load_library

    library = library or load_library()
    negotiated = read_returned(negotiated_path)
    standard = standard_from_file(
        standard_path, library, template=template, negotiated=negotiated, records=records
    )
    return standard, negotiated


def _check_related(comparison: Comparison, standard: Standard, negotiated: ReadDocument) -> None:
    body = [c for c in comparison.clauses if c.story == "body"]
    matched = [
        c for c in body if c.status not in ("added", "removed") and c.alignment != "position"
    ]
    count = sum(1 for c in body if c.status != "added")
    if not count or len(matched) / count >= UNRELATED_BELOW:
        return
    if _shared_structure(standard.document, negotiated):
        return
    shared = _shared_vocabulary(standard.document, negotiated)
    if shared >= SHARED_WORDS_AT_LEAST:
        return
    raise UnrelatedDocuments(
        f"the documents look unrelated: {len(matched)} of {count} standard clauses have a "
        f"counterpart, they share {shared:.0%} of their vocabulary, and no table shape or "
        f"heading in common (standard: {standard.document.path})",
        path=negotiated.path,
    )


def _paragraphs(document: ReadDocument) -> Iterator[ViewParagraph]:
    """Every accepted paragraph of every story (objects read as tokens such as [image])."""
    yield from document.accepted
    for story in document.stories:
        yield from story.accepted


def _shared_vocabulary(standard: ReadDocument, negotiated: ReadDocument) -> float:
    """Share of the standard's distinct longer words that the negotiated text also uses."""
    from .compare.normalize import clean

    def words(document: ReadDocument) -> set[str]:
        return {
            w
            for p in _paragraphs(document)
            for w in re.findall(r"[a-z]{4,}", clean(p.text).lower())
        }

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
    from .compare.normalize import matching_key
    from .compare.segments import segment

    return {
        matching_key(s.title)
        for s in segment(document.accepted)
        if s.heading is not None and matching_key(s.title)
    }


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
    return [
        f"{negotiated.path} was issued for partner '{theirs[0]}' ({theirs[1]}), but the "
        f"standard is for '{ours[0]}' ({ours[1]}): check that these are the right files"
    ]


# -- building the standard, in one place -------------------------------------------------------


def load_standard(path: Path, library: Library, template: str | None = None) -> Standard:
    """The standard a user names, without a copy to look up in the registry."""
    return standard_from_file(path, library, template=template)


def standard_from_file(
    path: Path,
    library: Library,
    *,
    template: str | None = None,
    negotiated: ReadDocument | None = None,
    records: IssuedRecords = NO_RECORDS,
) -> Standard:
    """The standard a user names: a partner YAML (rendered in memory; replaced by the DOCX the
    registry kept for the copy's reference, when it has one) or a DOCX we issued."""
    if path.suffix.lower() in (".yaml", ".yml"):
        # A signing version is compared with the signing version of the standard, so the
        # legends that distinguish the editions are not reported as the partner's changes.
        final = negotiated is not None and is_signing_version(negotiated.custom_properties)
        standard = standard_from_yaml(path, library, template, final=final)
        standard.provenance = Provenance(
            PARTNER_FILE, f"issued values from the partner file {path}"
        )
        standard.baseline = (
            f"{path} rendered with clause library {library.version} (no "
            "issued DOCX for this copy's reference in the registry)"
        )
        return _issued_baseline(standard, library, negotiated, records)
    standard = standard_from_docx(path, library)
    standard.baseline = f"the DOCX {path}"
    standard.provenance = _docx_provenance(standard, path, records)
    return standard


def _docx_provenance(standard: Standard, path: Path, records: IssuedRecords) -> Provenance:
    """A DOCX given as the standard is used as given; whether we issued it is said."""
    issued = records.issued_file(hashlib.sha256(standard.docx).hexdigest())
    if issued is not None:
        return Provenance(REGISTRY, f"{path} is the DOCX issued as {issued}")
    signature = check_signature(standard.document.custom_properties)
    if signature.valid:
        return Provenance(SIGNED_PROPERTIES, f"{path}: {signature.reason}")
    return Provenance(
        UNVERIFIED,
        f"{path} is not a file this registry issued and "
        f"{signature.reason}; it is used as the standard as given",
    )


def _issued_baseline(
    standard: Standard, library: Library, negotiated: ReadDocument | None, records: IssuedRecords
) -> Standard:
    """The file we issued for the copy's reference, when the registry kept it and it is this
    partner's: what the copy is a copy of, built with the library of its day."""
    pointer = None if negotiated is None else copy_pointer(negotiated.custom_properties)
    if pointer is None or standard.context is None or pointer.partner != standard.context.partner:
        return standard
    issued = records.issued_for(pointer)
    if issued is None:
        return standard
    described = (
        f"the DOCX issued as {issued.reference} on {issued.created_at[:10]}, from the registry"
    )
    found = standard_from_issued(
        issued.docx,
        f"{issued.reference} (issued DOCX, registry)",
        library,
        Provenance(REGISTRY, described),
    )
    if found.context is None:
        found.context = standard.context
    found.baseline = described
    return found


def standard_from_issued(
    docx: bytes, name: str, library: Library, provenance: Provenance
) -> Standard:
    """A DOCX the registry kept: its bytes are ours, so its properties are what we issued."""
    document = read_docx(docx, name=name)
    return Standard(
        document, docx, context_from_properties(document, library), provenance, provenance.detail
    )


def standard_for_copy(
    negotiated: ReadDocument, library: Library, records: IssuedRecords = NO_RECORDS
) -> Standard:
    """`dsagen lint COPY` without --standard: the copy's properties point to what was issued.
    The standard is, in order: the DOCX the registry kept for that reference; the standard
    rebuilt from the copy's properties when dsagen's signature on them holds; else the
    standard rebuilt with the library's defaults, said to be unverified."""
    path = negotiated.path
    pointer = copy_pointer(negotiated.custom_properties)
    issued = records.issued_for(pointer) if pointer is not None else None
    if issued is not None:
        described = (
            f"the DOCX issued as {issued.reference} on {issued.created_at[:10]}, from the registry"
        )
        return standard_from_issued(
            issued.docx, f"{path} (as issued)", library, Provenance(REGISTRY, described)
        )
    claimed = context_from_properties(negotiated, library)
    if claimed is None or not claimed.template:
        raise DocumentError(
            "expected a DOCX issued by dsagen (custom properties "
            "dsagen.manifest and dsagen.params), found none; pass --standard "
            "with the partner YAML or the DOCX as issued",
            path=path,
        )
    signature = check_signature(negotiated.custom_properties)
    if signature.valid:
        standard = _rebuilt(claimed, path, library)
        standard.provenance = Provenance(
            SIGNED_PROPERTIES, f"no issued DOCX in the registry for this copy; {signature.reason}"
        )
    else:
        standard = _rebuilt(_library_defaults(claimed, library), path, library)
        standard.provenance = Provenance(
            UNVERIFIED,
            f"no issued DOCX in the registry for this copy and {signature.reason}; "
            "graded against the library defaults (pass --standard with the partner YAML to "
            "grade against what was issued)",
        )
    standard.baseline = standard.provenance.detail
    return standard


def _library_defaults(claimed: StandardContext, library: Library) -> StandardContext:
    """The claimed context with every term the playbook has a standard position for set to
    that standard, and the library's own variants: nothing the copy says about its terms is
    believed. Names, dates and regimes, which the playbook does not negotiate, stay as
    claimed (they identify the agreement; the text shows them)."""
    owners = library.param_owner()
    values = dict(claimed.values)
    for name in values:
        param = owners[name].params[name] if name in owners else None
        if param is not None and param.playbook is not None and param.playbook.standard is not None:
            values[name] = param.playbook.standard
    return StandardContext(
        library,
        values,
        dict.fromkeys(claimed.variants, ""),
        dict(claimed.versions),
        dict(claimed.numbers),
        claimed.template,
        claimed.partner,
    )


def _rebuilt(context: StandardContext, path: str, library: Library) -> Standard:
    """The standard rendered again from a context (a variant left empty: the library's)."""
    from .assemble import assemble
    from .partners import PartnerParams
    from .render.docx import render_docx

    unknown = [
        c
        for c in context.variants
        if c not in library.clauses
        or (context.variants[c] and context.variants[c] not in library.clauses[c].variants)
    ]
    if unknown or context.template not in library.templates:
        raise DocumentError(
            f"issued with clauses or a template this library does not have "
            f"({', '.join(unknown) or context.template}); pass --standard",
            path=path,
        )
    chosen = {c: v for c, v in context.variants.items() if v}
    partner = PartnerParams(
        context.partner or Path(path).stem,
        path,
        context.template or "",
        dict(context.values),
        chosen,
        tuple(context.variants),
        "",
    )
    try:
        agreement = assemble(partner, library)
    except DsagenError as exc:
        raise DocumentError(
            f"cannot rebuild the standard from the document's provenance ({exc}); pass --standard",
            path=path,
        ) from None
    data = render_docx(agreement)
    document = read_docx(data, name=f"{path} (as issued)")
    if not chosen:  # the library chose the variants: the context says which
        context.variants = {s.clause_id: s.variant for s in agreement.sections}
    return Standard(document, data, context)


# -- lint on documents ------------------------------------------------------------------------


def lint_document(
    path: Path,
    library: Library,
    *,
    standard: Path | None = None,
    template: str | None = None,
    only: tuple[str, ...] | None = None,
    records: IssuedRecords = NO_RECORDS,
) -> LintReport:
    """Lint a negotiated DOCX: review it against its standard (the path diff and ingest take
    too), then evaluate the negotiated side."""
    from .lint import evaluate_subject, issued_version_notes, rule_only
    from .lint.evaluate import applicable_profiles
    from .lint.subject import document_subject

    negotiated = read_returned(path)
    if standard is not None:
        issued = standard_from_file(
            standard, library, template=template, negotiated=negotiated, records=records
        )
    else:
        issued = standard_for_copy(negotiated, library, records)
    comparison = review(issued, negotiated)
    context = issued.context
    if context is None:
        raise DocumentError(
            "the standard carries no dsagen provenance, so its parameters are "
            "unknown; pass the partner YAML as --standard",
            path=standard or path,
        )
    notes = [w for w in [issued.provenance.warning if issued.provenance else None] if w]
    notes += issued_version_notes(context, library)
    subject = document_subject(comparison, context, library)
    findings = evaluate_subject(subject, library, only)
    return LintReport(
        str(path),
        "document",
        context.template,
        applicable_profiles(subject, library, rule_only(only)),
        findings,
        notes,
        issued.provenance,
    )


def lint_paths(
    paths: list[Path],
    *,
    library: Library | None = None,
    only: list[str] | tuple[str, ...] | None = None,
    standard: Path | None = None,
    template: str | None = None,
    records: IssuedRecords = NO_RECORDS,
) -> list[LintReport]:
    """Lint partner files and negotiated documents; folders are expanded."""
    from .library import load_library
    from .lint import check_only, lint_partner, lint_targets
    from .lint.api import DOCUMENT_SUFFIXES, PARTNER_SUFFIXES

    library = library or load_library()
    selected = check_only(only, library)
    reports = []
    for path in lint_targets(paths):
        suffix = path.suffix.lower()
        if suffix in PARTNER_SUFFIXES:
            reports.append(lint_partner(path, library, template=template, only=selected))
        elif suffix in DOCUMENT_SUFFIXES:
            reports.append(
                lint_document(
                    path,
                    library,
                    standard=standard,
                    template=template,
                    only=selected,
                    records=records,
                )
            )
        else:
            raise DsagenError(
                f"{path}: expected a partner YAML (.yaml) or a DOCX, found "
                f"'{path.suffix or 'no extension'}'"
            )
    return reports
