"""The dsagen command line: parse arguments, call the library, format what it returns.

No logic lives here. Every DsagenError becomes one red line on stderr and its exit code.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .errors import DsagenError

app = typer.Typer(
    name="dsagen",
    help="Generate, compare and track research data sharing agreements.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
clauses_app = typer.Typer(help="Browse the clause library.", no_args_is_help=True)
templates_app = typer.Typer(help="Browse the agreement templates.", no_args_is_help=True)
app.add_typer(clauses_app, name="clauses")
app.add_typer(templates_app, name="templates")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])


def print_error(exc: DsagenError) -> None:
    """One red 'error:' line per problem (several when a run collected them all)."""
    for line in exc.message.splitlines():
        err.print(f"[red]error:[/red] {escape(line)}", markup=True, highlight=False)


def handled(func: F) -> F:
    """Turn DsagenError into one red line and its exit code; never a traceback for bad input."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DsagenError as exc:
            print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug in dsagen: say so plainly, traceback on request
            if os.environ.get("DSAGEN_DEBUG"):
                raise
            err.print(f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
                      "(a bug in dsagen; set DSAGEN_DEBUG=1 for the traceback)")
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DsagenError(f"--date: expected YYYY-MM-DD, found '{value}'") from None


def _library(root: Path | None) -> Any:
    from .library import load_library

    return load_library(root)


LibraryOption = Annotated[
    Path | None,
    typer.Option("--library", help="Project folder holding clauses/ and templates/ "
                 "(default: the one shipped with dsagen).", envvar="DSAGEN_LIBRARY"),
]


@app.command()
@handled
def generate(
    paths: Annotated[list[Path], typer.Argument(help="Partner YAML files or folders of them.")],
    template: Annotated[str | None, typer.Option(
        "--template", "-t", help="Template id (overrides the file's).")] = None,
    formats: Annotated[str, typer.Option("--format", "-f",
                                         help="Comma-separated: docx,pdf,html,md.")] = "docx,pdf",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
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
    registry: Annotated[str | None, typer.Option(
        "--registry", envvar="DSAGEN_REGISTRY", help="Registry database: a file path, "
        "sqlite:///PATH or postgresql://USER@HOST/DB (default: .dsagen/registry.db here).")
    ] = None,
) -> None:
    """Assemble agreements from partner parameter files into DOCX/PDF/HTML/Markdown."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from .generate import generate as run_generate
    from .generate import parse_formats, prepare

    fmt = parse_formats(formats)
    effective = _date(date)
    prepared = prepare(paths, library=_library(library), template=template,
                       effective_date=effective, refuse_lint_errors=not allow_lint_errors)
    total = len(prepared)
    if not no_record:  # checked first: a bad --registry fails before any file is written
        from .commands.registry import recorder

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
        _print_json([
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
    template: Annotated[str | None, typer.Option("--template", "-t")] = None,
    library: LibraryOption = None,
) -> None:
    """Check partner files against their template's schema without writing anything."""
    from .generate import validate_paths

    checked = validate_paths(paths, library=_library(library), template=template)
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


@clauses_app.command("list")
@handled
def clauses_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    library: LibraryOption = None,
) -> None:
    """List every clause with family, version and variants."""
    lib = _library(library)
    rows = [{"id": c.id, "title": c.title, "family": c.family, "version": c.version,
             "variants": list(c.variants), "params": list(c.params)}
            for c in lib.clauses.values()]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "family", "version", "title", "variants", "parameters")
    for row in rows:
        table.add_row(row["id"], row["family"], row["version"], row["title"],
                      ", ".join(row["variants"]), ", ".join(row["params"]))
    out.print(table)


@clauses_app.command("show")
@handled
def clauses_show(
    clause_id: Annotated[str, typer.Argument(help="Clause id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    library: LibraryOption = None,
) -> None:
    """Show one clause: parameters, playbook and the text of each variant."""
    from .describe import describe_clause

    data = describe_clause(_library(library).clause(clause_id))
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{data['title']}[/bold]  ({data['id']} {data['version']}, "
              f"family {data['family']})")
    if data["summary"]:
        out.print(data["summary"])
    if data["params"]:
        table = Table("parameter", "type", "default", "standard", "fallback", "walk-away", "help")
        for p in data["params"]:
            table.add_row(p["name"], p["type"], "required" if p["required"] else str(p["default"]),
                          str(p.get("standard", "")), p.get("fallback", ""),
                          p.get("walk_away", ""), p["help"])
        out.print(table)
    for variant in data["variants"]:
        out.print(f"\n[bold]variant {variant['name']}[/bold] ({variant['position']}): "
                  f"{variant['label']}" + (f"  when: {variant['when']}" if variant["when"] else ""))
        out.print(variant["text"].rstrip(), markup=False)


@templates_app.command("list")
@handled
def templates_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    library: LibraryOption = None,
) -> None:
    """List the agreement templates."""
    lib = _library(library)
    rows = [{"id": t.id, "title": t.title, "version": t.version, "description": t.description,
             "clauses": [e.clause_id for e in t.entries]} for t in lib.templates.values()]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "version", "title", "clauses", "description")
    for row in rows:
        table.add_row(row["id"], row["version"], row["title"], str(len(row["clauses"])),
                      row["description"])
    out.print(table)


