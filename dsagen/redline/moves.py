"""Silent moves: a block of paragraphs deleted in one place and (nearly) the same block
inserted elsewhere is written as a real move (§17.13.5.21-.26, comparison.md §4.4): w:moveFrom
at the source (cloned from the standard), w:moveTo at the destination, the two named ranges
sharing one w:name. An insertion is never written as a move: only pairs found here are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from lxml import etree

from ..compare.diff import ParagraphPair, similarity
from ..compare.normalize import comparable
from ..ooxml import W
from .ooxml import PPR, W_ID, W_NAME

MOVE_SIMILARITY = 0.8
MOVE_MIN_WORDS = 3
#: Above this many (deleted x inserted) candidates only exact matches are looked for.
FUZZY_LIMIT = 40_000


class _Unit(Protocol):
    kind: str
    elements: list[etree._Element]
    key: str


class _Story(Protocol):
    def revision(self, parent: etree._Element, tag: str) -> etree._Element: ...


@dataclass(eq=False)
class MoveRange:
    """One move, shared by its source and destination pairs."""

    name: str
    ids: dict[bool, str] = field(default_factory=dict)


@dataclass(eq=False)
class Move:
    """The role of one aligned pair in a move."""

    range: MoveRange
    standard_paragraph: etree._Element
    first: bool
    last: bool

    def add_range(
        self,
        story: _Story,
        paragraph: etree._Element,
        *,
        source: bool,
        first: etree._Element | None = None,
    ) -> None:
        """Range start in the first paragraph of the block (after w:pPr), range end at the
        end of the last; start and end share an id, source and destination a name."""
        kind = "moveFrom" if source else "moveTo"
        if self.first:
            opening = first if first is not None else paragraph
            start = story.revision(opening, W + kind + "RangeStart")
            if source not in self.range.ids:
                self.range.ids[source] = start.get(W_ID, "")
            start.set(W_ID, self.range.ids[source])
            start.set(W_NAME, self.range.name)
            opening.insert(1 if opening.find(PPR) is not None else 0, start)
        if self.last:
            range_id = self.range.ids.get(source)
            if range_id is None:
                return
            etree.SubElement(paragraph, W + kind + "RangeEnd").set(W_ID, range_id)


def find_moves(
    pairs: Sequence[ParagraphPair],
    std_units: Sequence[_Unit],
    neg_units: Sequence[_Unit],
    story: object,
) -> dict[int, Move]:
    """Pair index -> its role in a move, for deleted and inserted paragraphs that match."""
    deleted = [
        i
        for i, p in enumerate(pairs)
        if p.negotiated is None and p.standard is not None and std_units[p.standard].kind == "p"
    ]
    inserted = [
        i
        for i, p in enumerate(pairs)
        if p.standard is None and p.negotiated is not None and neg_units[p.negotiated].kind == "p"
    ]
    if not deleted or not inserted:
        return {}
    std_text = {i: comparable(std_units[pairs[i].standard].key) for i in deleted}  # type: ignore[index]
    neg_text = {i: comparable(neg_units[pairs[i].negotiated].key) for i in inserted}  # type: ignore[index]
    matches = _match(deleted, inserted, std_text, neg_text, pairs)
    return _blocks(matches, pairs, std_units)


def _match(
    deleted: list[int],
    inserted: list[int],
    std_text: dict[int, str],
    neg_text: dict[int, str],
    pairs: Sequence[ParagraphPair],
) -> list[tuple[int, int]]:
    exact: dict[str, list[int]] = {}
    for index in deleted:
        if len(std_text[index].split()) >= MOVE_MIN_WORDS:
            exact.setdefault(std_text[index], []).append(index)
    used: set[int] = set()
    matches = []
    fuzzy = len(deleted) * len(inserted) <= FUZZY_LIMIT
    for index in inserted:
        text = neg_text[index]
        if len(text.split()) < MOVE_MIN_WORDS:
            continue
        candidates = [c for c in exact.get(text, []) if c not in used]
        best = candidates[0] if candidates else None
        if best is None and fuzzy:
            scored = [
                (similarity(std_text[c], text), -c)
                for c in deleted
                if c not in used and len(std_text[c].split()) >= MOVE_MIN_WORDS
            ]
            top = max(scored, default=None)
            if top is not None and top[0] >= MOVE_SIMILARITY:
                best = -top[1]
        if best is not None and _apart(best, index, pairs):
            used.add(best)
            matches.append((best, index))
    return matches


def _apart(first: int, second: int, pairs: Sequence[ParagraphPair]) -> bool:
    """A move crosses at least one paragraph both sides keep; a deletion next to a similar
    insertion is an edit in place, not a move."""
    low, high = sorted((first, second))
    return any(p.standard is not None and p.negotiated is not None for p in pairs[low:high])


def _blocks(
    matches: list[tuple[int, int]], pairs: Sequence[ParagraphPair], std_units: Sequence[_Unit]
) -> dict[int, Move]:
    matches.sort(key=lambda m: m[1])
    blocks: list[list[tuple[int, int]]] = []
    for source, target in matches:
        if blocks and blocks[-1][-1] == (source - 1, target - 1):
            blocks[-1].append((source, target))
        else:
            blocks.append([(source, target)])
    roles: dict[int, Move] = {}
    for number, block in enumerate(blocks, start=1):
        move_range = MoveRange(f"dsagenMove{number}")
        for position, (source, target) in enumerate(block):
            standard = std_units[pairs[source].standard].elements[0]  # type: ignore[index]
            first, last = position == 0, position == len(block) - 1
            roles[source] = Move(move_range, standard, first, last)
            roles[target] = Move(move_range, standard, first, last)
    return roles


__all__ = ["Move", "find_moves"]
