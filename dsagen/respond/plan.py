"""Decide each deviation of a comparison per the response policy, and what each clause must
read in our proposal.

One Decision per deviation (a parameter the partner changed, or a clause's text beyond its
parameters); one ClausePlan per changed clause, saying how the counter-draft answers it: keep the
partner's wording, or make the clause read as the proposal text (rendered through the clause's
own template with the values we propose, or the standard wording).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..compare.model import ClauseResult, Comparison, ParameterChange
from ..compare.recover import render_text
from ..compare.standard import StandardContext
from ..library import Library
from ..params import Param
from ..playbook import OrgPlaybook
from ..positions import rank
from ..report.numbers import change_number
from ..responses import ResponsePolicy

#: Engine notes that mean the partner's wording goes beyond what the clause's parameters say.
FREE_TEXT_NOTES = (
    "text changes beyond the clause's parameters",
    "text changed; no library",
    "formatting changed",
    "words and figures disagree",
    "a second copy of",
)
KEEP, REWRITE, DELETE, RESTORE = "keep", "rewrite", "delete", "restore"


@dataclass
class Decision:
    """One deviation and what we do with it (one row of the issues list)."""

    clause_id: str | None
    number: str | None  # the clause number as the document shows it ("9", "9.1")
    title: str
    location: str
    subject: str  # the parameter's name, or "wording"
    change: str  # their change, in words
    tracked: bool
    authors: list[str]
    position: str
    approver: str | None
    note: str  # the playbook's note
    action: str  # accept | counter | reject | escalate
    proposal: str  # what we propose, in words
    proposed_value: Any = None
    warnings: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.number} {self.title}".strip() if self.number else self.location


@dataclass
class ClausePlan:
    """How the counter-draft answers one changed clause."""

    index: int  # of the clause in the comparison
    result: ClauseResult
    decisions: list[Decision]
    mode: str  # keep | rewrite (make the clause read `target`) | delete (an added clause) |
    # restore (a deleted clause, as the standard has it)
    target: list[str] = field(default_factory=list)  # body paragraph texts in our proposal


def plan_response(
    comparison: Comparison,
    context: StandardContext | None,
    library: Library,
    standard_texts: dict[int, list[str]],
) -> list[ClausePlan]:
    """A plan per substantive clause of the comparison; `standard_texts` gives the standard's
    body paragraph texts per clause index (for restoring the standard wording)."""
    playbook = library.playbook
    policy = playbook.responses if playbook is not None else ResponsePolicy()
    warnings = _warnings(comparison)
    plans = []
    for index, result in enumerate(comparison.clauses):
        if not result.substantive or result.severity is None:
            continue
        planner = _ClausePlanner(
            result, context, library, policy, playbook, warnings.get(result.location, [])
        )
        plans.append(planner.plan(index, standard_texts.get(index, [])))
    return plans


def _warnings(comparison: Comparison) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in comparison.inconsistencies:
        found.setdefault(item.clause, []).append(item.describe())
    return found


class _ClausePlanner:
    def __init__(
        self,
        result: ClauseResult,
        context: StandardContext | None,
        library: Library,
        policy: ResponsePolicy,
        playbook: OrgPlaybook | None,
        warnings: list[str],
    ) -> None:
        self.result = result
        self.context = context
        self.library = library
        self.policy = policy
        self.playbook = playbook
        self.warnings = warnings
        self.clause = library.clauses.get(result.id or "") if context is not None else None

    def plan(self, index: int, standard_body: list[str]) -> ClausePlan:
        result = self.result
        decisions = [self._parameter(p) for p in result.parameters]
        free_text = self._beyond_parameters()
        if free_text:
            decisions.append(self._wording())
        if result.story != "body":
            for decision in decisions:  # headers, footers and notes are answered by hand
                if decision.action in ("counter", "reject"):
                    escalate(decision, "outside the body: answered by hand")
            return ClausePlan(index, result, decisions, KEEP)
        answered = free_text and decisions[-1].action in ("reject", "counter")
        if result.status in ("added", "removed"):
            mode = {"added": DELETE, "removed": RESTORE}[result.status] if answered else KEEP
            return ClausePlan(index, result, decisions, mode)
        changed = [d for d in decisions if d.action in ("counter", "reject")]
        if not changed:
            return ClausePlan(index, result, decisions, KEEP)
        target = self._target(decisions, free_text and not answered, standard_body)
        if target is None:
            for decision in changed:
                escalate(decision, "the clause's wording could not be rebuilt from its template")
            return ClausePlan(index, result, decisions, KEEP)
        return ClausePlan(index, result, decisions, REWRITE, target)

    def _beyond_parameters(self) -> bool:
        """Whether the clause changed beyond what its parameters say: added or deleted, no
        parameter recovered, free text, or graded worse than any of its parameters."""
        result = self.result
        if result.status in ("added", "removed") or not result.parameters:
            return True
        return any(note.startswith(FREE_TEXT_NOTES) for note in result.notes) or rank(
            result.severity
        ) > max(rank(p.position) for p in result.parameters)

    # -- decisions ----------------------------------------------------------------------------
    def _decision(
        self,
        subject: str,
        change: str,
        position: str,
        param: str | None,
        tracked: bool,
        authors: list[str],
    ) -> Decision:
        result = self.result
        action = self.policy.action(position, result.id, param)
        note = self._note(param)
        return Decision(
            result.id,
            change_number(result),
            result.title,
            result.location,
            subject,
            change,
            tracked,
            authors,
            position,
            self._approver(param),
            note,
            action,
            "",
            warnings=list(self.warnings),
        )

    def _parameter(self, change: ParameterChange) -> Decision:
        tracked, authors = self._tracking()
        decision = self._decision(
            change.name,
            f"{change.name}: {_show(change.standard)} → {_show(change.negotiated)}",
            change.position,
            change.name,
            tracked,
            authors,
        )
        param = self._param(change.name)
        if decision.action == "counter" and param is not None:
            response = self.policy.params.get(change.name)
            value = (
                response.counter
                if response is not None and response.counter is not None
                else nearest_acceptable(param, change.negotiated)
            )
            decision.proposed_value = value
            decision.proposal = f"counter with {_show(value)}" + (
                ""
                if response is not None and response.counter is not None
                else " (the nearest acceptable value)"
            )
        elif decision.action in ("counter", "reject"):
            decision.action = "reject"
            decision.proposed_value = change.standard
            decision.proposal = f"reject: restore the standard ({_show(change.standard)})"
        else:
            decision.proposed_value = change.negotiated
            decision.proposal = _kept(decision)
        return decision

    def _wording(self) -> Decision:
        result = self.result
        tracked, authors = self._tracking()
        position = result.severity or "approval"
        if result.parameters and position in ("standard", "fallback"):
            position = "approval"
        decision = self._decision(
            "wording", _wording_change(result), position, None, tracked, authors
        )
        response = self.policy.clauses.get(result.id or "")
        variant = response.variant if response is not None else None
        if decision.action == "counter" and variant and self.clause is not None:
            decision.proposal = (
                f"counter with the clause's '{variant}' wording "
                f"({self.clause.variants[variant].label})"
            )
            decision.proposed_value = variant
        elif decision.action in ("counter", "reject"):
            decision.action = "reject"
            decision.proposal = {
                "added": "reject: strike the added clause",
                "removed": "reject: restore the deleted clause",
            }.get(result.status, "reject: restore the standard wording")
        else:
            decision.proposal = _kept(decision)
        return decision

    def _tracking(self) -> tuple[bool, list[str]]:
        changes = self.result.changes
        tracked = bool(changes) and all(c.tracked for c in changes)
        authors = sorted({c.author for c in changes if c.author})
        return tracked, authors

    def _param(self, name: str) -> Param | None:
        owner = self.library.param_owner().get(name)
        return owner.params.get(name) if owner is not None else None

    def _approver(self, name: str | None) -> str | None:
        params = (
            [self._param(name)]
            if name
            else list(self.clause.params.values() if self.clause is not None else ())
        )
        for param in params:
            if param is not None and param.playbook is not None and param.playbook.approver:
                return param.playbook.approver
        playbook = self.playbook
        return playbook.default_approver if playbook is not None else None

    def _note(self, name: str | None) -> str:
        notes = []
        entry = self.playbook.entries.get(name) if self.playbook is not None and name else None
        if entry is not None and entry.note:
            notes.append(entry.note)
        response_note = self.policy.note(self.result.id, name)
        if response_note:
            notes.append(response_note)
        return " ".join(notes)

    # -- the proposal's text ----------------------------------------------------------------
    def _target(
        self, decisions: list[Decision], keep_free_text: bool, standard_body: list[str]
    ) -> list[str] | None:
        """The clause body as we propose it: rendered with the values we propose, the
        partner's own wording kept where we keep it (their text patched with the difference
        our values make)."""
        result, context, clause = self.result, self.context, self.clause
        if context is None or clause is None:
            return None if keep_free_text else list(standard_body)
        issued = context.variants.get(clause.id) or result.variant_standard or "standard"
        theirs = dict(context.values)
        ours = dict(context.values)
        for decision in decisions:
            if decision.subject != "wording":
                param_change = next(p for p in result.parameters if p.name == decision.subject)
                theirs[decision.subject] = param_change.negotiated
                ours[decision.subject] = decision.proposed_value
        variant = issued
        wording = decisions[-1] if decisions and decisions[-1].subject == "wording" else None
        if wording is not None and wording.action == "counter" and wording.proposed_value:
            variant = str(wording.proposed_value)
        elif keep_free_text and result.variant_negotiated:
            variant = result.variant_negotiated
        proposed = render_text(self.library, clause, variant, ours, context.numbers)
        if proposed is None:
            return None
        if not keep_free_text:
            return proposed.split("\n")
        before = render_text(self.library, clause, variant, theirs, context.numbers)
        partner_text = "\n".join(
            p.negotiated.text for p in result.paragraphs if p.negotiated is not None
        )
        return _patched(before, proposed, partner_text)


def _patched(before: str | None, after: str, text: str) -> list[str] | None:
    """`text` with the edits that turn `before` into `after` (diff-match-patch patches)."""
    if before is None:
        return None
    from diff_match_patch import diff_match_patch

    dmp = diff_match_patch()
    patched, applied = dmp.patch_apply(dmp.patch_make(before, after), text)
    return patched.split("\n") if all(applied) else None


def escalate(decision: Decision, why: str) -> None:
    decision.action = "escalate"
    decision.proposal = f"{_kept(decision)} ({why})"


def _kept(decision: Decision) -> str:
    if decision.action == "accept":
        return (
            "accept"
            if decision.position in ("standard", "fallback")
            else "accept (the playbook's response)"
        )
    return f"escalate to {decision.approver or 'the approver'}: kept as proposed"


def _wording_change(result: ClauseResult) -> str:
    if result.status == "added":
        return "clause added: " + _excerpt(
            result.changes[0].negotiated if result.changes else result.title
        )
    if result.status == "removed":
        return "clause deleted"
    parts = [note for note in result.notes if note.startswith("inconsistent")]
    for change in result.changes:
        if change.op == "format":
            parts.append(f"'{_excerpt(change.negotiated)}' {change.detail}")
        elif change.op == "insert":
            parts.append(f"inserted '{_excerpt(change.negotiated)}'")
        elif change.op == "delete":
            parts.append(f"deleted '{_excerpt(change.standard)}'")
        elif change.op == "replace":
            parts.append(f"'{_excerpt(change.standard)}' → '{_excerpt(change.negotiated)}'")
        elif change.op == "move":
            parts.append("moved")
    return "; ".join(parts) or "wording changed"


def _excerpt(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def nearest_acceptable(param: Param, value: Any) -> Any:
    """The value inside the pre-approved positions nearest to what the partner asked for: a
    number clamped into the fallback range (or the nearest listed fallback or standard), a
    choice the fallback nearest in the list of choices, anything else the standard."""
    playbook = param.playbook
    if playbook is None:
        return value
    acceptable = [v for v in (playbook.standard, *playbook.fallback.values) if v is not None]
    if (
        param.type in ("int", "float")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        low, high = playbook.fallback.min, playbook.fallback.max
        candidates = [v for v in acceptable if isinstance(v, int | float)]
        if low is not None or high is not None:
            clamped = max(value, low) if low is not None else value
            clamped = min(clamped, high) if high is not None else clamped
            candidates.append(int(clamped) if param.type == "int" else clamped)
        if candidates:
            return min(candidates, key=lambda v: (abs(v - value), v))
    if param.type == "enum" and value in param.choices:
        ranked = [v for v in acceptable if v in param.choices]
        if ranked:
            return min(
                ranked, key=lambda v: abs(param.choices.index(v) - param.choices.index(value))
            )
    return playbook.standard if playbook.standard is not None else value


def approvers(
    comparison: Comparison, context: StandardContext | None, library: Library
) -> dict[int, str]:
    """Per clause index, who must approve its deviations (those beyond the fallbacks)."""
    found = {}
    for plan in plan_response(comparison, context, library, {}):
        names = sorted(
            {
                d.approver
                for d in plan.decisions
                if d.approver and d.position in ("approval", "walk-away")
            }
        )
        if not names and plan.result.severity in ("approval", "walk-away"):
            names = sorted({d.approver for d in plan.decisions if d.approver})
        if names:
            found[plan.index] = ", ".join(names)
    return found
