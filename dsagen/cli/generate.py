"""`dsagen generate`, `validate` and `new-partner`: from partner files to agreements."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..errors import DsagenError
from .common import (
    LibraryOption,
    RegistryOption,
    app,
    default_output,
    err,
    handled,
    load_library,
    out,
    parse_date,
    print_error,
    print_json,
)


@app.command()
@handled
def generate(
    paths: Annotated[list[Path], typer.Argument(help="Partner YAML files or folders of them.")],
    template: Annotated[str | None, typer.Option(
        "--template", "-t", help="Template id (overrides the file's).")] = None,
    formats: Annotated[str, typer.Option("--format", "-f",
                                         help="Comma-separated: docx,pdf,html,md.")] = "docx,pdf",
    out_dir: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output folder (default: dsagen.toml's output, else out/).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1,
                                             help="Worker processes (default: CPU count).")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Effective date (YYYY-MM-DD) "
                                             "overriding the partner files'.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
    allow_lint_errors: Annotated[bool, typer.Option(
        "--allow-lint-errors", help="Generate even if dsagen lint finds a legally required "
        "element missing or contradicted.")] = False,
    library: LibraryOption = None,
    no_record: Annotated[bool, typer.Option(
        "--no-record", help="Do not record the agreements in the registry.")] = False,
    registry: RegistryOption = None,
) -> None:
    """Assemble agreements from partner parameter files into DOCX/PDF/HTML/Markdown."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ..generate import generate as run_generate
    from ..generate import parse_formats, prepare

    out_dir = out_dir or default_output()
    fmt = parse_formats(formats)
    effective = parse_date(date)
    prepared = prepare(paths, library=load_library(library), template=template,
                       effective_date=effective, refuse_lint_errors=not allow_lint_errors)
    total = len(prepared)
    if not no_record:  # checked first: a bad --registry fails before any file is written
        from .registry import recorder

        record = recorder(registry, library)
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                  disable=total < 2 or as_json, transient=False) as progress:
        task = progress.add_task("Generating", total=total)
        results = run_generate(paths, out_dir=out_dir, formats=fmt, template=template,
                               force=force, jobs=jobs, effective_date=effective,
                               library_root=library, allow_lint_errors=allow_lint_errors,
                               prepared=prepared, on_done=lambda _r: progress.advance(task))
    if not no_record:
        record(results)
    if as_json:
        print_json([
            {"partner": r.partner, "template": r.template, "warnings": list(r.warnings),
             "files": [{"format": f.format, "path": f.path, "sha256": f.sha256} for f in r.files]}
            for r in results])
        return
    for result in results:
        files = ", ".join(f.path for f in result.files)
        mark = "[yellow]![/yellow]" if result.warnings else "[green]✓[/green]"
        out.print(f"{mark} {result.partner} ({result.template}): {files}")
        for warning in result.warnings:
            err.print(f"  [yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    out.print(f"{len(results)} agreement(s), {sum(len(r.files) for r in results)} file(s) "
              f"in {out_dir}")
    flagged = sum(1 for r in results if r.warnings)
    if flagged:
        out.print(f"[yellow]{flagged} agreement(s) have terms outside the playbook (needing "
                  "approval or beyond walk-away): review them with dsagen lint before sending"
                  "[/yellow]")


@app.command()
@handled
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Partner YAML files or folders.")],
    template: Annotated[str | None, typer.Option(
        "--template", "-t", help="Template id (overrides the files').")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one result per file as "
                                          "JSON.")] = False,
    library: LibraryOption = None,
) -> None:
    """Check partner files against their template's schema without writing anything."""
    from ..generate import validate_paths

    checked = validate_paths(paths, library=load_library(library), template=template)
    if as_json:
        print_json([{"path": str(item.path), "valid": not item.errors,
                     "template": item.prepared.partner.template_id if item.prepared else None,
                     "errors": [error.message for error in item.errors]} for item in checked])
        if any(item.errors for item in checked):
            raise typer.Exit(2)
        return
    errors = 0
    for item in checked:
        if item.prepared is not None:
            partner = item.prepared.partner
            out.print(f"[green]✓[/green] {partner.path}: valid for {partner.template_id} "
                      f"({len(partner.included)} clauses)")
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
    template: Annotated[str, typer.Option(
        "--template", "-t", help="Template whose parameters the file lists.")] = "research-dsa",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for NAME.yaml.")] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite NAME.yaml.")] = False,
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
    out.print(f"[green]✓[/green] wrote {target}; fill in the values marked 'required', then run "
              f"dsagen validate {target}")


