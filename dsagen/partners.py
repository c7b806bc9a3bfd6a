"""Load a partner's parameter file and validate it against the schema of its template.

Every problem is reported with file, line, field, what was expected and what was found; an unknown
key gets a suggestion, because the commonest error in a hand-written YAML file is a typo.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from .canonical import canonical_json
from .errors import DsagenError, PartnerError, raise_all
from .library import Library, Template
from .limits import MAX_PARTNER_CHARS, MAX_PARTNER_ITEMS
from .params import Param, ValueProblem, check_value, found, suggest
from .yamlio import LineDict, load_yaml

RESERVED_KEYS = ("template", "variants")
SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


@dataclass(frozen=True)
class PartnerParams:
    """A validated partner file: typed values with defaults filled in, chosen variants."""

    slug: str
    path: str
    template_id: str
    values: dict[str, Any]
    variants: dict[str, str]
    included: tuple[str, ...]  # clause ids the template includes for this partner
    digest: str  # sha256 of the canonical JSON of values + variants + template
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # top-level key -> line

    @property
    def given(self) -> dict[str, Any]:
        return self.values


def partner_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their *.yaml / *.yml files, sorted; keep files as given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
            )
            if not found:
                raise PartnerError(
                    "expected partner YAML files in this folder, found none", path=path
                )
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise PartnerError("no such file or folder", path=path)
    return files


def load_partner(
    path: Path,
    library: Library,
    *,
    template_id: str | None = None,
    effective_date: dt.date | None = None,
    missing: list[str] | None = None,
) -> PartnerParams:
    """Read and validate one partner file; `template_id` overrides the file's own choice.

    With a `missing` list, required parameters left out are collected there instead of raising
    (lint reports them as the rule they break); the partner then cannot be assembled."""
    data = _read_partner_file(path)
    slug = path.stem
    if not SLUG.fullmatch(slug):
        raise PartnerError(
            f"expected a file name of letters, digits, '.', '-' or '_', found '{slug}'", path=path
        )
    template = _chosen_template(data, library, template_id, path)
    schema = library.template_params(template)
    values = _check_keys_and_values(data, schema, library, template, path)
    _check_totals(values, path)
    if effective_date is not None and "effective_date" in schema:
        values["effective_date"] = effective_date
    for name, param in schema.items():
        if name not in values and not param.required:
            values[name] = param.default
    included = _included_clauses(template, library, values, data, path)
    _check_required(data, library, included, values, path, missing)
    variants = _check_variants(data, template, library, included, path)
    digest = hashlib.sha256(
        canonical_json({"template": template.id, "values": values, "variants": variants}).encode()
    ).hexdigest()
    return PartnerParams(
        slug, str(path), template.id, values, variants, tuple(included), digest, data.key_lines
    )


def _read_partner_file(path: Path) -> LineDict:
    data = load_yaml(path, error=PartnerError)
    if data is None:
        raise PartnerError("expected a mapping of parameters, found an empty file", path=path)
    if not isinstance(data, LineDict):
        raise PartnerError(
            f"expected a mapping of parameters, found {found(data)}", path=path, line=1
        )
    return data


def _chosen_template(
    data: LineDict, library: Library, template_id: str | None, path: Path
) -> Template:
    """The template `template_id` names, else the file's `template:`, else research-dsa."""
    chosen = template_id or data.get("template") or "research-dsa"
    if not isinstance(chosen, str):
        raise PartnerError(
            f"expected a template name, found {chosen!r}",
            path=path,
            line=data.value_lines.get("template"),
            field="template",
        )
    try:
        return library.template(chosen)
    except Exception as exc:
        raise PartnerError(
            str(exc), path=path, line=data.value_lines.get("template"), field="template"
        ) from None


def _check_required(
    data: LineDict,
    library: Library,
    included: list[str],
    values: dict[str, Any],
    path: Path,
    missing: list[str] | None,
) -> None:
    """Every required parameter of an included clause has a value; the names left out go to
    `missing` when given, else all problems are raised together."""
    absent: list[DsagenError] = []
    for clause_id in included:
        for name, param in library.clause(clause_id).params.items():
            if not param.required or values.get(name) is not None:
                continue
            if missing is not None:
                missing.append(name)
            else:
                absent.append(_absent_value(data, name, param, clause_id, path))
    raise_all(absent)


def _absent_value(
    data: LineDict, name: str, param: Param, clause_id: str, path: Path
) -> PartnerError:
    if name in data:  # the key is there, its value left empty
        return PartnerError(
            f"expected {param.describe_type()}, found nothing",
            path=path,
            line=data.value_lines.get(name),
            field=name,
        )
    return PartnerError(
        f"missing required parameter '{name}' (expected {param.describe_type()}; "
        f"{param.help or 'see dsagen clauses show ' + clause_id})",
        path=path,
        line=1,
        field=name,
    )


