"""One story (body, header, footer, note, table cell): align blocks, then write revisions.

Paragraphs of the standard are aligned with paragraphs of the negotiated's rejected view
(difflib over normalised text, similar paragraphs paired inside replaced blocks: dsagen.compare
.diff.align_paragraphs). A paragraph whose mark the partner inserted joins the next one in that
view (§4.3), so negotiated paragraphs are grouped accordingly; paragraphs the partner inserted
with tracking are theirs and left alone. Paired paragraphs are diffed atom by atom; tables are
aligned row by row and cell by cell, recursively.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from ..compare.diff import ParagraphPair, align_paragraphs
from ..compare.normalize import comparable
from ..ooxml import W
from .atoms import (
    CHAR,
    ELEMENT,
    MARKER,
    Atom,
    atomise,
    compared,
    paragraph_format,
    signature,
)
from .atoms import text_key as atoms_text
from .emit import (
    DELETE,
    EQUAL,
    INS,
    KEEP,
    MOVE_DEST,
    MOVE_DEST_DEL,
    MOVE_FROM,
    Item,
    StoryContext,
    build,
    tracked_mark_tag,
)
from .moves import MOVE_MIN_WORDS, Move, find_moves
from .ooxml import (
    BOOKMARK_START,
    DEL,
    ENDNOTE_REF,
    FOOTNOTE_REF,
    INSERTED,
    PPR,
    PPR_CHANGE,
    PPR_NOT_BASE,
    REVISIONS,
    RPR,
    RPR_CHANGE,
    SDT,
    SDT_CONTENT,
    SECTPR,
    TBL,
    TR,
    W_NAME,
    P,
    last_in_container,
    mark_kind,
)
from .ooxml import (
    INS as INS_TAG,
)
from .tables import (
    TableWriter,
    cells,
    pair_lone_replacements,
    partner_inserted_table,
    row_mark,
    rows,
)
from .tokens import DELETE as CHUNK_DELETE
from .tokens import EQUAL as CHUNK_EQUAL
from .tokens import trimmed_diff

_TABLE_KEY = "\x01table\x01"
#: Whether a subtree refers to another part (image, hyperlink...) through an r:* attribute.
_HAS_RELATIONSHIP = etree.XPath(
    "boolean(.//@*[namespace-uri()="
    "'http://schemas.openxmlformats.org/officeDocument/2006/relationships'])"
)
_CUSTOM_XML = W + "customXml"
_NOTE_REFERENCES = (FOOTNOTE_REF, ENDNOTE_REF)
#: CT_PPrBase children before w:numPr.
_BEFORE_NUMBERING = frozenset(
    W + name
    for name in ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl")
)


@dataclass(eq=False)
class Unit:
    """A block of one side: a paragraph (for the negotiated, a group of paragraphs that reads
    as one in the rejected view) or a table."""

    kind: str  # "p" | "tbl"
    elements: list[etree._Element]
    key: str


class StoryWriter(TableWriter):
    """Writes the revisions of one pair of story parts."""

    def __init__(self, story: StoryContext, note_pairs: dict[str, list[tuple[str, str]]]) -> None:
        self.story = story
        self.note_pairs = note_pairs
        self._atoms: dict[etree._Element, list[Atom]] = {}
        self._numbering: dict[str, etree._Element] | None = None
        for start in _root(story, negotiated=True).iter(BOOKMARK_START):
            story.bookmark_names.add(start.get(W_NAME, ""))

    # -- reading ------------------------------------------------------------------------------
    def atoms(self, paragraph: etree._Element, standard: bool) -> list[Atom]:
        found = self._atoms.get(paragraph)
        if found is None:
            side = self.story.standard_side if standard else self.story.negotiated_side
            found = self._atoms[paragraph] = atomise(paragraph, side)
        return found

    def text(self, element: etree._Element, standard: bool) -> str:
        if element.tag == P:
            return atoms_text(self.atoms(element, standard))
        return "\n".join(atoms_text(self.atoms(p, standard)) for p in element.iter(P))

    def units(self, container: etree._Element, standard: bool) -> list[Unit]:
        units: list[Unit] = []
        group: list[etree._Element] = []
        blocks = list(_blocks(container))
        for position, block in enumerate(blocks):
            if block.tag == TBL:
                if standard or not partner_inserted_table(block):
                    units.append(Unit("tbl", [block], _TABLE_KEY + self.table_key(block, standard)))
                continue
            group.append(block)
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            if (
                not standard
                and mark_kind(block) in INSERTED
                and following is not None
                and (following.tag == P)
            ):
                continue  # its mark vanishes in the rejected view: it joins the next one
            if standard or mark_kind(block) not in INSERTED:
                key = "".join(atoms_text(self.atoms(p, standard)) for p in group)
                units.append(Unit("p", group, key))
            group = []
        return units

    def table_key(self, table: etree._Element, standard: bool) -> str:
        return "\n".join(self.row_key(row, standard) for row in rows(table))

    def row_key(self, row: etree._Element, standard: bool) -> str:
        return "\t".join(self.text(cell, standard) for cell in cells(row))

    # -- containers ---------------------------------------------------------------------------
    def container(self, standard: etree._Element, negotiated: etree._Element) -> None:
        """Align and write one container's blocks (body, cell, note, header...)."""
        std_units = self.units(standard, True)
        neg_units = self.units(negotiated, False)
        std_keys, neg_keys = _movable(std_units), _movable(neg_units)
        std_texts, neg_texts = set(std_keys.values()), set(neg_keys.values())
        pairs = _pairs_by_kind(
            pair_lone_replacements(
                align_paragraphs([u.key for u in std_units], [u.key for u in neg_units]),
                lambda i, j: (
                    std_units[i].kind == neg_units[j].kind
                    and not (std_keys.get(i) in neg_texts or neg_keys.get(j) in std_texts)
                ),
            ),
            std_units,
            neg_units,
        )
        moves = find_moves(pairs, std_units, neg_units, self.story)
        cursor: etree._Element | None = None
        for index, pair in enumerate(pairs):
            move = moves.get(index)
            if pair.standard is not None and pair.negotiated is not None:
                std_unit, neg_unit = std_units[pair.standard], neg_units[pair.negotiated]
                if std_unit.kind == "p":
                    self.paragraph_pair(std_unit.elements[0], neg_unit.elements)
                else:
                    self.table_pair(std_unit.elements[0], neg_unit.elements[0])
                cursor = neg_unit.elements[-1]
            elif pair.standard is not None:
                clone = self.deleted_block(std_units[pair.standard].elements[0], move)
                _place(clone, cursor, negotiated, neg_units)
                self.finish_deleted(clone, move)
                cursor = clone
            elif pair.negotiated is not None:
                neg_unit = neg_units[pair.negotiated]
                if move is not None:
                    self.moved_here(move, neg_unit.elements)
                else:
                    self.inserted_block(neg_unit.elements)
                cursor = neg_unit.elements[-1]

    # -- paragraphs ---------------------------------------------------------------------------
    def paragraph_pair(self, standard: etree._Element, group: list[etree._Element]) -> None:
        std_atoms = self.atoms(standard, True)
        neg_atoms = [a for p in group for a in self.atoms(p, False)]
        if self.unchanged(standard, group, std_atoms, neg_atoms):
            std_refs = [a for a in compared(std_atoms) if _note_reference(a)]
            neg_refs = [a for a in compared(neg_atoms) if _note_reference(a)]
            for std_ref, neg_ref in zip(std_refs, neg_refs, strict=False):
                self.pair_notes(std_ref, neg_ref)
        else:
            self.rewrite(std_atoms, neg_atoms, group, (EQUAL, INS, DELETE))
        self.paragraph_properties(standard, group[-1])

    def unchanged(
        self,
        standard: etree._Element,
        group: list[etree._Element],
        std_atoms: list[Atom],
        neg_atoms: list[Atom],
    ) -> bool:
        if (
            len(group) == 1
            and etree.tostring(standard) == etree.tostring(group[0])
            and not _HAS_RELATIONSHIP(standard)
        ):
            return True  # same XML; with relationships, what they point at is compared below
        story = self.story
        if signature(std_atoms, story.standard_side) != signature(neg_atoms, story.negotiated_side):
            return False
        return all(
            a.node is None
            or a.node.tag != BOOKMARK_START
            or a.node.get(W_NAME) in story.bookmark_names
            for a in std_atoms
            if a.kind == MARKER
        )

    def rewrite(
        self,
        std_atoms: list[Atom],
        neg_atoms: list[Atom],
        group: list[etree._Element],
        ops: tuple[str, str, str],
    ) -> None:
        """Diff the atoms and rebuild the negotiated paragraphs with the differences tracked.
        `ops` names what equal, inserted and deleted atoms become."""
        equal_op, insert_op, delete_op = ops
        std_atoms, neg_atoms, chunks = trimmed_diff(std_atoms, neg_atoms)
        markers_before, trailing_markers = _markers_before(std_atoms)
        status: dict[Atom, Item] = {}
        before: dict[Atom, list[Item]] = {}
        pending: list[Item] = []
        for chunk in chunks:
            if chunk.op == CHUNK_DELETE:
                for atom in chunk.standard:
                    pending += [Item(m, delete_op) for m in markers_before.get(atom, ())]
                    pending.append(Item(atom, delete_op))
                continue
            for position, atom in enumerate(chunk.negotiated):
                if chunk.op == CHUNK_EQUAL:
                    std_atom = chunk.standard[position]
                    pending += [Item(m, delete_op) for m in markers_before.get(std_atom, ())]
                    status[atom] = Item(atom, equal_op, std_atom)
                    if _note_reference(atom):
                        self.pair_notes(std_atom, atom)
                else:
                    status[atom] = Item(atom, insert_op)
                if pending:
                    before[atom], pending = pending, []
        pending += [Item(m, delete_op) for m in trailing_markers]
        self._rebuild(group, neg_atoms, status, before, pending)

    def _rebuild(
        self,
        group: list[etree._Element],
        neg_atoms: list[Atom],
        status: dict[Atom, Item],
        before: dict[Atom, list[Item]],
        pending: list[Item],
    ) -> None:
        """Each paragraph of the group rebuilt from its items; what is left over (deleted at
        the end) goes to the last paragraph that holds a compared atom."""
        per_paragraph: dict[etree._Element, list[Item]] = {p: [] for p in group}
        last = group[-1]
        for atom in neg_atoms:
            for item in before.get(atom, ()):
                per_paragraph[atom.paragraph].append(item)
            per_paragraph[atom.paragraph].append(status.get(atom) or Item(atom, KEEP))
            if atom in status:
                last = atom.paragraph
        per_paragraph[last].extend(pending)
        for paragraph in group:
            build(self.story, paragraph, _merged(per_paragraph[paragraph]))

    def paragraph_properties(self, standard: etree._Element, paragraph: etree._Element) -> None:
        """w:pPrChange with the standard's properties when style, numbering, justification or
        indentation differ (§17.13.5.29; the inner w:pPr is CT_PPrBase)."""
        story = self.story
        if paragraph_format(standard, story.standard_side) == paragraph_format(
            paragraph, story.negotiated_side
        ):
            return
        ppr = paragraph.find(PPR)
        if ppr is None:
            ppr = etree.SubElement(paragraph, PPR)
            paragraph.insert(0, ppr)
        if ppr.find(PPR_CHANGE) is not None:
            return  # the partner tracked it themselves
        change = story.revision(ppr, PPR_CHANGE)
        old = etree.SubElement(change, PPR)
        source = standard.find(PPR)
        for child in source if source is not None else ():
            if isinstance(child.tag, str) and child.tag not in PPR_NOT_BASE:
                old.append(copy.deepcopy(child))
        self.adapt(old)

    def inserted_block(self, elements: list[etree._Element]) -> None:
        """Content only the negotiated has: runs in w:ins, paragraph marks and rows inserted."""
        for element in elements:
            if element.tag in (TBL, TR):
                for row in element.iter(TR):
                    if row_mark(row) not in INSERTED:
                        self.mark_row(row, INS_TAG)
            paragraphs = [element] if element.tag == P else list(element.iter(P))
            for paragraph in paragraphs:
                atoms = self.atoms(paragraph, False)
                build(
                    self.story,
                    paragraph,
                    [Item(a, INS if a.in_reject and a.kind != MARKER else KEEP) for a in atoms],
                )
                if mark_kind(paragraph) not in INSERTED and not last_in_container(paragraph):
                    self.story.mark_paragraph(paragraph, INS_TAG)
            if element.tag in (TBL, TR):
                self.mark_cell_ends(element, INS_TAG)

    def deleted_block(self, standard: etree._Element, move: Move | None) -> etree._Element:
        """A clone of a standard paragraph or table with all of its content deleted (or moved
        away), formatting and paragraph properties kept."""
        clone = copy.deepcopy(standard)
        op = MOVE_FROM if move is not None else DELETE
        originals = [standard] if standard.tag == P else list(standard.iter(P))
        copies = [clone] if clone.tag == P else list(clone.iter(P))
        for original, paragraph in zip(originals, copies, strict=True):
            _clean_properties(paragraph)
            self.adapt_properties(paragraph)
            for name in list(paragraph.attrib):
                del paragraph.attrib[name]  # rsids and w14:paraId belong to the standard
            build(self.story, paragraph, [Item(a, op) for a in self.atoms(original, True)])
        if clone.tag == TBL:
            for row in clone.iter(TR):
                self.mark_row(row, DEL)
        return clone

    def adapt_properties(self, paragraph: etree._Element) -> None:
        ppr = paragraph.find(PPR)
        if ppr is not None:
            self.adapt(ppr)

    def adapt(self, ppr: etree._Element) -> None:
        """Standard paragraph properties written into the output use the output's id for their
        style (by name); when the output numbers that style directly rather than through the
        style (LibreOffice does), they get the same direct numbering, so the paragraph counts
        in the rejected view's numbering and cross-references."""
        style = ppr.find(W + "pStyle")
        if style is None:
            return
        ours, theirs = self.story.standard_side.styles, self.story.negotiated_side.styles
        standard_id = style.get(W + "val", "")
        style.set(W + "val", theirs.translate(standard_id, ours))
        level = ours.numbering_level(standard_id)
        if ppr.find(W + "numPr") is not None or not level:
            return
        numbering = self.direct_numbering().get(style.get(W + "val", ""))
        if numbering is not None:
            clone = copy.deepcopy(numbering)
            level_element = clone.find(W + "ilvl")
            if level_element is not None:
                level_element.set(W + "val", level)
            anchor = [c for c in ppr if c.tag in _BEFORE_NUMBERING]
            if anchor:
                anchor[-1].addnext(clone)
            else:
                ppr.insert(0, clone)

    def direct_numbering(self) -> dict[str, etree._Element]:
        """Style id -> the w:numPr the output's paragraphs of that style carry directly."""
        if self._numbering is None:
            self._numbering = {}
            for ppr in _root(self.story, negotiated=True).iter(PPR):
                style, numbering = ppr.find(W + "pStyle"), ppr.find(W + "numPr")
                if style is not None and numbering is not None:
                    self._numbering.setdefault(style.get(W + "val", ""), numbering)
        return self._numbering

    def finish_deleted(self, clone: etree._Element, move: Move | None) -> None:
        """Mark the deleted paragraphs' marks once the clone sits in its container (the last
        paragraph of a container keeps its mark, §4.9), and the move range if any."""
        tag = tracked_mark_tag(MOVE_FROM if move is not None else DELETE)
        for paragraph in [clone] if clone.tag == P else list(clone.iter(P)):
            if not last_in_container(paragraph):
                self.story.mark_paragraph(paragraph, tag)
        if clone.tag in (TBL, TR):
            self.mark_cell_ends(clone, tag)
        if move is not None:
            move.add_range(self.story, clone, source=True)

    def moved_here(self, move: Move, group: list[etree._Element]) -> None:
        """The destination of a move: equal text in w:moveTo, edits made while moving as w:ins
        and (nested in the move) w:del."""
        standard = move.standard_paragraph
        self.rewrite(
            self.atoms(standard, True),
            [a for p in group for a in self.atoms(p, False)],
            group,
            (MOVE_DEST, INS, MOVE_DEST_DEL),
        )
        if not last_in_container(group[-1]) and mark_kind(group[-1]) not in INSERTED:
            # (a mark the partner deleted was moved here first: both marks, in schema order)
            self.story.mark_paragraph(group[-1], tracked_mark_tag(MOVE_DEST))
        move.add_range(self.story, group[-1], source=False, first=group[0])

    def pair_notes(self, standard: Atom, negotiated: Atom) -> None:
        if standard.node is None or negotiated.node is None:
            return
        kind = etree.QName(negotiated.node.tag).localname
        self.note_pairs.setdefault(kind, []).append(
            (standard.node.get(W + "id", ""), negotiated.node.get(W + "id", ""))
        )


