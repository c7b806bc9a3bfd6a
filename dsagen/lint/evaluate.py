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
from ..textfilters import american, civil_law, locale_of, localise_source
from .applicable import Unused, not_applicable
from .rules import Check, Profile, Rule, RuleError, Severity, TextTest, load_profiles
from .subject import Subject, normalise

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
PLAYBOOK = "playbook"
# The profile of rules that keep clauses from contradicting each other: it applies to every
# agreement, so reports do not list it among the regulatory profiles that applied.
COHERENCE = "coherence"


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
    other: str | None = None  # coherence: the clause that `clause` contradicts

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "profile": self.profile,
            "severity": self.severity,
            "citation": self.citation,
            "element": self.element,
            "clause": self.clause,
            "other_clause": self.other,
            "parameter": self.parameter,
            "found": self.found,
            "required": self.required,
            "line": self.line,
        }


class _Skip(Exception):
    """A check cannot be evaluated because a value it needs is missing."""


class _Failed(Exception):
    def __init__(
        self, found: str, required: str, parameter: str | None = None, line: int | None = None
    ) -> None:
        super().__init__(found)
        self.found, self.required, self.parameter = found, required, parameter
        self.line = line  # line of the rule's clause text where the failing wording is


@dataclass(frozen=True)
class _Said:
    """Where `says(clause, wording)` matched: for naming the other side of a contradiction."""

    clause: str
    line: int
    passage: str