@templates_app.command("show")
@handled
def templates_show(
    template_id: Annotated[str, typer.Argument(help="Template id.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    library: LibraryOption = None,
) -> None:
    """Show a template's clauses (with conditions) and attachments."""
    lib = _library(library)
    template = lib.template(template_id)
    data = {"id": template.id, "title": template.title, "version": template.version,
            "description": template.description,
            "clauses": [{"id": e.clause_id, "when": e.when,
                         "version": lib.clause(e.clause_id).version} for e in template.entries],
            "attachments": [{"licence_from": a.licence_from, "when": a.when}
                            for a in template.attachments]}
    if as_json:
        _print_json(data)
        return
    out.print(f"[bold]{template.title}[/bold] ({template.id} {template.version})")
    table = Table("#", "clause", "version", "included when")
    for index, entry in enumerate(data["clauses"], start=1):
        table.add_row(str(index), entry["id"], entry["version"], entry["when"] or "always")
    out.print(table)
    for attachment in template.attachments:
        out.print(f"attachment: licence named by '{attachment.licence_from}'"
                  + (f" when {attachment.when}" if attachment.when else ""))


@app.command("new-partner")
@handled
def new_partner(
    name: Annotated[str, typer.Argument(help="Partner slug, e.g. gravy-uf.")],
    template: Annotated[str, typer.Option("--template", "-t")] = "research-dsa",
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for NAME.yaml.")] = Path("."),
    force: Annotated[bool, typer.Option("--force")] = False,
    library: LibraryOption = None,
) -> None:
    """Write NAME.yaml: every parameter of the template with its default and help."""
    from .describe import partner_scaffold
    from .output import inside, write_atomic
    from .partners import SLUG

    if not SLUG.fullmatch(name):
        raise DsagenError(f"NAME: expected letters, digits, '.', '-' or '_', found '{name}'")
    text = partner_scaffold(_library(library), template, name)
    target = inside(out_dir, f"{name}.yaml")
    write_atomic(target, text.encode("utf-8"), force=force)
    out.print(f"[green]✓[/green] wrote {target}; fill in the values marked 'required', then run "
              f"dsagen validate {target}")


FAIL_ON = ("any", "fallback", "approval", "walk-away")


@app.command()
@handled
def diff(
    standard: Annotated[Path, typer.Argument(help="The standard: a partner YAML (generated in "
                                             "memory) or the DOCX we issued.")],
    negotiated: Annotated[Path, typer.Argument(help="The DOCX that came back.")],
    template: Annotated[str | None, typer.Option("--template", "-t")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report.")] = False,
    json_file: Annotated[Path | None, typer.Option("--json-file",
                                                   help="Write the JSON report here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write an HTML report.")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write a PDF report.")] = None,
    redline: Annotated[Path | None, typer.Option(
        "--redline", help="Write a DOCX with native tracked changes.")] = None,
    author: Annotated[str, typer.Option("--author",
                                        help="Author of the redline's own revisions.")] = "dsagen",
    date: Annotated[str | None, typer.Option(
        "--date", help="Date of the redline's own revisions (YYYY-MM-DD or ISO time; default: "
        "the negotiated file's modified date).")] = None,
    fail_on: Annotated[str, typer.Option(
        "--fail-on", help="Exit 1 when a deviation reaches: any, fallback, approval, walk-away."
    )] = "any",
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")] = False,
    library: LibraryOption = None,
) -> None:
    """Compare a negotiated agreement with the standard, clause by clause."""
    from .compare.api import compare_files
    from .compare.model import SEVERITIES
    from .output import check_writable, write_atomic
    from .report.terminal import print_comparison

    if fail_on not in FAIL_ON:
        raise DsagenError(f"--fail-on: expected one of {', '.join(FAIL_ON)}, found '{fail_on}'")
    for target in (json_file, html, pdf, redline):
        if target is not None:
            check_writable(target, force=force)
    comparison, standard_doc, negotiated_doc = compare_files(
        standard, negotiated, library=_library(library), template=template)
    data = comparison.to_json()
    if json_file is not None:
        write_atomic(json_file, json.dumps(data, indent=2, ensure_ascii=False).encode(),
                     force=force)
    if html is not None:
        from .report.html import render_report_html

        write_atomic(html, render_report_html(comparison).encode("utf-8"), force=force)
    if pdf is not None:
        from .report.html import render_report_pdf

        write_atomic(pdf, render_report_pdf(comparison), force=force)
    if redline is not None:
        from .read.package import read_document_bytes
        from .report.redline_docx import render_redline

        stamp = _revision_date(date, negotiated_doc.core_properties.get("modified"))
        write_atomic(redline, render_redline(standard_doc.docx, read_document_bytes(negotiated),
                                             author=author, date=stamp), force=force)
    if as_json:
        _print_json(data)
    else:
        print_comparison(comparison, out)
    substantive = [c for c in comparison.clauses if c.substantive]
    if fail_on in ("any",):
        failed = bool(substantive)
    else:
        threshold = SEVERITIES.index(fail_on)
        failed = any(c.severity in SEVERITIES and SEVERITIES.index(c.severity) >= threshold
                     for c in substantive)
    if failed:
        raise typer.Exit(1)


def _print_json(data: Any) -> None:
    """Plain JSON on stdout (rich's highlighter costs a third of a second on big reports)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


DEFAULT_REVISION_DATE = "2000-01-01T00:00:00Z"


def _revision_date(flag: str | None, modified: str | None) -> str:
    """Deterministic revision dates: from the flag, else the negotiated file's own modified
    date, else a fixed date (a partner's unreadable metadata is no reason to fail)."""
    if flag is not None:
        parsed = _iso(flag)
        if parsed is None:
            raise DsagenError(f"--date: expected YYYY-MM-DD or an ISO time, found '{flag}'")
        return parsed
    return (_iso(modified) if modified else None) or DEFAULT_REVISION_DATE


def _iso(value: str) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="dsagen")


if __name__ == "__main__":  # pragma: no cover
    main()


from .commands import lint as _lint  # noqa: E402,F401
from .commands import registry as _registry  # noqa: E402,F401
