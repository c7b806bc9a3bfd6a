"""The issues list for the approvers: one row per deviation (docs/issues-json.md).

`issues_data` turns an Answer into the plain `dsagen.issues/1` data; Markdown and HTML are
rendered from that data (the DOCX table lives in issues_docx.py), so every format says the
same thing.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..compare.model import json_value
from ..positions import rank
from ..render.markdown import literal_markdown

if TYPE_CHECKING:
    from ..respond.api import Answer

SCHEMA = "dsagen.issues/1"
ACTIONS = ("accept", "counter", "reject", "escalate")
COLUMNS = (
    ("clause", "Clause"),
    ("change", "Their change"),
    ("tracked", "Tracked"),
    ("position", "Our position"),
    ("approver", "Approver"),
    ("note", "Playbook note"),
    ("proposal", "Proposed response"),
    ("warnings", "Consistency warnings"),
)


def issues_data(answer: Answer) -> dict[str, Any]:
    """The issues list as plain data (schema dsagen.issues/1)."""
    issues = [_issue(d) for d in answer.decisions]
    summary = {action: sum(1 for i in issues if i["response"] == action) for action in ACTIONS}
    return {
        "schema": SCHEMA,
        "standard": answer.comparison.standard,
        "returned": answer.comparison.negotiated,
        "organisation": {"name": answer.organisation.name, "side": answer.organisation.side},
        "partner": answer.partner,
        "author": answer.author,
        "date": answer.date,
        "summary": {
            **summary,
            "issues": len(issues),
            "untracked": sum(1 for i in issues if not i["tracked"]),
        },
        "issues": issues,
    }


def _issue(decision: Any) -> dict[str, Any]:
    return {
        "clause": decision.number,
        "clause_id": decision.clause_id,
        "title": decision.title,
        "location": decision.location,
        "subject": decision.subject,
        "change": decision.change,
        "tracked": decision.tracked,
        "authors": decision.authors,
        "position": decision.position,
        "approver": decision.approver,
        "note": decision.note,
        "response": decision.action,
        "proposal": decision.proposal,
        "proposed_value": json_value(decision.proposed_value),
        "warnings": decision.warnings,
    }


def cells(issue: dict[str, Any]) -> dict[str, str]:
    """One issue as the text of each column (COLUMNS), as every table format shows it."""
    where = " ".join(p for p in (issue["clause"] or "", issue["title"]) if p) or issue["location"]
    return {
        "clause": where,
        "change": issue["change"],
        "tracked": "tracked" if issue["tracked"] else "silent (untracked)",
        "position": issue["position"],
        "approver": (issue["approver"] or "")
        if issue["position"] in ("approval", "walk-away")
        else "",
        "note": issue["note"],
        "proposal": f"{issue['response']}: {issue['proposal']}"
        if not issue["proposal"].startswith(issue["response"])
        else issue["proposal"],
        "warnings": "; ".join(issue["warnings"]),
    }


def title(data: dict[str, Any]) -> str:
    return f"Issues list: {data['returned']}"


def subtitle(data: dict[str, Any]) -> str:
    summary = data["summary"]
    counts = ", ".join(f"{summary[a]} {a}" for a in ACTIONS if summary[a])
    return (
        f"{data['organisation']['name']} ({data['organisation']['side']}) answering "
        f"{data['partner']}, {data['date'][:10]}: {summary['issues']} issue(s)"
        + (f" ({counts})" if counts else "")
        + f"; {summary['untracked']} untracked"
    )


def render_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"# {_md(title(data))}",
        "",
        _md(subtitle(data)),
        "",
        "| " + " | ".join(label for _, label in COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for issue in ordered_issues(data["issues"]):
        row = cells(issue)
        lines.append("| " + " | ".join(_md(row[key]) for key, _ in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Table-cell text on one line, Markdown's own punctuation literal."""
    return " ".join(literal_markdown(text).split())


def render_html(data: dict[str, Any]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in COLUMNS)
    rows = []
    for issue in ordered_issues(data["issues"]):
        row = cells(issue)
        rows.append(
            f'<tr class="{html.escape(issue["position"])}">'
            + "".join(f"<td>{html.escape(row[key])}</td>" for key, _ in COLUMNS)
            + "</tr>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title(data))}</title><style>{_CSS}</style></head><body>"
        f"<h1>{html.escape(title(data))}</h1><p>{html.escape(subtitle(data))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )


_CSS = (
    "@page{size:A4 landscape}body{font-family:sans-serif;font-size:10pt}"
    "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px;"
    "vertical-align:top;text-align:left}.walk-away td{background:#fde2e2}"
    ".approval td{background:#fff4d6}"
)


def ordered_issues(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Most severe first, then in document order."""
    return sorted(issues, key=lambda issue: -rank(issue["position"]))