def _merged(items: list[Item]) -> list[Item]:
    """Neighbouring characters of one w:t that the diff treats alike, written as one piece
    (the rebuild then handles a few pieces per run instead of every character)."""
    out: list[Item] = []
    texts: list[list[str]] = []
    for item in items:
        atom = item.atom
        if out and atom.kind == CHAR:
            previous = out[-1]
            last = previous.atom
            if (
                last.kind == CHAR
                and previous.op == item.op
                and last.node is atom.node
                and last.frames == atom.frames
                and _same_run(previous, item)
            ):
                texts[-1].append(atom.text)
                continue
        out.append(item)
        texts.append([atom.text])
    for item, text in zip(out, texts, strict=True):
        if len(text) > 1:
            atom = item.atom
            item.atom = Atom(
                CHAR,
                None,
                "".join(text),
                atom.node,
                (),
                atom.run,
                atom.frames,
                atom.paragraph,
                atom.in_reject,
                atom.in_accept,
            )
    return out


def _same_run(first: Item, second: Item) -> bool:
    if first.standard is None or second.standard is None:
        return first.standard is second.standard
    return first.standard.run is second.standard.run


def _root(story: StoryContext, negotiated: bool) -> etree._Element:
    out = story.out
    if negotiated:
        return out.xml(story.negotiated_part)
    return out.standard.xml(story.standard_part)


