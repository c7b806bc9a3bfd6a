"""One ``iterwalk`` pass over a story: accept/reject views, revisions, objects and anchors.

Implements the reading recipe of ECMA-376 Part 1 §17.13.5 "Revisions" (see
``reference/comparison.md`` §4.2-4.8): ``w:ins``/``w:moveTo`` content exists only in the accept
view, ``w:del``/``w:moveFrom`` content (and ``w:delText``) only in the reject view; a paragraph
mark revised through ``w:pPr/w:rPr/w:del|w:moveFrom`` disappears on accept (its content joins the
next paragraph) and one revised through ``w:ins|w:moveTo`` disappears on reject; table rows with
``w:trPr/w:del`` vanish on accept and rows with ``w:trPr/w:ins`` on reject.

python-docx's text API ignores every run inside a revision (python-docx#1123), so this module
walks the XML itself: one pass per story, keeping ancestor state on stacks instead of asking
XPath questions per node. Only the rare objects (drawings, VML pictures, OLE objects) get a
second look at their own small subtree.

Objects read as tokens in the view where they stand (``[image: <alt text>]``, ``[chart]``,
``[object]``, ``[text box]``, ``[footnote]``, ``[endnote]``); a text box's paragraphs become a
story of their own (walked by a nested walker that continues the part's ``w:p`` numbering), read
once even when ``mc:AlternateContent`` carries a Choice and a Fallback copy (the first Choice is
read, the rest only counted). Field instructions (``w:instrText`` and, once rejected,
``w:delInstrText``) are dropped and field results kept; every ``w:br``/``w:cr`` (page and column
breaks too) reads as "\\n"; custom-XML insert/delete ranges are ignored.
"""

from __future__ import annotations

import re

from lxml import etree

from dsagen.read.model import EMPHASIS_FLAGS, Revision, ViewParagraph

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + W_NS + "}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_V = "{urn:schemas-microsoft-com:vml}"
_O = "{urn:schemas-microsoft-com:office:office}"

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
FOOTNOTE_REFERENCE, ENDNOTE_REFERENCE = _W + "footnoteReference", _W + "endnoteReference"
COMMENT_RANGE_START, COMMENT_RANGE_END = _W + "commentRangeStart", _W + "commentRangeEnd"
COMMENT_REFERENCE = _W + "commentReference"
DRAWING, PICT, OBJECT, TXBX_CONTENT = _W + "drawing", _W + "pict", _W + "object", _W + "txbxContent"
MC_CHOICE, MC_FALLBACK = _MC + "Choice", _MC + "Fallback"

W_ID, W_AUTHOR, W_DATE = _W + "id", _W + "author", _W + "date"
W_NAME, W_VAL, W_CHAR, W_FLD_CHAR_TYPE = _W + "name", _W + "val", _W + "char", _W + "fldCharType"

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
# Direct run properties that make a ``formats`` signature (§17.3.2); bCs/iCs are the
# complex-script twins and are left out on purpose.
_EMPHASIS = {
    _W + "b": "b",
    _W + "i": "i",
    _W + "u": "u",
    _W + "strike": "strike",
    _W + "dstrike": "dstrike",
    _W + "caps": "caps",
    _W + "smallCaps": "smallCaps",
    _W + "highlight": "highlight",
}
_EMPHASIS_ORDER = {flag: n for n, flag in enumerate(EMPHASIS_FLAGS)}
# ST_OnOff false values, plus "none" (ST_Underline, ST_HighlightColor).
_OFF = frozenset({"0", "false", "off", "none"})
_SEPARATOR = "\x00"  # paragraph boundary inside the text of a revision spanning paragraphs
_DECIMAL = re.compile(r"[0-9]{1,9}")
_NAME_LIMIT = 120  # characters of alt text kept in an ``[image: ...]`` token

_Piece = tuple[str, str | None, str]  # (text, revision id of this view or None, emphasis)
_Props = tuple[str | None, str | None, int | None]
_NO_PROPS: _Props = (None, None, None)


def decimal(value: str | None) -> int | None:
    """A plain ASCII decimal of at most nine digits, else None (never raises)."""
    if value is not None and _DECIMAL.fullmatch(value):
        return int(value)
    return None


class TextBox:
    """A text box found while walking, with its own views."""

    __slots__ = ("part", "anchor", "present", "accepted", "rejected")

    def __init__(self, part: str, anchor: int | None, present: str) -> None:
        self.part, self.anchor, self.present = part, anchor, present
        self.accepted: list[ViewParagraph] = []
        self.rejected: list[ViewParagraph] = []


