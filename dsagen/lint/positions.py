"""Playbook findings: values and wording outside the organisation's pre-approved positions.

For a partner file, every parameter of an included clause is placed on its playbook (standard,
fallback, approval, walk-away), and so is each clause's variant. For a negotiated document, the
compare engine has already placed every recovered parameter and every changed clause; lint
reports those positions. Beyond the fallbacks is a warning, a pre-approved fallback is info.
"""

from __future__ import annotations

from pathlib import Path

from ..library import Library
from ..params import Param
from ..playbook import OrgPlaybook
from ..positions import explain, rank, worse
from .evaluate import PLAYBOOK, Finding, position_severity, show
from .subject import Subject


def org_playbook(library: Library) -> OrgPlaybook | None:
    """The organisation's playbook in force for this library (for citations), if any."""
    return library.playbook


def _citation(library: Library, param: Param) -> str:
    org = org_playbook(library)
    if org is not None and param.name in org.entries:
        return f"{org.source(param.name)} ({org.title or 'organisation playbook'})"
    return f"clauses/{Path(library.clause(param.clause).path).name} (clause playbook)"


def describe_positions(param: Param) -> str:
    """A parameter's playbook in one line: standard, fallbacks, approver, walk-away."""
    playbook = param.playbook
    if playbook is None:
        return "no playbook position"
    parts = [f"standard {show(playbook.standard)}"] if playbook.standard is not None else []
    parts.append(f"pre-approved: {playbook.fallback.describe() or 'nothing beyond the standard'}")
    if playbook.approver:
        parts.append(f"beyond that, approval by {playbook.approver}")
    limit = playbook.walk_away.describe_limit()
    if limit:
        parts.append(f"walk-away: {limit}")
    return "; ".join(parts)


def _param_finding(
    library: Library, param: Param, position: str, found: str, line: int | None = None
) -> Finding | None:
    severity = position_severity(position)
    if severity is None:
        return None
    required = describe_positions(param)
    org = org_playbook(library)
    entry = org.entries.get(param.name) if org else None
    if entry is not None and entry.note:
        required += f" ({entry.note})"
    return Finding(
        f"{PLAYBOOK}.{param.name}",
        PLAYBOOK,
        severity,
        _citation(library, param),
        param.clause,
        param.name,
        f"{found}: {explain(position, param.playbook)}",
        required,
        line,
        f"{param.name} within the playbook's pre-approved positions",
    )


def partner_positions(subject: Subject, library: Library) -> list[Finding]:
    findings: list[Finding] = []
    for clause_id, variant_name in subject.variants.items():
        clause = library.clause(clause_id)
        for name, param in clause.params.items():
            value = subject.values.get(name)
            if param.playbook is None or value is None or name in subject.missing:
                continue
            position = param.playbook.position(value)
            finding = _param_finding(
                library, param, position, f"{name} = {show(value)}", subject.lines.get(name)
            )
            if finding is not None:
                findings.append(finding)
        # A variant chosen by its condition follows a parameter placed above; only a variant
        # the partner file names explicitly is a playbook choice of its own.
        variant = clause.variants.get(variant_name)
        if clause_id not in subject.chosen or variant is None:
            continue
        if severity := position_severity(variant.position):
            findings.append(
                Finding(
                    f"{PLAYBOOK}.variant",
                    PLAYBOOK,
                    severity,
                    f"clauses/{Path(clause.path).name} (variant positions)",
                    clause_id,
                    None,
                    f"clause '{clause_id}' uses variant '{variant.name}' ({variant.label}), a "
                    + (
                        "pre-approved fallback"
                        if variant.position == "fallback"
                        else "variant that needs approval"
                    ),
                    f"the standard variant of '{clause_id}', or its pre-approved fallbacks",
                    subject.lines.get("variants"),
                    "a standard or pre-approved variant",
                )
            )
    return findings


def document_positions(
    subject: Subject, library: Library, rule_findings: list[Finding]
) -> list[Finding]:
    comparison = subject.comparison
    if comparison is None:
        return []
    owners = library.param_owner()
    broken = {f.clause for f in rule_findings if f.severity == "error"}
    findings: list[Finding] = []
    for result in comparison.clauses:
        worst_param: str | None = None
        for change in result.parameters:
            param = owners[change.name].params[change.name] if change.name in owners else None
            if param is None:
                continue
            worst_param = worse(worst_param, change.position)
            finding = _param_finding(
                library,
                param,
                change.position,
                f"negotiated {change.name} = {show(change.negotiated)} (issued "
                f"{show(change.standard)})",
            )
            if finding is not None:
                findings.append(finding)
        if not result.substantive or result.rules or result.id in broken:
            continue
        severity = position_severity(result.severity)
        if severity is None or rank(result.severity) <= rank(worst_param):
            continue
        notes = "; ".join(result.notes) or "wording changed"
        findings.append(
            Finding(
                f"{PLAYBOOK}.wording",
                PLAYBOOK,
                severity,
                "compare: clause changes beyond its parameters",
                result.id,
                None,
                f"clause '{result.id or result.title}' {result.status}: {notes}",
                "the issued wording or a pre-approved variant; otherwise approval by "
                + _default_approver(library),
                None,
                "the issued wording or pre-approved changes",
            )
        )
    return findings


def _default_approver(library: Library) -> str:
    org = org_playbook(library)
    return org.default_approver if org and org.default_approver else "counsel"
