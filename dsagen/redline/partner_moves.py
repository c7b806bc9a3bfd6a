"""A partner's tracked move whose destination they then edited with tracking off.

Such a move reads right in both views (the source holds the old text, the destination the new)
but shows the edit as a pure move. The difference between the w:moveFrom text and the w:moveTo
text is marked inside the destination: added words in our w:ins, dropped words in our w:del,
both nested in the partner's w:moveTo so that rejecting the move still removes them (§4.2/§4.4).
"""

from __future__ import annotations

from lxml import etree

from ..ooxml import W
from .atoms import MARKER, Atom, Side, atomise, expand
from .emit import DELETE_OWN, INS, KEEP, Item, StoryContext, build
from .ooxml import (
    MOVE_FROM,
    MOVE_TO,
    W_ID,
    W_NAME,
    P,
)
from .tokens import DELETE as CHUNK_DELETE
from .tokens import EQUAL as CHUNK_EQUAL
from .tokens import diff_atoms

_RANGE_EVENTS = {
    W + "moveFromRangeStart": (MOVE_FROM, True),
    W + "moveFromRangeEnd": (MOVE_FROM, False),
    W + "moveToRangeStart": (MOVE_TO, True),
    W + "moveToRangeEnd": (MOVE_TO, False),
}


def mark_edited_moves(story: StoryContext, root: etree._Element) -> None:
    """Mark every silent edit inside the partner's moves in one story part."""
    names = _move_names(root)
    if not names:
        return
    side: Side = story.negotiated_side
    atoms = {p: expand(atomise(p, side)) for p in root.iter(P)}
    sources: dict[str, list[Atom]] = {}
    destinations: dict[str, list[Atom]] = {}
    for paragraph_atoms in atoms.values():
        for atom in paragraph_atoms:
            if atom.kind == MARKER:
                continue
            for frame in atom.frames:
                name = names.get(frame)
                if name is not None:
                    target = sources if frame.tag == MOVE_FROM else destinations
                    target.setdefault(name, []).append(atom)
                    break
    for name, moved in destinations.items():
        if name in sources:
            _mark(story, sources[name], moved, atoms)


def _move_names(root: etree._Element) -> dict[etree._Element, str]:
    """Each w:moveFrom/w:moveTo element -> the name of the range it lies in."""
    open_ranges: dict[str, dict[str, str]] = {MOVE_FROM: {}, MOVE_TO: {}}
    names: dict[etree._Element, str] = {}
    for element in root.iter(MOVE_FROM, MOVE_TO, *_RANGE_EVENTS):
        if element.tag in _RANGE_EVENTS:
            kind, opens = _RANGE_EVENTS[element.tag]
            if opens:
                open_ranges[kind][element.get(W_ID, "")] = element.get(W_NAME, "")
            else:
                open_ranges[kind].pop(element.get(W_ID, ""), None)
        elif open_ranges[element.tag]:
            names[element] = next(reversed(open_ranges[element.tag].values()))
    return names


def _mark(
    story: StoryContext,
    source: list[Atom],
    destination: list[Atom],
    atoms: dict[etree._Element, list[Atom]],
) -> None:
    chunks = diff_atoms(source, destination)
    if all(chunk.op == CHUNK_EQUAL for chunk in chunks):
        return
    status: dict[Atom, Item] = {}
    before: dict[Atom, list[Item]] = {}
    pending: list[Atom] = []
    for chunk in chunks:
        if chunk.op == CHUNK_DELETE:
            pending += chunk.standard
            continue
        for atom in chunk.negotiated:
            if chunk.op != CHUNK_EQUAL:
                status[atom] = Item(atom, INS)
            if pending:
                before[atom] = [Item(_relocated(d, atom), DELETE_OWN) for d in pending]
                pending = []
    trailing = [Item(_relocated(d, destination[-1]), DELETE_OWN) for d in pending]
    touched = {a.paragraph for a in destination}
    for paragraph in (p for p in atoms if p in touched):
        items: list[Item] = []
        for atom in atoms[paragraph]:
            items += before.get(atom, [])
            items.append(status.get(atom) or Item(atom, KEEP))
            if atom is destination[-1]:
                items += trailing
        build(story, paragraph, items)


def _relocated(atom: Atom, anchor: Atom) -> Atom:
    """A source atom re-emitted at the destination, inside the destination's containers."""
    return Atom(
        atom.kind,
        atom.key,
        atom.text,
        atom.node,
        atom.nodes,
        atom.run,
        anchor.frames,
        anchor.paragraph,
        atom.in_reject,
        atom.in_accept,
    )