class Found:
    """What the walkers of one document record besides views and revisions.

    Note references and comment anchors are recorded from the body only (``anchor`` fields are
    body paragraph indices); ``*_refs`` hold ``(paragraph, in accepted view, in rejected view)``.
    """

    def __init__(self) -> None:
        self.text_boxes: list[TextBox] = []
        self.note_refs: list[tuple[str, str, int, bool, bool]] = []  # + kind and w:id first
        self.comment_starts: dict[str, tuple[int, bool, bool]] = {}
        self.comment_refs: dict[str, tuple[int, bool, bool]] = {}
        self.comment_texts: dict[str, list[str]] = {}
        self.sections: list[etree._Element] = []


def present_in(accepted: bool, rejected: bool) -> str:
    if accepted == rejected:
        return "both"
    return "accepted" if accepted else "rejected"


class _Para:
    """State of the ``w:p`` being walked."""

    __slots__ = (
        "element", "index", "accept", "reject", "bookmarks_accept", "bookmarks_reject",
        "props_accept", "props_reject", "table", "container", "in_accept", "in_reject",
        "drop_mark_accept", "drop_mark_reject", "mark_revisions",
    )  # fmt: skip

    def __init__(self, element: etree._Element, index: int, tables: list[list[int]]) -> None:
        self.element = element
        self.index = index
        self.accept: list[_Piece] = []
        self.reject: list[_Piece] = []
        self.bookmarks_accept: list[str] = []
        self.bookmarks_reject: list[str] = []
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


def _visible(pieces: list[_Piece]) -> bool:
    return any(text.strip() for text, _, _ in pieces)


class _View:
    """Output of one view plus a paragraph whose mark vanished and waits to join the next."""

    __slots__ = ("paragraphs", "carry", "part", "rejected")

    def __init__(self, part: str, *, rejected: bool) -> None:
        self.paragraphs: list[ViewParagraph] = []
        self.carry: tuple[list[_Piece], list[int], list[str], list[str], _Para] | None = None
        self.part = part
        self.rejected = rejected

    def place(self, para: _Para, pieces: list[_Piece], bookmarks: list[str],
              mark_dropped: bool) -> None:  # fmt: skip
        # A paragraph that vanishes into the next one without visible text must not hand its
        # anchors on: a struck clause heading would otherwise name the next clause.
        dropped: list[str] = []
        if mark_dropped and bookmarks and not _visible(pieces):
            dropped, bookmarks = bookmarks, []
        sources = [para.index]
        if self.carry is not None:
            carried, carried_sources, carried_bookmarks, carried_dropped, previous = self.carry
            if previous.container == para.container:
                pieces = carried + pieces
                sources = carried_sources + sources
                bookmarks = carried_bookmarks + bookmarks
                dropped = carried_dropped + dropped
            else:  # never merge across a cell or table boundary: keep it as its own paragraph
                self.flush()
        self.carry = None
        if mark_dropped:
            self.carry = (pieces, sources, bookmarks, dropped, para)
        else:
            self.paragraphs.append(self._paragraph(pieces, sources, bookmarks, dropped, para))

    def flush(self) -> None:
        if self.carry is not None:
            self.paragraphs.append(self._paragraph(*self.carry))
            self.carry = None

    def _paragraph(self, pieces: list[_Piece], sources: list[int], bookmarks: list[str],
                   dropped: list[str], para: _Para) -> ViewParagraph:  # fmt: skip
        tracked: tuple[tuple[int, int, str], ...] | list[tuple[int, int, str]] = ()
        formats: tuple[tuple[int, int, str], ...] | list[tuple[int, int, str]] = ()
        if len(pieces) == 1:  # the common case: one run, nothing to merge
            text, revision_id, emphasis = pieces[0]
            if revision_id is not None:
                tracked = ((0, len(text), revision_id),)
            if emphasis:
                formats = ((0, len(text), emphasis),)
        else:
            tracked, formats = _spans(pieces)
            text = "".join(text for text, _, _ in pieces)
        kept = tuple(dict.fromkeys(bookmarks)) if bookmarks else ()
        lost = tuple(name for name in dict.fromkeys(dropped) if name not in kept) if dropped else ()
        # The surviving paragraph mark carries the properties of a merged paragraph.
        style, num_id, level = para.props_reject if self.rejected else para.props_accept
        return ViewParagraph(
            text=text,
            style=style,
            num_id=num_id,
            level=level,
            bookmarks=kept,
            sources=tuple(sources),
            table=para.table,
            tracked=tuple(tracked),
            part=self.part,
            formats=tuple(formats),
            dropped_bookmarks=lost,
        )


