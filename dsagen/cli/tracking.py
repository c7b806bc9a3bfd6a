"""Tracking commands: approve deviations, forget a mistaken ingest, list the dates that come due.

Each opens the registry, calls one function of dsagen.registry and formats what it returns.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import DsagenError
from .common import (
    CsvOption,
    ForceOption,
    JsonOption,
    LibraryOption,
    RegistryOption,
    TodayOption,
    app,
    err,
    handled,
    load_library,
    out,
    parse_date,
    print_json,
    write_csv,
)
from .registry import open_registry

if TYPE_CHECKING:
    from ..registry.due import Due

DUE_COLUMNS = (
    "date",
    "partner",
    "partner_name",
    "agreement",
    "reference",
    "clause",
    "deadline",
    "name",
    "owed_by",
    "description",
)


@app.command()
@handled
def approve(
    partner: Annotated[str, typer.Argument(help="Partner slug.")],
    by: Annotated[str, typer.Option("--by", help="Who approves (a name, kept in the history).")],
    clause: Annotated[
        str | None,
        typer.Option(
            "--clause",
            help="The clause id (or added clause's title) approved; default: every "
            "deviation above fallback still awaiting approval.",
        ),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why, or on what condition.")] = "",
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """Record an approval of deviations above fallback where the partner's agreement stands."""
    from ..registry.approvals import approve as run_approve

    with open_registry(registry) as reg:
        current, approved = run_approve(reg, partner, by=by, clause=clause, note=note)
    if as_json:
        print_json(
            {
                "schema": "dsagen.approval/1",
                "partner": partner,
                "agreement": current.agreement_id,
                "version": current.version_seq,
                "approved": [d.to_json() for d in approved],
                "pending": [d.to_json() for d in current.pending],
            }
        )
        return
    for item in approved:
        out.print(
            f"[green]✓[/green] {escape(partner)}: {escape(item.clause)} "
            f"({item.position}) approved by {escape(item.approved_by or '')} in agreement "
            f"#{current.agreement_id}, {current.source}",
            highlight=False,
        )
    pending = current.pending
    out.print(
        f"{len(pending)} deviation(s) still await approval"
        + (f": {', '.join(d.clause for d in pending)}" if pending else ""),
        markup=False,
    )


@app.command()
@handled
def forget(
    partner: Annotated[str, typer.Argument(help="Partner slug.")],
    version: Annotated[int, typer.Argument(help="Negotiated version number (dsagen history).")],
    note: Annotated[str, typer.Option("--note", help="Why it is forgotten.")] = "",
    by: Annotated[str, typer.Option("--by", help="Who forgets it.")] = "",
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """Remove a mistakenly ingested copy (its version, clauses and file); the history keeps a
    record that it was forgotten."""
    from ..registry.forget import forget as run_forget

    with open_registry(registry) as reg:
        done = run_forget(reg, partner, version, note=note, by=by)
    if as_json:
        print_json(done.to_json())
        return
    restored = f"; agreement back to {done.state[1]}" if done.state else ""
    out.print(
        f"[green]✓[/green] {escape(partner)}: version {done.version} "
        f"({escape(done.filename)}) forgotten{restored}; recorded in dsagen history "
        f"{escape(partner)}",
        highlight=False,
    )


@app.command()
@handled
def due(
    within: Annotated[
        str | None,
        typer.Option("--within", help="Only dates from today to this far ahead: 90d, 12w, 6m, 1y."),
    ] = None,
    today: TodayOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    ics: Annotated[
        Path | None,
        typer.Option("--ics", help="Write an iCalendar file (Outlook, Google Calendar)."),
    ] = None,
    force: ForceOption = False,
    library: LibraryOption = None,
    registry: RegistryOption = None,
) -> None:
    """Dates that come due under executed agreements: Term end, Retention End Date,
    certificate of destruction and every other deadline the clause library declares."""
    from ..registry.due import due as run_due
    from ..registry.due import to_ics
    from ..registry.due import within as window_end

    if sum((as_json, as_csv)) > 1:
        raise DsagenError("--json and --csv: choose one")
    start = parse_date(today, "--today") or dt.date.today()
    until = window_end(within, start) if within is not None else None
    lib = load_library(library)
    with open_registry(registry) as reg:
        found = run_due(reg, lib, today=start, until=until)
    if ics is not None:
        from ..output import write_atomic

        stamp = dt.datetime.combine(start, dt.time(), tzinfo=dt.timezone.utc)
        write_atomic(ics, to_ics(found, stamp=stamp), force=force)
        err.print(f"wrote {ics} ({len(found)} date(s))", markup=False)
    if as_json:
        print_json(
            {
                "schema": "dsagen.due/1",
                "today": start.isoformat(),
                "until": until.isoformat() if until else None,
                "dates": [d.to_json() for d in found],
            }
        )
    elif as_csv:
        write_csv([d.to_json() for d in found], DUE_COLUMNS)
    elif ics is None:
        _print_due(found, start, until)


def _print_due(found: list[Due], start: dt.date, until: dt.date | None) -> None:
    if not found:
        window = f" between {start} and {until}" if until else ""
        out.print(f"nothing comes due{window} under executed agreements", markup=False)
        return
    table = Table(
        "date",
        "partner",
        "agreement",
        "what",
        "owed by",
        title=(f"{len(found)} date(s)" + (f" from {start} to {until}" if until else "")),
        title_justify="left",
    )
    for item in found:
        style = "bold red" if item.date < start else ""
        table.add_row(
            f"[{style}]{item.date}[/]" if style else str(item.date),
            escape(item.partner),
            f"#{item.agreement}",
            escape(item.name),
            item.owed_by,
        )
    out.print(table)
