"""Comparison -> a rich terminal summary: parameters first, then clauses with their changes."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..compare.model import Comparison

SEVERITY_STYLE = {"standard": "green", "fallback": "cyan", "approval": "yellow",
                  "walk-away": "bold red", None: "dim"}


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_comparison(comparison: Comparison, console: Console, *, verbose: bool = False) -> None:
    summary = comparison.summary
    console.print(f"[bold]{comparison.negotiated}[/bold] vs standard {comparison.standard}")
    console.print(
        "  " + ", ".join(f"{count} {status}" for status, count in summary.items() if count)
        + f"  ·  {comparison.revisions} tracked revision(s)"
        + (f" by {', '.join(comparison.authors)}" if comparison.authors else "")
        + f"  ·  aligned by {comparison.aligned_by}")
    params = [(c, p) for c in comparison.clauses for p in c.parameters]
    if params:
        table = Table(title="Parameters", title_justify="left")
        table.add_column("parameter", no_wrap=True)
        table.add_column("standard → negotiated", no_wrap=True)
        table.add_column("position", no_wrap=True)
        table.add_column("note")
        for _clause, param in params:
            table.add_row(param.name, f"{param.standard} → {param.negotiated}",
                          Text(param.position, style=SEVERITY_STYLE.get(param.position, "")),
                          param.note)
        console.print(table)
    deviating = [c for c in comparison.clauses if c.status not in ("unchanged", "cosmetic")]
    if deviating:
        table = Table("clause", "status", "severity", "tracked", "changes",
                      title="Deviations", title_justify="left")
        for clause in deviating:
            tracked = ("untracked" if clause.untracked else
                       ", ".join(sorted({c.author or "?" for c in clause.changes})) or "-")
            lines = [f"{c.op}: " + (_short(c.standard, 40) + " → " if c.op == "replace" else "")
                     + _short(c.negotiated or c.standard, 60) for c in clause.changes[:4]]
            if len(clause.changes) > 4:
                lines.append(f"… {len(clause.changes) - 4} more")
            lines += [f"note: {n}" for n in clause.notes]
            table.add_row(f"{clause.id or ''} {clause.title}".strip(), clause.status,
                          Text(clause.severity or "-",
                               style=SEVERITY_STYLE.get(clause.severity, "")),
                          Text(tracked, style="bold magenta" if clause.untracked else ""),
                          "\n".join(lines))
        console.print(table)
    cosmetic = [c for c in comparison.clauses if c.status == "cosmetic"]
    if cosmetic:
        console.print("[dim]Cosmetic only (quotes, case, spacing, punctuation, numbering): "
                      + ", ".join(c.id or c.title for c in cosmetic) + "[/dim]")
    if not deviating:
        console.print("[green]No substantive deviation from the standard.[/green]")
    elif comparison.worst:
        console.print(f"Worst position: [{SEVERITY_STYLE[comparison.worst]}]"
                      f"{comparison.worst}[/]")
