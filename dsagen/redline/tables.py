"""Tables: rows aligned like paragraphs, cells compared pairwise, whole rows tracked.

A row only one side has is a row revision (w:trPr/w:ins or w:del, CT_TrPr, §17.13.5.18/.15;
comparison.md §4.6) with its cells' content marked too; rows of different shapes are a deleted
and an inserted row; paired rows recurse into their cells, so nested tables work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lxml import etree

from ..compare.diff import ParagraphPair, align_paragraphs
from .ooxml import (
    DEL,
    INSERTED,
    REVISIONS,
    TBLPREX,
    TC,
    TR,
    TRPR,
    TRPR_CHANGE,
    P,
    mark_kind,
    place_mark,
)

if TYPE_CHECKING:
    from .emit import StoryContext
    from .moves import Move


class TableWriter:
    """The table half of StoryWriter (which provides the methods declared here)."""

    story: StoryContext

    def container(self, standard: etree._Element, negotiated: etree._Element) -> None:
        raise NotImplementedError

    def row_key(self, row: etree._Element, standard: bool) -> str:
        raise NotImplementedError

    def deleted_block(self, standard: etree._Element, move: Move | None) -> etree._Element:
        raise NotImplementedError

    def inserted_block(self, elements: list[etree._Element]) -> None:
        raise NotImplementedError

    def finish_deleted(self, clone: etree._Element, move: Move | None) -> None:
        raise NotImplementedError

    def table_pair(self, standard: etree._Element, negotiated: etree._Element) -> None:
        std_rows = rows(standard)
        neg_rows = [row for row in rows(negotiated) if row_mark(row) not in INSERTED]
        pairs = pair_lone_replacements(
            align_paragraphs(
                [self.row_key(r, True) for r in std_rows],
                [self.row_key(r, False) for r in neg_rows],
            ),
            lambda i, j: len(cells(std_rows[i])) == len(cells(neg_rows[j])),
        )
        cursor: etree._Element | None = None
        for pair in split_uneven_rows(pairs, std_rows, neg_rows):
            if pair.standard is not None and pair.negotiated is not None:
                std_row, neg_row = std_rows[pair.standard], neg_rows[pair.negotiated]
                for std_cell, neg_cell in zip(cells(std_row), cells(neg_row), strict=True):
                    self.container(std_cell, neg_cell)
                cursor = neg_row
            elif pair.standard is not None:
                clone = self.deleted_block(std_rows[pair.standard], None)
                for row in clone.iter(TR):
                    self.mark_row(row, DEL)
                place_row(clone, cursor, negotiated, neg_rows)
                self.finish_deleted(clone, None)
                cursor = clone
            elif pair.negotiated is not None:
                row = neg_rows[pair.negotiated]
                self.inserted_block([row])
                cursor = row

    def mark_cell_ends(self, rows_of: etree._Element, tag: str) -> None:
        """In rows inserted or deleted as a whole, each cell's last paragraph mark is marked
        too (as Word marks a row it tracks): it goes with its row, and the row's content then
        reads as one revision instead of one per cell."""
        for row in rows_of.iter(TR):
            if row_mark(row) is None:
                continue
            for cell in cells(row):
                paragraphs = [c for c in cell if c.tag == P]
                if paragraphs and mark_kind(paragraphs[-1]) is None:
                    self.story.mark_paragraph(paragraphs[-1], tag)

    def mark_row(self, row: etree._Element, tag: str) -> None:
        """w:trPr/w:ins|w:del (§17.13.5.18/.15 on CT_TrPr), after the row properties and
        before a w:trPrChange."""
        trpr = row.find(TRPR)
        if trpr is None:
            trpr = etree.SubElement(row, TRPR)
            exceptions = row.find(TBLPREX)
            if exceptions is not None:
                exceptions.addnext(trpr)
            else:
                row.insert(0, trpr)
        mark = self.story.revision(trpr, tag)
        change = trpr.find(TRPR_CHANGE)
        if not place_mark(trpr, mark) and change is not None:
            change.addprevious(mark)


def rows(table: etree._Element) -> list[etree._Element]:
    return [child for child in table if child.tag == TR]


def cells(row: etree._Element) -> list[etree._Element]:
    return [child for child in row if child.tag == TC]


def row_mark(row: etree._Element) -> str | None:
    trpr = row.find(TRPR)
    for child in trpr if trpr is not None else ():
        if child.tag in REVISIONS:
            return str(child.tag)
    return None


def partner_inserted_table(table: etree._Element) -> bool:
    found = rows(table)
    return bool(found) and all(row_mark(row) in INSERTED for row in found)


def pair_lone_replacements(
    pairs: list[ParagraphPair], alike: Callable[[int, int], bool]
) -> list[ParagraphPair]:
    """Between two blocks kept in place, one deleted and one inserted block of the same kind
    are that block edited, however different (a cell emptied, an image removed from its
    paragraph, a row whose every cell changed): they are paired and diffed inside, as Word
    and WmlComparer do, rather than written as a whole deletion and a whole insertion."""
    out: list[ParagraphPair] = []
    gap: list[ParagraphPair] = []

    def flush() -> None:
        deleted = [p for p in gap if p.negotiated is None]
        inserted = [p for p in gap if p.standard is None]
        if (
            len(deleted) == 1
            and len(inserted) == 1
            and deleted[0].standard is not None
            and (inserted[0].negotiated is not None)
            and alike(deleted[0].standard, inserted[0].negotiated)
        ):
            out.append(ParagraphPair("modify", deleted[0].standard, inserted[0].negotiated))
        else:
            out.extend(gap)
        gap.clear()

    for pair in pairs:
        if pair.standard is None or pair.negotiated is None:
            gap.append(pair)
        else:
            flush()
            out.append(pair)
    flush()
    return out


def split_uneven_rows(
    pairs: list[ParagraphPair], std_rows: list[etree._Element], neg_rows: list[etree._Element]
) -> list[ParagraphPair]:
    """Rows with different numbers of cells are written as a deleted and an inserted row."""
    out = []
    for pair in pairs:
        if (
            pair.standard is not None
            and pair.negotiated is not None
            and (len(cells(std_rows[pair.standard])) != len(cells(neg_rows[pair.negotiated])))
        ):
            out.append(ParagraphPair("delete", pair.standard, None))
            out.append(ParagraphPair("insert", None, pair.negotiated))
        else:
            out.append(pair)
    return out


def place_row(
    row: etree._Element,
    cursor: etree._Element | None,
    table: etree._Element,
    rows: list[etree._Element],
) -> None:
    if cursor is not None:
        cursor.addnext(row)
    elif rows:
        rows[0].addprevious(row)
    else:
        table.append(row)
