"""Cross-references that must point to a different place in each view.

A clause moved (or a heading rewritten) keeps its bookmark in the partner's text, where the
accepted view reads it; the standard's copy of that paragraph, restored for the rejected view,
cannot hold a second bookmark of the same name, so it gets a twin (`<name>_Copy_N`, the way
LibreOffice names a pasted bookmark). A client refreshes REF/PAGEREF/NOTEREF fields whenever it
accepts or rejects, so a field read in both views is written twice: our deleted copy pointing to
the twin (the rejected view) and the original, inserted, pointing to the bookmark (the accepted
view). Without this, reject-all shows the moved clause's new number in every cross-reference.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from ..ooxml import W
from .emit import StoryContext, as_deleted
from .ooxml import (
    BOOKMARK_END,
    BOOKMARK_START,
    DEL,
    DEL_INSTR,
    DELETED,
    FLD_CHAR,
    INS,
    INSERTED,
    INSTR,
    PPR,
    RPR,
    RUN,
    W_ID,
    W_NAME,
    P,
)

_REFERENCE = re.compile(r"^\s*(?:REF|PAGEREF|NOTEREF)\s+(\S+)", re.IGNORECASE)
_FLD_TYPE = W + "fldCharType"


def retarget_references(root: etree._Element, twins: dict[str, str], story: StoryContext) -> None:
    """Every field referring to a twinned bookmark, as it must read in each view. Only twins
    that really split the views count: the partner's bookmark read in the accepted view only,
    the twin in the rejected view only."""
    twins = _needed_twins(root, twins)
    if not twins:
        return
    for begin in [c for c in root.iter(FLD_CHAR) if c.get(_FLD_TYPE) == "begin"]:
        runs = _field_runs(begin)
        target = _target(runs) if runs is not None else None
        if runs is None or target not in twins:
            continue
        assert target is not None
        view = _view(runs[0])
        if view == "rejected":
            _point(runs, target, twins[target])
        elif view == "both":
            _split(runs, target, twins[target], story)


def _needed_twins(root: etree._Element, twins: dict[str, str]) -> dict[str, str]:
    """The twins that split the views; the twin bookmarks that do not are removed."""
    starts: dict[str, list[etree._Element]] = {}
    for start in root.iter(BOOKMARK_START):
        starts.setdefault(start.get(W_NAME, ""), []).append(start)
    needed = {}
    for name, twin in twins.items():
        # One twin at most, on the restored (rejected-only) copy; the standard's bookmark may
        # have been carried into the partner's paragraphs too, where the partner's serves.
        copies = starts.get(twin, [])
        keep = next((c for c in copies if _bookmark_view(c) == "rejected"), None)
        for extra in copies:
            if extra is not keep:
                _remove_bookmark(root, extra)
        own = starts.get(name, [])
        if keep is not None and own and _bookmark_view(own[0]) == "accepted":
            needed[name] = twin
        elif keep is not None:  # the partner's bookmark already serves both views
            _remove_bookmark(root, keep)
    return needed


def _field_runs(begin: etree._Element) -> list[etree._Element] | None:
    """The sibling runs from the field's begin to its end (None when the field spans
    containers, which is left as it is)."""
    run = begin.getparent()
    if run is None or run.tag != RUN or run.getparent() is None:
        return None
    runs, depth = [], 0
    for sibling in [run, *run.itersiblings()]:
        if sibling.tag != RUN:
            if sibling.tag in (W + "bookmarkStart", W + "bookmarkEnd", W + "proofErr"):
                continue
            return None
        runs.append(sibling)
        for char in sibling.iter(FLD_CHAR):
            kind = char.get(_FLD_TYPE)
            depth += kind == "begin"
            depth -= kind == "end"
        if depth == 0:
            return runs
    return None


def _target(runs: list[etree._Element]) -> str | None:
    instruction = "".join(node.text or "" for run in runs for node in run.iter(INSTR, DEL_INSTR))
    match = _REFERENCE.match(instruction)
    return match.group(1) if match else None


def _remove_bookmark(root: etree._Element, start: etree._Element) -> None:
    """A bookmark start and the end of the same id that follows it."""
    bookmark_id = start.get(W_ID)
    for end in start.itersiblings():
        if end.tag == BOOKMARK_END and end.get(W_ID) == bookmark_id:
            end.getparent().remove(end)
            break
    else:
        for end in root.iter(BOOKMARK_END):
            if end.get(W_ID) == bookmark_id:
                end.getparent().remove(end)
                break
    start.getparent().remove(start)


def _bookmark_view(start: etree._Element) -> str:
    """Where a bookmark is read: inside a revision, or in a paragraph whose mark (and so
    content) exists in one view only."""
    view = _view(start)
    paragraph = next((a for a in start.iterancestors(P)), None)
    if view != "both" or paragraph is None:
        return view
    mark = paragraph.find(f"{PPR}/{RPR}")
    if mark is not None:
        for child in mark:
            if child.tag in INSERTED:
                return "accepted"
            if child.tag in DELETED:
                return "rejected"
    return "both"


def _view(run: etree._Element) -> str:
    for ancestor in run.iterancestors():
        if ancestor.tag in INSERTED:
            return "accepted"
        if ancestor.tag in DELETED:
            return "rejected"
    return "both"


def _point(runs: list[etree._Element], old: str, new: str) -> None:
    for node in (n for run in runs for n in run.iter(INSTR, DEL_INSTR)):
        if node.text and old in node.text:
            node.text = node.text.replace(old, new, 1)
            return


def _split(runs: list[etree._Element], target: str, twin: str, story: StoryContext) -> None:
    holder = etree.Element(W + "holder")
    deleted = story.revision(holder, DEL)
    inserted = story.revision(holder, INS)
    copies = [as_deleted(copy.deepcopy(run)) for run in runs]
    _point(copies, target, twin)
    runs[0].addprevious(deleted)
    deleted.addnext(inserted)
    deleted.extend(copies)
    inserted.extend(runs)
