"""Plain-data descriptions of the library for people: `clauses show` and `new-partner`."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from . import yamlio
from .library import Clause, Library
from .params import Param


def describe_param(param: Param) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": param.name,
        "type": param.describe_type(),
        "required": param.required,
        "default": param.default,
        "help": param.help,
    }
    if param.playbook:
        data["standard"] = param.playbook.standard
        data["fallback"] = param.playbook.fallback.describe()
        data["walk_away"] = param.playbook.walk_away.describe_limit()
    return data


def describe_clause(clause: Clause) -> dict[str, Any]:
    return {
        "id": clause.id,
        "title": clause.title,
        "family": clause.family,
        "version": clause.version,
        "summary": clause.summary,
        "anchor": clause.anchor("standard"),
        "params": [describe_param(p) for p in clause.params.values()],
        "variants": [
            {
                "name": v.name,
                "label": v.label,
                "position": v.position,
                "when": v.when,
                "text": v.text,
            }
            for v in clause.variants.values()
        ],
    }


def _scaffold_value(param: Param, shape: bool = False) -> Any:
    """Defaults as they are; required values left empty (lists and mappings shaped) so that
    validation flags every one until it is filled in. Examples go in comments, never in values:
    a forgotten sample name must not pass as the partner's."""
    if param.default not in (None, []) or not (param.required or shape):
        return (
            param.default if param.default is not None else ([] if param.type == "list" else None)
        )
    if param.type == "list" and param.items is not None:
        return [_scaffold_value(param.items, shape=True)]
    if param.type == "object":
        return {
            name: _scaffold_value(sub, shape=sub.required) for name, sub in param.fields.items()
        }
    return None


def _example(param: Param) -> str | None:
    if param.example is None or not param.required:
        return None
    example = param.example
    text = (
        example
        if isinstance(example, str)
        else (
            str(example)
            if not isinstance(example, list | dict)
            else json.dumps(yamlio.plain(example), default=str)
        )
    )
    text = " ".join(text.split())
    if text in (param.help or ""):
        return None  # the help already shows it
    return text if len(text) <= 90 else text[:89] + "…"


def _dump(value: Any) -> str:
    text = yaml.safe_dump(
        value, default_flow_style=False, sort_keys=False, allow_unicode=True, width=96
    ).strip()
    text = text.removesuffix("\n...").removesuffix("...").strip()
    return re.sub(r"(?m)(:|-) null$", r"\1", text)  # an empty value reads as "fill me in"


def partner_scaffold(library: Library, template_id: str, name: str) -> str:
    """A partner YAML with every parameter of the template, commented with its help."""
    template = library.template(template_id)
    lines = [
        f"# Partner parameters for {name} — template {template.id} ({template.title}).",
        "# Fill in every value marked 'required'; the others show their defaults.",
        f"# Check with: dsagen validate {name}.yaml",
        "",
        f"template: {template.id}",
    ]
    seen: set[str] = set()
    for entry in template.entries:
        clause = library.clause(entry.clause_id)
        fresh = [p for p in clause.params.values() if p.name not in seen]
        if not fresh:
            continue
        when = f" (included when {entry.when})" if entry.when else ""
        lines += ["", f"# --- {clause.title} [{clause.id} {clause.version}]{when}"]
        for param in fresh:
            seen.add(param.name)
            flag = "required" if param.required else "optional"
            lines.append(f"# {param.help} ({param.describe_type()}; {flag})")
            if param.playbook and param.playbook.standard is not None:
                lines.append(
                    f"# playbook: standard {param.playbook.standard}"
                    + (
                        f"; fallback {param.playbook.fallback.describe()}"
                        if param.playbook.fallback.describe()
                        else ""
                    )
                    + (
                        f"; walk-away {param.playbook.walk_away.describe_limit()}"
                        if param.playbook.walk_away.describe_limit()
                        else ""
                    )
                )
            example = _example(param)
            if example:
                lines.append(f"# e.g. {example}")
            value = _dump({param.name: _scaffold_value(param)})
            if entry.when and param.required and param.default is None:
                # Needed only when the clause is included: a commented key to uncomment.
                value = "\n".join("# " + line for line in value.splitlines())
            lines.append(value)
    variant_lines = [
        f"#   {c.id}: {', '.join(v for v in c.variants if v != 'standard')}"
        for c in (library.clause(e.clause_id) for e in template.entries)
        if len(c.variants) > 1
    ]
    if variant_lines:
        lines += [
            "",
            "# Named fallback variants, chosen per clause, e.g.",
            "# variants:",
            *variant_lines,
        ]
    return "\n".join(lines) + "\n"
