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
from collections.abc import Callable

from lxml import etree

from dsagen.ooxml import W
from dsagen.read.inline import (
    ObjectFacts,
    count_paragraphs,
    decimal,
    emphasis,
    flag_of,
    inspect_object,
    signature,
    symbol,
)
from dsagen.read.model import Revision, ViewParagraph
from dsagen.read.tags import (
    BOOKMARK_START,
    BR,
    COMMENT_RANGE_END,
    COMMENT_RANGE_START,
    COMMENT_REFERENCE,
    CR,
    DEL,
    DEL_INSTR_TEXT,
    DEL_TEXT,
    DRAWING,
    ENDNOTE_REFERENCE,
    FLD_CHAR,
    FOOTNOTE_REFERENCE,
    HYPERLINK,
    ILVL,
    INS,
    INSTR_TEXT,
    M_R,
    M_T,
    MC_CHOICE,
    MC_FALLBACK,
    MOVE_FROM,
    MOVE_FROM_RANGE_END,
    MOVE_FROM_RANGE_START,
    MOVE_TO,
    MOVE_TO_RANGE_END,
    MOVE_TO_RANGE_START,
    NO_BREAK_HYPHEN,
    NUM_ID,
    NUMBERING_CHANGE,
    NUMPR,
    OBJECT,
    PICT,
    PPR,
    PPR_CHANGE,
    PSTYLE,
    PTAB,
    R_ID,
    RPR,
    RPR_CHANGE,
    RSTYLE,
    SECTPR,
    SOFT_HYPHEN,
    SYM,
    TAB,
    TBL,
    TC,
    TR,
    TRPR,
    W_ANCHOR,
    W_AUTHOR,
    W_DATE,
    W_FLD_CHAR_TYPE,
    W_ID,
    W_NAME,
    W_VAL,
    P,
    R,
    T,
)
from dsagen.read.views import NO_PROPS, Para, Props, View

