"""A paragraph as a sequence of atoms: characters, objects and zero-width markers.

The unit of comparison is the atom (comparison.md §4.9): one per character of text (and per
tab, break or symbol), one per object (footnote reference, drawing, whole complex field, simple
field, equation), an OPEN/CLOSE pair around a hyperlink or content control so that the container
survives the rewrite, and MARKER atoms (bookmarks, comment ranges, move ranges) that are never
compared and always kept. Each atom remembers the XML it came from so it can be re-emitted with
its formatting. Objects compare by a digest of their XML without ids, rsids or relationship ids
(a relationship compares by what it points at), so an unchanged image or field is equal.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from ..ooxml import R as R_PREFIX
from ..ooxml import W
from .formats import Styles, paragraph_signature, run_signature
from .ooxml import (
    BLOCK_OBJECTS,
    DEL_INSTR,
    DEL_TEXT,
    DELETED,
    FLD_CHAR,
    FRAME_PROPERTIES,
    FRAME_TAGS,
    HYPERLINK,
    INSERTED,
    INSTR,
    PPR,
    PPR_CHANGE,
    RPR,
    RPR_CHANGE,
    RUN,
    SDT,
    SDT_CONTENT,
    SDT_PR,
    W_ID,
    W_VAL,
    T,
    is_rsid,
    localname,
)

CHAR, ELEMENT, RUNS, BLOCK, MARKER, OPEN, CLOSE = (
    "char",
    "element",
    "runs",
    "block",
    "marker",
    "open",
    "close",
)
#: Run children that are markers, not content: kept where they are, never compared.
RUN_MARKERS = frozenset({W + "commentReference", W + "lastRenderedPageBreak"})
#: Run children whose key is their name (and a few attributes) rather than a digest.
SIMPLE_ELEMENTS = frozenset(
    W + name
    for name in (
        "tab",
        "ptab",
        "br",
        "cr",
        "noBreakHyphen",
        "softHyphen",
        "sym",
        "footnoteReference",
        "endnoteReference",
        "footnoteRef",
        "endnoteRef",
        "annotationRef",
        "separator",
        "continuationSeparator",
        "pgNum",
        "dayShort",
        "monthShort",
        "yearShort",
        "dayLong",
        "monthLong",
        "yearLong",
    )
)
_FIELD_FILLERS = frozenset({W + "bookmarkStart", W + "bookmarkEnd", W + "proofErr"})
_DROPPED_ATTRIBUTES = frozenset(
    {
        W_ID,
        "id",
        "{http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing}anchorId",
        "{http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing}editId",
        "{http://schemas.microsoft.com/office/word/2010/wordml}paraId",
        "{http://schemas.microsoft.com/office/word/2010/wordml}textId",
    }
)
OBJECT_CHAR = "\ufffc"
#: Fields whose displayed result the client recomputes (§17.16.5): compared by instruction.
COMPUTED_FIELDS = frozenset(
    {
        "PAGE",
        "NUMPAGES",
        "SECTIONPAGES",
        "SECTION",
        "NUMWORDS",
        "NUMCHARS",
        "DATE",
        "TIME",
        "PRINTDATE",
        "SAVEDATE",
        "CREATEDATE",
        "EDITTIME",
        "REF",
        "PAGEREF",
        "NOTEREF",
        "SEQ",
        "STYLEREF",
        "FILENAME",
        "LISTNUM",
        "AUTONUM",
        "AUTONUMLGL",
        "AUTONUMOUT",
    }
)


@dataclass(eq=False, slots=True)
class Atom:
    """One comparable (or kept) piece of a paragraph; see the module docstring."""

    kind: str
    key: object
    text: str  # CHAR: its characters (one after expansion)
    node: etree._Element | None  # the w:t, run child, frame, block or marker element
    nodes: tuple[etree._Element, ...]  # RUNS: the runs of a complex field
    run: etree._Element | None  # the run whose w:rPr formats this atom
    frames: tuple[etree._Element, ...]  # containers between the w:p and the atom
    paragraph: etree._Element
    in_reject: bool = True
    in_accept: bool = True


class Side:
    """How to read one package's story part: relationship digests, formatting signatures."""

    def __init__(
        self, part: str, reference: Callable[[str, str], str], standard: bool, styles: Styles
    ) -> None:
        self.part = part
        self._reference = reference
        self.standard = standard
        self.styles = styles
        self._formats: dict[etree._Element, tuple[str, ...]] = {}

    def reference(self, rid: str) -> str:
        return self._reference(self.part, rid)

    def run_format(self, run: etree._Element | None) -> tuple[str, ...]:
        """The run's direct formatting as the compared view shows it (for the negotiated side,
        the rejected view: the old properties of a partner's w:rPrChange)."""
        if run is None:
            return ()
        cached = self._formats.get(run)
        if cached is None:
            rpr = run.find(RPR)
            if rpr is not None and not self.standard:
                change = rpr.find(RPR_CHANGE)
                if change is not None:
                    rpr = change.find(RPR)
            cached = self._formats[run] = run_signature(rpr, self.styles)
        return cached

    def digest(self, elements: tuple[etree._Element, ...]) -> str:
        """Content digest of objects, without ids/rsids; relationships by their targets."""
        hasher = hashlib.sha1()
        for element in elements:
            clone = _canonical(element, self)
            hasher.update(etree.tostring(clone, method="c14n"))
        return hasher.hexdigest()


