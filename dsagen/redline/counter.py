"""Our answer written on top of the partner's tracked changes: make paragraphs read, in the
accepted view, as the text we propose.

The paragraph's atoms are read with every view flag (atoms.py); the accepted view's text is
diffed word by word with the proposal. Text we drop is deleted by us where it is, inside the
partner's insertion when it was theirs (Word writes another author's deletion of inserted text
as w:ins around w:del, §17.13.5.14); text we add is our insertion, formatted like its
neighbour; what the partner deleted stays as they deleted it. A paragraph we drop has its mark
deleted too; a paragraph we add is a new w:p with an inserted mark. Accept-all then reads as
the proposal, and the partner's revisions keep their authors and dates.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from ..compare.diff import DELETE as PIECE_DELETE
from ..compare.diff import EQUAL as PIECE_EQUAL
from ..compare.diff import Piece, word_diff
from .atoms import CHAR, CLOSE, MARKER, OBJECT_CHAR, OPEN, Atom, atomise, expand
from .emit import DELETE_OWN, INS, KEEP, Item, StoryContext, build
from .ooxml import (
    DEL,
    DELETED,
    INSERTED,
    PPR,
    PPR_CHANGE,
    REVISIONS,
    RPR,
    RPR_CHANGE,
    RUN,
    SECTPR,
    P,
    last_in_container,
    mark_kind,
)
from .ooxml import INS as INS_TAG


@dataclass
class Rewrite:
    """Make the paragraphs `group` (one paragraph of the accepted view) read `target`; None
    deletes them. `after` with no group: a new paragraph after that one."""

    group: list[etree._Element]
    target: str | None
    after: etree._Element | None = None


def _visible(atom: Atom) -> bool:
    return atom.in_accept and atom.kind not in (MARKER, OPEN, CLOSE)


def accepted_text(atoms: list[Atom]) -> str:
    return "".join(a.text if a.kind == CHAR else OBJECT_CHAR for a in atoms if _visible(a))


def rewrite(story: StoryContext, change: Rewrite) -> list[etree._Element]:
    """Apply one rewrite; returns the paragraphs that now carry it (for comment anchors)."""
    if not change.group:
        assert change.after is not None and change.target is not None
        return [_new_paragraph(story, change.after, change.target)]
    atoms = expand([a for p in change.group for a in atomise(p, story.negotiated_side)])
    if change.target is None:
        _rebuild(story, change.group, [Item(a, DELETE_OWN if _visible(a) else KEEP) for a in atoms])
        for paragraph in change.group:
            if not last_in_container(paragraph) and mark_kind(paragraph) not in DELETED:
                story.mark_paragraph(paragraph, DEL)
        return change.group
    current = accepted_text(atoms)
    if current == change.target:
        return change.group
    _rebuild(story, change.group, _items(atoms, word_diff(current, change.target)))
    return change.group


def _items(atoms: list[Atom], pieces: list[Piece]) -> list[Item]:
    """Items for every atom: visible ones kept or deleted per the diff, our insertions placed
    before the visible atom they precede (at the end when nothing follows)."""
    visible = [a for a in atoms if _visible(a)]
    ops: dict[int, str] = {}
    inserts: dict[int, str] = {}  # index of the visible atom it goes before -> text
    position = 0
    for piece in pieces:
        if piece.op == PIECE_EQUAL:
            position += len(piece.text)
        elif piece.op == PIECE_DELETE:
            for index in range(position, position + len(piece.text)):
                ops[index] = DELETE_OWN
            position += len(piece.text)
        else:
            inserts[position] = inserts.get(position, "") + piece.text
    items: list[Item] = []
    index_of = {id(a): i for i, a in enumerate(visible)}
    for atom in atoms:
        at = index_of.get(id(atom))
        if at is not None and at in inserts:
            items.append(Item(_inserted(inserts.pop(at), atom), INS))
        items.append(Item(atom, ops.get(at, KEEP) if at is not None else KEEP))
    for text in inserts.values():
        neighbour = visible[-1] if visible else atoms[-1] if atoms else None
        if neighbour is not None:
            items.append(Item(_inserted(text, neighbour), INS))
    return items


def _inserted(text: str, neighbour: Atom) -> Atom:
    """An atom for text of ours, formatted like the atom it stands beside."""
    run = etree.Element(RUN)
    source = neighbour.run.find(RPR) if neighbour.run is not None else None
    if source is not None:
        run.append(_clean_rpr(source))
    return Atom(CHAR, None, text, None, (), run, (), neighbour.paragraph, False, True)


def _clean_rpr(rpr: etree._Element) -> etree._Element:
    clone = copy.deepcopy(rpr)
    for child in list(clone):
        if child.tag == RPR_CHANGE or child.tag in REVISIONS:
            clone.remove(child)
    return clone


def _rebuild(story: StoryContext, group: list[etree._Element], items: list[Item]) -> None:
    per_paragraph: dict[etree._Element, list[Item]] = {p: [] for p in group}
    for item in items:
        per_paragraph[item.atom.paragraph].append(item)
    for paragraph in group:
        build(story, paragraph, per_paragraph[paragraph])


def _new_paragraph(story: StoryContext, after: etree._Element, text: str) -> etree._Element:
    """A paragraph of ours after `after`, with its properties (minus revisions and section)."""
    paragraph = etree.Element(P)
    properties = after.find(PPR)
    if properties is not None:
        clone = copy.deepcopy(properties)
        for child in list(clone):
            if child.tag in (SECTPR, PPR_CHANGE):
                clone.remove(child)
        mark = clone.find(RPR)
        if mark is not None:
            clone.replace(mark, _clean_rpr(mark))
        paragraph.append(clone)
    after.addnext(paragraph)
    neighbour = next((a for a in atomise(after, story.negotiated_side) if a.kind == CHAR), None)
    run = etree.Element(RUN)
    if (
        neighbour is not None
        and neighbour.run is not None
        and (neighbour.run.find(RPR)) is not None
    ):
        run.append(_clean_rpr(neighbour.run.find(RPR)))
    atom = Atom(CHAR, None, text, None, (), run, (), paragraph, False, True)
    build(story, paragraph, [Item(atom, INS)])
    if mark_kind(paragraph) not in INSERTED:
        story.mark_paragraph(paragraph, INS_TAG)
    return paragraph
