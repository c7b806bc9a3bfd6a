"""Read a DOCX into accept/reject views and a flat list of tracked revisions.

Implements the reading recipe of ECMA-376 Part 1 §17.13.5 "Revisions" (see
``reference/comparison.md`` §4.2-4.8): ``w:ins``/``w:moveTo`` content exists only in the accept
view, ``w:del``/``w:moveFrom`` content (and ``w:delText``) only in the reject view; a paragraph
mark revised through ``w:pPr/w:rPr/w:del|w:moveFrom`` disappears on accept (its content joins the
next paragraph) and one revised through ``w:ins|w:moveTo`` disappears on reject; table rows with
``w:trPr/w:del`` vanish on accept and rows with ``w:trPr/w:ins`` on reject.

python-docx's text API ignores every run inside a revision (python-docx#1123), so this module
walks the XML itself: one ``iterwalk`` pass per story part, keeping ancestor state on stacks
instead of asking XPath questions per node.

Deliberate simplifications: text boxes (``w:drawing``, ``w:pict``, ``mc:Choice``) are not read,
though their paragraphs are counted so indices stay aligned with ``part_root.iter(w:p)``; field
instructions (``w:instrText`` and, once rejected, ``w:delInstrText``) are dropped and field
results kept; every ``w:br``/``w:cr`` (page and column breaks too) reads as "\n"; custom-XML
insert/delete ranges are ignored.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from lxml import etree

from dsagen.read.package import MAIN_PART, DocxPackage, PathOrBytes, open_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM_PROPS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_W = "{" + W_NS + "}"

P, R, T, DEL_TEXT = _W + "p", _W + "r", _W + "t", _W + "delText"
TAB, PTAB, BR, CR = _W + "tab", _W + "ptab", _W + "br", _W + "cr"
NO_BREAK_HYPHEN, SOFT_HYPHEN, SYM = _W + "noBreakHyphen", _W + "softHyphen", _W + "sym"
FLD_CHAR = _W + "fldChar"
INS, DEL, MOVE_FROM, MOVE_TO = _W + "ins", _W + "del", _W + "moveFrom", _W + "moveTo"
PPR, RPR, PSTYLE, NUMPR = _W + "pPr", _W + "rPr", _W + "pStyle", _W + "numPr"
ILVL, NUM_ID = _W + "ilvl", _W + "numId"
TBL, TR, TC, TRPR = _W + "tbl", _W + "tr", _W + "tc", _W + "trPr"
SECTPR = _W + "sectPr"
BOOKMARK_START = _W + "bookmarkStart"
MOVE_FROM_RANGE_START, MOVE_FROM_RANGE_END = _W + "moveFromRangeStart", _W + "moveFromRangeEnd"
MOVE_TO_RANGE_START, MOVE_TO_RANGE_END = _W + "moveToRangeStart", _W + "moveToRangeEnd"
M_T, M_R = _M + "t", _M + "r"
RPR_CHANGE, PPR_CHANGE = _W + "rPrChange", _W + "pPrChange"
NUMBERING_CHANGE = _W + "numberingChange"

W_ID, W_AUTHOR, W_DATE = _W + "id", _W + "author", _W + "date"
W_NAME, W_VAL, W_CHAR, W_FLD_CHAR_TYPE = _W + "name", _W + "val", _W + "char", _W + "fldCharType"

#: Every ``Revision.kind`` the reader emits. The first ten are the core model; the last five
#: cover table/section property changes and cell-level revisions (§17.13.5, comparison.md §4.5-4.6).
REVISION_KINDS = (
    "insert",
    "delete",
    "move_from",
    "move_to",
    "paragraph_insert",
    "paragraph_delete",
    "format",
    "paragraph_format",
    "table_row_insert",
    "table_row_delete",
    "table_format",
    "section_format",
    "cell_insert",
    "cell_delete",
    "cell_merge",
)

_RUN_REVISION_KIND = {INS: "insert", DEL: "delete", MOVE_FROM: "move_from", MOVE_TO: "move_to"}
_MARK_REVISION_KIND = {
    INS: "paragraph_insert",
    MOVE_TO: "paragraph_insert",
    DEL: "paragraph_delete",
    MOVE_FROM: "paragraph_delete",
}
# Revision elements that live inside property containers and carry no text of their own.
_PROPERTY_REVISION_KIND = {
    _W + "trPrChange": "table_format",
    _W + "tcPrChange": "table_format",
    _W + "tblPrChange": "table_format",
    _W + "tblPrExChange": "table_format",
    _W + "tblGridChange": "table_format",
    _W + "sectPrChange": "section_format",
    _W + "cellIns": "cell_insert",
    _W + "cellDel": "cell_delete",
    _W + "cellMerge": "cell_merge",
    PPR_CHANGE: "paragraph_format",
    NUMBERING_CHANGE: "paragraph_format",
}
_PROPERTY_CONTAINERS = frozenset(
    {_W + "tcPr", _W + "tblPr", _W + "tblPrEx", _W + "tblGrid", SECTPR}
)
# Subtrees without body text: their paragraphs (text boxes) are counted, never read.
_OPAQUE = frozenset({_W + "drawing", _W + "pict", _W + "object", _MC + "Choice"})
# Subtrees that hold properties or instructions, never document text.
_SKIPPED = frozenset(
    {
        _W + "sdtPr",
        _W + "sdtEndPr",
        _W + "customXmlPr",
        _W + "smartTagPr",
        _W + "instrText",
        _W + "delInstrText",
        _W + "rt",  # ruby guide text; the base text is kept
        _W + "fldData",
        TRPR,  # read when its row starts (see _start_row)
    }
)
_CHARACTERS = {
    TAB: "\t",
    PTAB: "\t",
    BR: "\n",
    CR: "\n",
    NO_BREAK_HYPHEN: "\u2011",
    SOFT_HYPHEN: "\u00ad",
}
_SEPARATOR = "\x00"  # paragraph boundary inside the text of a revision spanning paragraphs
_ID_PARTS = ("header", "footer", "footnotes", "endnotes", "comments")


@dataclass(frozen=True)
class Revision:
    """One tracked-revision element; nothing is grouped.

    ``kind`` is one of :data:`REVISION_KINDS`. ``paragraph`` is the position of the revision's
    ``w:p`` in ``part_root.iter(w:p)`` (for a table row: its first cell paragraph; outside any
    paragraph: the next one). ``text`` is all text the element covers, nested revisions included
    (a ``format`` revision: its run's text; a table row: its paragraphs joined by newlines;
    paragraph marks and other property changes: ""). ``move_name`` pairs a move's source and
    destination (``w:name`` of the enclosing ``w:moveFromRangeStart``/``w:moveToRangeStart``).
    """

    id: str
    kind: str
    author: str | None
    date: str | None
    text: str
    part: str
    paragraph: int
    move_name: str | None = None


@dataclass(frozen=True)
class ViewParagraph:
    """A paragraph as it reads with all revisions accepted (or all rejected).

    ``sources`` lists the ``w:p`` indices merged into it (more than one when paragraph marks
    vanished in this view); style and numbering come from the surviving (last) paragraph mark,
    in the rejected view from ``w:pPrChange`` when there is one. ``tracked`` gives the
    ``(start, end, revision id)`` spans of ``text`` that only exist in this view.
    """

    text: str
    style: str | None
    num_id: str | None
    level: int | None
    bookmarks: tuple[str, ...]
    sources: tuple[int, ...]
    table: tuple[int, int, int] | None
    tracked: tuple[tuple[int, int, str], ...]
    part: str = MAIN_PART


@dataclass(frozen=True)
class ReadDocument:
    """Everything dsagen needs from a partner's DOCX; plain data, no XML."""

    path: str
    accepted: tuple[ViewParagraph, ...]
    rejected: tuple[ViewParagraph, ...]
    revisions: tuple[Revision, ...]
    core_properties: dict[str, str]
    custom_properties: dict[str, str]
    headers: tuple[str, ...]
    footers: tuple[str, ...]
    max_id: int


