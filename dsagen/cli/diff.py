"""`dsagen diff`: compare a negotiated agreement with the standard, clause by clause."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import ForceOption, LibraryOption, app, handled, load_library, out, print_json

if TYPE_CHECKING:
    from ..compare.model import Comparison
    from ..compare.standard import Standard
    from ..library import Library
    from ..read.docx import ReadDocument


class FailOn(str, Enum):
    """How far a deviation must go before `dsagen diff` exits 1."""

    any = "any"
    fallback = "fallback"
    approval = "approval"
    walk_away = "walk-away"


@app.command()
@handled
def diff(
    standard: Annotated[
        Path,
        typer.Argument(
            help="The standard: a partner YAML (generated in memory) or the DOCX we issued."
        ),
    ],
    negotiated: Annotated[Path, typer.Argument(help="The DOCX that came back.")],
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help="Template id, when the standard is a partner YAML (overrides the file's).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json-file", help="Write the JSON report here.")
    ] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write an HTML report.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write a PDF report.")] = None,
    redline: Annotated[
        Path | None, typer.Option("--redline", help="Write a DOCX with native tracked changes.")
    ] = None,
    author: Annotated[
        str, typer.Option("--author", help="Author of the redline's own revisions.")
    ] = "dsagen",
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date of the redline's own revisions (YYYY-MM-DD or ISO time; default: "
            "the negotiated file's modified date).",
        ),
    ] = None,
    no_comments: Annotated[
        bool,
        typer.Option(
            "--no-comments",
            help="Leave out the redline's comments (one per deviation: position, "
            "approver, playbook note).",
        ),
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a deviation reaches this position (any: every substantive change).",
        ),
    ] = FailOn.any,
    force: ForceOption = False,
    library: LibraryOption = None,
) -> None:
    """Compare a negotiated agreement with the standard, clause by clause."""
    from ..output import check_writable, write_all
    from ..registry.issued import issued_records
    from ..report.terminal import print_comparison
    from ..respond.plan import approvers
    from ..review import compare_files

    for target in (json_file, html, pdf, redline):
        if target is not None:
            check_writable(target, force=force)
    loaded = load_library(library)
    comparison, standard_doc, negotiated_doc = compare_files(
        standard, negotiated, library=loaded, template=template, records=issued_records()
    )
    who = approvers(comparison, standard_doc.context, loaded)
    data = comparison.to_json()
    outputs: list[tuple[Path, bytes]] = []  # all rendered before the first is written
    if json_file is not None:
        outputs.append((json_file, json.dumps(data, indent=2, ensure_ascii=False).encode()))
    if html is not None:
        from ..report.html import render_report_html

        outputs.append((html, render_report_html(comparison, who).encode("utf-8")))
    if pdf is not None:
        from ..report.html import render_report_pdf

        outputs.append((pdf, render_report_pdf(comparison, who)))
    if redline is not None:
        outputs.append(
            (
                redline,
                _redline(
                    standard_doc,
                    negotiated_doc,
                    negotiated,
                    comparison,
                    loaded,
                    author=author,
                    date=date,
                    comments=not no_comments,
                ),
            )
        )
    write_all(outputs, force=force)
    if as_json:
        print_json(data)
    else:
        print_comparison(comparison, out, approvers=who)
    if comparison.fails(fail_on.value):
        raise typer.Exit(1)


def _redline(
    standard: Standard,
    negotiated_doc: ReadDocument,
    negotiated: Path,
    comparison: Comparison,
    library: Library,
    *,
    author: str,
    date: str | None,
    comments: bool,
) -> bytes:
    """The redline DOCX: native tracked changes, and the response comments unless declined."""
    from ..read.package import read_document_bytes
    from ..report.redline_docx import render_redline, revision_date

    stamp = revision_date(date, negotiated_doc.core_properties.get("modified"))
    document = render_redline(
        standard.docx, read_document_bytes(negotiated), author=author, date=stamp
    )
    if not comments:
        return document
    from ..respond.api import commented_redline

    return commented_redline(standard, document, comparison, library, author=author, date=stamp)