def _spans(pieces: list[_Piece]) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(tracked, formats) spans over the joined pieces; touching equal spans merge."""
    tracked: list[tuple[int, int, str]] = []
    formats: list[tuple[int, int, str]] = []
    position = 0
    for text, revision_id, emphasis in pieces:
        end = position + len(text)
        if revision_id is not None:
            if tracked and tracked[-1][2] == revision_id and tracked[-1][1] == position:
                tracked[-1] = (tracked[-1][0], end, revision_id)
            else:
                tracked.append((position, end, revision_id))
        if emphasis:
            if formats and formats[-1][2] == emphasis and formats[-1][1] == position:
                formats[-1] = (formats[-1][0], end, emphasis)
            else:
                formats.append((position, end, emphasis))
        position = end
    return tracked, formats


class StoryWalker:
    """One pass over a story (body, header, footer, note, comment, text box).

    ``body`` walkers record note references, comment anchors and text-box anchors as body
    paragraph indices (and the body's section properties unless ``nested``, i.e. walking a
    text box); ``start`` continues the part's ``w:p`` numbering (a note, comment or text box
    walked on its own); ``presence`` says whether the story itself exists in the accepted and
    rejected views (a text box inside ``w:ins`` exists only in the accepted one).
    """

    def __init__(self, part: str, revisions: list[Revision | None], found: Found, *,
                 body: bool = False, start: int = 0, presence: tuple[bool, bool] = (True, True),
                 nested: bool = False) -> None:  # fmt: skip
        self.part = part
        self.nested = nested
        self.revisions = revisions
        self.found = found
        self.body = body
        self.presence = presence
        self.accept = _View(part, rejected=False)
        self.reject = _View(part, rejected=True)
        self.paras: list[_Para] = []
        self.next_index = start
        self.tables: list[list[int]] = []  # [table index, row, cell, drops accept, drops reject]
        self.table_count = 0
        self.rows_dropped_accept = self.rows_dropped_reject = 0
        self.insert_ids: list[str] = []  # enclosing w:ins / w:moveTo
        self.delete_ids: list[str] = []  # enclosing w:del / w:moveFrom
        self.open: list[_Open] = []
        # Field state per view: True = inside a field's instructions (skipped), False = result.
        self.fields_accept: list[bool] = []
        self.fields_reject: list[bool] = []
        self.pending_bookmarks: list[tuple[str, bool, bool]] = []
        self.move_from_ranges: dict[str, str] = {}
        self.move_to_ranges: dict[str, str] = {}
        # Direct emphasis of the run being walked, per view (w:rPrChange holds the old one).
        self.emphasis_accept = self.emphasis_reject = ""
        self.comment_open: dict[str, list[str]] = {}
        self.rare = {
            DRAWING: self._drawing,
            PICT: self._pict,
            OBJECT: self._object,
            MC_CHOICE: self._choice,
            MC_FALLBACK: self._skip_counted,
            FOOTNOTE_REFERENCE: self._note_reference,
            ENDNOTE_REFERENCE: self._note_reference,
            COMMENT_RANGE_START: self._comment_start,
            COMMENT_RANGE_END: self._comment_end,
            COMMENT_REFERENCE: self._comment_reference,
        }

    def walk(self, root: etree._Element) -> tuple[list[ViewParagraph], list[ViewParagraph]]:
        walker = etree.iterwalk(root, events=("start", "end"))
        emit = self._emit
        rare = self.rare
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
                    self._bookmark(element)
                elif tag in _SKIPPED:
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
                    symbol = _symbol(element)
                    if symbol:
                        emit(symbol, False)
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
                    handler = rare.get(tag)
                    if handler is not None and handler(element):
                        walker.skip_subtree()
            else:
                if tag == R or tag == M_R:
                    self.emphasis_accept = self.emphasis_reject = ""
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
                para.accept.append(
                    (text, self.insert_ids[-1] if self.insert_ids else None, self.emphasis_accept)
                )
                if self.comment_open and para.in_accept:
                    for parts in self.comment_open.values():
                        parts.append(text)
            if not self.insert_ids and True not in self.fields_reject:
                para.reject.append(
                    (text, self.delete_ids[-1] if self.delete_ids else None, self.emphasis_reject)
                )
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

    def _bookmark(self, element: etree._Element) -> None:
        name = element.get(W_NAME)
        if not name:
            return
        # A bookmark starting inside deleted (inserted) content exists in one view only.
        in_accept, in_reject = not self.delete_ids, not self.insert_ids
        if self.paras:
            para = self.paras[-1]
            if in_accept:
                para.bookmarks_accept.append(name)
            if in_reject:
                para.bookmarks_reject.append(name)
        else:
            self.pending_bookmarks.append((name, in_accept, in_reject))

    # -- objects, notes and comments (rare: a handler returns True to skip the subtree) ------

    def _where(self) -> tuple[bool, bool]:
        """Whether the point being walked exists in the accepted and the rejected view."""
        if self.paras:
            para = self.paras[-1]
            in_accept, in_reject = para.in_accept, para.in_reject
        else:
            in_accept, in_reject = not self.rows_dropped_accept, not self.rows_dropped_reject
        return (
            self.presence[0] and in_accept and not self.delete_ids,
            self.presence[1] and in_reject and not self.insert_ids,
        )

    def _drawing(self, element: etree._Element) -> bool:
        _, chart, name, boxes, count = _inspect_object(element)
        if chart:
            token = "[chart]"
        elif boxes:
            token = "[text box]"
        else:
            token = f"[image: {name}]" if name else "[image]"
        self._emit(token, False)
        self._text_boxes(boxes, count)
        return True

    def _pict(self, element: etree._Element) -> bool:
        image, _, name, boxes, count = _inspect_object(element)
        if boxes:
            self._emit("[text box]", False)
        elif image:
            self._emit(f"[image: {name}]" if name else "[image]", False)
        self._text_boxes(boxes, count)
        return True

    def _object(self, element: etree._Element) -> bool:
        self._emit("[object]", False)
        self.next_index += _count_paragraphs(element)
        return True

    def _choice(self, element: etree._Element) -> bool:
        """The first mc:Choice is read like any content; later ones duplicate it."""
        parent = element.getparent()
        if parent is not None and parent.find(MC_CHOICE) is element:
            return False
        return self._skip_counted(element)

    def _skip_counted(self, element: etree._Element) -> bool:
        # Keep ``paragraph`` equal to the position in part_root.iter(w:p).
        self.next_index += _count_paragraphs(element)
        return True

    def _text_boxes(self, boxes: list[tuple[etree._Element, int]], count: int) -> None:
        start = self.next_index
        if boxes:
            where = self._where()
            anchor = self._anchor() if self.body else None
            for content, offset in boxes:
                box = TextBox(self.part, anchor, present_in(*where))
                self.found.text_boxes.append(box)  # before walking: nested boxes come after
                walker = StoryWalker(self.part, self.revisions, self.found, body=self.body,
                                     start=start + offset, presence=where, nested=True)  # fmt: skip
                box.accepted, box.rejected = walker.walk(content)
        self.next_index = start + count

    def _note_reference(self, element: etree._Element) -> bool:
        kind = "footnote" if element.tag == FOOTNOTE_REFERENCE else "endnote"
        self._emit(f"[{kind}]", False)
        if self.body:
            self.found.note_refs.append((kind, element.get(W_ID, ""), self._anchor(),
                                         *self._where()))  # fmt: skip
        return True

    def _comment_start(self, element: etree._Element) -> bool:
        if self.body:
            comment = element.get(W_ID, "")
            self.found.comment_starts.setdefault(comment, (self._anchor(), *self._where()))
            self.comment_open[comment] = self.found.comment_texts.setdefault(comment, [])
        return True

    def _comment_end(self, element: etree._Element) -> bool:
        self.comment_open.pop(element.get(W_ID, ""), None)
        return True

    def _comment_reference(self, element: etree._Element) -> bool:
        if self.body:
            comment = element.get(W_ID, "")
            self.found.comment_refs.setdefault(comment, (self._anchor(), *self._where()))
        return True

    # -- paragraphs and tables --------------------------------------------------------------

    def _start_paragraph(self, element: etree._Element) -> None:
        para = _Para(element, self.next_index, self.tables)
        self.next_index += 1
        para.in_accept = self.rows_dropped_accept == 0
        para.in_reject = self.rows_dropped_reject == 0
        if self.pending_bookmarks:
            for name, in_accept, in_reject in self.pending_bookmarks:
                if in_accept:
                    para.bookmarks_accept.append(name)
                if in_reject:
                    para.bookmarks_reject.append(name)
            self.pending_bookmarks = []
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
            self.accept.place(para, para.accept, para.bookmarks_accept, para.drop_mark_accept)
            if self.comment_open and not para.drop_mark_accept:
                for parts in self.comment_open.values():
                    parts.append("\n")
        if para.in_reject:
            self.reject.place(para, para.reject, para.bookmarks_reject, para.drop_mark_reject)
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
        in_run = parent is not None and (parent.tag == R or parent.tag == M_R)
        flags: list[str] = []
        change = None
        for child in rpr:
            tag = child.tag
            flag = _EMPHASIS.get(tag)
            if flag is not None:
                if child.get(W_VAL) not in _OFF:
                    flags.append(flag)
            elif tag == RPR_CHANGE:
                change = child
                if in_run:
                    self._open_revision(parent, child, "format", None)  # text = the run's text
                else:
                    self._record(child, "format", self._anchor())
            elif tag in _RUN_REVISION_KIND:  # math control characters (CT_MathCtrlIns/Del)
                self._record(child, _RUN_REVISION_KIND[tag], self._anchor())
        if in_run:
            self.emphasis_accept = _signature(flags) if flags else ""
            if change is None:
                self.emphasis_reject = self.emphasis_accept
            else:  # the inner w:rPr is the run's complete former formatting
                old = change.find(RPR)
                self.emphasis_reject = _emphasis(old) if old is not None else ""

    def _property_revisions(self, container: etree._Element, anchor: int | None = None) -> None:
        if container.tag == SECTPR and self.body and not self.nested:
            self.found.sections.append(container)
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


def _signature(flags: list[str]) -> str:
    if len(flags) > 1:
        flags = sorted(set(flags), key=_EMPHASIS_ORDER.__getitem__)
    return "+".join(flags)


def _emphasis(rpr: etree._Element) -> str:
    flags = [
        _EMPHASIS[child.tag]
        for child in rpr
        if child.tag in _EMPHASIS and child.get(W_VAL) not in _OFF
    ]
    return _signature(flags) if flags else ""


def _count_paragraphs(element: etree._Element) -> int:
    return sum(1 for _ in element.iter(P))


def _inspect_object(element: etree._Element) -> tuple[bool, bool, str, list, int]:
    """(has a picture, has a chart, alt text, [(txbxContent, w:p offset)], w:p count).

    One look at a drawing's or VML picture's own subtree; Fallback copies and later Choices
    are only counted, and a text box's content is left to a nested walker.
    """
    image = chart = False
    name = ""
    boxes: list[tuple[etree._Element, int]] = []
    count = 0
    walker = etree.iterwalk(element, events=("start",))
    for _, node in walker:
        tag = node.tag
        if tag == P:
            count += 1
        elif tag == TXBX_CONTENT:
            boxes.append((node, count))
            count += _count_paragraphs(node)
            walker.skip_subtree()
        elif tag == MC_FALLBACK or (
            tag == MC_CHOICE and node.getparent().find(MC_CHOICE) is not node
        ):
            count += _count_paragraphs(node)
            walker.skip_subtree()
        elif tag == _WP + "docPr":
            name = name or node.get("descr") or node.get("title") or node.get("name") or ""
        elif tag == _C + "chart":
            chart = True
        elif tag == _PIC + "pic" or tag == _A + "blip":
            image = True
        elif tag == _V + "imagedata":
            image = True
            name = name or node.get(_O + "title") or ""
        elif tag == _V + "shape":
            name = name or node.get("alt") or ""
    return image, chart, _one_line(name), boxes, count


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NAME_LIMIT else text[: _NAME_LIMIT - 1] + "\u2026"


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
                    level = decimal(item.get(W_VAL))
            if num_id is not None and level is None:
                level = 0  # an absent w:ilvl means level 0
    return style, num_id, level


def _symbol(element: etree._Element) -> str:
    """The character of a ``w:sym``; "" for anything that is not a printable code point."""
    code = element.get(W_CHAR, "")
    if not re.fullmatch(r"[0-9A-Fa-f]{1,6}", code):
        return ""
    value = int(code, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or value < 0x20 or 0x7F <= value < 0xA0:
        return ""
    return chr(value)