def _check_keys_and_values(
    data: LineDict, schema: dict[str, Param], library: Library, template: Template, path: Path
) -> dict[str, Any]:
    """Every key known and every value valid; all problems are reported together."""
    values: dict[str, Any] = {}
    errors: list[DsagenError] = []
    owners = library.param_owner()
    always_required = {
        name
        for entry in template.entries
        if not entry.when
        for name, param in library.clause(entry.clause_id).params.items()
        if param.required
    }
    for key, raw in data.items():
        line = data.key_lines.get(key)
        if key in RESERVED_KEYS:
            continue
        if key not in schema:
            if key in owners:
                errors.append(
                    PartnerError(
                        f"parameter '{key}' belongs to clause '{owners[key].id}', which template "
                        f"'{template.id}' does not include",
                        path=path,
                        line=line,
                        field=key,
                    )
                )
                continue
            hint = suggest(key, tuple(schema) + RESERVED_KEYS)
            errors.append(
                PartnerError(f"unknown parameter '{key}'{hint}", path=path, line=line, field=key)
            )
            continue
        if raw is None:
            if key in always_required:
                errors.append(
                    PartnerError(
                        f"expected {schema[key].describe_type()}, found nothing",
                        path=path,
                        line=line,
                        field=key,
                    )
                )
            continue  # otherwise required only if its conditional clause is included
        try:
            values[key] = check_value(schema[key], raw)
        except ValueProblem as problem:
            sub = problem.subfield
            name = key + (sub if sub.startswith("[") else f".{sub}" if sub else "")
            errors.append(
                PartnerError(
                    problem.message,
                    path=path,
                    line=problem.line or data.value_lines.get(key),
                    field=name,
                )
            )
    raise_all(errors)
    return values


def _check_totals(values: dict[str, Any], path: Path) -> None:
    """Each value within its own limit can still add up to a file that takes minutes to
    render: bound all lists and all text of the file together."""
    items, chars = _size(values)
    if items > MAX_PARTNER_ITEMS:
        raise PartnerError(
            f"expected at most {MAX_PARTNER_ITEMS:,} list items in all lists "
            f"together (the limit for one partner file), found {items:,}",
            path=path,
        )
    if chars > MAX_PARTNER_CHARS:
        raise PartnerError(
            f"expected at most {MAX_PARTNER_CHARS:,} characters of text in all "
            f"values together (the limit for one partner file), found "
            f"{chars:,}",
            path=path,
        )


def _size(value: Any) -> tuple[int, int]:
    """(list items, characters of text) in a checked value, nested values included."""
    if isinstance(value, str):
        return 0, len(value)
    if isinstance(value, dict):
        value = list(value.values())
        items = 0
    elif isinstance(value, list):
        items = len(value)
    else:
        return 0, 0
    sizes = [_size(item) for item in value]
    return items + sum(n for n, _ in sizes), sum(c for _, c in sizes)


def evaluate(library: Library, expr: str, values: dict[str, Any]) -> Any:
    """Evaluate a template or variant condition over partner values (sandboxed)."""
    return library.expression(expr)(**values)


def _included_clauses(
    template: Template, library: Library, values: dict[str, Any], data: LineDict, path: Path
) -> list[str]:
    included = []
    for entry in template.entries:
        if entry.when is None:
            included.append(entry.clause_id)
            continue
        try:
            if evaluate(library, entry.when, values):
                included.append(entry.clause_id)
        except jinja2.UndefinedError as exc:
            raise PartnerError(
                f"the template's condition for clause '{entry.clause_id}' needs "
                f"a value: {exc.message}",
                path=path,
                line=1,
            ) from None
        except Exception as exc:  # a bad condition is a library bug, named as such
            raise PartnerError(
                f"cannot evaluate condition '{entry.when}' of clause "
                f"'{entry.clause_id}' in {template.path}: {exc}",
                path=path,
            ) from None
    return included


def _check_variants(
    data: LineDict, template: Template, library: Library, included: list[str], path: Path
) -> dict[str, str]:
    raw = data.get("variants") or {}
    if not isinstance(raw, dict):
        raise PartnerError(
            "expected a mapping of clause id to variant name",
            path=path,
            line=data.value_lines.get("variants"),
            field="variants",
        )
    chosen: dict[str, str] = {}
    for clause_id, variant in raw.items():
        line = getattr(raw, "key_lines", {}).get(clause_id)
        if clause_id not in {e.clause_id for e in template.entries}:
            hint = suggest(clause_id, [e.clause_id for e in template.entries])
            raise PartnerError(
                f"template '{template.id}' has no clause '{clause_id}'{hint}",
                path=path,
                line=line,
                field=f"variants.{clause_id}",
            )
        clause = library.clause(clause_id)
        if variant not in clause.variants:
            hint = suggest(str(variant), tuple(clause.variants))
            raise PartnerError(
                f"expected one of {', '.join(clause.variants)}, found '{variant}'{hint}",
                path=path,
                line=line,
                field=f"variants.{clause_id}",
            )
        chosen[clause_id] = str(variant)
    return chosen
