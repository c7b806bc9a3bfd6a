"""`dsagen generate`, `validate` and `new-partner`: from partner files to agreements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import DsagenError
from .common import (
    ForceOption,
    LibraryOption,
    RegistryOption,
    TemplateOption,
    app,
    default_output,
    err,
    handled,
    load_library,
    out,
    parse_date,
    print_error,
    print_json,
    progress_bar,
)

if TYPE_CHECKING:
    from ..generate import Insert, Plan, Settings
    from ..registry.record import RecordedAgreement


@app.command()
@handled
def generate(
    paths: Annotated[list[Path], typer.Argument(help="Partner YAML files or folders of them.")],
    template: TemplateOption = None,
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated: docx,pdf,html,md.")
    ] = "docx,pdf",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Output folder (default: dsagen.toml's output, else out/)."
        ),
    ] = None,
    force: ForceOption = False,
    skip_existing: Annotated[
        bool,
        typer.Option(
            "--skip-existing",
            help="Leave partners whose outputs all exist alone (resume a batch "
            "that was stopped); write only the missing outputs of the others.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPU count)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="Effective date (YYYY-MM-DD) overriding the partner files'."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    allow_lint_errors: Annotated[
        bool,
        typer.Option(
            "--allow-lint-errors",
            help="Generate even if dsagen lint finds a legally required "
            "element missing or contradicted.",
        ),
    ] = False,
    library: LibraryOption = None,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the agreements in the registry.")
    ] = False,
    registry: RegistryOption = None,
    final: Annotated[
        bool,
        typer.Option(
            "--final",
            help="The signing version: no DRAFT legend, no dsagen stamp or parameters "
            "in the document, a signature page legend.",
        ),
    ] = False,
    pdf_engine: Annotated[
        str,
        typer.Option(
            "--pdf-engine",
            help="weasyprint (no office suite needed) or libreoffice (the PDF "
            "converted from the DOCX, so both have the same pages).",
        ),
    ] = "weasyprint",
) -> None:
    """Assemble agreements from partner parameter files into DOCX/PDF/HTML/Markdown.

    Every file is checked and rendered before the first byte reaches the output folder; then
    the agreements are recorded and moved into place a few dozen at a time, so a batch stopped
    while writing resumes with --skip-existing."""
    from ..generate import Settings, parse_formats
    from ..render import RenderOptions, parse_pdf_engine

    out_dir = out_dir or default_output()
    settings = Settings(
        out_dir,
        library,
        template,
        parse_date(date),
        parse_formats(formats),
        not allow_lint_errors,
        options=RenderOptions(final=final, pdf_engine=parse_pdf_engine(pdf_engine)),
        agreement_text=False,  # only where each agreement went is printed
    )
    if not no_record:  # a bad --registry fails before anything is written (or created)
        from ..registry.record import issued_record
        from ..registry.store import check_registry

        check_registry(registry)
        settings = replace(settings, prepare_record=issued_record)
    plan = _check_all(paths, settings, force, skip_existing, jobs, as_json)
    if no_record:
        results = _write_all(plan, None, as_json)
    else:
        from ..registry.record import record_issued
        from .registry import open_registry

        with open_registry(registry, create=True) as opened:
            recorded: list[RecordedAgreement] = []
            results = _write_all(plan, partial(record_issued, opened), as_json, recorded.extend)
        new = sum(1 for r in recorded if r.new)
        err.print(
            f"recorded {new} new agreement(s) ({len(recorded) - new} already known) in "
            f"registry {opened.label}",
            markup=False,
        )
    _report(results, len(plan.verdicts), out_dir, as_json)


def _check_all(
    paths: list[Path],
    settings: Settings,
    force: bool,
    skip_existing: bool,
    jobs: int | None,
    quiet: bool,
) -> Plan:
    """Check and render the batch (held back until every file is known good), with a
    progress bar: this is where the time goes."""
    from ..generate import check_batch

    # A live bar only (an error stays one line), gone when done (the writing bar stays).
    with progress_bar(disable=quiet or not err.is_terminal, transient=True) as progress:
        task = progress.add_task("Checking and rendering", total=None, visible=False)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total, visible=total > 1)

        return check_batch(
            paths,
            settings=settings,
            force=force,
            skip_existing=skip_existing,
            jobs=jobs,
            on_progress=advance,
        )


def _write_all(
    plan: Plan,
    insert: Insert | None,
    quiet: bool,
    on_record: Callable[[list[RecordedAgreement]], None] | None = None,
) -> list[dict[str, Any]]:
    """Render, record and write the batch with a progress bar; keep only what is printed."""
    from ..generate import write_batch

    pending = len(plan.pending())
    results = []
    with progress_bar(disable=pending < 2 or quiet) as progress:
        task = progress.add_task("Recording and writing", total=pending)
        for result in write_batch(plan, insert=insert, on_record=on_record):
            results.append(
                {
                    "partner": result.partner,
                    "template": result.template,
                    "warnings": list(result.warnings),
                    "files": [
                        {"format": f.format, "path": f.path, "sha256": f.sha256}
                        for f in result.files
                    ],
                }
            )
            progress.advance(task)
    return results


def _report(results: list[dict[str, Any]], partners: int, out_dir: Path, as_json: bool) -> None:
    if as_json:
        print_json(results)
        return
    for result in results:
        files = ", ".join(f["path"] for f in result["files"])
        mark = "[yellow]![/yellow]" if result["warnings"] else "[green]✓[/green]"
        out.print(f"{mark} {result['partner']} ({result['template']}): {files}")
        for warning in result["warnings"]:
            err.print(f"  [yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    if partners > len(results):
        out.print(f"{partners - len(results)} partner(s) skipped: their outputs exist")
    out.print(
        f"{len(results)} agreement(s), {sum(len(r['files']) for r in results)} file(s) in {out_dir}"
    )
    flagged = sum(1 for r in results if r["warnings"])
    if flagged:
        out.print(
            f"[yellow]{flagged} agreement(s) have terms outside the playbook (needing "
            "approval or beyond walk-away): review them with dsagen lint before sending"
            "[/yellow]"
        )


@app.command()
@handled
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Partner YAML files or folders.")],
    template: TemplateOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one result per file as JSON.")
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Check partner files against their template's schema without writing anything."""
    from ..generate import validate_paths

    checked = validate_paths(paths, library=load_library(library), template=template)
    if as_json:
        print_json(
            [
                {
                    "path": str(item.path),
                    "valid": not item.errors,
                    "template": item.prepared.partner.template_id if item.prepared else None,
                    "errors": [error.message for error in item.errors],
                }
                for item in checked
            ]
        )
        if any(item.errors for item in checked):
            raise typer.Exit(2)
        return
    errors = 0
    for item in checked:
        if item.prepared is not None:
            partner = item.prepared.partner
            out.print(
                f"[green]✓[/green] {partner.path}: valid for {partner.template_id} "
                f"({len(partner.included)} clauses)"
            )
        for error in item.errors:
            print_error(error)
        errors += len(item.errors)
    if errors:
        bad = sum(1 for item in checked if item.errors)
        err.print(f"{errors} error(s) in {bad} of {len(checked)} file(s)")
        raise typer.Exit(2)


@app.command("new-partner")
@handled
def new_partner(
    name: Annotated[str, typer.Argument(help="Partner slug, e.g. gravy-uf.")],
    template: Annotated[
        str, typer.Option("--template", "-t", help="Template whose parameters the file lists.")
    ] = "research-dsa",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for NAME.yaml.")] = Path("."),
    force: ForceOption = False,
    library: LibraryOption = None,
) -> None:
    """Write NAME.yaml: every parameter of the template with its default and help."""
    from ..describe import partner_scaffold
    from ..output import inside, write_atomic
    from ..partners import SLUG

    if not SLUG.fullmatch(name):
        raise DsagenError(f"NAME: expected letters, digits, '.', '-' or '_', found '{name}'")
    text = partner_scaffold(load_library(library), template, name)
    target = inside(out_dir, f"{name}.yaml")
    write_atomic(target, text.encode("utf-8"), force=force)
    out.print(
        f"[green]✓[/green] wrote {target}; fill in the values marked 'required', then run "
        f"dsagen validate {target}"
    )
