"""`dsagen clauses` and `dsagen templates`: browse the clause library."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from .common import (
    JsonOption,
    LibraryOption,
    clauses_app,
    handled,
    load_library,
    out,
    print_json,
    templates_app,
)


@clauses_app.command("list")
@handled
def clauses_list(
    as_json: JsonOption = False,
    library: LibraryOption = None,
) -> None:
    """List every clause with family, version and variants."""
    lib = load_library(library)
    rows = [
        {
            "id": c.id,
            "title": c.title,
            "family": c.family,
            "version": c.version,
            "variants": list(c.variants),
            "params": list(c.params),
        }
        for c in lib.clauses.values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "family", "version", "title", "variants", "parameters")
    for c in lib.clauses.values():
        table.add_row(
            c.id, c.family, c.version, c.title, ", ".join(c.variants), ", ".join(c.params)
        )
    out.print(table)


@clauses_app.command("show")
@handled
def clauses_show(
    clause_id: Annotated[str, typer.Argument(help="Clause id.")],
    as_json: JsonOption = False,
    library: LibraryOption = None,
) -> None:
    """Show one clause: parameters, playbook and the text of each variant."""
    from ..describe import describe_clause

    data = describe_clause(load_library(library).clause(clause_id))
    if as_json:
        print_json(data)
        return
    out.print(
        f"[bold]{data['title']}[/bold]  ({data['id']} {data['version']}, family {data['family']})"
    )
    if data["summary"]:
        out.print(data["summary"])
    if data["params"]:
        table = Table("parameter", "type", "default", "standard", "fallback", "walk-away", "help")
        for p in data["params"]:
            table.add_row(
                p["name"],
                p["type"],
                "required" if p["required"] else str(p["default"]),
                str(p.get("standard", "")),
                p.get("fallback", ""),
                p.get("walk_away", ""),
                p["help"],
            )
        out.print(table)
    for variant in data["variants"]:
        out.print(
            f"\n[bold]variant {variant['name']}[/bold] ({variant['position']}): "
            f"{variant['label']}" + (f"  when: {variant['when']}" if variant["when"] else "")
        )
        out.print(variant["text"].rstrip(), markup=False)


@templates_app.command("list")
@handled
def templates_list(
    as_json: JsonOption = False,
    library: LibraryOption = None,
) -> None:
    """List the agreement templates."""
    lib = load_library(library)
    rows = [
        {
            "id": t.id,
            "title": t.title,
            "version": t.version,
            "description": t.description,
            "clauses": [e.clause_id for e in t.entries],
        }
        for t in lib.templates.values()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "version", "title", "clauses", "description")
    for t in lib.templates.values():
        table.add_row(t.id, t.version, t.title, str(len(t.entries)), t.description)
    out.print(table)


@templates_app.command("show")
@handled
def templates_show(
    template_id: Annotated[str, typer.Argument(help="Template id.")],
    as_json: JsonOption = False,
    library: LibraryOption = None,
) -> None:
    """Show a template's clauses (with conditions) and attachments."""
    lib = load_library(library)
    template = lib.template(template_id)
    data: dict[str, Any] = {
        "id": template.id,
        "title": template.title,
        "version": template.version,
        "description": template.description,
        "clauses": [
            {"id": e.clause_id, "when": e.when, "version": lib.clause(e.clause_id).version}
            for e in template.entries
        ],
        "attachments": [
            {"licence_from": a.licence_from, "when": a.when} for a in template.attachments
        ],
    }
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{template.title}[/bold] ({template.id} {template.version})")
    table = Table("#", "clause", "version", "included when")
    for index, entry in enumerate(template.entries, start=1):
        table.add_row(
            str(index), entry.clause_id, lib.clause(entry.clause_id).version, entry.when or "always"
        )
    out.print(table)
    for attachment in template.attachments:
        out.print(
            f"attachment: licence named by '{attachment.licence_from}'"
            + (f" when {attachment.when}" if attachment.when else "")
        )


@clauses_app.command("lock")
@handled
def clauses_lock(
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only check: exit 1 when the lock file is out of date, naming each clause.",
        ),
    ] = False,
    library: LibraryOption = None,
) -> None:
    """Regenerate clauses/_library.lock (id, version, digest of each clause's text); refused
    while a clause's text changed without a version bump."""
    from ..lock import check_lock, write_lock

    lib = load_library(library)
    if check:
        problems = check_lock(lib)
        for problem in problems:
            out.print(f"{problem.clause}: {problem.message}", markup=False)
        if problems:
            raise typer.Exit(1)
        out.print("[green]✓[/green] clauses/_library.lock matches every clause")
        return
    path = write_lock(lib)
    out.print(f"wrote {path} ({len(lib.clauses)} clauses)", markup=False)
