"""Compliance lint: regulatory profiles loaded from `rules/`, evaluated over partner parameters
and assembled text, or over a negotiated DOCX read with the compare engine; plus the
organisation's playbook positions. `dsagen lint` is a thin CLI over dsagen.review.lint_paths
(a negotiated DOCX is graded by the one review path first)."""

from .api import (
    LintReport,
    check_only,
    evaluate_subject,
    issued_version_notes,
    lint_partner,
    lint_partner_params,
    lint_targets,
    mark_rule_breaks,
    reports_json,
    rule_only,
)
from .evaluate import Finding
from .rules import Profile, Rule, RuleError, load_profiles

__all__ = [
    "Finding",
    "LintReport",
    "Profile",
    "Rule",
    "RuleError",
    "check_only",
    "evaluate_subject",
    "issued_version_notes",
    "lint_partner",
    "lint_partner_params",
    "lint_targets",
    "load_profiles",
    "mark_rule_breaks",
    "reports_json",
    "rule_only",
]