def read_docx(source: PathOrBytes, *, name: str | None = None) -> ReadDocument:
    """Read a DOCX (path or bytes) into accept/reject views, revisions and properties.

    Raises :class:`~dsagen.errors.DocumentError` for anything that is not a safe, readable DOCX.
    """
    package = open_docx(source, name=name)
    related = _related_parts(package)
    roots = {MAIN_PART: package.xml(MAIN_PART)}
    for part in (part for kind in _ID_PARTS for part in related[kind]):
        roots[part] = package.xml(part)

    revisions: list[Revision | None] = []
    body = _body(package, roots[MAIN_PART])
    accepted, rejected = _StoryWalker(MAIN_PART, revisions).walk(body)
    stories = {}
    for kind in ("header", "footer", "footnotes", "endnotes"):
        for part in related[kind]:
            stories[part] = _StoryWalker(part, revisions).walk(roots[part])[0]

    def story_text(part: str) -> str:
        return "\n".join(paragraph.text for paragraph in stories[part] if paragraph.text)

    return ReadDocument(
        path=package.label,
        accepted=tuple(accepted),
        rejected=tuple(rejected),
        revisions=tuple(r for r in revisions if r is not None),
        core_properties=_core_properties(package),
        custom_properties=_custom_properties(package),
        headers=tuple(story_text(part) for part in related["header"]),
        footers=tuple(story_text(part) for part in related["footer"]),
        max_id=max(_max_id(root) for root in roots.values()),
    )


