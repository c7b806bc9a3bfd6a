"""The library entry point for `dsagen respond`: the partner's YAML and their returned DOCX in,
the decisions, the counter-draft's bytes and the issues list's data out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..compare.engine import compare
from ..compare.model import Comparison
from ..compare.normalize import clean
from ..compare.standard import Standard
from ..library import Library, load_library
from ..playbook import Organisation, organisation
from ..read.docx import read_docx
from ..read.package import read_document_bytes
from ..redline import Overlay, Stamp, render_redline
from ..report.redline_docx import revision_date
from .draft import Restorer, comment_deviations, write_counter_draft
from .plan import ClausePlan, Decision, plan_response


@dataclass
class Answer:
    """Our answer to a returned copy: what we decided and the counter-draft."""

    comparison: Comparison  # the returned copy against the standard
    plans: list[ClausePlan]
    organisation: Organisation
    partner: str  # the partner's name, from the agreement's parameters
    author: str  # of our comments and tracked changes
    date: str
    docx: bytes  # the counter-draft

    @property
    def decisions(self) -> list[Decision]:
        return [d for plan in self.plans for d in plan.decisions]


def respond_files(
    standard_path: Path,
    returned_path: Path,
    *,
    library: Library | None = None,
    author: str | None = None,
    date: str | None = None,
    template: str | None = None,
) -> Answer:
    """Decide every deviation of the returned copy per the playbook and write the
    counter-draft over the partner's DOCX."""
    library = library or load_library()
    from ..registry.issued import issued_records
    from ..review import compare_files

    comparison, standard, returned = compare_files(
        standard_path, returned_path, library=library, template=template, records=issued_records()
    )
    org = organisation(library)
    values = standard.context.values if standard.context is not None else {}
    partner = org.partner(values)
    their_date = revision_date(None, returned.core_properties.get("modified"))
    our_date = revision_date(date, returned.core_properties.get("modified"))
    author = author or org.name
    layered_docx = render_redline(
        standard.docx,
        read_document_bytes(returned_path),
        author=partner,
        date=their_date,
        stored=True,
    )
    layered_document = read_docx(layered_docx, name=str(returned_path))
    layered = compare(standard.document, layered_document, standard.context)
    plans = plan_response(comparison, standard.context, library, _standard_texts(comparison))
    overlay = Overlay(layered_docx, Stamp(author, our_date))
    restorer = Restorer(standard.document.accepted, layered_document.rejected)
    write_counter_draft(overlay, layered, plans, restorer, author, our_date)
    return Answer(comparison, plans, org, partner, author, our_date, overlay.write())


def commented_redline(
    standard: Standard,
    redline_docx: bytes,
    comparison: Comparison,
    library: Library,
    *,
    author: str,
    date: str,
) -> bytes:
    """A `diff --redline` output with one comment per deviation: position, approver, note."""
    layered = _layered(standard, redline_docx, comparison.negotiated)
    plans = plan_response(comparison, standard.context, library, _standard_texts(comparison))
    overlay = Overlay(redline_docx, Stamp(author, date))
    comment_deviations(overlay, layered, plans, author, date)
    return overlay.write()


def _layered(standard: Standard, docx: bytes, name: str) -> Comparison:
    """The standard compared with a copy whose accepted view is the returned copy's: the same
    clauses, located in that copy's paragraphs."""
    return compare(standard.document, read_docx(docx, name=name), standard.context)


def _standard_texts(comparison: Comparison) -> dict[int, list[str]]:
    return {
        index: [clean(d.standard.text) for d in result.paragraphs if d.standard is not None]
        for index, result in enumerate(comparison.clauses)
    }