_RUN_REVISION_KIND = {INS: "insert", DEL: "delete", MOVE_FROM: "move_from", MOVE_TO: "move_to"}
_MARK_REVISION_KIND = {
    INS: "paragraph_insert",
    MOVE_TO: "paragraph_insert",
    DEL: "paragraph_delete",
    MOVE_FROM: "paragraph_delete",
}
# Revision elements that live inside property containers and carry no text of their own.
_PROPERTY_REVISION_KIND = {
    W + "trPrChange": "table_format",
    W + "tcPrChange": "table_format",
    W + "tblPrChange": "table_format",
    W + "tblPrExChange": "table_format",
    W + "tblGridChange": "table_format",
    W + "sectPrChange": "section_format",
    W + "cellIns": "cell_insert",
    W + "cellDel": "cell_delete",
    W + "cellMerge": "cell_merge",
    PPR_CHANGE: "paragraph_format",
    NUMBERING_CHANGE: "paragraph_format",
}
_PROPERTY_CONTAINERS = frozenset({W + "tcPr", W + "tblPr", W + "tblPrEx", W + "tblGrid", SECTPR})
# Subtrees that hold properties or instructions, never document text.
_SKIPPED = frozenset(
    {
        W + "sdtPr",
        W + "sdtEndPr",
        W + "customXmlPr",
        W + "smartTagPr",
        W + "rt",  # ruby guide text; the base text is kept
        W + "fldData",
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


class TextBox:
    """A text box found while walking, with its own views."""

    __slots__ = ("accepted", "anchor", "part", "present", "rejected")

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
        # (part, relationship ids) -> short digest of what they point to; set by read_docx.
        self.fingerprint: Callable[[str, list[str]], str] = lambda part, targets: ""
        # (part, relationship id) -> where a hyperlink leads (an external URL); set by read_docx.
        self.link_target: Callable[[str, str], str] = lambda part, rel_id: ""
        # style id -> the hiding flags it sets (style_hiding); set by read_docx.
        self.style_hiding: dict[str, str] = {}


def present_in(accepted: bool, rejected: bool) -> str:
    if accepted == rejected:
        return "both"
    return "accepted" if accepted else "rejected"


class _Open:
    """A revision whose text is still being collected until ``closer`` ends."""

    __slots__ = ("closer", "element", "kind", "move_name", "paragraph", "parts", "slot")

    def __init__(self, slot: int, closer: etree._Element, element: etree._Element, kind: str,
                 paragraph: int, move_name: str | None) -> None:  # fmt: skip
        self.slot, self.closer, self.element, self.kind = slot, closer, element, kind
        self.paragraph, self.move_name = paragraph, move_name
        self.parts: list[str] = []


# A field whose result is computed from a bookmark (a cross-reference) and the bookmark it
# names; LibreOffice's "_Copy_N" on a pasted bookmark is not part of the name.
_REFERENCE_FIELD = re.compile(
    r"\s*(?:REF|PAGEREF|NOTEREF)\s+(\S+?)(?:_Copy_\d+)?(?:\s|$)", re.IGNORECASE
)


def _with_style(emphasis: str, paragraph_style: str | None) -> str:
    """A run's emphasis with what its paragraph's style hides (hidden, white, tiny)."""
    if not paragraph_style:
        return emphasis
    return signature(
        sorted(set(filter(None, emphasis.split("+"))) | set(paragraph_style.split("+")))
    )


def _with_targets(
    emphasis: str, links: list[str], fields: list[bool], instructions: list[str]
) -> str:
    """The format signature of emitted text: its emphasis, then where a link leads
    (``link=``) and which bookmark a cross-reference's result shows (``ref=``)."""
    flags = [emphasis] if emphasis else []
    if links:  # where a link leads belongs to what the words say
        flags.append("link=" + links[-1])
    if fields and fields[-1] is False and instructions:
        match = _REFERENCE_FIELD.match(instructions[-1])
        if match:
            flags.append("ref=" + match.group(1))
    return "+".join(flags)


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
        self.accept = View(part, rejected=False)
        self.reject = View(part, rejected=True)
        self.paras: list[Para] = []
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
        self.instructions_accept: list[str] = []  # field code of each open field, per view
        self.instructions_reject: list[str] = []
        self.pending_bookmarks: list[tuple[str, bool, bool]] = []
        self.move_from_ranges: dict[str, str] = {}
        self.move_to_ranges: dict[str, str] = {}
        # Direct emphasis of the run being walked, per view (w:rPrChange holds the old one).
        self.emphasis_accept = self.emphasis_reject = ""
        self.links: list[str] = []  # targets of the enclosing w:hyperlink elements
        self.comment_open: dict[str, list[str]] = {}
        self.rare = {
            DRAWING: self._drawing,
            PICT: self._pict,
            OBJECT: self._object,
            MC_CHOICE: self._choice,
            MC_FALLBACK: self._skip_counted,
            HYPERLINK: self._hyperlink,
            FOOTNOTE_REFERENCE: self._note_reference,
            ENDNOTE_REFERENCE: self._note_reference,
            COMMENT_RANGE_START: self._comment_start,
            COMMENT_RANGE_END: self._comment_end,
            COMMENT_REFERENCE: self._comment_reference,
        }

    def walk(self, root: etree._Element) -> tuple[list[ViewParagraph], list[ViewParagraph]]:
        """Both views of every paragraph under ROOT. Text, runs and characters (most of the
        elements) are handled inline; every other tag through its handler, which returns True
        when the subtree holds nothing more to read."""
        walker = etree.iterwalk(root, events=("start", "end"))
        emit = self._emit
        starts, ends = self._start_handlers(), self._end_handlers()
        for event, element in walker:
            tag = element.tag
            if event == "end":
                finish = ends.get(tag)
                if finish is not None:
                    finish(element)
            elif tag == T or tag == M_T:
                if element.text:
                    emit(element.text, False)
            elif tag in _CHARACTERS:
                emit(_CHARACTERS[tag], False)
            elif tag != R:
                handler = starts.get(tag)
                if handler is not None and handler(element):
                    walker.skip_subtree()
        self.accept.flush()
        self.reject.flush()
        return self.accept.paragraphs, self.reject.paragraphs

    def _start_handlers(self) -> dict[str, Callable[[etree._Element], bool]]:
        handlers: dict[str, Callable[[etree._Element], bool]] = dict(self.rare)
        handlers.update(dict.fromkeys(_PROPERTY_REVISION_KIND, self._property_revision))
        handlers.update(
            {
                MOVE_FROM_RANGE_START: self._move_range,
                MOVE_TO_RANGE_START: self._move_range,
                MOVE_FROM_RANGE_END: self._move_range,
                MOVE_TO_RANGE_END: self._move_range,
                SYM: self._symbol,
            }
        )
        handlers.update(dict.fromkeys(_PROPERTY_CONTAINERS, self._property_container))
        handlers.update({TBL: self._start_table, TC: self._start_cell, TR: self._row_start})
        handlers.update(dict.fromkeys(_SKIPPED, _skip))
        handlers.update(
            {
                INSTR_TEXT: self._instruction_text,
                DEL_INSTR_TEXT: self._instruction_text,
                BOOKMARK_START: self._bookmark_start,
                FLD_CHAR: self._field_char_start,
                PPR: self._paragraph_properties_start,
                P: self._paragraph_start,
            }
        )
        handlers.update(dict.fromkeys(_RUN_REVISION_KIND, self._run_revision_start))
        handlers.update({RPR: self._run_properties_start, DEL_TEXT: self._deleted_text})
        return handlers

    def _end_handlers(self) -> dict[str, Callable[[etree._Element], None]]:
        handlers: dict[str, Callable[[etree._Element], None]] = {
            R: self._run_end,
            M_R: self._run_end,
            P: self._paragraph_end,
            HYPERLINK: self._hyperlink_end,
            TR: self._row_end,
            TBL: self._table_end,
        }
        handlers.update(dict.fromkeys(_RUN_REVISION_KIND, self._run_revision_end))
        return handlers

    # -- handlers of the walk: True skips the element's subtree -----------------------------

    def _deleted_text(self, element: etree._Element) -> bool:
        if element.text:
            self._emit(element.text, True)
        return False

    def _run_properties_start(self, element: etree._Element) -> bool:
        self._run_properties(element)
        return True

    def _run_revision_start(self, element: etree._Element) -> bool:
        self._open_run_revision(element, element.tag)
        return False

    def _paragraph_start(self, element: etree._Element) -> bool:
        self._start_paragraph(element)
        return False

    def _paragraph_properties_start(self, element: etree._Element) -> bool:
        if self.paras and element.getparent() is self.paras[-1].element:
            self._paragraph_properties(element, self.paras[-1])
        return True

    def _field_char_start(self, element: etree._Element) -> bool:
        self._field_char(element)
        return True

    def _bookmark_start(self, element: etree._Element) -> bool:
        self._bookmark(element)
        return False

    def _instruction_text(self, element: etree._Element) -> bool:
        self._instruction(element, deleted=element.tag == DEL_INSTR_TEXT)
        return True

    def _row_start(self, element: etree._Element) -> bool:
        self._start_row(element)
        return False

    def _start_cell(self, element: etree._Element) -> bool:
        if self.tables:
            self.tables[-1][2] += 1
        return False

    def _start_table(self, element: etree._Element) -> bool:
        self.tables.append([self.table_count, -1, -1, 0, 0])
        self.table_count += 1
        return False

    def _property_container(self, element: etree._Element) -> bool:
        self._property_revisions(element)
        return True

    def _symbol(self, element: etree._Element) -> bool:
        character = symbol(element)
        if character:
            self._emit(character, False)
        return False

    def _move_range(self, element: etree._Element) -> bool:
        tag = element.tag
        ranges = (
            self.move_from_ranges
            if tag in (MOVE_FROM_RANGE_START, MOVE_FROM_RANGE_END)
            else self.move_to_ranges
        )
        if tag in (MOVE_FROM_RANGE_START, MOVE_TO_RANGE_START):
            ranges[element.get(W_ID, "")] = element.get(W_NAME, "")
        else:
            ranges.pop(element.get(W_ID, ""), None)
        return False

    def _property_revision(self, element: etree._Element) -> bool:
        self._record(element, _PROPERTY_REVISION_KIND[element.tag], self._anchor())
        return True

    def _run_end(self, element: etree._Element) -> None:
        self.emphasis_accept = self.emphasis_reject = ""
        self._close(element)

    def _run_revision_end(self, element: etree._Element) -> None:
        (self.insert_ids if element.tag in (INS, MOVE_TO) else self.delete_ids).pop()
        self._close(element)

    def _paragraph_end(self, element: etree._Element) -> None:
        if self.paras and self.paras[-1].element is element:
            self._finish_paragraph(self.paras.pop())

    def _hyperlink_end(self, element: etree._Element) -> None:
        if self.links:
            self.links.pop()

    def _row_end(self, element: etree._Element) -> None:
        self._close(element)
        if self.tables:
            self.rows_dropped_accept -= self.tables[-1][3]
            self.rows_dropped_reject -= self.tables[-1][4]
            self.tables[-1][3] = self.tables[-1][4] = 0

    def _table_end(self, element: etree._Element) -> None:
        if self.tables:
            self.tables.pop()

    # -- text -------------------------------------------------------------------------------

    def _emit(self, text: str, deleted_text: bool) -> None:
        if self.paras:
            para = self.paras[-1]
            hiding = self.found.style_hiding
            accept_format = _with_targets(
                _with_style(self.emphasis_accept, hiding.get(para.props_accept[0] or "")),
                self.links,
                self.fields_accept,
                self.instructions_accept,
            )
            reject_format = _with_targets(
                _with_style(self.emphasis_reject, hiding.get(para.props_reject[0] or "")),
                self.links,
                self.fields_reject,
                self.instructions_reject,
            )
            if not self.delete_ids and not deleted_text and True not in self.fields_accept:
                para.accept.append(
                    (text, self.insert_ids[-1] if self.insert_ids else None, accept_format)
                )
                if self.comment_open and para.in_accept:
                    for parts in self.comment_open.values():
                        parts.append(text)
            if not self.insert_ids and True not in self.fields_reject:
                para.reject.append(
                    (text, self.delete_ids[-1] if self.delete_ids else None, reject_format)
                )
        for revision in self.open:
            revision.parts.append(text)

    def _field_char(self, element: etree._Element) -> None:
        kind = element.get(W_FLD_CHAR_TYPE)
        views = []
        if not self.delete_ids:
            views.append((self.fields_accept, self.instructions_accept))
        if not self.insert_ids:
            views.append((self.fields_reject, self.instructions_reject))
        for fields, instructions in views:
            if kind == "begin":
                fields.append(True)
                instructions.append("")
            elif kind == "separate" and fields:
                fields[-1] = False
            elif kind == "end" and fields:
                fields.pop()
                instructions.pop()
        for child in element:
            if child.tag == NUMBERING_CHANGE:
                self._record(child, "paragraph_format", self._anchor())

    def _instruction(self, element: etree._Element, *, deleted: bool) -> None:
        """Field code text, kept per view only to know what a field's result refers to."""
        text = element.text or ""
        if not self.delete_ids and not deleted and self.fields_accept and self.fields_accept[-1]:
            self.instructions_accept[-1] += text
        if not self.insert_ids and self.fields_reject and self.fields_reject[-1]:
            self.instructions_reject[-1] += text

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
        facts = inspect_object(element)
        if facts.chart:
            token = self._token("chart", facts)
        elif facts.boxes:
            token = "[text box]"
        else:
            token = self._token("image", facts)
        self._emit(token, False)
        self._text_boxes(facts.boxes, facts.count)
        return True

    def _hyperlink(self, element: etree._Element) -> bool:
        """Open a link (closed at its end event): its target, external or a bookmark."""
        rel_id = element.get(R_ID)
        target = self.found.link_target(self.part, rel_id) if rel_id else ""
        anchor = element.get(W_ANCHOR)
        self.links.append(target + (f"#{anchor}" if anchor else "") or "?")
        return False

    def _pict(self, element: etree._Element) -> bool:
        facts = inspect_object(element)
        if facts.boxes:
            self._emit("[text box]", False)
        elif facts.image:
            self._emit(self._token("image", facts), False)
        self._text_boxes(facts.boxes, facts.count)
        return True

    def _token(self, kind: str, facts: ObjectFacts) -> str:
        """`[image 3fa2c1: alt text]`: the short fingerprint of the picture's bytes makes an
        image replaced by another (same size, same generated name) a change like any word."""
        print_ = self.found.fingerprint(self.part, facts.targets) if facts.targets else ""
        label = f"{kind} {print_}" if print_ else kind
        return f"[{label}: {facts.name}]" if facts.name else f"[{label}]"

    def _object(self, element: etree._Element) -> bool:
        self._emit("[object]", False)
        self.next_index += count_paragraphs(element)
        return True

    def _choice(self, element: etree._Element) -> bool:
        """The first mc:Choice is read like any content; later ones duplicate it."""
        parent = element.getparent()
        if parent is not None and parent.find(MC_CHOICE) is element:
            return False
        return self._skip_counted(element)

    def _skip_counted(self, element: etree._Element) -> bool:
        # Keep ``paragraph`` equal to the position in part_root.iter(w:p).
        self.next_index += count_paragraphs(element)
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
        para = Para(element, self.next_index, self.tables)
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

    def _paragraph_properties(self, ppr: etree._Element, para: Para) -> None:
        para.props_accept = para.props_reject = _numbering_and_style(ppr)
        for child in ppr:
            tag = child.tag
            if tag == NUMPR:
                self._numbering_revisions(child, para)
            elif tag == RPR:  # the paragraph mark's run properties (§17.13.5.15/.18)
                self._mark_revisions(child, para)
            elif tag == SECTPR:
                self._property_revisions(child, para.index)
            elif tag == PPR_CHANGE:
                # The inner w:pPr is the complete former CT_PPrBase: what it lacks was absent.
                old = child.find(PPR)
                para.props_reject = _numbering_and_style(old) if old is not None else NO_PROPS
                self._record(child, "paragraph_format", para.index)

    def _numbering_revisions(self, numpr: etree._Element, para: Para) -> None:
        for item in numpr:
            if item.tag == INS:  # inserted numbering properties (§17.13.5.19)
                para.props_reject = (para.props_reject[0], None, None)
                self._record(item, "paragraph_format", para.index)
            elif item.tag == NUMBERING_CHANGE:
                self._record(item, "paragraph_format", para.index)

    def _mark_revisions(self, rpr: etree._Element, para: Para) -> None:
        for mark in rpr:
            if mark.tag in _MARK_REVISION_KIND:
                if mark.tag in (DEL, MOVE_FROM):
                    para.drop_mark_accept = True
                else:
                    para.drop_mark_reject = True
                self.revisions.append(None)  # slot; filled when the paragraph ends
                para.mark_revisions.append((len(self.revisions) - 1, mark))
            elif mark.tag == RPR_CHANGE:
                self._record(mark, "format", para.index)

    def _finish_paragraph(self, para: Para) -> None:
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
            flag = flag_of(child)
            if flag is not None:
                flags.append(flag)
            elif tag == RSTYLE:  # a character style that hides words hides them all the same
                hiding = self.found.style_hiding.get(child.get(W_VAL, ""))
                if hiding:
                    flags += hiding.split("+")
            elif tag == RPR_CHANGE:
                change = child
                if in_run:
                    self._open_revision(parent, child, "format", None)  # text = the run's text
                else:
                    self._record(child, "format", self._anchor())
            elif tag in _RUN_REVISION_KIND:  # math control characters (CT_MathCtrlIns/Del)
                self._record(child, _RUN_REVISION_KIND[tag], self._anchor())
        if in_run:
            self.emphasis_accept = signature(flags) if flags else ""
            if change is None:
                self.emphasis_reject = self.emphasis_accept
            else:  # the inner w:rPr is the run's complete former formatting
                old = change.find(RPR)
                self.emphasis_reject = emphasis(old) if old is not None else ""

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


def _numbering_and_style(ppr: etree._Element) -> Props:
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


def _skip(element: etree._Element) -> bool:
    """Properties and instructions: nothing in the subtree is document text."""
    return True
