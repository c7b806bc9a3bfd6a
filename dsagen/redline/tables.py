"""Tables: rows aligned like paragraphs, cells compared pairwise, whole rows tracked.

A row only one side has is a row revision (w:trPr/w:ins or w:del, CT_TrPr, §17.13.5.18/.15;
comparison.md §4.6) with its cells' content marked too; rows of different shapes are a deleted
and an inserted row; paired rows recurse into their cells, so nested tables work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from ..compare.diff import ParagraphPair, align_paragraphs
from .ooxml import DEL, INSERTED, REVISIONS, TBLPREX, TC, TR, TRPR, TRPR_CHANGE

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
        pairs = align_paragraphs([self.row_key(r, True) for r in std_rows],
                                 [self.row_key(r, False) for r in neg_rows])
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
        if change is not None:
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


def split_uneven_rows(pairs: list[ParagraphPair], std_rows: list[etree._Element],
                       neg_rows: list[etree._Element]) -> list[ParagraphPair]:
    """Rows with different numbers of cells are written as a deleted and an inserted row."""
    out = []
    for pair in pairs:
        if pair.standard is not None and pair.negotiated is not None and (
                len(cells(std_rows[pair.standard])) != len(cells(neg_rows[pair.negotiated]))):
            out.append(ParagraphPair("delete", pair.standard, None))
            out.append(ParagraphPair("insert", None, pair.negotiated))
        else:
            out.append(pair)
    return out


def place_row(row: etree._Element, cursor: etree._Element | None, table: etree._Element,
               rows: list[etree._Element]) -> None:
    if cursor is not None:
        cursor.addnext(row)
    elif rows:
        rows[0].addprevious(row)
    else:
        table.append(row)