def _body(package: DocxPackage, root: etree._Element) -> etree._Element:
    if isinstance(root.tag, str) and root.tag.startswith("{" + STRICT_W_NS + "}"):
        raise package.error(
            "Strict Open XML documents are not supported: save as 'Word Document (*.docx)'"
        )
    body = root.find(_W + "body")
    if root.tag != _W + "document" or body is None:
        raise package.error(f"{MAIN_PART} is not a WordprocessingML document (no w:body)")
    return body


_Props = tuple[str | None, str | None, int | None]
_NO_PROPS: _Props = (None, None, None)


class _Para:
    """State of the ``w:p`` being walked."""

    __slots__ = (
        "element", "index", "accept", "reject", "bookmarks", "props_accept", "props_reject",
        "table", "container", "in_accept", "in_reject", "drop_mark_accept", "drop_mark_reject",
        "mark_revisions",
    )  # fmt: skip

    def __init__(self, element: etree._Element, index: int, tables: list[list[int]]) -> None:
        self.element = element
        self.index = index
        self.accept: list[tuple[str, str | None]] = []
        self.reject: list[tuple[str, str | None]] = []
        self.bookmarks: list[str] = []
        # (style, num_id, level) as the paragraph reads in each view (w:pPrChange holds the old).
        self.props_accept: _Props = _NO_PROPS
        self.props_reject: _Props = _NO_PROPS
        self.container = tuple((t[0], t[1], t[2]) for t in tables)
        self.table = self.container[-1] if self.container else None
        self.in_accept = self.in_reject = True
        self.drop_mark_accept = self.drop_mark_reject = False
        self.mark_revisions: list[tuple[int, etree._Element]] = []


class _Open:
    """A revision whose text is still being collected until ``closer`` ends."""

    __slots__ = ("slot", "closer", "element", "kind", "paragraph", "move_name", "parts")

    def __init__(self, slot: int, closer: etree._Element, element: etree._Element, kind: str,
                 paragraph: int, move_name: str | None) -> None:  # fmt: skip
        self.slot, self.closer, self.element, self.kind = slot, closer, element, kind
        self.paragraph, self.move_name = paragraph, move_name
        self.parts: list[str] = []