def paragraph_format(paragraph: etree._Element, side: Side) -> tuple[str, ...]:
    """Style, numbering level and justification of a paragraph in the compared view (for the
    negotiated, the old properties of a partner's w:pPrChange)."""
    ppr = paragraph.find(PPR)
    if ppr is not None and not side.standard:
        change = ppr.find(PPR_CHANGE)
        if change is not None:
            ppr = change.find(PPR)
    return paragraph_signature(ppr, side.styles)


def _canonical(element: etree._Element, side: Side) -> etree._Element:
    clone = etree.fromstring(etree.tostring(element))
    for node in clone.iter():
        if not isinstance(node.tag, str):
            continue
        for name in list(node.attrib):
            if is_rsid(name) or name in _DROPPED_ATTRIBUTES:
                del node.attrib[name]
            elif name.startswith(R_PREFIX):
                node.set(name, side.reference(node.attrib[name]))
    return clone


def atomise(paragraph: etree._Element, side: Side) -> list[Atom]:
    """The paragraph's atoms in document order. The standard is read in its accepted view
    (deleted content skipped); the negotiated keeps everything, each atom flagged with the
    views it belongs to, the partner's revision elements recorded as frames."""
    walker = _Walker(paragraph, side)
    walker.container(paragraph, (), False, False)
    return walker.atoms


