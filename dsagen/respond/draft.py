"""The counter-draft: the partner's DOCX, every change of theirs tracked under their name, our
answer tracked on top under ours, and one comment per decision.

The clause paragraphs are found through a comparison of the layered copy (the partner's copy
with their silent edits tracked) with the standard: its accepted view is the partner's, so the
clauses align as in the comparison the decisions were made on, and each paragraph's `sources`
name the w:p elements to rewrite.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..compare.diff import align_paragraphs
from ..compare.model import ClauseResult, Comparison
from ..compare.normalize import clean
from ..read.docx import ViewParagraph
from ..redline import Comment, Overlay, Rewrite
from .plan import DELETE, RESTORE, REWRITE, ClausePlan, Decision, escalate

POSITION_WORDS = {
    "standard": "standard",
    "fallback": "pre-approved fallback",
    "approval": "needs approval",
    "walk-away": "beyond walk-away",
}


def comment_text(decision: Decision, *, proposal: bool = True) -> tuple[str, ...]:
    """Our comment on one decision: position, approver, the playbook's note, our proposal."""
    how = "tracked" if decision.tracked else "made without tracking"
    lines = [
        f"{POSITION_WORDS.get(decision.position, decision.position).capitalize()}: "
        f"{decision.change} ({how})."
    ]
    if decision.position in ("approval", "walk-away") and decision.approver:
        lines.append(f"Approver: {decision.approver}.")
    if decision.note:
        lines.append(f"Playbook: {decision.note}")
    if proposal:
        lines.append(f"We propose: {decision.proposal}.")
    lines += [f"Consistency: {warning}." for warning in decision.warnings]
    return tuple(lines)


def write_counter_draft(
    overlay: Overlay,
    layered: Comparison,
    plans: list[ClausePlan],
    restorer: Restorer,
    author: str,
    date: str,
) -> None:
    """Rewrite each planned clause of the layered copy and comment every decision."""
    for plan in plans:
        result = layered.clauses[plan.index]
        if plan.mode == RESTORE:
            carriers = restorer.restore(overlay, plan)
        else:
            carriers = _apply(overlay, result, plan)
        anchors = carriers or _anchor(overlay, layered, plan.index)
        if not anchors:
            continue
        for decision in plan.decisions:
            overlay.comment(anchors[0], anchors[-1], Comment(author, date, comment_text(decision)))


def comment_deviations(
    overlay: Overlay, layered: Comparison, plans: list[ClausePlan], author: str, date: str
) -> None:
    """One comment per deviation (position, approver, note), for `dsagen diff --redline`."""
    for plan in plans:
        anchors = _anchor(overlay, layered, plan.index)
        for decision in plan.decisions if anchors else ():
            overlay.comment(
                anchors[0],
                anchors[-1],
                Comment(author, date, comment_text(decision, proposal=False)),
            )


class Restorer:
    """Puts a clause the partner deleted back, as our insertion beside their deletion.

    The layered copy's rejected view is the standard paragraph for paragraph, so each standard
    paragraph of the clause names the deleted w:p it was; the restored paragraph follows it,
    with its properties (style, numbering) and its text.
    """

    def __init__(
        self, standard: tuple[ViewParagraph, ...], rejected: tuple[ViewParagraph, ...]
    ) -> None:
        self.position = {id(p): i for i, p in enumerate(standard)}
        self.standard = standard
        self.rejected = rejected

    def restore(self, overlay: Overlay, plan: ClausePlan) -> list[etree._Element]:
        result = plan.result
        paragraphs = ([result.heading_standard] if result.heading_standard else []) + [
            d.standard for d in result.paragraphs if d.standard is not None
        ]
        found = [self._deleted(overlay, p) for p in paragraphs]
        if not found or any(group is None for group in found):
            for decision in plan.decisions:
                if decision.action in ("reject", "counter"):
                    escalate(decision, "the deleted clause could not be found to restore")
            return []
        restored = []
        for paragraph, group in zip(paragraphs, found, strict=True):
            assert group is not None
            restored += overlay.rewrite(Rewrite([], clean(paragraph.text), group[-1]))
        return restored

    def _deleted(self, overlay: Overlay, paragraph: ViewParagraph) -> list[etree._Element] | None:
        index = self.position.get(id(paragraph))
        if index is None or index >= len(self.rejected):
            return None
        twin = self.rejected[index]
        if clean(twin.text) != clean(paragraph.text):
            return None
        return _elements(overlay, twin.sources) or None


def _elements(overlay: Overlay, sources: Iterable[int]) -> list[etree._Element]:
    return [overlay.paragraphs[i] for i in sources if 0 <= i < len(overlay.paragraphs)]


def _apply(overlay: Overlay, result: ClauseResult, plan: ClausePlan) -> list[etree._Element]:
    if plan.mode == DELETE:
        groups = ([result.heading_negotiated] if result.heading_negotiated else []) + [
            d.negotiated for d in result.paragraphs if d.negotiated is not None
        ]
        touched: list[etree._Element] = []
        for paragraph in groups:
            touched += overlay.rewrite(Rewrite(_elements(overlay, paragraph.sources), None))
        return touched
    if plan.mode != REWRITE:
        return []
    current = [d.negotiated for d in result.paragraphs if d.negotiated is not None]
    pairs = align_paragraphs([clean(p.text) for p in current], [clean(t) for t in plan.target])
    touched = []
    previous = (
        _elements(overlay, result.heading_negotiated.sources)[-1:]
        if (result.heading_negotiated)
        else []
    )
    for pair in pairs:
        if pair.standard is not None:
            group = _elements(overlay, current[pair.standard].sources)
            target = plan.target[pair.negotiated] if pair.negotiated is not None else None
            if pair.kind != "equal":
                touched += overlay.rewrite(Rewrite(group, target))
            previous = group[-1:] or previous
        elif pair.negotiated is not None and previous:
            added = overlay.rewrite(Rewrite([], plan.target[pair.negotiated], previous[-1]))
            touched += added
            previous = added
    return touched


def _anchor(overlay: Overlay, layered: Comparison, index: int) -> list[etree._Element]:
    """The paragraphs a comment on clause `index` spans: its changed paragraphs, else its
    heading, else the nearest paragraph before it (a deleted clause has none of its own)."""
    result = layered.clauses[index]
    if result.story != "body":
        return overlay.paragraphs[:1]
    changed = [
        i
        for d in result.paragraphs
        if d.kind != "equal" and d.negotiated is not None
        for i in d.negotiated.sources
    ]
    if changed:
        return _elements(overlay, changed)
    own = [
        *(result.heading_negotiated.sources if result.heading_negotiated else ()),
        *(i for d in result.paragraphs if d.negotiated is not None for i in d.negotiated.sources),
    ]
    if own:
        return _elements(overlay, own)
    for before in reversed(layered.clauses[:index]):
        if before.story == "body":
            found = _anchor_own(overlay, before)
            if found:
                return found[-1:]
    return overlay.paragraphs[:1]


def _anchor_own(overlay: Overlay, result: ClauseResult) -> list[etree._Element]:
    sources = [
        *(result.heading_negotiated.sources if result.heading_negotiated else ()),
        *(i for d in result.paragraphs if d.negotiated is not None for i in d.negotiated.sources),
    ]
    return _elements(overlay, sources)
