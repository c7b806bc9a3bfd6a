"""Every parameter a partner file sets must show in the agreement (issue 11.2).

A value lint grades but the agreement never prints misleads both sides: `liability_cap:
USD 10,000` accepted as a fallback while no clause states a cap. A parameter the file gives is
applicable when some other value of it would change the agreement: which clauses it includes,
which variant a clause uses, or the text of a clause that refers to it. Lint refuses the others
as not applicable to the template with these values (`coherence.not_applicable`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..assemble import choose_variant
from ..compare.recover import render_text
from ..library import Library
from ..params import Param
from ..partners import PartnerParams, evaluate
from ..textfilters import civil_law, locale_of

# Instructions to lint or to the generator, not terms of the agreement; and the signatories,
# whom the signature blocks print outside any clause text.
EXEMPT = frozenset({"regimes", "template", "variants", "signatories"})
MARK = "Zq"  # appended to text values: any clause printing the value prints it differently


@dataclass(frozen=True)
class Unused:
    """A parameter the partner file sets that changes nothing in its agreement."""

    parameter: str
    clause: str  # the clause that owns the parameter
    value: Any


def not_applicable(partner: PartnerParams, library: Library, given: Iterable[str]) -> list[Unused]:
    """Each parameter in `given` that no other value would make show."""
    owners = library.param_owner()
    numbers = _numbers(partner.included, library)
    printed = _printed(partner, library)
    issued: dict[str, tuple[str, str | None]] = {}  # clause id -> text as given, on demand
    return [
        Unused(name, owners[name].id, partner.values[name])
        for name in given
        if name not in EXEMPT
        and name in owners
        and name in partner.values
        and name not in printed
        and not _applies(partner, library, name, numbers, issued)
    ]


def _printed(partner: PartnerParams, library: Library) -> frozenset[str]:
    """Names the agreement prints outright: any other value of those shows, and nothing needs
    rendering to know it (most parameters of most agreements)."""
    names: set[str] = set()
    for clause_id in partner.included:
        clause = library.clause(clause_id)
        names |= library.printed(clause.variants[choose_variant(clause, partner, library)].text)
    return frozenset(names)


def _applies(
    partner: PartnerParams,
    library: Library,
    name: str,
    numbers: dict[str, int],
    issued: dict[str, tuple[str, str | None]],
) -> bool:
    """Whether another value of NAME changes the agreement: its clause list, or the text of
    a clause that uses it (the text as given is rendered once per clause, for all names)."""
    param = library.param_owner()[name].params[name]
    for alternative in alternatives(param, partner.values[name]):
        values = {**partner.values, name: alternative}
        try:
            if _steers_inclusion(library, partner.template_id, name) and (
                _included(partner, library, values) != partner.included
            ):
                return True
            changed = _changed(partner.values, values, name)
            for clause_id in partner.included:
                if not _touches(library, clause_id, changed):
                    continue
                if clause_id not in issued:
                    issued[clause_id] = _text(partner, library, clause_id, partner.values, numbers)
                if _text(partner, library, clause_id, values, numbers) != issued[clause_id]:
                    return True
        except Exception:
            return True
    return False


def _steers_inclusion(library: Library, template_id: str, name: str) -> bool:
    """Does a condition of the template on which clauses to include read the parameter?"""
    return any(
        name in library.variables(f"{{{{ {entry.when} }}}}")
        for entry in library.template(template_id).entries
        if entry.when
    )


def _changed(
    values: dict[str, Any], alternative: dict[str, Any], name: str
) -> frozenset[str] | None:
    """The names of a clause's context that another value of NAME changes: the parameter
    itself, and `civil_law` when the other value moves the governing law between legal
    systems; None when it changes the spelling (`locale`, or the law or state that imply it),
    which every clause may show. A clause's text reads nothing else of the values
    (assemble.clause_context), so a clause using none of these names reads the same."""
    if locale_of(alternative) != locale_of(values):
        return None
    if civil_law(alternative) != civil_law(values):
        return frozenset({name, "civil_law"})
    return frozenset({name})


def _touches(library: Library, clause_id: str, changed: frozenset[str] | None) -> bool:
    """Could this clause's text or variant choice depend on the CHANGED names?"""
    if changed is None:
        return True
    return any(
        not changed.isdisjoint(library.variables(v.text))
        or (v.when and any(name in v.when for name in changed))
        for v in library.clause(clause_id).variants.values()
    )


def _text(
    partner: PartnerParams,
    library: Library,
    clause_id: str,
    values: dict[str, Any],
    numbers: dict[str, int],
) -> tuple[str, str | None]:
    clause = library.clause(clause_id)
    variant = choose_variant(
        clause,
        PartnerParams(
            partner.slug,
            partner.path,
            partner.template_id,
            values,
            partner.variants,
            partner.included,
            partner.digest,
        ),
        library,
    )
    return variant, render_text(library, clause, variant, values, numbers)


def _included(partner: PartnerParams, library: Library, values: dict[str, Any]) -> tuple[str, ...]:
    template = library.template(partner.template_id)
    return tuple(
        e.clause_id for e in template.entries if e.when is None or evaluate(library, e.when, values)
    )


def _numbers(included: tuple[str, ...], library: Library) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for clause_id in included:
        if library.clause(clause_id).numbered:
            numbers[clause_id] = len(numbers) + 1
    return numbers


def alternatives(param: Param, value: Any) -> list[Any]:
    """Other values of the parameter's type, one of which a clause using it would print or
    branch on differently."""
    if param.type == "bool":
        return [not value]
    if param.type == "enum":
        return [c for c in param.choices if c != value]
    if param.type == "int" and isinstance(value, int):
        return [value + 1 if param.max is None or value + 1 <= param.max else value - 1]
    if param.type == "float" and isinstance(value, int | float):
        return [value / 2 if param.max is not None and value * 2 > param.max else value * 2 or 1.0]
    if param.type == "date" and isinstance(value, dt.date):
        return [value + dt.timedelta(days=1)]
    if param.type in ("str", "text"):
        return [f"{value} {MARK}" if value else MARK]
    if param.type == "object" and isinstance(value, dict):
        return [
            {**value, key: f"{text} {MARK}"} for key, text in value.items() if isinstance(text, str)
        ][:1] or [{}]
    if param.type == "list" and isinstance(value, list):
        return [value[:-1]] if value else [_one_item(param)]
    return []


def _one_item(param: Param) -> list[Any]:
    item = param.items
    if item is None or item.type in ("str", "text"):
        return [MARK]
    if item.type == "enum":
        return [item.choices[0]]
    return [{key: MARK for key in item.fields}]