class _Walker:
    def __init__(self, paragraph: etree._Element, side: Side) -> None:
        self.paragraph = paragraph
        self.side = side
        self.atoms: list[Atom] = []

    def add(
        self,
        kind: str,
        key: object,
        node: etree._Element | None,
        frames: tuple[etree._Element, ...],
        inserted: bool,
        deleted: bool,
        *,
        text: str = "",
        run: etree._Element | None = None,
        nodes: tuple[etree._Element, ...] = (),
    ) -> None:
        self.atoms.append(
            Atom(
                kind, key, text, node, nodes, run, frames, self.paragraph, not inserted, not deleted
            )
        )

    def container(
        self,
        parent: etree._Element,
        frames: tuple[etree._Element, ...],
        inserted: bool,
        deleted: bool,
    ) -> None:
        children = [c for c in parent if isinstance(c.tag, str)]
        index = 0
        while index < len(children):
            child = children[index]
            tag = child.tag
            index += 1
            if tag == PPR or tag in FRAME_PROPERTIES:
                continue
            if tag == RUN:
                end = _field_end(children, index - 1)
                if end is not None:
                    runs = tuple(children[index - 1 : end + 1])
                    self.add(
                        RUNS,
                        _field_key(runs),
                        None,
                        frames,
                        inserted,
                        deleted,
                        run=child,
                        nodes=runs,
                    )
                    index = end + 1
                else:
                    self.run(child, frames, inserted, deleted)
            elif tag in INSERTED or tag in DELETED:
                self.revision(child, frames, inserted, deleted)
            elif tag in FRAME_TAGS:
                self.frame(child, frames, inserted, deleted)
            elif tag in BLOCK_OBJECTS:
                self.add(
                    BLOCK,
                    (localname(tag), self.side.digest((child,))),
                    child,
                    frames,
                    inserted,
                    deleted,
                )
            else:
                self.add(MARKER, None, child, frames, inserted, deleted)

    def revision(
        self,
        mark: etree._Element,
        frames: tuple[etree._Element, ...],
        inserted: bool,
        deleted: bool,
    ) -> None:
        """The runs inside a partner's w:ins/w:del/w:moveFrom/w:moveTo."""
        tag = mark.tag
        if self.side.standard:
            if tag in INSERTED:  # the standard is read accepted: deletions skipped
                self.container(mark, frames, inserted, deleted)
            return
        self.container(
            mark, (*frames, mark), inserted or tag in INSERTED, deleted or tag in DELETED
        )

    def frame(
        self,
        frame: etree._Element,
        frames: tuple[etree._Element, ...],
        inserted: bool,
        deleted: bool,
    ) -> None:
        """A hyperlink, content control or similar wrapper: open, its runs, close."""
        tag = str(frame.tag)
        inner = frame.find(SDT_CONTENT) if tag == SDT else frame
        framed = (*frames, frame)
        self.add(
            OPEN, ("open", localname(tag), self.frame_key(frame)), frame, framed, inserted, deleted
        )
        if inner is not None:
            self.container(inner, framed, inserted, deleted)
        self.add(
            CLOSE,
            ("close", localname(tag), self.frame_key(frame)),
            frame,
            framed,
            inserted,
            deleted,
        )

    def frame_key(self, frame: etree._Element) -> str:
        if frame.tag == HYPERLINK:
            rid = frame.get(R_PREFIX + "id")
            return self.side.reference(rid) if rid else "#" + frame.get(W + "anchor", "")
        if frame.tag == SDT:
            properties = frame.find(SDT_PR)
            tag = properties.find(W + "tag") if properties is not None else None
            return tag.get(W_VAL, "") if tag is not None else ""
        return ""

    def run(
        self, run: etree._Element, frames: tuple[etree._Element, ...], inserted: bool, deleted: bool
    ) -> None:
        for child in run:
            tag = child.tag
            if not isinstance(tag, str) or tag == RPR:
                continue
            if tag == T or tag == DEL_TEXT:
                if child.text:
                    self.add(CHAR, None, child, frames, inserted, deleted, text=child.text, run=run)
            elif tag in RUN_MARKERS:
                self.add(MARKER, None, child, frames, inserted, deleted, run=run)
            elif tag in SIMPLE_ELEMENTS:
                key = (localname(tag), child.get(W + "type", ""), child.get(W + "char", ""))
                self.add(ELEMENT, key, child, frames, inserted, deleted, run=run)
            elif tag == INSTR or tag == DEL_INSTR:
                self.add(
                    ELEMENT,
                    ("instr", " ".join((child.text or "").split())),
                    child,
                    frames,
                    inserted,
                    deleted,
                    run=run,
                )
            elif tag == FLD_CHAR:
                self.add(
                    ELEMENT,
                    ("fldChar", child.get(W + "fldCharType", "")),
                    child,
                    frames,
                    inserted,
                    deleted,
                    run=run,
                )
            else:
                self.add(
                    ELEMENT,
                    (localname(tag), self.side.digest((child,))),
                    child,
                    frames,
                    inserted,
                    deleted,
                    run=run,
                )