def show(value: Any, width: int = 60) -> str:
    """A value as findings print it: text quoted and shortened, lists in brackets."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, list | tuple):
        inner = ", ".join(show(v, 40) for v in value)
        text = f"[{inner}]"
        return text if len(text) <= width * 2 else text[: width * 2 - 2] + "…]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v, 30)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        text = " ".join(value.split())
        return f"'{text}'" if len(text) <= width else f"'{text[: width - 1]}…'"
    return str(value)


class Evaluator:
    """Evaluates the rules of the applicable profiles over one subject."""

    def __init__(self, library: Library, subject: Subject) -> None:
        self.library = library
        self.subject = subject
        self.context = dict(subject.values)
        self.context["has_clause"] = lambda clause_id: clause_id in subject.clauses
        self.context["says"] = self._says
        self.context["civil_law"] = civil_law(subject.values)
        self._said: list[_Said] = []
        # Facts about the partner (its State, its kind) are what the standard says, even where
        # negotiated wording now says otherwise: rules read them as `issued.<name>`.
        self.context["issued"] = subject.issued if subject.issued is not None else subject.values
        # Rules are written in British English, like the clauses; an agreement in American
        # English is read through the same spelling change.
        self.locale = locale_of(subject.values)

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
            raise RuleError(
                f"cannot evaluate '{source}' for rule '{rule.id}': {exc}",
                path=rule.path,
                line=rule.line,
            ) from None
        except (TypeError, ValueError) as exc:
            raise RuleError(
                f"cannot evaluate '{source}' for rule '{rule.id}' ({exc})",
                path=rule.path,
                line=rule.line,
            ) from None

    def applies(self, profile: Profile) -> bool:
        try:
            return bool(self.library.expression(profile.applies_when)(**self.context))
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            raise RuleError(
                f"cannot evaluate applies_when '{profile.applies_when}': {exc}",
                path=profile.path,
                field="applies_when",
            ) from None

    def render(self, test: TextTest) -> str:
        """The wording with the subject's values; a wording that needs a value the subject
        does not have (missing, or None) is skipped."""
        if self._uses_missing(test.source, template=True):
            raise _Skip
        source = localise_source(test.source, self.locale)
        try:
            if test.kind == "regex":
                return self.library.compiled_pattern(source).render(self.context)
            return self.library.compiled(source).render(self.context)
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            used = meta.find_undeclared_variables(self.library.env.parse(test.source))
            if any(self.context.get(name) is None for name in used):
                raise _Skip from None
            raise RuleError(f"cannot render the wording '{test.source}': {exc}") from None

    def _says(self, clause_id: str, wording: str) -> bool:
        """True if the clause's text contains the wording (rules' `when`: what the other clause
        of a possible contradiction says); remembers where, for the finding."""
        text = self.subject.clauses.get(clause_id)
        if not text:
            return False
        wording = american(wording) if self.locale == "en-US" else wording
        match = re.search(re.escape(normalise(" ".join(wording.split()))), text, re.IGNORECASE)
        if match is None:
            return False
        self._said.append(
            _Said(
                clause_id,
                text.count("\n", 0, match.start()),
                _passage(text, match.start(), match.end()),
            )
        )
        return True

    # -- checks ------------------------------------------------------------------------------
    def evaluate(self, rule: Rule) -> _Failed | None:
        """None if the rule holds (or does not apply), else the first failed check; a
        coherence rule's failure names both clauses where the document shows them."""
        self._said = []
        failure = self._evaluate(rule)
        if failure is None or rule.other is None or rule.clause is None:
            return failure
        said = next((s for s in self._said if s.clause == rule.other), None)
        here = self.subject.where(rule.clause, failure.line)
        there = self.subject.where(rule.other, said.line if said else None)
        other_says = f", while {there} says: '{said.passage}'" if said else ""
        found = failure.found.replace(f"clause '{rule.clause}' ({self._title(rule.clause)})", here)
        if here not in found:
            found = f"{here}: {found}"
        return _Failed(
            f"{found}{other_says}",
            f"{failure.required} ({here} must agree with {there})",
            failure.parameter,
            failure.line,
        )

    def _title(self, clause_id: str) -> str:
        return self.library.clause(clause_id).title

    def _evaluate(self, rule: Rule) -> _Failed | None:
        try:
            if rule.when is not None and not self.truth(rule.when, rule):
                return None
            if rule.other is not None and rule.other not in self.subject.clauses:
                return None
            if rule.clause is not None and rule.clause not in self.subject.clauses:
                if rule.check.clause_present:
                    title = self.library.clause(rule.clause).title
                    return _Failed(
                        f"no clause '{rule.clause}' ({title}) in the agreement",
                        f"{rule.element}: clause '{rule.clause}' ({title})",
                    )
                return None
            self._check(rule, rule.check)
        except _Skip:
            return None
        except _Failed as failure:
            return failure
        return None

    def _check(self, rule: Rule, check: Check) -> None:
        """Raise _Failed at the first part of the check that does not hold."""
        self._check_values(rule, check)
        if check.expr is not None and not self.truth(check.expr, rule):
            raise self._expression_failure(rule, check.expr)
        if check.attachment is not None and self.subject.complete:
            self._attachment(rule, check.attachment)
        text = self.subject.clauses.get(rule.clause or "")
        if text is None:
            return  # the clause cannot be rendered without a missing value
        self._check_wording(rule, check, text)

    def _check_values(self, rule: Rule, check: Check) -> None:
        """Parameters that must be set, then parameter comparisons."""
        values = self.subject.values
        for name in check.set:
            value = values.get(name)
            if value is None or value == "" or value == []:
                given = "is required but not given" if name in self.subject.missing else "is empty"
                raise _Failed(f"{name} {given}", f"{rule.element} ({name})", name)
        for test in check.params:
            value = values.get(test.param)
            if not _param_holds(test.op, value, test.value):
                raise _Failed(
                    f"{test.param} = {show(value)}",
                    f"{rule.element} ({test.param} {_describe(test.op, test.value)})",
                    test.param,
                )

    def _expression_failure(self, rule: Rule, expr: str) -> _Failed:
        """The failure of a false `expr:`, showing the values it reads."""
        values = self.subject.values
        names = sorted(
            meta.find_undeclared_variables(self.library.env.parse("{{ (" + expr + ") }}"))
            & set(values)
        )
        found = ", ".join(f"{n} = {show(values.get(n))}" for n in names) or "false"
        return _Failed(found, rule.element, names[0] if names else None)

    def _check_wording(self, rule: Rule, check: Check, text: str) -> None:
        """Wording the clause must contain, then wording it must not."""
        title = self.library.clause(rule.clause).title if rule.clause else ""
        for wording in check.text_present:
            if not self._contains(wording, text):
                raise _Failed(
                    f"no such wording in clause '{rule.clause}' ({title})",
                    f"{rule.element}; wording: {self._shown(wording)}",
                )
        for wording in check.text_absent:
            located = self._locate(wording, text)
            if located is not None:
                raise _Failed(
                    f"clause '{rule.clause}' ({title}) says: '{located[0]}'",
                    rule.element,
                    line=located[1],
                )

    def _attachment(self, rule: Rule, param: str) -> None:
        name = str(self.subject.values.get(param) or "")
        missing = self.subject.attachments.get(name)
        if missing is None:
            raise _Failed(
                f"no schedule with the text of {name or 'the licence'}",
                f"{rule.element} ({param} = {name})",
                param,
            )
        if missing:
            raise _Failed(
                f"the attached text of {name} lacks {missing} paragraph(s) of the "
                "licence (modified or incomplete)",
                f"{rule.element}: the unmodified text of {name}",
                param,
            )

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
        return self._locate(test, text) is not None

    def _locate(self, test: TextTest, text: str) -> tuple[str, int] | None:
        """The matched passage and the line of the clause text it is on, or None."""
        if test.kind == "any":
            return next((m for o in test.options if (m := self._locate(o, text)) is not None), None)
        rendered = self.render(test)
        pattern = re.escape(normalise(rendered)) if test.kind == "phrase" else rendered
        match = re.search(pattern, text, re.IGNORECASE)
        if match is None:
            return None
        return _passage(text, match.start(), match.end()), text.count("\n", 0, match.start())


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
        return (
            ("…" if cut_left > left else "")
            + text[cut_left:cut_right].strip()
            + ("…" if cut_right < right else "")
        )
    return text[left:right].strip()


