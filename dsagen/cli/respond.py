"""`dsagen respond`: answer a returned copy with a counter-draft and an issues list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..errors import DsagenError
from .common import ForceOption, LibraryOption, app, handled, out, print_json

ISSUES_FORMATS = (".docx", ".md", ".html", ".json")


@app.command()
@handled
def respond(
    standard: Annotated[
        Path,
        typer.Argument(
            help="The partner's YAML (the standard, generated in memory) or the DOCX we issued."
        ),
    ],
    returned: Annotated[Path, typer.Argument(help="The DOCX the partner returned.")],
    out_path: Annotated[Path, typer.Option("--out", help="Write the counter-draft DOCX here.")],
    issues: Annotated[
        Path | None,
        typer.Option("--issues", help="Write the issues list here: .docx, .md, .html or .json."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the issues list as JSON (schema dsagen.issues/1).")
    ] = False,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="Author of our comments and tracked changes (default: the "
            "playbook's organisation name).",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date of our comments and changes (YYYY-MM-DD or ISO time; default: "
            "the returned file's modified date).",
        ),
    ] = None,
    playbook: Annotated[
        Path | None,
        typer.Option(
            "--playbook",
            help="Answer with this playbook instead of the library's playbook.yaml "
            "(e.g. a recipient's own).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", "-t", help="Template of the standard, when the partner file names none."
        ),
    ] = None,
    force: ForceOption = False,
    library: LibraryOption = None,
) -> None:
    """Answer a returned copy per the playbook: a counter-draft with our tracked changes and
    comments on top of the partner's, and the issues list for the approvers."""
    from ..library import load_library
    from ..output import check_writable, write_all
    from ..report.issues import issues_data
    from ..respond.api import respond_files

    if issues is not None and issues.suffix.lower() not in ISSUES_FORMATS:
        raise DsagenError(
            f"--issues: expected a file ending in {', '.join(ISSUES_FORMATS)}, "
            f"found '{issues.name}'"
        )
    for target in (out_path, issues):
        if target is not None:
            check_writable(target, force=force)
    answer = respond_files(
        standard,
        returned,
        library=load_library(library, playbook),
        author=author,
        date=date,
        template=template,
    )
    data = issues_data(answer)
    outputs = [(out_path, answer.docx)]  # both rendered before either is written
    if issues is not None:
        outputs.append((issues, _render_issues(data, issues.suffix.lower())))
    write_all(outputs, force=force)
    if as_json:
        print_json(data)
    else:
        _print_summary(data, out_path, issues)


def _render_issues(data: dict[str, Any], suffix: str) -> bytes:
    from ..report import issues as render

    if suffix == ".docx":
        from ..report.issues_docx import render_issues_docx

        return render_issues_docx(data)
    if suffix == ".json":
        import json

        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    text = render.render_markdown(data) if suffix == ".md" else render.render_html(data)
    return text.encode("utf-8")


def _print_summary(data: dict[str, Any], out_path: Path, issues: Path | None) -> None:
    from ..report.issues import COLUMNS, cells, ordered_issues, subtitle
    from ..report.terminal import SEVERITY_STYLE

    out.print(Text(subtitle(data)))
    if not data["issues"]:
        out.print("[green]No deviation from the standard: nothing to answer.[/green]")
    table = Table(title="Issues", title_justify="left")
    shown = ("clause", "change", "tracked", "position", "approver", "proposal")
    for key, label in COLUMNS:
        if key in shown:
            table.add_column(label, ratio=3 if key in ("change", "proposal") else 1)
    for issue in ordered_issues(data["issues"]):
        row = cells(issue)
        table.add_row(
            *(
                Text(row[key], style=SEVERITY_STYLE.get(row[key], "") if key == "position" else "")
                for key, _ in COLUMNS
                if key in shown
            )
        )
    if data["issues"]:
        out.print(table)
    out.print(Text(f"wrote {out_path}" + (f" and {issues}" if issues else "")))
