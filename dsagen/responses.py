"""The response policy: what we do with each deviation the partner made (docs/playbook.md).

A deviation at `standard` or a pre-approved `fallback` is accepted. Beyond the fallbacks the
playbook's `response:` decides, per position (`approval`, `walk_away`): `accept`, `counter`
(with the nearest acceptable value, a value the playbook names, or a named clause variant),
`reject` (restore the standard) or `escalate` (kept as proposed, for the approver). A
parameter's `response:` overrides its clause's, which overrides the playbook's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LibraryError
from .params import Param, ValueProblem, check_value, found, suggest, unknown_key
from .yamlio import line_of, plain

if TYPE_CHECKING:
    from .library import Clause

ACTIONS = ("accept", "counter", "reject", "escalate")
#: The positions a response is chosen for; `standard` and `fallback` are always accepted.
RESPONSE_POSITIONS = ("approval", "walk-away")
RESPONSE_KEYS = ("approval", "walk_away", "counter", "variant", "note")
DEFAULT_ACTIONS = {"approval": "escalate", "walk-away": "counter"}


class ResponseError(LibraryError):
    """A `response:` in playbook.yaml names an unknown action, variant or a value of the wrong
    type."""


@dataclass(frozen=True)
class Response:
    """What to do with a deviation beyond the fallbacks, per position."""

    actions: dict[str, str] = field(default_factory=dict)  # position -> action
    counter: Any = None  # the value we counter with (parameters), instead of the nearest one
    variant: str | None = None  # the clause variant we counter with (clauses)
    note: str = ""
    line: int | None = None

    def action(self, position: str) -> str | None:
        return self.actions.get(position)


@dataclass(frozen=True)
class ResponsePolicy:
    """The playbook's default response, and the clauses' and parameters' own."""

    default: Response = field(default_factory=lambda: Response(dict(DEFAULT_ACTIONS)))
    clauses: dict[str, Response] = field(default_factory=dict)  # clause id -> response
    params: dict[str, Response] = field(default_factory=dict)  # parameter name -> response

    def action(self, position: str, clause: str | None, param: str | None = None) -> str:
        """The action for a deviation at `position` (accept at standard or fallback)."""
        if position not in RESPONSE_POSITIONS:
            return "accept"
        for response in (self.params.get(param or ""), self.clauses.get(clause or "")):
            if response is not None and response.action(position):
                return response.actions[position]
        return self.default.actions.get(position, DEFAULT_ACTIONS[position])

    def note(self, clause: str | None, param: str | None = None) -> str:
        for response in (self.params.get(param or ""), self.clauses.get(clause or "")):
            if response is not None and response.note:
                return response.note
        return ""


def parse_response(
    raw: Any,
    path: Path,
    line: int | None,
    field_name: str,
    *,
    clause: Clause | None = None,
    param: Param | None = None,
) -> Response:
    """One `response:` value: an action for every position beyond the fallbacks, or a mapping
    of approval / walk_away / counter / variant / note. `counter` needs a parameter, `variant`
    a clause."""
    if isinstance(raw, str):
        action = _action(raw, path, line, field_name)
        return Response({p: action for p in RESPONSE_POSITIONS}, line=line)
    if not isinstance(raw, dict):
        raise ResponseError(
            f"expected an action ({', '.join(ACTIONS)}) or a mapping of "
            f"{', '.join(RESPONSE_KEYS)}, found {found(raw)}",
            path=path,
            line=line,
            field=field_name,
        )
    if unknown := unknown_key(raw, RESPONSE_KEYS):
        key, message = unknown
        raise ResponseError(
            message, path=path, line=line_of(raw, key) or line, field=f"{field_name}.{key}"
        )
    actions = {
        position: _action(raw[key], path, line_of(raw, key) or line, f"{field_name}.{key}")
        for position, key in (("approval", "approval"), ("walk-away", "walk_away"))
        if key in raw
    }
    counter = None
    if "counter" in raw:
        counter = _counter_value(
            raw["counter"], param, path, line_of(raw, "counter") or line, f"{field_name}.counter"
        )
    variant = None
    if "variant" in raw:
        variant = _variant(
            raw["variant"],
            clause,
            param,
            path,
            line_of(raw, "variant") or line,
            f"{field_name}.variant",
        )
    if (counter is not None or variant is not None) and not actions:
        actions = {p: "counter" for p in RESPONSE_POSITIONS}
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise ResponseError(
            f"expected text, found {found(note)}",
            path=path,
            line=line_of(raw, "note") or line,
            field=f"{field_name}.note",
        )
    return Response(actions, counter, variant, " ".join(note.split()), line)


def _action(raw: Any, path: Path, line: int | None, field_name: str) -> str:
    if not isinstance(raw, str) or raw not in ACTIONS:
        raise ResponseError(
            f"expected one of {', '.join(ACTIONS)}, found {found(raw)}{suggest(str(raw), ACTIONS)}",
            path=path,
            line=line,
            field=field_name,
        )
    return raw


def _counter_value(
    raw: Any, param: Param | None, path: Path, line: int | None, field_name: str
) -> Any:
    if param is None:
        raise ResponseError(
            "'counter' names a value of a parameter; a clause counters with 'variant'",
            path=path,
            line=line,
            field=field_name,
        )
    try:
        value = check_value(param, plain(raw))
    except ValueProblem as problem:
        raise ResponseError(
            problem.message, path=path, line=problem.line or line, field=field_name
        ) from None
    playbook = param.playbook
    if playbook is not None and playbook.walk_away.excludes(value):
        raise ResponseError(
            f"the counter {found(value)} is itself beyond the walk-away limit "
            f"({playbook.walk_away.describe_limit()})",
            path=path,
            line=line,
            field=field_name,
        )
    return value


def _variant(
    raw: Any,
    clause: Clause | None,
    param: Param | None,
    path: Path,
    line: int | None,
    field_name: str,
) -> str:
    if clause is None or param is not None:
        raise ResponseError(
            "'variant' names a variant of the clause; give it in the clause's own response",
            path=path,
            line=line,
            field=field_name,
        )
    if not isinstance(raw, str) or raw not in clause.variants:
        raise ResponseError(
            f"unknown variant {found(raw)} of clause '{clause.id}'"
            f"{suggest(str(raw), tuple(clause.variants))}; expected one of "
            f"{', '.join(clause.variants)}",
            path=path,
            line=line,
            field=field_name,
        )
    return raw
