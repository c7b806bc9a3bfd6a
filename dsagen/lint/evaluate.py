"""Evaluate regulatory rules and the playbook over a Subject (partner file or document).

A rule whose clause is absent is not evaluated, except for its `clause_present` check, so a
missing clause fires one finding, not one per element the clause would have carried. A check
that needs a value the partner file leaves out is skipped; the rule that requires the value
reports it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta

from ..library import Library
from .rules import Check, Profile, Rule, RuleError, Severity, TextTest, load_profiles
from .subject import Subject, normalise

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
PLAYBOOK = "playbook"


@dataclass(frozen=True)
class Finding:
    """One thing lint found: which rule, on what authority, where, what was found and needed."""

    rule: str
    profile: str  # profile id, or "playbook"
    severity: Severity
    citation: str
    clause: str | None
    parameter: str | None
    found: str
    required: str
    line: int | None = None  # line of the parameter in a partner file
    element: str = ""  # the requirement in the rule's words

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "profile": self.profile, "severity": self.severity,
                "citation": self.citation, "element": self.element, "clause": self.clause,
                "parameter": self.parameter, "found": self.found, "required": self.required,
                "line": self.line}


class _Skip(Exception):
    """A check cannot be evaluated because a value it needs is missing."""


class _Failed(Exception):
    def __init__(self, found: str, required: str, parameter: str | None = None) -> None:
        super().__init__(found)
        self.found, self.required, self.parameter = found, required, parameter


def show(value: Any, width: int = 60) -> str:
    """A value as findings print it: text quoted and shortened, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, list | tuple):
        inner = ", ".join(show(v, 40) for v in value)
        text = f"[{inner}]"
        return text if len(text) <= width * 2 else text[:width * 2 - 2] + "…]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v, 30)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return f"'{text}'" if len(text) <= width else f"'{text[:width - 1]}…'"
    return str(value)


def _regex_finalize(value: Any) -> Any:
    return re.escape(value) if isinstance(value, str) else value


class Evaluator:
    """Evaluates the rules of the applicable profiles over one subject."""

    def __init__(self, library: Library, subject: Subject) -> None:
        self.library = library
        self.subject = subject
        self.context = dict(subject.values)
        self.context["has_clause"] = lambda clause_id: clause_id in subject.clauses
        # Facts about the partner (its State, its kind) are what the standard says, even where
        # negotiated wording now says otherwise: rules read them as `issued.<name>`.
        self.context["issued"] = subject.issued if subject.issued is not None else subject.values
        self._regex_env = library.env.overlay(finalize=_regex_finalize)

    # -- expressions -------------------------------------------------------------------------
    def _uses_missing(self, source: str, template: bool) -> bool:
        if not self.subject.missing:
            return False
        ast = self.library.env.parse(source if template else "{{ (" + source + ") }}")
        return bool(meta.find_undeclared_variables(ast) & set(self.subject.missing))

    def truth(self, source: str, rule: Rule) -> bool:
        if self._uses_missing(source, template=False):
            raise _Skip
        try:
            return bool(self.library.expression(source)(**self.context))
        except jinja2.TemplateError as exc:
            raise RuleError(f"cannot evaluate '{source}' for rule '{rule.id}': {exc}",
                            path=rule.path, line=rule.line) from None
        except (TypeError, ValueError) as exc:
            raise RuleError(f"cannot evaluate '{source}' for rule '{rule.id}' ({exc})",
                            path=rule.path, line=rule.line) from None

    def applies(self, profile: Profile) -> bool:
        try:
            return bool(self.library.expression(profile.applies_when)(**self.context))
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise RuleError(f"cannot evaluate applies_when '{profile.applies_when}': {exc}",
                            path=profile.path, field="applies_when") from None

    def render(self, test: TextTest) -> str:
        """The wording with the subject's values; a wording that needs a value the subject
        does not have (missing, or None) is skipped."""
        if self._uses_missing(test.source, template=True):
            raise _Skip
        try:
            if test.kind == "regex":
                return self._regex_env.from_string(test.source).render(self.context)
            return self.library.compiled(test.source).render(self.context)
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            used = meta.find_undeclared_variables(self.library.env.parse(test.source))
            if any(self.context.get(name) is None for name in used):
                raise _Skip from None
            raise RuleError(f"cannot render the wording '{test.source}': {exc}") from None

    # -- checks ------------------------------------------------------------------------------
    def evaluate(self, rule: Rule) -> _Failed | None:
        """None if the rule holds (or does not apply), else the first failed check."""
        try:
            if rule.when is not None and not self.truth(rule.when, rule):
                return None
            if rule.clause is not None and rule.clause not in self.subject.clauses:
                if rule.check.clause_present:
                    title = self.library.clause(rule.clause).title
                    return _Failed(f"no clause '{rule.clause}' ({title}) in the agreement",
                                   f"{rule.element}: clause '{rule.clause}' ({title})")
                return None
            self._check(rule, rule.check)
        except _Skip:
            return None
        except _Failed as failure:
            return failure
        return None

    def _check(self, rule: Rule, check: Check) -> None:
        values = self.subject.values
        for name in check.set:
            value = values.get(name)
            if value is None or value == "" or value == []:
                given = ("is required but not given" if name in self.subject.missing
                         else "is empty")
                raise _Failed(f"{name} {given}", f"{rule.element} ({name})", name)
        for test in check.params:
            value = values.get(test.param)
            if not _param_holds(test.op, value, test.value):
                raise _Failed(f"{test.param} = {show(value)}",
                              f"{rule.element} ({test.param} {_describe(test.op, test.value)})",
                              test.param)
        if check.expr is not None and not self.truth(check.expr, rule):
            names = sorted(meta.find_undeclared_variables(
                self.library.env.parse("{{ (" + check.expr + ") }}")) & set(values))
            found = ", ".join(f"{n} = {show(values.get(n))}" for n in names) or "false"
            raise _Failed(found, rule.element, names[0] if names else None)
        if check.attachment is not None and self.subject.complete:
            self._attachment(rule, check.attachment)
        text = self.subject.clauses.get(rule.clause or "")
        if text is None:
            return  # the clause cannot be rendered without a missing value
        title = self.library.clause(rule.clause).title if rule.clause else ""
        for wording in check.text_present:
            if not self._contains(wording, text):
                raise _Failed(f"no such wording in clause '{rule.clause}' ({title})",
                              f"{rule.element}; wording: {self._shown(wording)}")
        for wording in check.text_absent:
            match = self._search(wording, text)
            if match is not None:
                raise _Failed(f"clause '{rule.clause}' ({title}) says: '{match}'",
                              rule.element)

    def _attachment(self, rule: Rule, param: str) -> None:
        name = str(self.subject.values.get(param) or "")
        missing = self.subject.attachments.get(name)
        if missing is None:
            raise _Failed(f"no schedule with the text of {name or 'the licence'}",
                          f"{rule.element} ({param} = {name})", param)
        if missing:
            raise _Failed(f"the attached text of {name} lacks {missing} paragraph(s) of the "
                          "licence (modified or incomplete)",
                          f"{rule.element}: the unmodified text of {name}", param)

    def _shown(self, test: TextTest) -> str:
        if test.kind == "any":
            return " or ".join(self._shown(option) for option in test.options)
        try:
            rendered = self.render(test)
        except _Skip:
            rendered = test.source
        return f"'{rendered}'" if test.kind == "phrase" else f"/{rendered}/"

    def _contains(self, test: TextTest, text: str) -> bool:
        if test.kind == "any":
            return any(self._contains(option, text) for option in test.options)
        return self._search(test, text) is not None

    def _search(self, test: TextTest, text: str) -> str | None:
        """The matched passage, or None."""
        if test.kind == "any":
            return next((m for o in test.options if (m := self._search(o, text)) is not None),
                        None)
        rendered = self.render(test)
        pattern = re.escape(normalise(rendered)) if test.kind == "phrase" else rendered
        match = re.search(pattern, text, re.IGNORECASE)
        return None if match is None else _passage(text, match.start(), match.end())