class _View:
    """Output of one view plus a paragraph whose mark vanished and waits to join the next."""

    __slots__ = ("paragraphs", "carry", "part", "rejected")

    def __init__(self, part: str, *, rejected: bool) -> None:
        self.paragraphs: list[ViewParagraph] = []
        self.carry: tuple[list, list[int], list[str], _Para] | None = None
        self.part = part
        self.rejected = rejected

    def place(self, para: _Para, pieces: list[tuple[str, str | None]], mark_dropped: bool) -> None:
        sources, bookmarks = [para.index], para.bookmarks
        if self.carry is not None:
            carried, carried_sources, carried_bookmarks, previous = self.carry
            if previous.container == para.container:
                pieces = carried + pieces
                sources = carried_sources + sources
                bookmarks = carried_bookmarks + bookmarks
            else:  # never merge across a cell or table boundary: keep it as its own paragraph
                self.flush()
        self.carry = None
        if mark_dropped:
            self.carry = (pieces, sources, bookmarks, para)
        else:
            self.paragraphs.append(self._paragraph(pieces, sources, bookmarks, para))

    def flush(self) -> None:
        if self.carry is not None:
            self.paragraphs.append(self._paragraph(*self.carry))
            self.carry = None

    def _paragraph(self, pieces: list[tuple[str, str | None]], sources: list[int],
                   bookmarks: list[str], para: _Para) -> ViewParagraph:  # fmt: skip
        tracked: list[tuple[int, int, str]] = []
        position = 0
        for text, revision_id in pieces:
            end = position + len(text)
            if revision_id is not None:
                if tracked and tracked[-1][2] == revision_id and tracked[-1][1] == position:
                    tracked[-1] = (tracked[-1][0], end, revision_id)
                else:
                    tracked.append((position, end, revision_id))
            position = end
        # The surviving paragraph mark carries the properties of a merged paragraph.
        style, num_id, level = para.props_reject if self.rejected else para.props_accept
        return ViewParagraph(
            text="".join(text for text, _ in pieces),
            style=style,
            num_id=num_id,
            level=level,
            bookmarks=tuple(dict.fromkeys(bookmarks)),
            sources=tuple(sources),
            table=para.table,
            tracked=tuple(tracked),
            part=self.part,
        )