def _param_holds(op: str, value: Any, expected: Any) -> bool:
    if op == "not_in":
        return value is None or bool(value not in expected)
    if value is None:
        return False
    if op == "equals":
        return bool(value == expected)
    if op == "in":
        return bool(value in expected)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return bool(value >= expected if op == "min" else value <= expected)


def _describe(op: str, expected: Any) -> str:
    words = {
        "equals": "must be",
        "in": "must be one of",
        "not_in": "must not be",
        "min": "must be at least",
        "max": "must be at most",
    }
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


def evaluate_rules(
    subject: Subject, library: Library, *, only: tuple[str, ...] | None = None
) -> list[Finding]:
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
            findings.append(
                Finding(
                    rule.id,
                    profile.id,
                    rule.severity,
                    rule.citation,
                    rule.clause,
                    parameter,
                    failure.found,
                    failure.required,
                    subject.lines.get(parameter or ""),
                    rule.element,
                    rule.other,
                )
            )
    coherence = any(p.id == COHERENCE for p in selected_profiles(library, only))
    if subject.partner is not None and subject.complete and coherence:
        findings += [
            _not_applicable(unused, subject)
            for unused in not_applicable(subject.partner, library, subject.given)
        ]
    return findings


NOT_APPLICABLE = "coherence.not_applicable"
EVERY_VALUE_USED = "every value the partner file sets shows in the agreement"


def _not_applicable(unused: Unused, subject: Subject) -> Finding:
    return Finding(
        NOT_APPLICABLE,
        COHERENCE,
        "error",
        "dsagen: every parameter the partner file sets is used (docs/lint.md)",
        unused.clause,
        unused.parameter,
        f"{unused.parameter} = {show(unused.value)} changes nothing in this {subject.template} "
        f"agreement (clause '{unused.clause}' does not use it with the other values given)",
        f"{EVERY_VALUE_USED}: leave {unused.parameter} out of the partner file, or choose the "
        "values that make it apply",
        subject.lines.get(unused.parameter),
        EVERY_VALUE_USED,
    )


def applicable_profiles(
    subject: Subject, library: Library, only: tuple[str, ...] | None = None
) -> list[str]:
    evaluator = Evaluator(library, subject)
    return [
        p.id
        for p in selected_profiles(library, only)
        if (only is not None or evaluator.applies(p))
        and (p.id != COHERENCE or (only is not None and COHERENCE in only))
    ]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])


def position_severity(position: str | None) -> Severity | None:
    """Playbook position -> lint severity: beyond the fallbacks is a warning."""
    if position in ("approval", "walk-away"):
        return "warning"
    if position == "fallback":
        return "info"
    return None
