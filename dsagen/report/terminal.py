"""Comparison -> a rich terminal summary: parameters first, then clauses with their changes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..compare.model import Change, Comparison
from .numbers import clause_label

SEVERITY_STYLE = {
    "standard": "green",
    "fallback": "cyan",
    "approval": "yellow",
    "walk-away": "bold red",
    None: "dim",
}


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _change_line(change: Change) -> str:
    if change.op == "format":
        return f"format: {_short(change.negotiated, 50)} ({change.detail})"
    before = _short(change.standard, 40) + " → " if change.op == "replace" else ""
    return f"{change.op}: {before}{_short(change.negotiated or change.standard, 60)}"


def print_comparison(
    comparison: Comparison,
    console: Console,
    *,
    verbose: bool = False,
    approvers: dict[int, str] | None = None,
) -> None:
    """The summary line, the parameters, then each deviating clause by its number in the
    document, with who must approve it (`approvers`: clause index -> approver)."""
    approvers = approvers or {}
    summary = comparison.summary
    untracked = comparison.untracked_changes
    # Everything from the documents is plain Text: a partner's "[bold]" or "[/]" is words,
    # never rich markup.
    console.print(
        Text(comparison.negotiated, style="bold") + Text(f" vs standard {comparison.standard}")
    )
    console.print(
        Text(
            "  "
            + ", ".join(f"{count} {status}" for status, count in summary.items() if count)
            + f"  ·  {comparison.revisions} tracked revision(s)"
            + (f" by {', '.join(comparison.authors)}" if comparison.authors else "")
            + f"  ·  {untracked} untracked change(s)"
            + f"  ·  aligned by {comparison.aligned_by}"
        )
    )
    for warning in comparison.warnings:
        console.print(Text(f"warning: {warning}", style="bold yellow"))
    _print_parameters(comparison, console)
    _print_deviations(comparison, console, approvers)


def _print_parameters(comparison: Comparison, console: Console) -> None:
    # One row per value change (first clause's position and note), naming every clause in it.
    rows: dict[tuple[str, str, str], tuple[str, str, list[str]]] = {}
    for clause in comparison.clauses:
        for param in clause.parameters:
            key = (param.name, str(param.standard), str(param.negotiated))
            rows.setdefault(key, (param.position, param.note, []))[2].append(clause_label(clause))
    if rows:
        table = Table(title="Parameters", title_justify="left")
        table.add_column(
            "parameter", overflow="fold", min_width=min(24, max(len(name) for name, _, _ in rows))
        )
        table.add_column("standard → negotiated", overflow="fold", ratio=3)
        table.add_column("position", no_wrap=True, min_width=9)
        table.add_column("note", ratio=3)
        for (name, standard, negotiated), (position, note, clauses) in rows.items():
            where = f" (in {', '.join(clauses)})" if len(clauses) > 1 else ""
            table.add_row(
                Text(name),
                Text(f"{_short(standard, 60)} → {_short(negotiated, 60)}"),
                Text(position, style=SEVERITY_STYLE.get(position, "")),
                Text(note + where),
            )
        console.print(table)


def _print_deviations(comparison: Comparison, console: Console, approvers: dict[int, str]) -> None:
    deviating = [
        (i, c)
        for i, c in enumerate(comparison.clauses)
        if c.status not in ("unchanged", "cosmetic")
    ]
    if deviating:
        table = Table(title="Deviations", title_justify="left")
        table.add_column("clause", ratio=2)
        table.add_column("status", no_wrap=True, min_width=8)
        table.add_column("severity", no_wrap=True, min_width=9)
        table.add_column("tracked", ratio=2)
        table.add_column("approver", ratio=2)
        table.add_column("changes", ratio=4)
        for index, clause in deviating:
            tracked = (
                "untracked"
                if clause.untracked
                else ", ".join(sorted({c.author or "?" for c in clause.changes})) or "-"
            )
            lines = [_change_line(c) for c in clause.changes[:4]]
            if len(clause.changes) > 4:
                lines.append(f"… {len(clause.changes) - 4} more")
            lines += [f"note: {n}" for n in clause.notes]
            lines += [
                f"comment by {c.author or '?'}: {_short(c.text, 60)}" for c in clause.comments
            ]
            table.add_row(
                Text(clause_label(clause)),
                clause.status,
                Text(clause.severity or "-", style=SEVERITY_STYLE.get(clause.severity, "")),
                Text(tracked, style="bold magenta" if clause.untracked else ""),
                Text(approvers.get(index, "")),
                Text("\n".join(lines)),
            )
        console.print(table)
    cosmetic = [c for c in comparison.clauses if c.status == "cosmetic"]
    if cosmetic:
        console.print(
            Text(
                "Cosmetic only (white space, quote style, numbering labels, "
                "refreshed cross-references, dsagen stamp): "
                + ", ".join(clause_label(c) for c in cosmetic),
                style="dim",
            )
        )
    if comparison.comments:
        table = Table(title="Comments in the returned copy", title_justify="left")
        table.add_column("where", ratio=2)
        table.add_column("by", ratio=1)
        table.add_column("on", ratio=2)
        table.add_column("comment", ratio=4)
        for comment in comparison.comments:
            table.add_row(
                Text(comment.location),
                Text(
                    f"{comment.author or '?'}" + (f"\n{comment.date[:10]}" if comment.date else "")
                ),
                Text(_short(comment.anchor, 50)),
                Text(comment.text),
            )
        console.print(table)
    if not deviating:
        console.print("[green]No substantive deviation from the standard.[/green]")
    elif comparison.worst:
        console.print(f"Worst position: [{SEVERITY_STYLE[comparison.worst]}]{comparison.worst}[/]")