class _StoryWalker:
    """One pass over a story part (body, header, footer, notes) with ancestor state on stacks."""

    def __init__(self, part: str, revisions: list[Revision | None]) -> None:
        self.part = part
        self.revisions = revisions
        self.accept = _View(part, rejected=False)
        self.reject = _View(part, rejected=True)
        self.paras: list[_Para] = []
        self.next_index = 0
        self.tables: list[list[int]] = []  # [table index, row, cell, drops accept, drops reject]
        self.table_count = 0
        self.rows_dropped_accept = self.rows_dropped_reject = 0
        self.insert_ids: list[str] = []  # enclosing w:ins / w:moveTo
        self.delete_ids: list[str] = []  # enclosing w:del / w:moveFrom
        self.open: list[_Open] = []
        # Field state per view: True = inside a field's instructions (skipped), False = result.
        self.fields_accept: list[bool] = []
        self.fields_reject: list[bool] = []
        self.pending_bookmarks: list[str] = []
        self.move_from_ranges: dict[str, str] = {}
        self.move_to_ranges: dict[str, str] = {}

    def walk(self, root: etree._Element) -> tuple[list[ViewParagraph], list[ViewParagraph]]:
        walker = etree.iterwalk(root, events=("start", "end"))
        emit = self._emit
        for event, element in walker:
            tag = element.tag
            if event == "start":
                if tag == T or tag == M_T:
                    if element.text:
                        emit(element.text, False)
                elif tag == R:
                    continue
                elif tag == RPR:
                    self._run_properties(element)
                    walker.skip_subtree()
                elif tag == DEL_TEXT:
                    if element.text:
                        emit(element.text, True)
                elif tag in _CHARACTERS:
                    emit(_CHARACTERS[tag], False)
                elif tag in _RUN_REVISION_KIND:
                    self._open_run_revision(element, tag)
                elif tag == P:
                    self._start_paragraph(element)
                elif tag == PPR:
                    if self.paras and element.getparent() is self.paras[-1].element:
                        self._paragraph_properties(element, self.paras[-1])
                    walker.skip_subtree()
                elif tag == FLD_CHAR:
                    self._field_char(element)
                    walker.skip_subtree()
                elif tag == BOOKMARK_START:
                    name = element.get(W_NAME)
                    if name:
                        target = self.paras[-1].bookmarks if self.paras else self.pending_bookmarks
                        target.append(name)
                elif tag in _SKIPPED:
                    walker.skip_subtree()
                elif tag in _OPAQUE:
                    # Keep ``paragraph`` equal to the position in part_root.iter(w:p).
                    self.next_index += sum(1 for _ in element.iter(P))
                    walker.skip_subtree()
                elif tag == TR:
                    self._start_row(element)
                elif tag == TC:
                    if self.tables:
                        self.tables[-1][2] += 1
                elif tag == TBL:
                    self.tables.append([self.table_count, -1, -1, 0, 0])
                    self.table_count += 1
                elif tag in _PROPERTY_CONTAINERS:
                    self._property_revisions(element)
                    walker.skip_subtree()
                elif tag == SYM:
                    emit(_symbol(element), False)
                elif tag == MOVE_FROM_RANGE_START:
                    self.move_from_ranges[element.get(W_ID, "")] = element.get(W_NAME, "")
                elif tag == MOVE_TO_RANGE_START:
                    self.move_to_ranges[element.get(W_ID, "")] = element.get(W_NAME, "")
                elif tag == MOVE_FROM_RANGE_END:
                    self.move_from_ranges.pop(element.get(W_ID, ""), None)
                elif tag == MOVE_TO_RANGE_END:
                    self.move_to_ranges.pop(element.get(W_ID, ""), None)
                elif tag in _PROPERTY_REVISION_KIND:
                    self._record(element, _PROPERTY_REVISION_KIND[tag], self._anchor())
                    walker.skip_subtree()
            else:
                if tag == R:
                    self._close(element)
                elif tag in _RUN_REVISION_KIND:
                    (self.insert_ids if tag in (INS, MOVE_TO) else self.delete_ids).pop()
                    self._close(element)
                elif tag == P:
                    if self.paras and self.paras[-1].element is element:
                        self._finish_paragraph(self.paras.pop())
                elif tag == TR:
                    self._close(element)
                    if self.tables:
                        self.rows_dropped_accept -= self.tables[-1][3]
                        self.rows_dropped_reject -= self.tables[-1][4]
                        self.tables[-1][3] = self.tables[-1][4] = 0
                elif tag == TBL:
                    if self.tables:
                        self.tables.pop()
        self.accept.flush()
        self.reject.flush()
        return self.accept.paragraphs, self.reject.paragraphs

    # -- text -------------------------------------------------------------------------------

    def _emit(self, text: str, deleted_text: bool) -> None:
        if self.paras:
            para = self.paras[-1]
            if not self.delete_ids and not deleted_text and True not in self.fields_accept:
                para.accept.append((text, self.insert_ids[-1] if self.insert_ids else None))
            if not self.insert_ids and True not in self.fields_reject:
                para.reject.append((text, self.delete_ids[-1] if self.delete_ids else None))
        for revision in self.open:
            revision.parts.append(text)

    def _field_char(self, element: etree._Element) -> None:
        kind = element.get(W_FLD_CHAR_TYPE)
        views = []
        if not self.delete_ids:
            views.append(self.fields_accept)
        if not self.insert_ids:
            views.append(self.fields_reject)
        for fields in views:
            if kind == "begin":
                fields.append(True)
            elif kind == "separate" and fields:
                fields[-1] = False
            elif kind == "end" and fields:
                fields.pop()
        for child in element:
            if child.tag == NUMBERING_CHANGE:
                self._record(child, "paragraph_format", self._anchor())

    # -- paragraphs and tables --------------------------------------------------------------

    def _start_paragraph(self, element: etree._Element) -> None:
        para = _Para(element, self.next_index, self.tables)
        self.next_index += 1
        para.in_accept = self.rows_dropped_accept == 0
        para.in_reject = self.rows_dropped_reject == 0
        if self.pending_bookmarks:
            para.bookmarks, self.pending_bookmarks = self.pending_bookmarks, []
        self.paras.append(para)

    def _paragraph_properties(self, ppr: etree._Element, para: _Para) -> None:
        para.props_accept = para.props_reject = _numbering_and_style(ppr)
        for child in ppr:
            tag = child.tag
            if tag == NUMPR:
                for item in child:
                    if item.tag == INS:  # inserted numbering properties (§17.13.5.19)
                        para.props_reject = (para.props_reject[0], None, None)
                        self._record(item, "paragraph_format", para.index)
                    elif item.tag == NUMBERING_CHANGE:
                        self._record(item, "paragraph_format", para.index)
            elif tag == RPR:  # the paragraph mark's run properties (§17.13.5.15/.18)
                for mark in child:
                    if mark.tag in _MARK_REVISION_KIND:
                        if mark.tag in (DEL, MOVE_FROM):
                            para.drop_mark_accept = True
                        else:
                            para.drop_mark_reject = True
                        self.revisions.append(None)  # slot; filled when the paragraph ends
                        para.mark_revisions.append((len(self.revisions) - 1, mark))
                    elif mark.tag == RPR_CHANGE:
                        self._record(mark, "format", para.index)
            elif tag == SECTPR:
                self._property_revisions(child, para.index)
            elif tag == PPR_CHANGE:
                # The inner w:pPr is the complete former CT_PPrBase: what it lacks was absent.
                old = child.find(PPR)
                para.props_reject = _numbering_and_style(old) if old is not None else _NO_PROPS
                self._record(child, "paragraph_format", para.index)

    def _finish_paragraph(self, para: _Para) -> None:
        for slot, mark in para.mark_revisions:
            # Move range starts usually follow w:pPr inside the paragraph: resolve names now.
            self.revisions[slot] = self._revision(
                mark, _MARK_REVISION_KIND[mark.tag], "", para.index, self._move_name(mark.tag)
            )
        if para.in_accept:
            self.accept.place(para, para.accept, para.drop_mark_accept)
        if para.in_reject:
            self.reject.place(para, para.reject, para.drop_mark_reject)
        for revision in self.open:
            revision.parts.append(_SEPARATOR)

    def _start_row(self, row: etree._Element) -> None:
        if not self.tables:  # a stray row outside w:tbl: give it a table of its own
            self.tables.append([self.table_count, -1, -1, 0, 0])
            self.table_count += 1
        table = self.tables[-1]
        table[1] += 1
        table[2] = -1
        for child in row:
            if child.tag != TRPR:
                continue
            for item in child:
                if item.tag == DEL:
                    table[3] = 1
                    self._open_revision(row, item, "table_row_delete", None)
                elif item.tag == INS:
                    table[4] = 1
                    self._open_revision(row, item, "table_row_insert", None)
                elif item.tag in _PROPERTY_REVISION_KIND:
                    self._record(item, _PROPERTY_REVISION_KIND[item.tag], self.next_index)
        self.rows_dropped_accept += table[3]
        self.rows_dropped_reject += table[4]

    # -- revisions ----------------------------------------------------------------------------

    def _anchor(self) -> int:
        """The paragraph being walked, else the next one to start."""
        if self.paras:
            return self.paras[-1].index
        return self.next_index

    def _open_run_revision(self, element: etree._Element, tag: str) -> None:
        if tag in (INS, MOVE_TO):
            self.insert_ids.append(element.get(W_ID, ""))
        else:
            self.delete_ids.append(element.get(W_ID, ""))
        kind = _RUN_REVISION_KIND[tag]
        self._open_revision(element, element, kind, self._move_name(tag))

    def _open_revision(self, closer: etree._Element, element: etree._Element, kind: str,
                       move_name: str | None) -> None:  # fmt: skip
        self.revisions.append(None)
        self.open.append(
            _Open(len(self.revisions) - 1, closer, element, kind, self._anchor(), move_name)
        )

    def _close(self, closer: etree._Element) -> None:
        while self.open and self.open[-1].closer is closer:
            revision = self.open.pop()
            segments = "".join(revision.parts).split(_SEPARATOR)
            text = "\n".join(segment for segment in segments if segment)
            move_name = revision.move_name or self._move_name(revision.element.tag)
            self.revisions[revision.slot] = self._revision(
                revision.element, revision.kind, text, revision.paragraph, move_name
            )

    def _run_properties(self, rpr: etree._Element) -> None:
        parent = rpr.getparent()
        for child in rpr:
            if child.tag == RPR_CHANGE:
                if parent is not None and parent.tag in (R, M_R):
                    self._open_revision(parent, child, "format", None)  # text = the run's text
                else:
                    self._record(child, "format", self._anchor())
            elif child.tag in _RUN_REVISION_KIND:  # math control characters (CT_MathCtrlIns/Del)
                self._record(child, _RUN_REVISION_KIND[child.tag], self._anchor())

    def _property_revisions(self, container: etree._Element, anchor: int | None = None) -> None:
        if anchor is None:
            anchor = self._anchor() if container.tag != SECTPR else max(self.next_index - 1, 0)
        for child in container:
            kind = _PROPERTY_REVISION_KIND.get(child.tag)
            if kind is not None:
                self._record(child, kind, anchor)

    def _record(self, element: etree._Element, kind: str, paragraph: int) -> None:
        self.revisions.append(self._revision(element, kind, "", paragraph, None))

    def _revision(self, element: etree._Element, kind: str, text: str, paragraph: int,
                  move_name: str | None) -> Revision:  # fmt: skip
        return Revision(
            id=element.get(W_ID, ""),
            kind=kind,
            author=element.get(W_AUTHOR),
            date=element.get(W_DATE),
            text=text,
            part=self.part,
            paragraph=paragraph,
            move_name=move_name,
        )

    def _move_name(self, tag: str) -> str | None:
        ranges = (
            self.move_from_ranges
            if tag == MOVE_FROM
            else self.move_to_ranges
            if tag == MOVE_TO
            else None
        )
        if not ranges:
            return None
        return next(reversed(ranges.values())) or None