def _passage(text: str, start: int, end: int, width: int = 160) -> str:
    """The sentence around a match (cut at sentence or paragraph ends), for messages."""
    stops = [text.rfind(". ", 0, start), text.rfind("; ", 0, start)]
    left = max([i + 2 for i in stops if i >= 0] + [text.rfind("\n", 0, start) + 1])
    ends = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    right = min(ends) + 1 if ends else len(text)
    if right - left > width:  # a long sentence: keep the match, with some context around it
        lead = max(0, (width - (end - start)) // 3)
        cut_left = max(left, start - lead)
        cut_right = min(right, cut_left + max(width, end - cut_left))
        return (("…" if cut_left > left else "") + text[cut_left:cut_right].strip()
                + ("…" if cut_right < right else ""))
    return text[left:right].strip()


def _param_holds(op: str, value: Any, expected: Any) -> bool:
    if op == "not_in":
        return value is None or value not in expected
    if value is None:
        return False
    if op == "equals":
        return bool(value == expected)
    if op == "in":
        return value in expected
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value >= expected if op == "min" else value <= expected


def _describe(op: str, expected: Any) -> str:
    words = {"equals": "must be", "in": "must be one of", "not_in": "must not be",
             "min": "must be at least", "max": "must be at most"}
    if isinstance(expected, list):
        shown = ", ".join(show(v).strip("'") for v in expected)
    else:
        shown = show(expected).strip("'")
    return f"{words[op]} {shown}"


def selected_profiles(library: Library, only: tuple[str, ...] | None) -> tuple[Profile, ...]:
    """All profiles (None), or exactly those named."""
    profiles = load_profiles(library)
    if only is None:
        return profiles
    return tuple(p for p in profiles if p.id in only)


def evaluate_rules(subject: Subject, library: Library, *,
                   only: tuple[str, ...] | None = None) -> list[Finding]:
    """Findings of the profiles that apply; profiles named in `only` apply whatever the
    parameters say (and no others are evaluated)."""
    evaluator = Evaluator(library, subject)
    findings: list[Finding] = []
    for profile in selected_profiles(library, only):
        if only is None and not evaluator.applies(profile):
            continue
        for rule in profile.rules:
            failure = evaluator.evaluate(rule)
            if failure is None:
                continue
            parameter = failure.parameter or (rule.parameters[0] if rule.parameters else None)
            findings.append(Finding(rule.id, profile.id, rule.severity, rule.citation,
                                    rule.clause, parameter, failure.found, failure.required,
                                    subject.lines.get(parameter or ""), rule.element))
    return findings


def applicable_profiles(subject: Subject, library: Library,
                        only: tuple[str, ...] | None = None) -> list[str]:
    evaluator = Evaluator(library, subject)
    return [p.id for p in selected_profiles(library, only)
            if only is not None or evaluator.applies(p)]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def position_severity(position: str | None) -> Severity | None:
    """Playbook position -> lint severity: beyond the fallbacks is a warning."""
    if position in ("approval", "walk-away"):
        return "warning"
    if position == "fallback":
        return "info"
    return None

