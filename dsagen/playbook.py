"""The organisation's negotiating playbook (`playbook.yaml` at the project root).

Clause files carry default playbook positions for their parameters; the organisation's playbook
overrides them field by field (standard, fallback, walk_away, approver) and names who signs off
beyond the pre-approved fallbacks. It is validated like a partner file: every problem names
file, line and field, what was expected and what was found. See docs/playbook.md.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LibraryError
from .params import (
    Bound,
    Param,
    Playbook,
    ValueProblem,
    check_value,
    found,
    suggest,
    unknown_key,
)
from .responses import Response, ResponsePolicy, parse_response
from .yamlio import LineDict, line_of, load_yaml, plain

if TYPE_CHECKING:
    from .library import Clause, Library

PLAYBOOK_FILE = "playbook.yaml"
TOP_KEYS = (
    "title",
    "version",
    "owner",
    "organisation",
    "approvers",
    "default_approver",
    "response",
    "clauses",
)
ORGANISATION_KEYS = ("name", "side")
SIDES = ("provider", "recipient")
ENTRY_KEYS = ("standard", "fallback", "walk_away", "approver", "note", "response")
CLAUSE_RESPONSE = "response"  # a clause's own response, beside its parameters
BOUND_KEYS = ("values", "min", "max", "pattern", "label")
TEXT_TYPES = ("str", "text", "enum")


class PlaybookError(LibraryError):
    """playbook.yaml is malformed or contradicts the clause library."""


@dataclass(frozen=True)
class PolicyBound(Bound):
    """A Bound that can also accept or refuse text by regular expression, described in words.

    A list value is inside the bound when every item matches a pattern, and refused by a
    walk-away when any item does.
    """

    patterns: tuple[str, ...] = ()
    label: str = ""

    def _all_match(self, value: Any) -> bool:
        items = list(value) if isinstance(value, list | tuple) else [value]
        return (
            bool(self.patterns)
            and bool(items)
            and all(isinstance(item, str) and _matches(self.patterns, item) for item in items)
        )

    def _any_match(self, value: Any) -> bool:
        items = list(value) if isinstance(value, list | tuple) else [value]
        return bool(self.patterns) and any(
            isinstance(item, str) and _matches(self.patterns, item) for item in items
        )

    def contains(self, value: Any) -> bool:
        return super().contains(value) or self._all_match(value)

    def excludes(self, value: Any) -> bool:
        return super().excludes(value) or self._any_match(value)

    def describe(self) -> str:
        return self.label or "; ".join(
            part for part in (super().describe(), _describe_patterns(self.patterns)) if part
        )

    def describe_limit(self) -> str:
        return self.label or " or ".join(
            part for part in (super().describe_limit(), _describe_patterns(self.patterns)) if part
        )


def _matches(patterns: tuple[str, ...], text: str) -> bool:
    return any(re.fullmatch(p, text.strip(), re.IGNORECASE | re.DOTALL) for p in patterns)


def _describe_patterns(patterns: tuple[str, ...]) -> str:
    return " or ".join(f"text matching /{p}/" for p in patterns)


@dataclass(frozen=True)
class PlaybookEntry:
    """One parameter's positions as the organisation's playbook states them."""

    clause: str
    param: str
    playbook: Playbook  # merged with the clause file's defaults
    overridden: tuple[str, ...]  # fields playbook.yaml sets
    note: str
    line: int | None
    response: Response | None = None  # what we do beyond the fallbacks, if the playbook says


@dataclass(frozen=True)
class Organisation:
    """Who "we" are: our name (the author of our comments) and our side of every agreement.

    Agreements name both parties by parameter (`provider_name`, `recipient_name`); whichever
    side we are on, the partner is the other one.
    """

    name: str
    side: str  # one of SIDES

    @property
    def partner_side(self) -> str:
        return SIDES[1 - SIDES.index(self.side)]

    def our_party(self, params: Mapping[str, Any]) -> str:
        """Our party's name in an agreement's parameters (or our organisation's name)."""
        return _party_name(params, self.side) or self.name

    def partner(self, params: Mapping[str, Any]) -> str:
        """The partner's name in an agreement's parameters: the party on the other side."""
        return _party_name(params, self.partner_side) or "the partner"


DEFAULT_ORGANISATION_NAME = "Our organisation"


def _party_name(params: Mapping[str, Any], side: str) -> str:
    value = params.get(f"{side}_name")
    return " ".join(value.split()) if isinstance(value, str) else ""


@dataclass(frozen=True)
class OrgPlaybook:
    """playbook.yaml, checked against the clause library."""

    path: str
    title: str
    version: str
    owner: str
    approvers: dict[str, str]
    default_approver: str | None
    entries: dict[str, PlaybookEntry]  # parameter name -> entry
    organisation: Organisation = Organisation(DEFAULT_ORGANISATION_NAME, "provider")
    responses: ResponsePolicy = dataclasses.field(default_factory=ResponsePolicy)

    def source(self, param: str) -> str:
        """Where a parameter's positions come from, for citations: 'playbook.yaml:42'."""
        entry = self.entries.get(param)
        if entry is None:
            return ""
        return f"{Path(self.path).name}:{entry.line}" if entry.line else Path(self.path).name


def load_playbook(path: Path, clauses: dict[str, Clause]) -> OrgPlaybook:
    """Read and validate playbook.yaml against the clauses it talks about."""
    data = load_yaml(path, error=PlaybookError)
    if data is None:
        data = LineDict()
    if not isinstance(data, LineDict):
        raise PlaybookError(
            f"expected a mapping with 'clauses' (see docs/playbook.md), found {found(data)}",
            path=path,
            line=1,
        )
    if unknown := unknown_key(data, TOP_KEYS):
        key, message = unknown
        raise PlaybookError(message, path=path, line=data.key_lines.get(key), field=key)
    approvers = _approvers(data, path)
    default_key = data.get("default_approver")
    default_approver = None
    if default_key is not None:
        default_approver = _approver(
            default_key, approvers, path, line_of(data, "default_approver"), "default_approver"
        )
    raw_clauses = data.get("clauses") or LineDict()
    if not isinstance(raw_clauses, dict):
        raise PlaybookError(
            f"expected a mapping of clause ids, found {found(raw_clauses)}",
            path=path,
            line=line_of(data, "clauses"),
            field="clauses",
        )
    entries, clause_responses = _clause_entries(
        raw_clauses, clauses, approvers, default_approver, path
    )
    owner = str(data.get("owner", ""))
    responses = ResponsePolicy(
        clauses=clause_responses,
        params={
            name: entry.response for name, entry in entries.items() if entry.response is not None
        },
    )
    if "response" in data:
        responses = dataclasses.replace(responses, default=_default_response(data, path))
    return OrgPlaybook(
        str(path),
        str(data.get("title", "")),
        str(data.get("version", "")),
        owner,
        approvers,
        default_approver,
        entries,
        _organisation(data, path, owner),
        responses,
    )


def _clause_entries(
    raw_clauses: dict[str, Any],
    clauses: dict[str, Clause],
    approvers: dict[str, str],
    default_approver: str | None,
    path: Path,
) -> tuple[dict[str, PlaybookEntry], dict[str, Response]]:
    """Each parameter's entry, and each clause's own `response`, from `clauses:`."""
    owners = {name: clause for clause in clauses.values() for name in clause.params}
    entries: dict[str, PlaybookEntry] = {}
    clause_responses: dict[str, Response] = {}
    for clause_id, raw_params in raw_clauses.items():
        where = f"clauses.{clause_id}"
        line = getattr(raw_clauses, "key_lines", {}).get(clause_id)
        if clause_id not in clauses:
            raise PlaybookError(
                f"unknown clause '{clause_id}'{suggest(clause_id, tuple(clauses))}",
                path=path,
                line=line,
                field=where,
            )
        clause = clauses[clause_id]
        if not isinstance(raw_params, dict):
            raise PlaybookError(
                f"expected a mapping of parameter names, found {found(raw_params)}",
                path=path,
                line=line,
                field=where,
            )
        for name, raw in raw_params.items():
            pline = getattr(raw_params, "key_lines", {}).get(name)
            field = f"{where}.{name}"
            if name == CLAUSE_RESPONSE and name not in clause.params:
                clause_responses[clause_id] = parse_response(raw, path, pline, field, clause=clause)
                continue
            if name not in clause.params:
                hint = (
                    f"; it belongs to clause '{owners[name].id}'"
                    if name in owners
                    else suggest(name, tuple(clause.params))
                )
                raise PlaybookError(
                    f"clause '{clause_id}' has no parameter '{name}'{hint}",
                    path=path,
                    line=pline,
                    field=field,
                )
            entries[name] = _entry(
                clause, clause.params[name], raw, approvers, default_approver, path, pline, field
            )
    return entries, clause_responses


def _default_response(data: LineDict, path: Path) -> Response:
    """The top-level `response`: the default actions, completed with the built-in ones."""
    given = parse_response(data["response"], path, line_of(data, "response"), "response")
    return Response(
        {**ResponsePolicy().default.actions, **given.actions}, note=given.note, line=given.line
    )


def apply_playbook(clauses: dict[str, Clause], playbook: OrgPlaybook) -> None:
    """Replace each parameter's playbook with the organisation's (in the clauses' own dicts)."""
    for name, entry in playbook.entries.items():
        params = clauses[entry.clause].params
        params[name] = dataclasses.replace(params[name], playbook=entry.playbook)
    if playbook.default_approver:
        for clause in clauses.values():
            for name, param in clause.params.items():
                if param.playbook is not None and param.playbook.approver is None:
                    clause.params[name] = dataclasses.replace(
                        param,
                        playbook=dataclasses.replace(
                            param.playbook, approver=playbook.default_approver
                        ),
                    )


def apply_playbook_file(
    root: Path, clauses: dict[str, Clause], path: Path | None = None
) -> OrgPlaybook | None:
    """Load `path` (by default `root/playbook.yaml`, when present) and apply it; called by
    load_library. A playbook given by path must exist."""
    if path is None:
        path = root / PLAYBOOK_FILE
        if not path.exists():
            return None
    elif not path.is_file():
        raise PlaybookError("expected a playbook file, found nothing there", path=path)
    playbook = load_playbook(path, clauses)
    apply_playbook(clauses, playbook)
    return playbook


def organisation(library: Library) -> Organisation:
    """Who we are for this library: its playbook's organisation, or the provider by default;
    an `organisation` in dsagen.toml renames it (the side stays the playbook's)."""
    from .config import project_organisation

    found = (
        library.playbook.organisation
        if library.playbook is not None
        else Organisation(DEFAULT_ORGANISATION_NAME, "provider")
    )
    name = project_organisation()
    return dataclasses.replace(found, name=name) if name else found


def _organisation(data: LineDict, path: Path, owner: str) -> Organisation:
    """`organisation: {name, side}`; without it we are the provider, named by the owner."""
    default = Organisation(owner or DEFAULT_ORGANISATION_NAME, "provider")
    if "organisation" not in data:
        return default
    raw = data["organisation"]
    line = line_of(data, "organisation")
    if not isinstance(raw, dict):
        raise PlaybookError(
            f"expected a mapping with name and side, found {found(raw)}",
            path=path,
            line=line,
            field="organisation",
        )
    if unknown := unknown_key(raw, ORGANISATION_KEYS):
        key, message = unknown
        raise PlaybookError(
            message, path=path, line=line_of(raw, key) or line, field=f"organisation.{key}"
        )
    name = raw.get("name", default.name)
    if not isinstance(name, str) or not name.strip():
        raise PlaybookError(
            f"expected our organisation's name as text, found {found(name)}",
            path=path,
            line=line_of(raw, "name") or line,
            field="organisation.name",
        )
    side = raw.get("side", default.side)
    if side not in SIDES:
        raise PlaybookError(
            f"expected one of {', '.join(SIDES)}, found {found(side)}{suggest(str(side), SIDES)}",
            path=path,
            line=line_of(raw, "side") or line,
            field="organisation.side",
        )
    return Organisation(" ".join(name.split()), side)


def _approvers(data: LineDict, path: Path) -> dict[str, str]:
    raw = data.get("approvers") or {}
    if not isinstance(raw, dict):
        raise PlaybookError(
            f"expected a mapping of approver key to role, found {found(raw)}",
            path=path,
            line=line_of(data, "approvers"),
            field="approvers",
        )
    approvers = {}
    for key, role in raw.items():
        if not isinstance(role, str) or not role.strip():
            raise PlaybookError(
                f"expected the approver's role as text, found {found(role)}",
                path=path,
                line=line_of(raw, key),
                field=f"approvers.{key}",
            )
        approvers[key] = role.strip()
    return approvers


def _approver(key: Any, approvers: dict[str, str], path: Path, line: int | None, field: str) -> str:
    if not isinstance(key, str) or key not in approvers:
        known = ", ".join(approvers) or "none declared under 'approvers'"
        raise PlaybookError(
            f"expected an approver key ({known}), found {found(key)}"
            f"{suggest(str(key), tuple(approvers))}",
            path=path,
            line=line,
            field=field,
        )
    return approvers[key]


def _entry(
    clause: Clause,
    param: Param,
    raw: Any,
    approvers: dict[str, str],
    default_approver: str | None,
    path: Path,
    line: int | None,
    field: str,
) -> PlaybookEntry:
    if not isinstance(raw, dict):
        raise PlaybookError(
            "expected a mapping with standard, fallback, walk_away, approver "
            f"or note, found {found(raw)}",
            path=path,
            line=line,
            field=field,
        )
    if unknown := unknown_key(raw, ENTRY_KEYS):
        key, message = unknown
        raise PlaybookError(
            message, path=path, line=getattr(raw, "key_lines", {}).get(key), field=f"{field}.{key}"
        )
    base = param.playbook or Playbook()
    standard = base.standard
    if "standard" in raw:
        standard = _value(
            param, raw["standard"], path, line_of(raw, "standard"), f"{field}.standard"
        )
    fallback = base.fallback
    if "fallback" in raw:
        fallback = _bound(
            param, raw["fallback"], path, line_of(raw, "fallback"), f"{field}.fallback"
        )
    walk_away = base.walk_away
    if "walk_away" in raw:
        walk_away = _bound(
            param, raw["walk_away"], path, line_of(raw, "walk_away"), f"{field}.walk_away"
        )
    approver = base.approver
    if "approver" in raw:
        approver = _approver(
            raw["approver"], approvers, path, line_of(raw, "approver"), f"{field}.approver"
        )
    playbook = Playbook(
        standard=standard,
        fallback=fallback,
        walk_away=walk_away,
        approver=approver or default_approver,
    )
    _check_consistent(playbook, path, line, field)
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise PlaybookError(
            f"expected text, found {found(note)}",
            path=path,
            line=line_of(raw, "note"),
            field=f"{field}.note",
        )
    response = None
    if "response" in raw:
        response = parse_response(
            raw["response"],
            path,
            line_of(raw, "response") or line,
            f"{field}.response",
            param=dataclasses.replace(param, playbook=playbook),
        )
    return PlaybookEntry(
        clause.id,
        param.name,
        playbook,
        tuple(k for k in ENTRY_KEYS if k in raw),
        " ".join(note.split()),
        line,
        response,
    )


def _value(param: Param, raw: Any, path: Path, line: int | None, field: str) -> Any:
    try:
        return check_value(param, plain(raw))
    except ValueProblem as problem:
        sub = (
            f".{problem.subfield}"
            if problem.subfield and not problem.subfield.startswith("[")
            else problem.subfield
        )
        raise PlaybookError(
            problem.message, path=path, line=problem.line or line, field=field + sub
        ) from None


def _bound(param: Param, raw: Any, path: Path, line: int | None, field: str) -> Bound:
    """A list of values, or a mapping of values/min/max/pattern/label (docs/playbook.md)."""
    if raw is None:
        return Bound()
    if isinstance(raw, list):
        raw = {"values": raw}
    elif not isinstance(raw, dict):
        raw = {"values": [raw]}
    for key in raw:
        if key not in BOUND_KEYS:
            raise PlaybookError(
                f"unknown key '{key}'{suggest(key, BOUND_KEYS)}; expected a list "
                f"of values or a mapping of {', '.join(BOUND_KEYS)}",
                path=path,
                line=line_of(raw, key) or line,
                field=f"{field}.{key}",
            )
    checked = _bound_values(param, raw, path, line, field)
    limits = _bound_limits(param, raw, path, line, field)
    patterns: tuple[str, ...] = ()
    if "pattern" in raw:
        patterns = _patterns(
            param, raw["pattern"], path, line_of(raw, "pattern") or line, f"{field}.pattern"
        )
    label = raw.get("label", "")
    if not isinstance(label, str):
        raise PlaybookError(
            f"expected text, found {found(label)}",
            path=path,
            line=line_of(raw, "label") or line,
            field=f"{field}.label",
        )
    if patterns or label:
        return PolicyBound(
            values=checked,
            min=limits["min"],
            max=limits["max"],
            patterns=patterns,
            label=" ".join(label.split()),
        )
    return Bound(values=checked, min=limits["min"], max=limits["max"])


def _bound_values(
    param: Param, raw: Any, path: Path, line: int | None, field: str
) -> tuple[Any, ...]:
    """A bound's listed `values`, each checked against the parameter's type."""
    values = raw.get("values") or []
    if not isinstance(values, list):
        raise PlaybookError(
            f"expected a list of values, found {found(values)}",
            path=path,
            line=line_of(raw, "values") or line,
            field=f"{field}.values",
        )
    item_lines = getattr(values, "item_lines", None) or []
    return tuple(
        _value(param, v, path, item_lines[i] if i < len(item_lines) else line, f"{field}[{i}]")
        for i, v in enumerate(values)
    )


def _bound_limits(
    param: Param, raw: Any, path: Path, line: int | None, field: str
) -> dict[str, float | None]:
    """A bound's `min` and `max`: numbers, for number parameters only."""
    limits: dict[str, float | None] = {"min": None, "max": None}
    for key in ("min", "max"):
        if key not in raw:
            continue
        number = raw[key]
        if param.type not in ("int", "float"):
            raise PlaybookError(
                f"'{key}' needs a number parameter; '{param.name}' is {param.describe_type()}",
                path=path,
                line=line_of(raw, key) or line,
                field=f"{field}.{key}",
            )
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise PlaybookError(
                f"expected a number, found {found(number)}",
                path=path,
                line=line_of(raw, key) or line,
                field=f"{field}.{key}",
            )
        limits[key] = number
    return limits


def _patterns(param: Param, raw: Any, path: Path, line: int | None, field: str) -> tuple[str, ...]:
    item_type = param.items.type if param.type == "list" and param.items else param.type
    if item_type not in TEXT_TYPES:
        raise PlaybookError(
            f"'pattern' needs a text or choice parameter (or a list of them); "
            f"'{param.name}' is {param.describe_type()}",
            path=path,
            line=line,
            field=field,
        )
    items = raw if isinstance(raw, list) else [raw]
    patterns = []
    for item in items:
        if not isinstance(item, str) or not item:
            raise PlaybookError(
                f"expected a regular expression, found {found(item)}",
                path=path,
                line=line,
                field=field,
            )
        try:
            re.compile(item)
        except re.error as exc:
            raise PlaybookError(
                f"expected a regular expression, found '{item}' ({exc})",
                path=path,
                line=line,
                field=field,
            ) from None
        patterns.append(item)
    return tuple(patterns)


def _check_consistent(playbook: Playbook, path: Path, line: int | None, field: str) -> None:
    """The standard and the pre-approved fallbacks must lie inside the walk-away limit."""
    walk = playbook.walk_away
    if playbook.standard is not None and walk.excludes(playbook.standard):
        raise PlaybookError(
            f"the standard {found(playbook.standard)} is beyond the walk-away "
            f"limit ({walk.describe_limit()})",
            path=path,
            line=line,
            field=f"{field}.standard",
        )
    for value in playbook.fallback.values:
        if walk.excludes(value):
            raise PlaybookError(
                f"the fallback {found(value)} is beyond the walk-away limit "
                f"({walk.describe_limit()})",
                path=path,
                line=line,
                field=f"{field}.fallback",
            )
    low, high = playbook.fallback.min, playbook.fallback.max
    if high is not None and walk.max is not None and high > walk.max:
        raise PlaybookError(
            f"the fallback range goes to {high:g}, beyond the walk-away limit (above {walk.max:g})",
            path=path,
            line=line,
            field=f"{field}.fallback",
        )
    if low is not None and walk.min is not None and low < walk.min:
        raise PlaybookError(
            f"the fallback range starts at {low:g}, beyond the walk-away limit "
            f"(below {walk.min:g})",
            path=path,
            line=line,
            field=f"{field}.fallback",
        )