def _numbering_and_style(ppr: etree._Element) -> _Props:
    """(w:pStyle, w:numPr/w:numId, w:numPr/w:ilvl) set directly on a paragraph."""
    style = num_id = None
    level: int | None = None
    for child in ppr:
        if child.tag == PSTYLE:
            style = child.get(W_VAL)
        elif child.tag == NUMPR:
            for item in child:
                if item.tag == NUM_ID:
                    num_id = item.get(W_VAL)
                elif item.tag == ILVL:
                    value = item.get(W_VAL, "")
                    level = int(value) if value.isdigit() else None
            if num_id is not None and level is None:
                level = 0  # an absent w:ilvl means level 0
    return style, num_id, level


def _symbol(element: etree._Element) -> str:
    code = element.get(W_CHAR, "")
    try:
        return chr(int(code, 16))
    except ValueError:
        return ""


# -- package-level parts ----------------------------------------------------------------------


def _relationships(package: DocxPackage, rels_part: str, base: str) -> list[tuple[str, str]]:
    """(type suffix, resolved part name) for each internal relationship in ``rels_part``."""
    if not package.has(rels_part):
        return []
    found = []
    for rel in package.xml(rels_part).iter(_REL + "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(base, target))
        if package.has(resolved):
            found.append((rel.get("Type", "").rsplit("/", 1)[-1], resolved))
    return found


def _related_parts(package: DocxPackage) -> dict[str, list[str]]:
    related: dict[str, list[str]] = {kind: [] for kind in _ID_PARTS}
    for kind, part in _relationships(package, "word/_rels/document.xml.rels", "word"):
        if kind in related and part not in related[kind]:
            related[kind].append(part)
    for kind in related:
        related[kind].sort(key=_natural_key)
    return related


def _natural_key(name: str) -> list[object]:
    return [int(token) if token.isdigit() else token for token in re.split(r"(\d+)", name)]


def _package_part(package: DocxPackage, kind: str, default: str) -> str | None:
    for found_kind, part in _relationships(package, "_rels/.rels", ""):
        if found_kind == kind:
            return part
    return default if package.has(default) else None


def _core_properties(package: DocxPackage) -> dict[str, str]:
    part = _package_part(package, "core-properties", "docProps/core.xml")
    if part is None:
        return {}
    properties = {}
    for child in package.xml(part):
        if isinstance(child.tag, str) and child.text and child.text.strip():
            properties[etree.QName(child).localname] = child.text.strip()
    return properties


def _custom_properties(package: DocxPackage) -> dict[str, str]:
    part = _package_part(package, "custom-properties", "docProps/custom.xml")
    if part is None:
        return {}
    properties = {}
    for prop in package.xml(part).iter(_CUSTOM_PROPS + "property"):
        name = prop.get("name")
        if name is not None:
            value = next(iter(prop), None)
            properties[name] = (value.text or "") if value is not None else ""
    return properties


def _max_id(root: etree._Element) -> int:
    ids = [int(value) for value in root.xpath("//@w:id", namespaces={"w": W_NS}) if value.isdigit()]
    return max(ids, default=0)
