"""Parameters read across clauses, not one at a time.

A value printed in several clauses but changed in only some of them leaves the agreement saying
two things (breach notice 72 hours in one clause, 48 in another): each clause alone looks like a
clean fallback, together they need a person. And a concession can have no effect at all when the
library declares that another parameter caps it (retention ends with the Term, so 60 months of
retention under a 36-month Term is still 36).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..positions import worse
from .model import ClauseResult, Comparison
from .recover import render_text
from .standard import StandardContext


@dataclass(frozen=True)
class Inconsistency:
    parameter: str
    clause: str  # where the value changed ("clause 7 (Security Incidents)")
    value: Any
    other_clause: str  # where it still reads as before
    other_value: Any

    def describe(self) -> str:
        return (
            f"{self.parameter} is {self.value} in {self.clause} but still "
            f"{self.other_value} in {self.other_clause}"
        )


def check_consistency(comparison: Comparison, context: StandardContext | None) -> None:
    """Mark clauses whose parameter change other clauses do not follow (severity at least
    approval), and note concessions that a capping parameter makes ineffective."""
    if context is None:
        return
    changed: dict[str, list[tuple[ClauseResult, Any]]] = {}
    for result in comparison.clauses:
        for param in result.parameters:
            changed.setdefault(param.name, []).append((result, param.negotiated))
    for name, hits in changed.items():
        changed_in = {id(result) for result, _ in hits}
        for other in comparison.clauses:
            if id(other) in changed_in or not _prints(other, name, hits[0][1], context):
                continue
            for result, value in hits:
                found = Inconsistency(
                    name, _label(result), value, _label(other), context.values.get(name)
                )
                result.severity = worse(result.severity, "approval")
                result.notes.append(f"inconsistent: {found.describe()}")
                comparison.inconsistencies.append(found)
    _capped_concessions(comparison, context, changed)


def _label(result: ClauseResult) -> str:
    return result.location or result.title


def _prints(result: ClauseResult, name: str, value: Any, context: StandardContext) -> bool:
    """Whether this clause, still as issued, renders differently with the changed value: it
    then still states the standard value."""
    if result.story != "body" or result.status in ("removed", "added") or result.id is None:
        return False
    library = context.library
    clause = library.clauses.get(result.id)
    if clause is None:
        return False
    variant = result.variant_negotiated or context.variants.get(clause.id, "standard")
    if variant not in clause.variants or name not in library.variables(
        clause.variants[variant].text
    ):
        return False
    before = render_text(library, clause, variant, context.values, context.numbers)
    after = render_text(library, clause, variant, {**context.values, name: value}, context.numbers)
    return before is not None and after is not None and before != after


def _capped_concessions(
    comparison: Comparison,
    context: StandardContext,
    changed: dict[str, list[tuple[ClauseResult, Any]]],
) -> None:
    owners = context.library.param_owner()
    for name, hits in changed.items():
        param = owners[name].params[name] if name in owners else None
        if param is None or param.capped_by is None:
            continue
        cap_name = param.capped_by
        cap = changed[cap_name][0][1] if cap_name in changed else context.values.get(cap_name)
        for result, value in hits:
            if isinstance(value, int | float) and isinstance(cap, int | float) and value > cap:
                result.notes.append(
                    f"{name} {value} has no effect beyond {cap_name} {cap}: the Agreement "
                    f"ends first, so the concession only matters if {cap_name} is raised too"
                )
