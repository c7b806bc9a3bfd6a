"""Regulatory profiles as data: load `rules/*.yaml` beside `clauses/` into typed, checked rules.

A profile (FERPA, HIPAA limited data set, GDPR, ...) says when it applies, as a sandboxed Jinja
expression over partner parameters, and lists rules. Each rule names the element the law
requires, its citation, a severity, the clause it lives in and a declarative check. Everything
a rule refers to (clauses, parameters, variables, regular expressions, Jinja) is checked when
the rules load, so a typo fails with file, line and field rather than silently passing.
Format: docs/lint.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
from jinja2 import meta, nodes

from ..errors import LibraryError
from ..library import Library
from ..params import found, suggest, unknown_key
from ..yamlio import LineDict, line_of, load_yaml, plain

RULES_DIR = "rules"
#: How much a lint finding matters, worst first.
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
PROFILE_KEYS = ("id", "title", "citation", "summary", "applies_when", "rules")
RULE_KEYS = ("id", "element", "citation", "severity", "clause", "other", "when", "check", "note")
CHECK_KEYS = (
    "clause_present",
    "set",
    "equals",
    "in",
    "not_in",
    "min",
    "max",
    "expr",
    "attachment",
    "text_present",
    "text_absent",
)
PARAM_CHECKS = ("equals", "in", "not_in", "min", "max")
# Names an expression may use besides parameters: helpers the evaluator provides.
HELPERS = frozenset(
    {"has_clause", "says", "issued", "civil_law", "true", "false", "none", "True", "False", "None"}
)


class RuleError(LibraryError):
    """A rules/*.yaml file is malformed or refers to something the library does not have."""


@dataclass(frozen=True)
class TextTest:
    """Wording to look for in a clause: a literal phrase, a regular expression, or any of several.

    Phrases and expressions are Jinja text rendered with the subject's parameter values
    (in a regular expression, values are inserted escaped)."""

    kind: str  # "phrase" | "regex" | "any"
    source: str = ""
    options: tuple[TextTest, ...] = ()

    def describe(self) -> str:
        if self.kind == "any":
            return " or ".join(option.describe() for option in self.options)
        return f"'{self.source}'" if self.kind == "phrase" else f"/{self.source}/"


@dataclass(frozen=True)
class ParamTest:
    """A parameter compared with a value: equals, in, not_in, min or max."""

    op: str
    param: str
    value: Any


@dataclass(frozen=True)
class Check:
    """What a rule requires; every part given must hold."""

    clause_present: bool = False
    set: tuple[str, ...] = ()
    params: tuple[ParamTest, ...] = ()
    expr: str | None = None
    attachment: str | None = None  # parameter naming a licence whose text must be attached
    text_present: tuple[TextTest, ...] = ()
    text_absent: tuple[TextTest, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    profile: str
    element: str
    citation: str
    severity: Severity
    clause: str | None
    when: str | None
    check: Check
    note: str
    path: str
    line: int | None
    # coherence rules: the clause that `clause` must not contradict; a finding names both
    other: str | None = None

    @property
    def parameters(self) -> tuple[str, ...]:
        """Parameters the rule looks at, in the order its check names them."""
        names = list(self.check.set) + [t.param for t in self.check.params]
        if self.check.attachment:
            names.append(self.check.attachment)
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    citation: str
    summary: str
    applies_when: str
    rules: tuple[Rule, ...]
    path: str


@dataclass
class _Loader:
    library: Library
    path: Path
    params: frozenset[str] = field(default_factory=frozenset)

    def fail(self, message: str, line: int | None, where: str) -> RuleError:
        return RuleError(message, path=self.path, line=line, field=where)

    def text(self, data: LineDict, key: str, where: str, required: bool = True) -> str:
        value = data.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                f"expected text for '{key}', found {found(value)}",
                line_of(data, key) or line_of(data),
                f"{where}{key}",
            )
        return " ".join(value.split())

    def keys(self, data: Any, allowed: tuple[str, ...], where: str, line: int | None) -> LineDict:
        if not isinstance(data, LineDict):
            raise self.fail(f"expected a mapping, found {found(data)}", line, where.rstrip("."))
        if unknown := unknown_key(data, allowed):
            key, message = unknown
            raise self.fail(message, data.key_lines.get(key), where + key)
        return data

    def param(self, name: Any, line: int | None, where: str) -> str:
        if not isinstance(name, str) or name not in self.params:
            hint = suggest(str(name), tuple(self.params))
            raise self.fail(f"unknown parameter {found(name)}{hint}", line, where)
        return name

    def expression(self, data: LineDict, key: str, where: str) -> str | None:
        """An optional Jinja expression under `key`, checked like any other rule text."""
        source = data.get(key)
        if source is None:
            return None
        if not isinstance(source, str):
            raise self.fail(
                f"expected a Jinja expression, found {found(source)}",
                line_of(data, key),
                where + key,
            )
        self.variables(source, line_of(data, key), where + key, template=False)
        return source

    def variables(self, source: str, line: int | None, where: str, *, template: bool) -> None:
        """Compile Jinja and make sure it names only parameters and helpers."""
        env = self.library.env
        try:
            ast = env.parse(source if template else "{{ (" + source + ") }}")
            if template:
                env.from_string(source)  # compiling also checks filters and tests exist
            else:
                env.compile_expression(source)
        except jinja2.TemplateSyntaxError as exc:
            raise self.fail(
                f"expected a Jinja {'text' if template else 'expression'}, found "
                f"'{source}' ({exc.message})",
                line,
                where,
            ) from None
        for name in sorted(meta.find_undeclared_variables(ast)):
            if name not in self.params and name not in HELPERS:
                raise self.fail(
                    f"unknown parameter '{name}' in '{source}'{suggest(name, tuple(self.params))}",
                    line,
                    where,
                )
        for call in ast.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name in ("says", "has_clause"):
                first = call.args[0] if call.args else None
                if not isinstance(first, nodes.Const) or first.value not in self.library.clauses:
                    shown = first.value if isinstance(first, nodes.Const) else "an expression"
                    raise self.fail(
                        f"{call.node.name}() expects a clause id as its first "
                        f"argument, found {found(shown)}"
                        f"{suggest(str(shown), tuple(self.library.clauses))}",
                        line,
                        where,
                    )
        for node in ast.find_all(nodes.Getattr):
            if (
                isinstance(node.node, nodes.Name)
                and node.node.name == "issued"
                and (node.attr not in self.params)
            ):
                raise self.fail(
                    f"unknown parameter 'issued.{node.attr}' in '{source}'"
                    f"{suggest(node.attr, tuple(self.params))}",
                    line,
                    where,
                )

    def text_tests(self, raw: Any, line: int | None, where: str) -> tuple[TextTest, ...]:
        items = raw if isinstance(raw, list) else [raw]
        lines = getattr(raw, "item_lines", None) or []
        return tuple(
            self.text_test(item, lines[i] if i < len(lines) else line, f"{where}[{i}]")
            for i, item in enumerate(items)
        )

    def text_test(self, raw: Any, line: int | None, where: str) -> TextTest:
        if isinstance(raw, str) and raw.strip():
            self.variables(raw, line, where, template=True)
            return TextTest("phrase", " ".join(raw.split()))
        if isinstance(raw, dict) and set(raw) == {"regex"} and isinstance(raw["regex"], str):
            source = raw["regex"]
            self.variables(source, line, where, template=True)
            try:
                re.compile(
                    self.library.env.from_string(source).render({name: "x" for name in self.params})
                )
            except re.error as exc:
                raise self.fail(
                    f"expected a regular expression, found '{source}' ({exc})", line, where
                ) from None
            except jinja2.TemplateError:
                pass  # rendered with real values at evaluation time
            return TextTest("regex", source)
        if isinstance(raw, dict) and set(raw) == {"any"} and isinstance(raw["any"], list):
            return TextTest("any", options=self.text_tests(raw["any"], line, where + ".any"))
        raise self.fail(
            f"expected a phrase, {{regex: ...}} or {{any: [...]}}, found {found(raw)}", line, where
        )

    def check(self, raw: Any, line: int | None, where: str, clause: str | None) -> Check:
        data = self.keys(raw, CHECK_KEYS, where, line)
        if not data:
            raise self.fail("expected at least one check", line, where.rstrip("."))
        clause_present = data.get("clause_present", False)
        if not isinstance(clause_present, bool):
            raise self.fail(
                f"expected true, found {found(clause_present)}",
                line_of(data, "clause_present"),
                where + "clause_present",
            )
        needs_clause = clause_present or "text_present" in data or "text_absent" in data
        if needs_clause and clause is None:
            raise self.fail(
                "clause_present and text checks need the rule's 'clause'", line, where.rstrip(".")
            )
        raw_set = data.get("set") or []
        names = raw_set if isinstance(raw_set, list) else [raw_set]
        set_params = tuple(self.param(n, line_of(data, "set"), where + "set") for n in names)
        tests = self.param_tests(data, where)
        expr = self.expression(data, "expr", where)
        attachment = data.get("attachment")
        if attachment is not None:
            self.param(attachment, line_of(data, "attachment"), where + "attachment")
        present = self.optional_text_tests(data, "text_present", where)
        absent = self.optional_text_tests(data, "text_absent", where)
        return Check(clause_present, set_params, tests, expr, attachment, present, absent)

    def param_tests(self, data: LineDict, where: str) -> tuple[ParamTest, ...]:
        """The check's parameter comparisons (equals, in, not_in, min, max), in that order."""
        tests: list[ParamTest] = []
        for op in PARAM_CHECKS:
            if op not in data:
                continue
            mapping = data[op]
            if not isinstance(mapping, dict) or not mapping:
                raise self.fail(
                    f"expected a mapping of parameter to value, found {found(mapping)}",
                    line_of(data, op),
                    where + op,
                )
            for name, value in mapping.items():
                pline = getattr(mapping, "key_lines", {}).get(name) or line_of(data, op)
                tests.append(self.param_test(op, name, value, pline, f"{where}{op}.{name}"))
        return tuple(tests)

    def param_test(self, op: str, name: Any, value: Any, line: int | None, where: str) -> ParamTest:
        param = self.param(name, line, where)
        value = plain(value)
        if op in ("in", "not_in") and not isinstance(value, list):
            raise self.fail(f"expected a list of values, found {found(value)}", line, where)
        if op in ("min", "max") and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise self.fail(f"expected a number, found {found(value)}", line, where)
        return ParamTest(op, param, value)

    def optional_text_tests(self, data: LineDict, key: str, where: str) -> tuple[TextTest, ...]:
        if key not in data:
            return ()
        return self.text_tests(data[key], line_of(data, key), where + key)

    def rule(self, raw: Any, profile: str, line: int | None, index: int) -> Rule:
        where = f"rules[{index}]."
        data = self.keys(raw, RULE_KEYS, where, line)
        rule_id = self.text(data, "id", where)
        if not re.fullmatch(rf"{re.escape(profile)}\.[a-z][a-z0-9_]*", rule_id):
            raise self.fail(
                f"expected an id '{profile}.<name>' (lowercase, digits, "
                f"underscores), found '{rule_id}'",
                line_of(data, "id"),
                where + "id",
            )
        severity: Severity = data.get("severity", "error")
        if severity not in SEVERITIES:
            raise self.fail(
                f"expected a severity among {', '.join(SEVERITIES)}, found {found(severity)}",
                line_of(data, "severity"),
                where + "severity",
            )
        clause = self.clause_id(data, "clause", where)
        other = self.clause_id(data, "other", where)
        if other is not None and clause is None:
            raise self.fail(
                "'other' names the second clause of a contradiction and needs the rule's 'clause'",
                line_of(data, "other"),
                where + "other",
            )
        when = self.expression(data, "when", where)
        if "check" not in data:
            raise self.fail("missing required key 'check'", line, where + "check")
        check = self.check(data["check"], line_of(data, "check"), where + "check.", clause)
        return Rule(
            rule_id,
            profile,
            self.text(data, "element", where),
            self.text(data, "citation", where),
            severity,
            clause,
            when,
            check,
            self.text(data, "note", where, required=False),
            str(self.path),
            line,
            other,
        )

    def clause_id(self, data: LineDict, key: str, where: str) -> str | None:
        clause = data.get(key)
        if clause is not None and clause not in self.library.clauses:
            raise self.fail(
                f"unknown clause {found(clause)}"
                f"{suggest(str(clause), tuple(self.library.clauses))}",
                line_of(data, key),
                where + key,
            )
        return None if clause is None else str(clause)

    def profile(self) -> Profile:
        data = load_yaml(self.path, error=RuleError)
        data = self.keys(data, PROFILE_KEYS, "", 1)
        profile_id = self.text(data, "id", "")
        if profile_id != self.path.stem:
            raise self.fail(
                f"expected id '{self.path.stem}' (the file name), found '{profile_id}'",
                line_of(data, "id"),
                "id",
            )
        applies = self.text(data, "applies_when", "")
        self.variables(applies, line_of(data, "applies_when"), "applies_when", template=False)
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise self.fail("expected a non-empty list of rules", line_of(data, "rules"), "rules")
        lines = getattr(raw_rules, "item_lines", [])
        rules = tuple(
            self.rule(raw, profile_id, lines[i] if i < len(lines) else None, i)
            for i, raw in enumerate(raw_rules)
        )
        return Profile(
            profile_id,
            self.text(data, "title", ""),
            self.text(data, "citation", ""),
            self.text(data, "summary", "", required=False),
            applies,
            rules,
            str(self.path),
        )


_CACHE: dict[tuple[str, str], tuple[Profile, ...]] = {}


def load_profiles(library: Library) -> tuple[Profile, ...]:
    """Every profile under `<library root>/rules/`, checked against the library (cached)."""
    folder = library.root / RULES_DIR
    key = (str(folder), library.digest)
    if key in _CACHE:
        return _CACHE[key]
    profiles: list[Profile] = []
    seen: dict[str, str] = {}
    if folder.is_dir():
        params = frozenset(library.param_owner())
        for path in sorted(folder.glob("*.yaml")):
            profile = _Loader(library, path, params).profile()
            for rule in profile.rules:
                if rule.id in seen:
                    raise RuleError(
                        f"rule '{rule.id}' is defined twice (also in {seen[rule.id]})",
                        path=path,
                        line=rule.line,
                        field="id",
                    )
                seen[rule.id] = path.name
            profiles.append(profile)
    _CACHE[key] = tuple(profiles)
    return _CACHE[key]


def profile_names(profiles: tuple[Profile, ...]) -> tuple[str, ...]:
    return tuple(p.id for p in profiles)
