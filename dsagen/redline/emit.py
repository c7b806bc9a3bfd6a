"""Rebuild a paragraph's content from atoms, each with what the redline does to it.

Equal atoms are written back as they were (with w:rPrChange when only their formatting
changed); atoms of the negotiated missing from the standard go into our w:ins; atoms of the
standard missing from the negotiated are cloned from the STANDARD's runs into our w:del
(w:t -> w:delText, w:instrText -> w:delInstrText; ECMA-376 §17.13.5.14, §17.3.3.7). Containers
(hyperlinks, content controls, the partner's own revisions) are re-created around the atoms that
were in them; our revision elements are the innermost wrapper, so a hyperlink or a partner's
w:ins is never split by our markup more than necessary. One exception: text we mark inserted
(or moved here) that the partner then deleted with tracking. The edits happened in that order,
and Word writes text inserted by one author and deleted by another as the insertion outside,
the deletion inside (§4.2, RP047); the other nesting reads, in LibreOffice's accept-all, as the
deleted text coming back. So our w:ins/w:moveTo goes just outside the partner's first
w:del/w:moveFrom around the atom.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from ..ooxml import W
from .atoms import BLOCK, CHAR, CLOSE, ELEMENT, MARKER, OPEN, RUNS, Atom, Side
from .ooxml import (
    BOOKMARK_END,
    BOOKMARK_START,
    DEL_INSTR,
    DEL_TEXT,
    DELETED,
    ENDNOTE_REF,
    FLD_CHAR,
    FLD_SIMPLE,
    FOOTNOTE_REF,
    FRAME_PROPERTIES,
    INSTR,
    MOVE_TO,
    PPR,
    REVISIONS,
    RPR,
    RPR_CHANGE,
    RUN,
    SDT,
    SDT_CONTENT,
    W_AUTHOR,
    W_DATE,
    W_ID,
    W_NAME,
    P,
    T,
    mark_kind,
    paragraph_rpr,
    place_mark,
    set_text,
)
from .package import OutputPackage

KEEP, EQUAL, INS, DELETE, MOVE_FROM, MOVE_DEST, MOVE_DEST_DEL, DELETE_OWN = (
    "keep",
    "equal",
    "ins",
    "del",
    "moveFrom",
    "moveTo",
    "moveToDel",
    "delOwn",
)
#: Our revision wrappers per operation, outermost first. Text deleted inside a moved
#: destination is nested in the move so that rejecting the move removes it too (§4.2).
WRAPPERS: dict[str, tuple[str, ...]] = {
    KEEP: (),
    EQUAL: (),
    INS: ("ins",),
    DELETE: ("del",),
    MOVE_FROM: ("moveFrom",),
    MOVE_DEST: ("moveTo",),
    MOVE_DEST_DEL: ("moveTo", "del"),
    DELETE_OWN: ("del",),  # the negotiated's own text, deleted where it is re-emitted
}
STANDARD_OPS = frozenset({DELETE, MOVE_FROM, MOVE_DEST_DEL})
#: Our wrappers that must enclose a partner's deletion of the same text (see the docstring).
_ADDING = frozenset({("ins",), ("moveTo",)})
_COMMENT_MARKERS = frozenset(
    {W + "commentRangeStart", W + "commentRangeEnd", W + "commentReference"}
)
_DRAWING_ID = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
TXBX_CONTENT = W + "txbxContent"


@dataclass(slots=True)
class Item:
    """An atom and what to do with it; `standard` is the equal standard atom, if any."""

    atom: Atom
    op: str
    standard: Atom | None = None


@dataclass(slots=True)
class _Frame:
    source: etree._Element
    output: etree._Element  # where children go (w:sdtContent for a content control)
    negotiated: bool
    finished: bool = False


@dataclass
class Stamp:
    author: str
    date: str


@dataclass
class StoryContext:
    """What the emitter needs to know about one pair of story parts."""

    out: OutputPackage
    standard_part: str
    negotiated_part: str
    standard_side: Side
    negotiated_side: Side
    stamp: Stamp
    copy_note: Callable[[str, str], str]  # (footnoteReference|endnoteReference, std id) -> id
    bookmark_names: set[str] = field(default_factory=set)
    bookmark_ids: dict[str, str] = field(default_factory=dict)
    # bookmark held by the partner's text -> its twin on the standard's restored copy
    twins: dict[str, str] = field(default_factory=dict)
    frame_map: dict[etree._Element, etree._Element] = field(default_factory=dict)
    opened: set[etree._Element] = field(default_factory=set)

    def revision(self, parent: etree._Element, tag: str) -> etree._Element:
        """A revision element of ours (id from the one counter, author, date)."""
        element = etree.SubElement(parent, tag)
        element.set(W_ID, self.out.new_id())
        element.set(W_AUTHOR, self.stamp.author)
        element.set(W_DATE, self.stamp.date)
        return element

    def mark_paragraph(self, paragraph: etree._Element, tag: str) -> None:
        """Paragraph-mark revision, first child of w:pPr/w:rPr (§17.13.5.15, §4.3)."""
        rpr = paragraph_rpr(paragraph)
        mark = self.revision(rpr, tag)
        if not place_mark(rpr, mark):
            rpr.insert(0, mark)

    def adopt(self, clone: etree._Element) -> etree._Element | None:
        """Make a subtree cloned from the standard valid in the output: relationships
        imported, bookmarks renumbered (twinned when the negotiated has one of that name),
        comment anchors dropped (the partner's comments are the ones carried, and a standard
        comment they orphaned), notes copied.
        Returns None when the clone itself is dropped."""
        self.out.import_references(clone, self.standard_part, self.negotiated_part)
        for node in list(clone.iter()):
            if not self._adopt_node(node):
                if node is clone:
                    return None
                parent = node.getparent()
                if parent is not None:
                    parent.remove(node)
        return clone

    def _adopt_node(self, node: etree._Element) -> bool:
        """Fix one node of a standard clone; False when it must be dropped."""
        tag = node.tag
        if tag == BOOKMARK_START:
            name = node.get(W_NAME, "")
            if name in self.bookmark_names:
                # The partner's text holds this name: the restored copy gets a twin, and
                # cross-references are split per view (references.py).
                twin = self.twins.get(name) or twin_name(name, self.bookmark_names)
                self.twins[name] = twin
                node.set(W_NAME, twin)
                name = twin
            self.bookmark_names.add(name)
            new = self.bookmark_ids[node.get(W_ID, "")] = self.out.new_id()
            node.set(W_ID, new)
        elif tag == BOOKMARK_END:
            new_id = self.bookmark_ids.pop(node.get(W_ID, ""), None)
            if new_id is None:
                return False
            node.set(W_ID, new_id)
        elif tag in _COMMENT_MARKERS:
            # The partner's comments are the ones carried; a standard comment they orphaned
            # comes back as a point reference with its restored text (no range to unbalance).
            return tag == W + "commentReference" and self.out.take_orphaned_comment(
                node.get(W_ID, "")
            )
        elif tag in (FOOTNOTE_REF, ENDNOTE_REF):
            node.set(W_ID, self.copy_note(etree.QName(tag).localname, node.get(W_ID, "")))
        elif tag == _DRAWING_ID:
            node.set("id", self.out.new_id())
        elif isinstance(tag, str) and W_ID in node.attrib:
            node.set(W_ID, self.out.new_id())
        return True


def twin_name(name: str, taken: set[str]) -> str:
    """A bookmark name for the standard's copy of a paragraph whose bookmark the partner's
    text already holds (LibreOffice's spelling for a pasted bookmark)."""
    number = 1
    while f"{name}_Copy_{number}" in taken:
        number += 1
    return f"{name}_Copy_{number}"


def as_deleted(element: etree._Element) -> etree._Element:
    """Deleted content spells its text w:delText and field codes w:delInstrText (§4.2)."""
    for node in element.iter(T, INSTR):
        node.tag = DEL_TEXT if node.tag == T else DEL_INSTR
    return element


class ParagraphBuilder:
    """Writes items into one output w:p (its w:pPr kept, everything else rebuilt)."""

    def __init__(self, story: StoryContext, paragraph: etree._Element) -> None:
        self.story = story
        self.paragraph = paragraph
        self.stack: list[_Frame] = []
        self.wrapper: (
            tuple[etree._Element, tuple[str, ...], etree._Element, etree._Element] | None
        ) = None
        self.run: tuple[etree._Element, object, etree._Element] | None = None
        # Stand-ins for our wrappers when they sit in the frame stack, around a partner's
        # deletion (one per wrapper kind; leaving the stack closes our revision element).
        self.ours: dict[tuple[str, ...], etree._Element] = {}
        ppr = paragraph.find(PPR)
        for child in list(paragraph):
            if child is not ppr:
                paragraph.remove(child)

    # -- frames -------------------------------------------------------------------------------
    def _top(self) -> etree._Element:
        return self.stack[-1].output if self.stack else self.paragraph

    def _desired(
        self, atom: Atom, standard: bool, ours: etree._Element | None = None
    ) -> list[etree._Element]:
        if not standard:
            frames = list(atom.frames)
            if ours is not None:
                split = next(i for i, f in enumerate(frames) if f.tag in DELETED)
                frames.insert(split, ours)
            elif atom.kind == MARKER:
                # A bookmark between two pieces of our insertion stays inside it.
                sources = [frame.source for frame in self.stack]
                if [s for s in sources if s not in self.ours.values()] == frames:
                    return sources
            return frames
        desired: list[etree._Element] = []
        for frame in self.stack:
            structural = (
                frame.negotiated and not frame.finished and (frame.source.tag not in REVISIONS)
            )
            if structural or (not frame.negotiated and frame.source in atom.frames):
                desired.append(frame.source)
            else:
                break
        for source in atom.frames:
            if source not in self.story.frame_map and source not in desired:
                desired.append(source)
        return desired

    def _enter(
        self, atom: Atom, standard: bool, ours: etree._Element | None = None
    ) -> etree._Element:
        desired = self._desired(atom, standard, ours)
        common = 0
        while (
            common < len(self.stack)
            and common < len(desired)
            and self.stack[common].source is desired[common]
        ):
            common += 1
        del self.stack[common:]
        for source in desired[common:]:
            self._open(source, negotiated=not standard)
        return self._top()

    def _open(self, source: etree._Element, negotiated: bool) -> None:
        tags = next((t for t, s in self.ours.items() if s is source), None)
        if tags is not None:
            self.stack.append(_Frame(source, self._wrapped(self._top(), tags), negotiated))
            return
        clone = etree.SubElement(self._top(), source.tag, attrib=dict(source.attrib))
        if not negotiated:
            self.story.out.import_references(
                clone, self.story.standard_part, self.story.negotiated_part
            )
        if source.tag in REVISIONS and source in self.story.opened:
            clone.set(W_ID, self.story.out.new_id())  # a partner's revision split in two
        self.story.opened.add(source)
        for child in source:
            if child.tag in FRAME_PROPERTIES:
                clone.append(copy.deepcopy(child))
        inner = etree.SubElement(clone, SDT_CONTENT) if source.tag == SDT else clone
        self.stack.append(_Frame(source, inner, negotiated))

    # -- wrappers and runs --------------------------------------------------------------------
    def _wrapped(self, target: etree._Element, tags: tuple[str, ...]) -> etree._Element:
        if not tags:
            return target
        wrapper = self.wrapper
        if (
            wrapper is not None
            and wrapper[0] is target
            and wrapper[1] == tags
            and len(target)
            and target[-1] is wrapper[2]
        ):
            return wrapper[3]
        outer = inner = self.story.revision(target, W + tags[0])
        for tag in tags[1:]:
            inner = self.story.revision(inner, W + tag)
        self.wrapper = (target, tags, outer, inner)
        return inner

    def _run(
        self, container: etree._Element, atom: Atom, change: Atom | None, standard: bool
    ) -> etree._Element:
        fmt = self.story.standard_side.run_format(change.run) if change is not None else None
        key = (atom.run, fmt)
        current = self.run
        if (
            current is not None
            and current[0] is container
            and current[1] == key
            and len(container)
            and container[-1] is current[2]
        ):
            return current[2]
        run = etree.SubElement(container, RUN)
        source = atom.run.find(RPR) if atom.run is not None else None
        if source is not None:
            rpr = copy.deepcopy(source)
            if standard:
                for child in rpr.findall(RPR_CHANGE):
                    rpr.remove(child)
                style = rpr.find(W + "rStyle")
                if style is not None:
                    style.set(
                        W + "val",
                        self.story.negotiated_side.styles.translate(
                            style.get(W + "val", ""), self.story.standard_side.styles
                        ),
                    )
            run.append(rpr)
        if change is not None:
            self._format_change(run, change)
        self.run = (container, key, run)
        return run

    def _format_change(self, run: etree._Element, standard: Atom) -> None:
        """w:rPrChange holding the standard's formatting, last child of w:rPr (§17.13.5.31)."""
        rpr = run.find(RPR)
        if rpr is None:
            rpr = etree.SubElement(run, RPR)
            run.insert(0, rpr)
        change = self.story.revision(rpr, RPR_CHANGE)
        old = etree.SubElement(change, RPR)
        source = standard.run.find(RPR) if standard.run is not None else None
        for child in source if source is not None else ():
            if isinstance(child.tag, str) and child.tag not in (RPR_CHANGE, *REVISIONS):
                old.append(copy.deepcopy(child))
        style = old.find(W + "rStyle")
        if style is not None:  # the output's id for the standard's character style
            style.set(
                W + "val",
                self.story.negotiated_side.styles.translate(
                    style.get(W + "val", ""), self.story.standard_side.styles
                ),
            )

    # -- items --------------------------------------------------------------------------------
    def emit(self, item: Item) -> None:
        atom, op = item.atom, item.op
        standard = op in STANDARD_OPS
        if op == EQUAL and atom.kind == OPEN and item.standard is not None:
            self.story.frame_map[item.standard.node] = atom.node
        if atom.kind == MARKER:
            self._marker(atom, standard, WRAPPERS[op])
            return
        tags = WRAPPERS[op]
        ours = None
        if tags in _ADDING and any(f.tag in DELETED for f in atom.frames):
            ours = self.ours.setdefault(tags, etree.Element(W + tags[0]))
        target = self._enter(atom, standard, ours)
        if ours is not None:
            tags = ()  # our wrapper is in the frame stack, outside the partner's deletion
        if atom.kind == OPEN:
            return
        if atom.kind == CLOSE:
            self._close(atom)
            return
        container = self._wrapped(target, tags)
        deleted = bool(tags) and tags[-1] == "del"
        if atom.kind == CHAR:
            self._char(container, item, standard, deleted)
        elif atom.kind == ELEMENT:
            self._element(container, item, standard, tags)
        else:
            self._whole(container, atom, standard, deleted, bool(tags))

    def _close(self, atom: Atom) -> None:
        """The end of a frame: the open frame it closes takes no more content."""
        for frame in self.stack:
            if frame.source is atom.node or self.story.frame_map.get(atom.node) is frame.source:
                frame.finished = True

    def _element(
        self, container: etree._Element, item: Item, standard: bool, tags: tuple[str, ...]
    ) -> None:
        """A run-level element (a tab, a break, a footnote reference) in a run of its own."""
        atom = item.atom
        run = self._run(container, atom, self._changed_format(item), standard)
        node = copy.deepcopy(atom.node)
        if standard:
            node = self.story.adopt(node)
        if node is not None:
            run.append(as_deleted(node) if bool(tags) and tags[-1] == "del" else node)
            self._mark_inner_paragraphs(node, tags)

    def _char(self, container: etree._Element, item: Item, standard: bool, deleted: bool) -> None:
        atom = item.atom
        run = self._run(container, atom, self._changed_format(item), standard)
        tag = DEL_TEXT if deleted else (T if standard or atom.node is None else atom.node.tag)
        last = run[-1] if len(run) else None
        if last is not None and last.tag == tag:
            set_text(last, (last.text or "") + atom.text)
        else:
            set_text(etree.SubElement(run, tag), atom.text)

    def _changed_format(self, item: Item) -> Atom | None:
        """The standard's atom when only the formatting of an equal atom changed and the
        partner did not track that change themselves."""
        if item.op != EQUAL or item.standard is None:
            return None
        story = self.story
        if story.standard_side.run_format(item.standard.run) == story.negotiated_side.run_format(
            item.atom.run
        ):
            return None
        rpr = item.atom.run.find(RPR) if item.atom.run is not None else None
        if rpr is not None and rpr.find(RPR_CHANGE) is not None:
            return None
        return item.standard

    def _whole(
        self, container: etree._Element, atom: Atom, standard: bool, deleted: bool, wrapped: bool
    ) -> None:
        """A complex field's runs, or a paragraph-level object, copied whole."""
        self.run = None
        sources = atom.nodes if atom.kind == RUNS else (atom.node,)
        for source in sources:
            if source is None:
                continue
            node = copy.deepcopy(source)
            if standard:
                node = self.story.adopt(node)
                if node is None:
                    continue
            if atom.kind == BLOCK and wrapped and node.tag == FLD_SIMPLE:
                self._simple_field_as_runs(container, node, deleted)
                continue
            container.append(as_deleted(node) if deleted else node)
            if wrapped:
                self._mark_inner_paragraphs(node, WRAPPERS[DELETE if deleted else INS])

    def _mark_inner_paragraphs(self, node: etree._Element, tags: tuple[str, ...]) -> None:
        """An object with paragraphs of its own (a text box) inserted or deleted whole takes
        its paragraph marks with it, so its text reads as one revision with the object."""
        if not tags or not any(True for _ in node.iter(TXBX_CONTENT)):
            return
        for paragraph in node.iter(P):
            if mark_kind(paragraph) is None:
                self.story.mark_paragraph(paragraph, W + tags[-1])

    @staticmethod
    def _simple_field_as_runs(
        container: etree._Element, field: etree._Element, deleted: bool
    ) -> None:
        """A w:fldSimple inside a revision is written as the equivalent complex field
        (§17.16.18/§17.16.19): w:ins/w:del may hold runs, not a w:fldSimple."""
        first_run = field.find(RUN)
        rpr = first_run.find(RPR) if first_run is not None else None

        def char_run(kind: str) -> None:
            run = etree.SubElement(container, RUN)
            if rpr is not None:
                run.append(copy.deepcopy(rpr))
            etree.SubElement(run, FLD_CHAR).set(W + "fldCharType", kind)

        char_run("begin")
        run = etree.SubElement(container, RUN)
        if rpr is not None:
            run.append(copy.deepcopy(rpr))
        set_text(etree.SubElement(run, DEL_INSTR if deleted else INSTR), field.get(W + "instr", ""))
        char_run("separate")
        for child in field:
            if child.tag == RUN:
                container.append(as_deleted(child) if deleted else child)
        char_run("end")

    def _marker(self, atom: Atom, standard: bool, tags: tuple[str, ...]) -> None:
        """A bookmark, range or run marker, outside the revision wrappers; a run marker
        restored from the standard (a comment reference) goes inside them, in the view of
        the text it stands with."""
        node = copy.deepcopy(atom.node)
        if standard:
            node = self.story.adopt(node)
            if node is None:
                return
        if node is None:
            return
        target = self._enter(atom, standard) if not standard else self._top()
        self.run = None
        if atom.run is not None:
            if standard:
                target = self._wrapped(target, tags)
            run = etree.SubElement(target, RUN)
            source = atom.run.find(RPR)
            if source is not None:
                run.append(copy.deepcopy(source))
            run.append(node)
        else:
            target.append(node)


def build(story: StoryContext, paragraph: etree._Element, items: list[Item]) -> None:
    """Rewrite `paragraph`'s content from `items` (its w:pPr is kept)."""
    builder = ParagraphBuilder(story, paragraph)
    for item in items:
        builder.emit(item)


def tracked_mark_tag(op: str) -> str:
    return {INS: W + "ins", DELETE: W + "del", MOVE_FROM: W + "moveFrom", MOVE_DEST: MOVE_TO}[op]
