"""`dsagen lint`: regulatory rules and the playbook over partner files and negotiated DOCX.

The command calls dsagen.lint and formats what it returns: a table of findings per file (or
JSON, docs/lint.md), `--rules` to list every rule with its citation. Exit 1 on any error-level
finding, 2 on bad input.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..errors import DsagenError
from .common import LibraryOption, TemplateOption, app, handled, load_library, out, print_json

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
RULE_WIDTH = 34  # rule ids stay whole in an 80-column terminal


class LintFailOn(str, Enum):
    """The lowest finding severity that makes `dsagen lint` exit 1."""

    error = "error"
    warning = "warning"


@app.command()
@handled
def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Partner YAML files, negotiated DOCX files, or folders of them."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    rules: Annotated[
        bool,
        typer.Option("--rules", help="List every regulatory rule with its citation, and exit."),
    ] = False,
    profile: Annotated[
        list[str] | None,
        typer.Option(
            "--profile",
            "-p",
            help="Evaluate only this profile (repeatable), whether or not the "
            "partner's parameters call for it; 'playbook' selects the playbook checks.",
        ),
    ] = None,
    standard: Annotated[
        Path | None,
        typer.Option(
            "--standard",
            help="For a DOCX without dsagen provenance: the partner YAML or the DOCX as issued.",
        ),
    ] = None,
    template: TemplateOption = None,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also list info findings (pre-approved fallbacks)."),
    ] = False,
    fail_on: Annotated[
        LintFailOn,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding reaches: error (legal requirement broken) or "
            "warning (also anything outside the playbook).",
        ),
    ] = LintFailOn.error,
    library: LibraryOption = None,
) -> None:
    """Check partner files before generation, and negotiated agreements after, against the law
    that governs the data and the organisation's playbook."""
    from ..lint import check_only, load_profiles, reports_json
    from ..registry.issued import issued_records
    from ..review import lint_paths

    lib = load_library(library)
    if rules:
        _print_rules(load_profiles(lib), check_only(profile, lib), as_json)
        return
    if not paths:
        raise DsagenError("expected PATH... (partner YAML or DOCX files, or folders), or --rules")
    reports = lint_paths(
        paths,
        library=lib,
        only=profile,
        standard=standard,
        template=template,
        records=issued_records(),
    )
    if as_json:
        print_json(reports_json(reports))
    else:
        for report in reports:
            _print_report(report, verbose)
        _print_summary(reports, verbose)
    if any(report.fails(fail_on.value) for report in reports):
        raise typer.Exit(1)


def _print_rules(profiles: Any, only: tuple[str, ...] | None, as_json: bool) -> None:
    chosen = [p for p in profiles if not only or p.id in only]
    if as_json:
        print_json(
            [
                {
                    "profile": p.id,
                    "title": p.title,
                    "citation": p.citation,
                    "applies_when": p.applies_when,
                    "path": p.path,
                    "rules": [
                        {
                            "rule": r.id,
                            "severity": r.severity,
                            "citation": r.citation,
                            "element": r.element,
                            "clause": r.clause,
                            "parameters": list(r.parameters),
                            "when": r.when,
                        }
                        for r in p.rules
                    ],
                }
                for p in chosen
            ]
        )
        return
    for p in chosen:
        out.print(f"[bold]{p.title}[/bold] ({p.id}; {p.citation})", highlight=False)
        out.print(f"  applies when: {p.applies_when}", markup=False, style="dim")
        table = Table(show_lines=True)
        table.add_column(
            "rule · severity · citation", ratio=2, min_width=RULE_WIDTH, overflow="fold"
        )
        table.add_column("requires", ratio=3)
        for r in p.rules:
            head = Text(r.id, style="bold")
            head.append(f"\n{r.severity}", style=SEVERITY_STYLE[r.severity])
            head.append(f"\n{r.citation}")
            where = (r.clause and f"clause {r.clause}") or ", ".join(r.parameters)
            requires = Text(r.element)
            if where:
                requires.append(f"\n{where}", style="dim")
            if r.when:
                requires.append(f"\nwhen {r.when}", style="dim")
            table.add_row(head, requires)
        out.print(table)
    out.print(f"{sum(len(p.rules) for p in chosen)} rule(s) in {len(chosen)} profile(s)")


def _print_report(report: Any, verbose: bool) -> None:
    errors, warnings, infos = (report.count(s) for s in ("error", "warning", "info"))
    mark = (
        "[bold red]✗[/bold red]"
        if errors
        else "[yellow]![/yellow]"
        if warnings
        else "[green]✓[/green]"
    )
    profiles = ", ".join(report.profiles) or "no regulatory profile"
    out.print(
        f"{mark} {report.path} ({report.kind}, {report.template or '?'}; {profiles}): "
        f"{errors} error(s), {warnings} warning(s), {infos} info",
        highlight=False,
    )
    shown = [f for f in report.findings if verbose or f.severity != "info"]
    if shown:
        table = Table(show_lines=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("rule · citation · where", ratio=2, min_width=RULE_WIDTH, overflow="fold")
        table.add_column("found → required", ratio=3)
        for f in shown:
            head = Text(f.rule, style="bold")
            head.append(f"\n{f.citation}")
            where = " · ".join(
                x
                for x in (
                    f.clause and f"clause {f.clause}",
                    f.parameter and f"parameter {f.parameter}",
                    f.line and f"line {f.line}",
                )
                if x
            )
            if where:
                head.append(f"\n{where}", style="dim")
            body = Text("found: ", style="bold")
            body.append(f.found)
            body.append("\nrequired: ", style="bold")
            body.append(f.required)
            table.add_row(Text(f.severity, style=SEVERITY_STYLE[f.severity]), head, body)
        out.print(table)
    for note in report.notes:
        out.print(f"  note: {note}", markup=False, style="dim")


def _print_summary(reports: list[Any], verbose: bool) -> None:
    totals = {s: sum(r.count(s) for r in reports) for s in ("error", "warning", "info")}
    hint = "" if verbose or not totals["info"] else " (pre-approved fallbacks; -v lists them)"
    out.print(
        f"{len(reports)} file(s): {totals['error']} error(s), {totals['warning']} "
        f"warning(s), {totals['info']} info{hint}",
        highlight=False,
    )
