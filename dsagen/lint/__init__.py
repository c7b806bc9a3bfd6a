"""Compliance lint: regulatory profiles loaded from `rules/`, evaluated over partner parameters
and assembled text, or over a negotiated DOCX read with the compare engine; plus the
organisation's playbook positions. `dsagen lint` is a thin CLI over `lint_paths`."""

from .api import (
    LintReport,
    check_only,
    lint_document,
    lint_partner,
    lint_partner_params,
    lint_paths,
    mark_rule_breaks,
    reports_json,
)
from .evaluate import Finding
from .rules import Profile, Rule, RuleError, load_profiles

__all__ = [
    "Finding", "LintReport", "Profile", "Rule", "RuleError", "check_only",
    "lint_document", "lint_partner", "lint_partner_params", "lint_paths", "load_profiles",
    "mark_rule_breaks", "reports_json",
]