def _blocks(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a container, through block-level content controls."""
    for child in container:
        if child.tag in (P, TBL):
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _blocks(content)
        elif child.tag == _CUSTOM_XML:
            yield from _blocks(child)


def _note_reference(atom: Atom) -> bool:
    return atom.kind == ELEMENT and atom.node is not None and atom.node.tag in _NOTE_REFERENCES


def _movable(units: list[Unit]) -> dict[int, str]:
    """Texts long enough to be a move (the same text elsewhere on the other side is the
    block moved there, not this one edited in place)."""
    return {
        i: text
        for i, unit in enumerate(units)
        if len((text := comparable(unit.key)).split()) >= MOVE_MIN_WORDS
    }


def _pairs_by_kind(
    pairs: list[ParagraphPair], std_units: list[Unit], neg_units: list[Unit]
) -> list[ParagraphPair]:
    """A paragraph is never paired with a table: such a pair is a deletion and an insertion."""
    out = []
    for pair in pairs:
        if (
            pair.standard is not None
            and pair.negotiated is not None
            and (std_units[pair.standard].kind != neg_units[pair.negotiated].kind)
        ):
            out.append(ParagraphPair("delete", pair.standard, None))
            out.append(ParagraphPair("insert", None, pair.negotiated))
        else:
            out.append(pair)
    return out


def _clean_properties(paragraph: etree._Element) -> None:
    """A cloned standard paragraph keeps its properties but not the standard's revisions or
    section break (a section cannot be deleted by a paragraph clone)."""
    ppr = paragraph.find(PPR)
    if ppr is None:
        return
    for child in list(ppr):
        if child.tag in (SECTPR, PPR_CHANGE):
            ppr.remove(child)
    rpr = ppr.find(RPR)
    for child in list(rpr) if rpr is not None else ():
        if child.tag in REVISIONS or child.tag == RPR_CHANGE:
            rpr.remove(child)


def _place(
    element: etree._Element,
    cursor: etree._Element | None,
    container: etree._Element,
    units: list[Unit],
) -> None:
    """Put a block of the standard after the negotiated block it follows in the alignment."""
    if cursor is not None:
        cursor.addnext(element)
    elif units:
        units[0].elements[0].addprevious(element)
    else:
        last = container[-1] if len(container) else None
        if last is not None and last.tag == SECTPR:
            last.addprevious(element)
        else:
            container.append(element)


def _markers_before(std_atoms: list[Atom]) -> tuple[dict[Atom, list[Atom]], list[Atom]]:
    """The standard's markers (bookmarks, comment ranges) that stand before each compared
    atom, and those after the last one."""
    markers_before: dict[Atom, list[Atom]] = {}
    pending: list[Atom] = []
    for atom in std_atoms:
        if atom.kind == MARKER:
            pending.append(atom)
        elif atom.in_reject:
            markers_before[atom] = pending
            pending = []
    return markers_before, pending
