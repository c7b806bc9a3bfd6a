"""`dsagen init`: start an organisation's own project folder from the shipped library."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import ForceOption, app, handled, out, print_json


@app.command()
@handled
def init(
    folder: Annotated[Path, typer.Argument(help="The project folder to create (or fill).")],
    force: ForceOption = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the files written as JSON.")
    ] = False,
) -> None:
    """Write a project folder: dsagen.toml, the clause library, templates, rules, playbook and
    an example partner, ready for git."""
    from ..project import init_project

    result = init_project(folder, force=force)
    if as_json:
        print_json(result.to_json())
        return
    out.print(f"[green]✓[/green] wrote {len(result.files)} files into {folder}", highlight=False)
    out.print(f"next: cd {folder} && git init && dsagen generate partners/", markup=False)