def _field_key(runs: tuple[etree._Element, ...]) -> tuple[str, str, str]:
    """A complex field compares by its instruction and its displayed result: writers differ in
    how they spell the runs around them (empty w:rPr, split instructions)."""
    instruction, result, depth, in_result = [], [], 0, False
    for node in (n for r in runs for n in r.iter(FLD_CHAR, INSTR, DEL_INSTR, T, DEL_TEXT)):
        if node.tag == FLD_CHAR:
            kind = node.get(W + "fldCharType")
            depth += {"begin": 1, "end": -1}.get(kind or "", 0)
            in_result = (kind == "separate" and depth == 1) or (in_result and kind != "end")
        elif depth == 1 and node.tag in (INSTR, DEL_INSTR):
            instruction.append(node.text or "")
        elif in_result and node.tag in (T, DEL_TEXT):
            result.append(node.text or "")
    code = " ".join("".join(instruction).split())
    if code.split(" ", 1)[0].upper() in COMPUTED_FIELDS:
        return ("field", code, "")  # a cached page number or clause number is not an edit
    return ("field", code, "".join(result))


def _field_end(children: list[etree._Element], start: int) -> int | None:
    """Index of the run ending the complex field that begins at `start` (§17.16.18), when the
    whole field lies among these siblings; otherwise None (its runs are then read one by one)."""
    first = [c for c in children[start] if c.tag != RPR]
    if len(first) != 1 or first[0].tag != FLD_CHAR or first[0].get(W + "fldCharType") != "begin":
        return None
    depth = 0
    for index in range(start, len(children)):
        child = children[index]
        if child.tag != RUN:
            if child.tag in _FIELD_FILLERS:
                continue
            return None
        for item in child.iter(FLD_CHAR):
            kind = item.get(W + "fldCharType")
            if kind == "begin":
                depth += 1
            elif kind == "end":
                depth -= 1
                if depth == 0:
                    return index
    return None


def expand(atoms: list[Atom]) -> list[Atom]:
    """One atom per character (text pieces are read whole, split only when compared)."""
    out: list[Atom] = []
    for atom in atoms:
        if atom.kind == CHAR and len(atom.text) > 1:
            out.extend(
                Atom(
                    CHAR,
                    None,
                    char,
                    atom.node,
                    (),
                    atom.run,
                    atom.frames,
                    atom.paragraph,
                    atom.in_reject,
                    atom.in_accept,
                )
                for char in atom.text
            )
        else:
            out.append(atom)
    return out


def compared(atoms: list[Atom]) -> Iterator[Atom]:
    """The atoms that take part in the comparison: in the rejected view, not markers."""
    return (a for a in atoms if a.in_reject and a.kind != MARKER)


def text_key(atoms: list[Atom]) -> str:
    """Text of the compared atoms, objects as U+FFFC (for aligning paragraphs)."""
    parts = []
    for atom in compared(atoms):
        if atom.kind == CHAR:
            parts.append(atom.text)
        elif (
            atom.kind == ELEMENT
            and atom.node is not None
            and localname(atom.node.tag) in ("tab", "ptab")
        ):
            parts.append("\t")
        elif atom.kind in (ELEMENT, RUNS, BLOCK):
            parts.append(OBJECT_CHAR)
    return "".join(parts)


def signature(atoms: list[Atom], side: Side) -> list[tuple[object, tuple[str, ...]]]:
    """What must be equal for a paragraph to need no revision: compared keys with formatting,
    adjacent text of one formatting merged."""
    out: list[tuple[object, tuple[str, ...]]] = []
    for atom in compared(atoms):
        fmt = side.run_format(atom.run) if atom.kind in (CHAR, ELEMENT) else ()
        if atom.kind == CHAR:
            if out and isinstance(out[-1][0], str) and out[-1][1] == fmt:
                out[-1] = (str(out[-1][0]) + atom.text, fmt)
            else:
                out.append((atom.text, fmt))
        else:
            out.append(((atom.key,), fmt))
    return out
