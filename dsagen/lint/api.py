"""The library entry points of `dsagen lint`: paths in, LintReports out.

Partner files are linted before generation (values and the assembled text); negotiated DOCX
files after dsagen.review has graded them against the standard they were issued from (found
through the registry or dsagen's signed properties, given with `standard`, or else the library's
defaults, said to be unverified).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assemble import Agreement
from ..compare.model import ClauseResult, Comparison, RuleFinding
from ..compare.standard import StandardContext
from ..errors import DsagenError, PartnerError
from ..library import Library
from ..params import suggest
from ..partners import PartnerParams, load_partner
from ..provenance import Provenance
from .evaluate import (
    PLAYBOOK,
    Finding,
    applicable_profiles,
    evaluate_rules,
    sort_findings,
)
from .positions import document_positions, partner_positions
from .rules import Rule, load_profiles
from .subject import (
    SCHEDULE_PREFIX,
    Subject,
    document_subject,
    partner_lines,
    partner_subject,
)

PARTNER_SUFFIXES = (".yaml", ".yml")
DOCUMENT_SUFFIXES = (".docx",)


@dataclass
class LintReport:
    """Everything lint found in one file."""

    path: str
    kind: str  # "partner" | "document"
    template: str | None
    profiles: list[str]
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)
    provenance: Provenance | None = None  # a document's: where its standard came from

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def fails(self, threshold: str = "error") -> bool:
        """Whether a finding reaches THRESHOLD: 'error' (a legal requirement broken) or
        'warning' (also anything outside the playbook)."""
        failing = ("error",) if threshold == "error" else ("error", "warning")
        return any(f.severity in failing for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "template": self.template,
            "profiles": self.profiles,
            "summary": {s: self.count(s) for s in ("error", "warning", "info")},
            "findings": [f.to_json() for f in self.findings],
            "notes": self.notes,
            **({"provenance": self.provenance.to_json()} if self.provenance else {}),
        }


def reports_json(reports: list[LintReport]) -> dict[str, Any]:
    """The stable JSON form of a lint run (docs/lint.md)."""
    return {
        "schema": "dsagen.lint/1",
        "summary": {s: sum(r.count(s) for r in reports) for s in ("error", "warning", "info")},
        "files": [r.to_json() for r in reports],
    }


def check_only(
    names: list[str] | tuple[str, ...] | None, library: Library
) -> tuple[str, ...] | None:
    """Validate --profile names against the profiles under rules/ (and 'playbook')."""
    if not names:
        return None
    known = (*tuple(p.id for p in load_profiles(library)), PLAYBOOK)
    for name in names:
        if name not in known:
            raise DsagenError(
                f"--profile: unknown profile '{name}'{suggest(name, known)}; "
                f"known: {', '.join(known)}"
            )
    return tuple(dict.fromkeys(names))


def evaluate_subject(
    subject: Subject, library: Library, only: tuple[str, ...] | None = None
) -> list[Finding]:
    """Regulatory findings, then playbook findings, most severe first."""
    findings = evaluate_rules(subject, library, only=rule_only(only))
    if not only or PLAYBOOK in only:
        if subject.kind == "partner":
            findings += partner_positions(subject, library)
        else:
            findings += document_positions(subject, library, findings)
    return sort_findings(findings)


def lint_partner_params(
    partner: PartnerParams,
    library: Library,
    *,
    agreement: Agreement | None = None,
    only: tuple[str, ...] | None = None,
) -> list[Finding]:
    """Every finding for an already validated (and possibly assembled) partner."""
    subject = partner_subject(partner, library, agreement=agreement)
    return evaluate_subject(subject, library, only)


def lint_partner(
    path: Path,
    library: Library,
    *,
    template: str | None = None,
    only: tuple[str, ...] | None = None,
) -> LintReport:
    """Lint one partner file. A required value the file leaves out is reported as the rule that
    requires it; any other missing value is bad input, as for `dsagen validate`."""
    missing: list[str] = []
    partner = load_partner(path, library, template_id=template, missing=missing)
    subject = partner_subject(partner, library, missing=tuple(missing), lines=partner_lines(path))
    findings = evaluate_subject(subject, library, only)
    reported = {f.parameter for f in findings}
    for name in missing:
        if name not in reported:
            param = library.param_owner()[name].params[name]
            raise PartnerError(
                f"missing required parameter '{name}' (expected "
                f"{param.describe_type()}; {param.help})",
                path=path,
                line=1,
                field=name,
            )
    notes = [f"not assembled: required value(s) missing: {', '.join(missing)}"] if missing else []
    return LintReport(
        str(path),
        "partner",
        partner.template_id,
        applicable_profiles(subject, library, rule_only(only)),
        findings,
        notes,
    )


def rule_only(only: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The regulatory part of a --profile selection (None: every profile that applies)."""
    return None if not only else tuple(n for n in only if n != PLAYBOOK)


def issued_version_notes(context: StandardContext, library: Library) -> list[str]:
    """A note for each clause issued at another version than the library has now."""
    notes = []
    for clause_id, version in context.versions.items():
        clause = library.clauses.get(clause_id)
        if clause is not None and version and clause.version != version:
            notes.append(
                f"clause '{clause_id}' was issued at version {version}; the library "
                f"now has {clause.version}"
            )
    return notes


def lint_targets(paths: list[Path]) -> list[Path]:
    """Expand folders into their partner YAML and DOCX files (sorted); keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in PARTNER_SUFFIXES + DOCUMENT_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                raise DsagenError(
                    f"{path}: expected partner YAML or DOCX files in this folder, found none"
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise DsagenError(f"{path}: no such file or folder")
    return files


def mark_rule_breaks(comparison: Comparison, context: StandardContext | None) -> None:
    """For dsagen.review: a negotiated change that breaks a regulatory rule the standard kept
    becomes walk-away, and its clause names the rule (ClauseResult.rules and a note)."""
    if context is None:
        return
    library = context.library
    if not load_profiles(library):
        return
    before = document_subject(comparison, context, library, side="standard")
    after = document_subject(comparison, context, library, side="negotiated")
    kept = {(f.rule, f.clause) for f in evaluate_rules(before, library)}
    rules = {rule.id: rule for profile in load_profiles(library) for rule in profile.rules}
    for finding in evaluate_rules(after, library):
        if finding.severity != "error" or (finding.rule, finding.clause) in kept:
            continue
        target = _changed_clause(finding, rules[finding.rule], after, comparison)
        if target is None:
            continue
        message = f"{finding.found}; required: {finding.required}"
        target.rules.append(RuleFinding(finding.rule, finding.citation, message))
        target.severity = "walk-away"
        target.notes.append(f"breaks {finding.rule} ({finding.citation}): {finding.element}")


def _changed_clause(
    finding: Finding, rule: Rule, subject: Subject, comparison: Comparison
) -> ClauseResult | None:
    """The clause whose change broke the rule: where the parameter was negotiated, else the
    rule's own clause if it changed, else a changed schedule for a licence-text rule."""
    by_id = {c.id: c for c in comparison.clauses if c.id}
    if finding.parameter and finding.parameter in subject.changed:
        owner = by_id.get(subject.changed[finding.parameter])
        if owner is not None:
            return owner
    own = by_id.get(finding.clause or "")
    if own is not None and own.substantive:
        return own
    if rule.check.attachment:
        schedules = [
            c
            for c in comparison.clauses
            if c.substantive and c.id and c.id.startswith(SCHEDULE_PREFIX)
        ]
        if schedules:
            return schedules[0]
    return own
