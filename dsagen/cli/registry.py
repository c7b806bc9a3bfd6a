"""The registry's commands: ingest, variants, history, outdated, verify, export, state.

Each one opens the registry (`--registry URL`, DSAGEN_REGISTRY, else .dsagen/registry.db in
the working folder), calls one function of dsagen.registry and formats what it returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ..errors import DeviationsFound, DsagenError
from .common import (
    CsvOption,
    ForceOption,
    JsonOption,
    LibraryOption,
    RegistryOption,
    app,
    err,
    fewer_collections,
    handled,
    load_library,
    out,
    print_json,
    print_json_bytes,
    progress_bar,
    write_csv,
)

if TYPE_CHECKING:
    from ..registry.store import Registry


class ExportFormat(str, Enum):
    """What `dsagen export` writes."""

    json = "json"
    csv = "csv"


COLOURS = {
    "standard": "green",
    "fallback": "blue",
    "approval": "yellow",
    "missing": "magenta",
    "walk-away": "bold red",
    "n/a": "dim",
}


def open_registry(url: str | None, *, create: bool = False) -> Registry:
    from ..registry.store import open_registry as open_store

    registry = open_store(url, create=create)
    if registry.created:
        err.print(f"created registry database {registry.label}", markup=False)
    return registry


def _kind(kind: str, text: str | None = None) -> str:

    return f"[{COLOURS.get(kind, 'white')}]{escape(text if text is not None else kind)}[/]"


@app.command()
@handled
def ingest(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="[PARTNER] FILE...",
            help="The partner slug (the name of its YAML file), then "
            "the negotiated DOCX files it returned; with --auto, only files or folders.",
        ),
    ],
    auto: Annotated[
        bool,
        typer.Option(
            "--auto",
            help="Take each copy's partner from its provenance (checked against the "
            "registry); folders are read for their DOCX files.",
        ),
    ] = False,
    state: Annotated[str, typer.Option("--state", help="received or executed.")] = "received",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Record a copy whose provenance names another partner, template or "
            "reference anyway (noted in the history).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes reading and comparing while this one records "
            "(default: CPU count; 1: everything in this process).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    library: LibraryOption = None,
    registry: RegistryOption = None,
) -> None:
    """Compare negotiated DOCX files with the issued agreements and record them (exit 2 when
    any file could not be recorded; the others are)."""
    from ..registry.ingest import ingest_many, ingest_targets

    partner, files = _ingest_arguments(targets, auto)
    paths = ingest_targets(files)
    if not paths:
        raise DsagenError(f"expected DOCX files, found none in {', '.join(map(str, files))}")
    single = len(paths) == 1 and not auto
    with (
        open_registry(registry) as reg,
        _progress(len(paths), as_json or single) as advance,
        fewer_collections(),
    ):

        def done(outcome: Any) -> None:
            if outcome.error is not None and not single:  # said as it happens; the rest go on
                err.print(f"[red]error:[/red] {escape(str(outcome.error))}", highlight=False)
            advance()

        outcomes = ingest_many(
            reg,
            partner,
            paths,
            state=state,
            force=force,
            jobs=jobs,
            library=load_library(library) if library else None,
            done=done,
        )
    failed = [o for o in outcomes if o.error is not None]
    if single and failed:
        raise failed[0].error  # type: ignore[misc]
    if as_json:
        print_json(
            outcomes[0].to_json()
            if single
            else {
                "schema": "dsagen.ingest/1",
                "files": [o.to_json() for o in outcomes],
                "summary": {
                    "recorded": sum(1 for o in outcomes if o.result and not o.result.duplicate),
                    "duplicate": sum(1 for o in outcomes if o.result and o.result.duplicate),
                    "failed": len(failed),
                },
            }
        )
    else:
        for outcome in outcomes:
            if outcome.result is not None:
                _print_ingested(outcome.result, brief=not single)
        if not single:
            out.print(
                f"{len(outcomes) - len(failed)} of {len(outcomes)} file(s) recorded or "
                f"already known; {len(failed)} failed",
                highlight=False,
            )
    if failed:
        raise typer.Exit(max(o.error.exit_code for o in failed if o.error is not None))


def _ingest_arguments(targets: list[str], auto: bool) -> tuple[str | None, list[Path]]:
    if auto:
        return None, [Path(t) for t in targets]
    if len(targets) < 2:
        raise DsagenError(
            f"expected PARTNER FILE... (or --auto FILE...|FOLDER), found {len(targets)} argument(s)"
        )
    return targets[0], [Path(t) for t in targets[1:]]


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[], None]]:
    with progress_bar(disable=quiet or total < 2) as progress:
        task = progress.add_task("Ingesting", total=total)
        yield lambda: progress.advance(task)


def _print_ingested(result: Any, *, brief: bool) -> None:
    partner = escape(result.partner)
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {partner}: {escape(warning)}", highlight=False)
    if result.duplicate:
        out.print(
            f"= {partner}: this file is already recorded as version {result.version} "
            f"(received {result.received_at}); nothing added"
        )
        return
    out.print(
        f"[green]✓[/green] {partner}: version {result.version} recorded ({result.state}), "
        f"compared with agreement #{result.agreement_id}; worst: "
        f"{_kind(result.worst_severity or 'standard')}"
    )
    if result.deviations and not brief:
        table = Table("clause", "status", "position", "why")
        for item in result.deviations:
            table.add_row(
                item["clause"], item["status"], _kind(item["position"]), "; ".join(item["reasons"])
            )
        out.print(table)


@app.command()
@handled
def variants(
    clause: Annotated[
        str | None,
        typer.Option("--clause", help="One clause id (or family): every wording across partners."),
    ] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Write an HTML heat map (with redline pages beside it)."),
    ] = None,
    force: ForceOption = False,
    registry: RegistryOption = None,
) -> None:
    """Which partners deviate on which clause family, and how (or one clause's wordings)."""
    from ..registry import queries

    if clause is not None and html is not None:
        raise DsagenError("--html: the heat map shows every clause family; drop --clause")
    with open_registry(registry) as reg:
        if clause is not None:
            found = queries.clause_variants(reg, clause)
            if as_json:
                print_json(found.to_json())
            elif as_csv:
                write_csv(found.csv_rows(), ("group", "count", "partners", "text"))
            else:
                _print_clause_variants(found)
            return
        matrix = queries.variants_matrix(reg)
        if html is not None:
            from ..registry.heatmap import write_heatmap

            folder = write_heatmap(reg, matrix, html, force=force)
            err.print(
                f"wrote {html} ({len(matrix.rows)} partners; redlines in {folder})", markup=False
            )
    if as_json:
        print_json_bytes(matrix.json_bytes())
    elif as_csv:
        write_csv(
            matrix.csv_rows(),
            ("partner", "family", "kind", "label", "clause", "source", "version", "reasons"),
        )
    elif html is None:
        _print_matrix(matrix)


def _print_matrix(matrix: Any) -> None:

    if not matrix.rows:
        out.print("the registry has no agreements yet")
        return
    # One line per partner naming only the families off the standard: the full partner x
    # family grid (21 columns) does not fit a terminal; --html, --json and --csv have it.
    table = Table(
        "partner",
        "standard",
        "off the standard (family: position, why)",
        title=f"{len(matrix.rows)} partner(s) x {len(matrix.families)} clause "
        "families (full grid: --html, --json, --csv)",
        title_justify="left",
    )
    for row in matrix.rows:
        cells = [(family, row.cell(family)) for family in matrix.families]
        standard = sum(1 for _, cell in cells if cell.kind == "standard")
        present = sum(1 for _, cell in cells if cell.kind != "n/a")
        off = [
            f"{escape(family)}: {_kind(cell.kind)}" + _why(cell.kind, cell.label)
            for family, cell in cells
            if cell.kind not in ("standard", "n/a")
        ]
        suffix = "" if row.head.source == "negotiated" else " [dim](issued)[/dim]"
        table.add_row(
            escape(row.head.partner) + suffix,
            f"{standard}/{present}",
            "\n".join(off) or "[green]all standard[/green]",
        )
    out.print(table)


def _why(kind: str, label: str) -> str:
    """A cell's label without the position it repeats, short enough for one line."""

    label = label.removeprefix(f"{kind}: ").strip()
    if not label or label in (kind, f"custom ({kind})"):
        return ""
    label = " ".join(label.split())
    return f" [dim]{escape(label if len(label) <= 60 else label[:59] + '…')}[/dim]"


def _print_clause_variants(found: Any) -> None:
    out.print(
        f"[bold]{found.clause}[/bold]: {found.total} partner(s), "
        f"{len(found.groups)} group(s) of near-identical wording"
    )
    for index, group in enumerate(found.groups, start=1):
        data = group.to_json()
        positions = ", ".join(f"{_kind(k)} × {n}" for k, n in data["positions"].items())
        out.print(
            f"\n[bold]{index}.[/bold] {data['count']} partner(s), "
            f"{len(group.wordings)} wording(s); {positions}"
        )
        out.print(data["text"], markup=False)
        names = data["partners"]
        out.print(f"[dim]{escape(', '.join(names[:12]))}{' …' if len(names) > 12 else ''}[/dim]")
    for name, values in found.parameters.items():
        shown = ", ".join(
            f"{json.dumps(value) if not isinstance(value, str) else value} × {len(names)}"
            for value, names in values
        )
        out.print(f"\n{name}: {shown}", markup=False)
    if found.missing:
        out.print(f"\ndeleted by: {', '.join(found.missing)}", markup=False)
    if found.absent:
        out.print(f"not in the agreement of: {len(found.absent)} partner(s)", markup=False)


@app.command()
@handled
def history(
    partner: Annotated[str, typer.Argument(help="Partner slug.")],
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """One partner's timeline: agreements issued, copies received, and what changed."""
    from ..registry.history import history as run_history
    from ..registry.textdiff import describe

    with open_registry(registry) as reg:
        data = run_history(reg, partner)
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{escape(data['partner'])}[/bold] {escape(data['name'])}", highlight=False)
    for event in data["events"]:
        at = event["at"][:19].replace("T", " ")
        if event["kind"] == "issued":
            line = (
                f"issued    agreement #{event['agreement']} ({event['template']} "
                f"{event['template_version']}, library {event['library_version']}, "
                f"now {event['state']})"
            )
        elif event["kind"] == "received":
            line = (
                f"received  version {event['version']} {event['file']} ({event['state']}; "
                f"worst {event['worst_severity'] or 'none'}; {event['revisions']} tracked "
                f"revision(s))"
            )
        else:
            line = _event_line(event)
        out.print(f"{at}  {line}", markup=False)
        for change in event.get("changes", []):
            parts = [change["change"]]
            for key in ("version", "variant", "position"):
                if key in change:
                    parts.append(f"{key} {change[key][0]} → {change[key][1]}")
            out.print(f"    {change['clause']}: {', '.join(parts)}", markup=False)
            for item in change.get("text", []):
                out.print(f"      {describe(item)}", markup=False)


def _event_line(event: dict[str, Any]) -> str:
    """One line for a state change, approval, forgotten ingest or forced execution."""
    note = f" ({event['note']})" if event.get("note") else ""
    by = f" by {event['by']}" if event.get("by") else ""
    if event["kind"] == "approval":
        where = f"version {event['version']}" if event["version"] else "as issued"
        return (
            f"approved  {event['clause']} ({event['position']}) of agreement "
            f"#{event['agreement']}, {where}{by}{note}"
        )
    if event["kind"] == "forget":
        return f"forgotten version {event['version']} {event['file']}{by}{note}"
    if event["kind"] == "override":
        clauses = ", ".join(d["clause"] for d in event.get("executed_without_approval", []))
        return (
            f"override  agreement #{event['agreement']} executed without approval of "
            f"{clauses}{by}{note}"
        )
    return (
        f"state     agreement #{event['agreement']}: {event['from'] or '-'} → {event['to']}{note}"
    )


@app.command()
@handled
def outdated(
    states: Annotated[
        list[str] | None,
        typer.Option(
            "--state",
            help="Only agreements in this state (repeatable; default: all but "
            "superseded and terminated).",
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    library: LibraryOption = None,
    registry: RegistryOption = None,
) -> None:
    """Agreements whose clauses differ from today's library (an older version, or another
    wording under the same version), and what changed."""
    from ..registry.outdated import outdated as run_outdated
    from ..registry.textdiff import describe

    lib = load_library(library)
    with open_registry(registry) as reg:
        found = run_outdated(reg, lib, tuple(states) if states else None)
    if as_json:
        print_json(
            {
                "schema": "dsagen.outdated/1",
                "library_version": lib.version,
                "agreements": [a.to_json() for a in found],
            }
        )
        return
    rows: list[dict[str, Any]] = [
        {
            "partner": a.partner,
            "agreement": a.agreement,
            "state": a.state,
            "clause": c.clause,
            "issued_version": c.issued,
            "current_version": c.current or "",
            "what_changed": "; ".join(describe(x) for x in c.changes) or c.note,
        }
        for a in found
        for c in a.clauses
    ]
    if as_csv:
        write_csv(
            rows,
            (
                "partner",
                "agreement",
                "state",
                "clause",
                "issued_version",
                "current_version",
                "what_changed",
            ),
        )
        return
    if not found:
        out.print("[green]✓[/green] every recorded agreement is on today's clause versions")
        return
    table = Table("partner", "agreement", "state", "clause", "issued → current", "what changed")
    for row in rows:
        table.add_row(
            row["partner"],
            f"#{row['agreement']}",
            row["state"],
            row["clause"],
            f"{row['issued_version']} → {row['current_version'] or 'removed'}",
            row["what_changed"],
        )
    out.print(table)
    out.print(f"{len(found)} agreement(s), {len(rows)} outdated clause(s)")


@app.command()
@handled
def verify(
    file: Annotated[Path, typer.Argument(help="A DOCX or PDF to check.")],
    as_json: JsonOption = False,
    library: LibraryOption = None,
    registry: RegistryOption = None,
) -> None:
    """Is this DOCX/PDF one we issued? If not (a partner's copy, even one we recorded): what it
    is or derives from, and what differs (exit 1)."""
    from ..registry.textdiff import describe
    from ..registry.verify import verify as run_verify

    with open_registry(registry) as reg:
        result = run_verify(reg, file, load_library(library) if library else None)
    if as_json:
        print_json(result.to_json())
    elif result.issued:
        match = result.match or {}
        out.print(
            f"[green]✓[/green] {file}: byte-identical to the {match['format'].upper()} "
            f"issued as agreement #{match['agreement']} for partner {match['partner']} "
            f"({match.get('at', '')[:10]}, now {match['state']})",
            highlight=False,
        )
    elif result.identical:  # a partner's copy we recorded: known, but not ours
        match = result.match or {}
        out.print(
            f"[yellow]≠[/yellow] {file}: not a file we issued; it is negotiated version "
            f"{match.get('version')} received from partner {match['partner']} for "
            f"agreement #{match['agreement']} ({match.get('at', '')[:10]}, now "
            f"{match['state']}); see dsagen history {match['partner']}",
            highlight=False,
        )
    elif result.derived_from is None:
        out.print(
            f"[red]✗[/red] {file}: not issued by this registry, and it resembles no "
            "recorded agreement",
            highlight=False,
        )
    else:
        origin = result.derived_from
        out.print(
            f"[yellow]≠[/yellow] {file}: not byte-identical to anything issued; derives "
            f"from agreement #{origin['agreement']} ({origin['partner']}, "
            f"{origin['reference']}; found by {origin['found_by']})",
            highlight=False,
        )
        for item in result.differences:
            out.print(f"  {item['clause'] or item['title']}: {item['status']}", markup=False)
            for change in item["changes"][:6]:
                text = change.get("note") or describe(change)
                out.print(f"    {text}", markup=False)
    if not as_json and result.provenance and not result.provenance["verified"]:
        out.print(
            f"  provenance not verified: {result.provenance['detail']}; its properties "
            "were not followed",
            markup=False,
        )
    if not result.issued:
        raise typer.Exit(DeviationsFound.exit_code)


@app.command()
@handled
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="json, or csv with one row per clause.")
    ] = ExportFormat.json,
    target: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    force: ForceOption = False,
    sqlite: Annotated[
        Path | None,
        typer.Option(
            "--sqlite",
            help="Copy the whole registry, file bytes included, into a new SQLite "
            "registry file (e.g. a PostgreSQL registry, to browse it).",
        ),
    ] = None,
    registry: RegistryOption = None,
) -> None:
    """The whole registry (without file bytes) as JSON or CSV, or a copy as an SQLite file."""
    from ..registry.export import CSV_COLUMNS, export_rows, export_sqlite
    from ..registry.export import export as run_export

    if sqlite is not None:
        if target is not None:
            raise DsagenError("--sqlite and --out: choose one")
        with open_registry(registry) as reg:
            rows = export_sqlite(reg, sqlite, force=force)
        err.print(
            f"wrote {sqlite} ({rows} rows); browse it with dsagen browse --registry {sqlite}",
            markup=False,
        )
        return
    with open_registry(registry) as reg:
        data = run_export(reg)
    if fmt is ExportFormat.csv:
        write_csv(export_rows(data), CSV_COLUMNS, target, force)
    elif target is not None:
        from ..output import write_atomic

        write_atomic(
            target,
            (json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8"),
            force=force,
        )
    else:
        print_json(data)
    if target is not None:
        err.print(f"wrote {target}", markup=False)


@app.command()
@handled
def state(
    agreement: Annotated[
        str,
        typer.Argument(help="Agreement number, reference, or partner slug (its latest agreement)."),
    ],
    new_state: Annotated[
        str,
        typer.Argument(
            metavar="STATE", help="draft, sent, received, executed, superseded or terminated."
        ),
    ],
    note: Annotated[str, typer.Option("--note", help="Why, for the history.")] = "",
    reopen: Annotated[
        bool,
        typer.Option(
            "--reopen", help="Allow going back in the lifecycle or leaving superseded/terminated."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Execute although deviations above fallback have no approval (needs "
            "--note REASON; recorded as an override).",
        ),
    ] = False,
    by: Annotated[str, typer.Option("--by", help="Who makes the change (for the history).")] = "",
    as_json: JsonOption = False,
    registry: RegistryOption = None,
) -> None:
    """Move an agreement through its lifecycle: draft → sent → received → executed →
    superseded or terminated."""
    from ..registry.lifecycle import set_state

    with open_registry(registry) as reg:
        change = set_state(reg, agreement, new_state, note, reopen=reopen, force=force, by=by)
    if as_json:
        print_json(change.to_json())
        return
    out.print(
        f"[green]✓[/green] agreement #{change.agreement} ({change.partner}, "
        f"{change.reference}): {change.previous} → {change.state}",
        highlight=False,
    )
    if change.overridden:
        err.print(
            f"executed without approval of: {', '.join(change.overridden)} (override "
            "recorded in the history)",
            markup=False,
        )
