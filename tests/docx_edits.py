"""Test helper: edit a DOCX the way a partner would, silently or with tracking on.

``apply_edits(docx, edits)`` applies an edit script at XML level (lxml) and returns the edited
package; each :class:`Edit` is either SILENT (the text simply changes, as when a partner turns
tracking off) or TRACKED (written as w:ins/w:del/w:moveFrom/w:moveTo/w:rPrChange by
"Partner Counsel"). ``enrich(docx)`` adds one of every object kind the redline must keep
(footnote, hyperlink, image, table, header text, comment). ``resolve(docx, accept=...)`` is a
small XML-level accept-all/reject-all, used to count objects in each view.
"""

from __future__ import annotations

import copy
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from dsagen.render.docx import deterministic_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W, R = "{" + W_NS + "}", "{" + R_NS + "}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"

# Elements that take a w:id from the document's single annotation counter (comparison.md §4.1);
# range/bookmark *ends* repeat their start's id and are not counted.
ANNOTATION_ID_ELEMENTS = {
    "ins",
    "del",
    "moveFrom",
    "moveTo",
    "moveFromRangeStart",
    "moveToRangeStart",
    "bookmarkStart",
    "rPrChange",
    "pPrChange",
    "sectPrChange",
    "tblPrChange",
    "tblPrExChange",
    "trPrChange",
    "tcPrChange",
    "cellIns",
    "cellDel",
    "cellMerge",
    "numberingChange",
    "commentRangeStart",
    "customXmlInsRangeStart",
    "customXmlDelRangeStart",
}

WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
TYPES = "application/vnd.openxmlformats-officedocument.wordprocessingml."

PARTNER = "Partner Counsel"
PARTNER_DATE = "2026-02-02T10:00:00Z"
DOCUMENT = "word/document.xml"

EDIT_KINDS = (
    "replace_word",
    "insert_word",
    "delete_word",
    "bold_word",
    "insert_paragraph",
    "delete_paragraph",
    "move_paragraph",
    "cell_text",
    "insert_row",
    "delete_row",
    "header_text",
    "footnote_text",
    "new_footnote",
    "delete_footnote_ref",
    "add_image",
    "add_hyperlink",
)


@dataclass(frozen=True)
class Edit:
    """One edit. ``target``/``other`` pick paragraphs (modulo how many there are), ``word`` a
    word in it; ``text`` is what is written."""

    kind: str
    target: int = 0
    word: int = 0
    tracked: bool = False
    other: int = 0
    text: str = "amended"


class Package:
    """A DOCX's parts, XML parsed on demand, written back deterministically."""

    def __init__(self, docx: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            self.parts = {name: archive.read(name) for name in archive.namelist()}
        self.roots: dict[str, etree._Element] = {}
        self.next_id = 5000 + max_id(self)

    def xml(self, name: str) -> etree._Element:
        if name not in self.roots:
            self.roots[name] = etree.fromstring(self.parts[name])
        return self.roots[name]

    def body(self) -> etree._Element:
        return self.xml(DOCUMENT).find(W + "body")

    def related(self, kind: str) -> list[str]:
        rels = self.xml("word/_rels/document.xml.rels")
        return sorted(
            "word/" + r.get("Target").lstrip("/").removeprefix("word/")
            for r in rels.iter(REL)
            if r.get("Type", "").endswith("/" + kind)
        )

    def add_relationship(
        self,
        rel_type: str,
        target: str,
        external: bool = False,
        source: str = "word/_rels/document.xml.rels",
    ) -> str:
        rels = self.xml(source)
        rid = f"rIdTest{len(rels) + 1}"
        rel = etree.SubElement(rels, REL, Id=rid, Type=RELS + rel_type, Target=target)
        if external:
            rel.set("TargetMode", "External")
        return rid

    def add_part(
        self, name: str, data: bytes, content_type: str | None = None, extension: str | None = None
    ) -> None:
        self.parts[name] = data
        types = self.xml("[Content_Types].xml")
        if extension is not None:
            if not any(d.get("Extension") == extension for d in types.iter(CT + "Default")):
                default = etree.Element(
                    CT + "Default", Extension=extension, ContentType=content_type or ""
                )
                types.insert(0, default)
        elif content_type is not None:
            etree.SubElement(types, CT + "Override", PartName="/" + name, ContentType=content_type)

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def revision(self, tag: str) -> etree._Element:
        element = etree.Element(W + tag)
        element.set(W + "id", self.new_id())
        element.set(W + "author", PARTNER)
        element.set(W + "date", PARTNER_DATE)
        return element

    def to_bytes(self) -> bytes:
        for name, root in self.roots.items():
            self.parts[name] = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in self.parts.items():
                archive.writestr(name, data)
        return deterministic_zip(buffer.getvalue())


def max_id(package: Package) -> int:
    found = 0
    for name in package.parts:
        if name.startswith("word/") and name.endswith(".xml"):
            for value in package.xml(name).xpath("//@w:id", namespaces={"w": W_NS}):
                if value.lstrip("-").isdigit():
                    found = max(found, int(value))
    return found


# -- building blocks --------------------------------------------------------------------------


def run(text: str, rpr: etree._Element | None = None, deleted: bool = False) -> etree._Element:
    element = etree.Element(W + "r")
    if rpr is not None:
        element.append(copy.deepcopy(rpr))
    text_element = etree.SubElement(element, W + ("delText" if deleted else "t"))
    text_element.text = text
    text_element.set(XML_SPACE, "preserve")
    return element


def paragraph(text: str, style: str | None = None) -> etree._Element:
    element = etree.Element(W + "p")
    if style:
        etree.SubElement(etree.SubElement(element, W + "pPr"), W + "pStyle").set(W + "val", style)
    element.append(run(text))
    return element


def mark_paragraph(package: Package, element: etree._Element, tag: str) -> None:
    place_paragraph_mark(element, package.revision(tag))


def place_paragraph_mark(element: etree._Element, mark: etree._Element) -> None:
    """A paragraph-mark revision: first child of w:pPr/w:rPr (before a w:sectPr)."""
    ppr = element.find(W + "pPr")
    if ppr is None:
        ppr = etree.Element(W + "pPr")
        element.insert(0, ppr)
    rpr = ppr.find(W + "rPr")
    if rpr is None:
        rpr = etree.SubElement(ppr, W + "rPr")
        sect = ppr.find(W + "sectPr")
        if sect is not None:
            sect.addprevious(rpr)
    rpr.insert(0, mark)


def wrap_content(package: Package, element: etree._Element, tag: str) -> None:
    """Wrap every run of a paragraph in one revision element (deleted text as w:delText)."""
    wrapper = package.revision(tag)
    for child in list(element):
        if child.tag in (W + "pPr", W + "bookmarkStart", W + "bookmarkEnd"):
            continue
        element.remove(child)
        if tag == "del":
            for text in child.iter(W + "t"):
                text.tag = W + "delText"
            for text in child.iter(W + "instrText"):
                text.tag = W + "delInstrText"
        wrapper.append(child)
    element.append(wrapper)


def text_of(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(W + "t"))


def plain_runs(container: etree._Element) -> list[etree._Element]:
    """Runs directly in a paragraph, holding only one w:t with at least two words: safe to
    edit without touching fields, objects or earlier revisions."""
    found = []
    for element in container.iter(W + "r"):
        if element.getparent().tag != W + "p":
            continue
        content = [c for c in element if c.tag != W + "rPr"]
        if (
            len(content) == 1
            and content[0].tag == W + "t"
            and len((content[0].text or "").split()) >= 2
        ):
            found.append(element)
    return found


def body_paragraphs(package: Package) -> list[etree._Element]:
    """Top-level body paragraphs with text (never the last one, which holds the section)."""
    body = package.body()
    children = [p for p in body if p.tag == W + "p"]
    return [
        p
        for p in children[:-1]
        if text_of(p).strip()
        and p.find(f"{W}pPr/{W}sectPr") is None
        and not any(t.tag in (W + "ins", W + "del", W + "moveFrom", W + "moveTo") for t in p.iter())
    ]


# -- the edits ---------------------------------------------------------------------------------


def edit_word(package: Package, runs: list[etree._Element], edit: Edit, mode: str) -> None:
    """Replace, insert before or delete one word of one of `runs`, or make it bold."""
    if not runs:
        return
    target = runs[edit.target % len(runs)]
    text = target.find(W + "t").text or ""
    tokens = re.split(r"(\s+)", text)
    words = [i for i, token in enumerate(tokens) if token.strip()]
    index = words[edit.word % len(words)]
    before, word, after = "".join(tokens[:index]), tokens[index], "".join(tokens[index + 1 :])
    rpr = target.find(W + "rPr")
    if mode == "bold":
        pieces = _bold(package, word, rpr, edit.tracked)
    else:
        old, new = {
            "replace": (word, edit.text),
            "insert": ("", edit.text + " "),
            "delete": (word + (" " if after.startswith(" ") else ""), ""),
        }[mode]
        if mode == "insert":
            after = word + after
        elif mode == "delete" and after.startswith(" "):
            after = after[1:]
        pieces = _changed(package, old, new, rpr, edit.tracked)
    replacement = (
        ([run(before, rpr)] if before else []) + pieces + ([run(after, rpr)] if after else [])
    )
    for piece in replacement:
        target.addprevious(piece)
    target.getparent().remove(target)


def _changed(
    package: Package, old: str, new: str, rpr: etree._Element | None, tracked: bool
) -> list[etree._Element]:
    if not tracked:
        return [run(new, rpr)] if new else []
    pieces = []
    if old:
        deleted = package.revision("del")
        deleted.append(run(old, rpr, deleted=True))
        pieces.append(deleted)
    if new:
        inserted = package.revision("ins")
        inserted.append(run(new, rpr))
        pieces.append(inserted)
    return pieces


def _bold(
    package: Package, word: str, rpr: etree._Element | None, tracked: bool
) -> list[etree._Element]:
    bold = run(word, rpr)
    properties = bold.find(W + "rPr")
    if properties is None:
        properties = etree.Element(W + "rPr")
        bold.insert(0, properties)
    old = copy.deepcopy(properties)
    if properties.find(W + "b") is None:
        properties.insert(0, etree.Element(W + "b"))
    if tracked:
        change = package.revision("rPrChange")
        old.tag = W + "rPr"
        change.append(old)
        properties.append(change)
    return [bold]


def insert_paragraph(package: Package, edit: Edit) -> None:
    paragraphs = body_paragraphs(package)
    anchor = paragraphs[edit.target % len(paragraphs)]
    style = anchor.find(f"{W}pPr/{W}pStyle")
    new = paragraph(
        f"The Recipient shall also {edit.text} the partner's new obligation.",
        style.get(W + "val") if style is not None else None,
    )
    if edit.tracked:
        wrap_content(package, new, "ins")
        mark_paragraph(package, new, "ins")
    anchor.addnext(new)


def delete_paragraph(package: Package, edit: Edit) -> None:
    paragraphs = body_paragraphs(package)
    if len(paragraphs) < 3:
        return
    target = paragraphs[edit.target % len(paragraphs)]
    if not edit.tracked:
        target.getparent().remove(target)
        return
    wrap_content(package, target, "del")
    mark_paragraph(package, target, "del")


def move_paragraph(package: Package, edit: Edit) -> None:
    paragraphs = body_paragraphs(package)
    source = paragraphs[edit.target % len(paragraphs)]
    destination = paragraphs[edit.other % len(paragraphs)]
    if source is destination or source.getnext() is destination:
        return
    if not edit.tracked:
        destination.addnext(source)
        return
    moved = copy.deepcopy(source)
    for anchor in list(
        moved.iter(
            W + "bookmarkStart",
            W + "bookmarkEnd",
            W + "commentRangeStart",
            W + "commentRangeEnd",
            W + "commentReference",
        )
    ):
        anchor.getparent().remove(anchor)
    name = f"partnerMove{package.new_id()}"
    for element, kind in ((source, "moveFrom"), (moved, "moveTo")):
        wrap_content(package, element, kind)
        mark_paragraph(package, element, kind)
        start = package.revision(kind + "RangeStart")
        start.set(W + "name", name)
        element.find(W + "pPr").addnext(start)
        etree.SubElement(element, W + kind + "RangeEnd").set(W + "id", start.get(W + "id"))
    destination.addnext(moved)


def _rows(package: Package) -> list[etree._Element]:
    return [
        row
        for row in package.body().iter(W + "tr")
        if row.find(f"{W}trPr/{W}ins") is None and row.find(f"{W}trPr/{W}del") is None
    ]


def insert_row(package: Package, edit: Edit) -> None:
    rows = _rows(package)
    if not rows:
        return
    source = rows[edit.target % len(rows)]
    new = blank_row(source, edit.text)
    if edit.tracked:
        for cell_paragraph in new.iter(W + "p"):
            wrap_content(package, cell_paragraph, "ins")
        mark_row(package, new, "ins")
    source.addnext(new)


def blank_row(source: etree._Element, label: str) -> etree._Element:
    """A copy of a table row whose cells read '<label> cell 0', '<label> cell 1', ..."""
    new = copy.deepcopy(source)
    for index, cell_paragraph in enumerate(new.iter(W + "p")):
        for child in list(cell_paragraph):
            if child.tag != W + "pPr":
                cell_paragraph.remove(child)
        cell_paragraph.append(run(f"{label} cell {index}"))
    return new


def mark_row(package: Package, row: etree._Element, tag: str) -> None:
    """The whole row inserted or deleted by the partner (w:trPr/w:ins|w:del)."""
    trpr = row.find(W + "trPr")
    if trpr is None:
        trpr = etree.Element(W + "trPr")
        row.insert(0, trpr)
    trpr.append(package.revision(tag))


def delete_row(package: Package, edit: Edit) -> None:
    rows = [row for row in _rows(package) if len(row.getparent().findall(W + "tr")) > 1]
    if not rows:
        return
    target = rows[edit.target % len(rows)]
    if not edit.tracked:
        target.getparent().remove(target)
        return
    for cell_paragraph in target.iter(W + "p"):
        wrap_content(package, cell_paragraph, "del")
    trpr = target.find(W + "trPr")
    if trpr is None:
        trpr = etree.Element(W + "trPr")
        target.insert(0, trpr)
    trpr.append(package.revision("del"))


def _notes(package: Package) -> etree._Element | None:
    parts = package.related("footnotes")
    return package.xml(parts[0]) if parts else None


def new_footnote(package: Package, edit: Edit) -> None:
    notes = _notes(package)
    if notes is None:
        return
    ids = [int(n.get(W + "id")) for n in notes.iter(W + "footnote")]
    note_id = str(max(ids, default=0) + 1)
    notes.append(footnote(note_id, f"Partner note: {edit.text} terms apply."))
    paragraphs = body_paragraphs(package)
    reference = footnote_reference(note_id)
    target = paragraphs[edit.target % len(paragraphs)]
    if edit.tracked:
        wrapper = package.revision("ins")
        wrapper.append(reference)
        reference = wrapper
    target.append(reference)


def delete_footnote_reference(package: Package, edit: Edit) -> None:
    references = [
        r
        for r in package.body().iter(W + "footnoteReference")
        if not any(a.tag in (W + "ins", W + "del") for a in r.iterancestors())
    ]
    if not references:
        return
    reference = references[edit.target % len(references)]
    reference_run = reference.getparent()
    if edit.tracked:
        wrapper = package.revision("del")
        reference_run.addprevious(wrapper)
        wrapper.append(reference_run)
        return
    reference_run.getparent().remove(reference_run)
    notes = _notes(package)
    for note in list(notes.iter(W + "footnote")) if notes is not None else ():
        if note.get(W + "id") == reference.get(W + "id"):
            notes.remove(note)


def add_image(package: Package, edit: Edit) -> None:
    name = f"word/media/partner{package.new_id()}.png"
    package.add_part(name, tiny_png((200, 30, 30)), "image/png", extension="png")
    rid = package.add_relationship("image", name.removeprefix("word/"))
    paragraphs = body_paragraphs(package)
    image = drawing_run(rid, int(package.new_id()))
    if edit.tracked:
        wrapper = package.revision("ins")
        wrapper.append(image)
        image = wrapper
    paragraphs[edit.target % len(paragraphs)].append(image)


def add_hyperlink(package: Package, edit: Edit) -> None:
    rid = package.add_relationship("hyperlink", "https://partner.example.org/terms", True)
    link = hyperlink(rid, f"partner {edit.text} terms")
    if edit.tracked:
        wrapper = package.revision("ins")
        for child in list(link):
            wrapper.append(child)
        link.append(wrapper)
    paragraphs = body_paragraphs(package)
    paragraphs[edit.target % len(paragraphs)].append(link)


def apply_edits(docx: bytes, edits: Iterable[Edit]) -> bytes:
    """The DOCX with the edits applied in order (an edit with nothing to act on is skipped)."""
    package = Package(docx)
    for edit in edits:
        apply_edit(package, edit)
    return package.to_bytes()


def apply_edit(package: Package, edit: Edit) -> None:
    kind = edit.kind
    if kind in ("replace_word", "insert_word", "delete_word", "bold_word"):
        runs = [r for p in body_paragraphs(package) for r in plain_runs(p)]
        edit_word(package, runs, edit, kind.removesuffix("_word"))
    elif kind == "cell_text":
        runs = [r for row in _rows(package) for r in plain_runs(row)] or [
            r
            for row in _rows(package)
            for r in row.iter(W + "r")
            if r.find(W + "t") is not None and len(r) <= 2 and (r.find(W + "t").text or "")
        ]
        edit_word(package, runs, edit, "replace")
    elif kind in ("header_text", "footnote_text"):
        parts = package.related("header" if kind == "header_text" else "footnotes")
        runs = [r for part in parts for r in plain_runs(package.xml(part))]
        edit_word(package, runs, edit, "replace")
    else:
        {
            "insert_paragraph": insert_paragraph,
            "delete_paragraph": delete_paragraph,
            "move_paragraph": move_paragraph,
            "insert_row": insert_row,
            "delete_row": delete_row,
            "new_footnote": new_footnote,
            "delete_footnote_ref": delete_footnote_reference,
            "add_image": add_image,
            "add_hyperlink": add_hyperlink,
        }[kind](package, edit)


# -- objects -------------------------------------------------------------------------------------


def tiny_png(colour: tuple[int, int, int]) -> bytes:
    """A 2x2 PNG of one colour, built by hand (zlib + CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes(colour) * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def drawing_run(rid: str, shape_id: int) -> etree._Element:
    xml = (
        f'<w:r xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:wp="{WP}" xmlns:a="{A}" '
        f'xmlns:pic="{PIC}"><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="190500" cy="190500"/><wp:docPr id="{shape_id}" name="Picture '
        f'{shape_id}"/><a:graphic><a:graphicData uri="{PIC}"><pic:pic><pic:nvPicPr>'
        f'<pic:cNvPr id="{shape_id}" name="image.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch>'
        f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="190500" '
        f'cy="190500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        f"</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    return etree.fromstring(xml)


def hyperlink(rid: str, text: str) -> etree._Element:
    link = etree.Element(W + "hyperlink")
    link.set(R + "id", rid)
    link_run = run(text)
    rpr = etree.Element(W + "rPr")
    etree.SubElement(rpr, W + "u").set(W + "val", "single")
    link_run.insert(0, rpr)
    link.append(link_run)
    return link


def footnote(note_id: str, text: str) -> etree._Element:
    note = etree.Element(W + "footnote")
    note.set(W + "id", note_id)
    note_paragraph = etree.SubElement(note, W + "p")
    mark = etree.SubElement(note_paragraph, W + "r")
    etree.SubElement(etree.SubElement(mark, W + "rPr"), W + "vertAlign").set(
        W + "val", "superscript"
    )
    etree.SubElement(mark, W + "footnoteRef")
    note_paragraph.append(run(" " + text))
    return note


def footnote_reference(note_id: str) -> etree._Element:
    reference = etree.Element(W + "r")
    etree.SubElement(etree.SubElement(reference, W + "rPr"), W + "vertAlign").set(
        W + "val", "superscript"
    )
    etree.SubElement(reference, W + "footnoteReference").set(W + "id", note_id)
    return reference


def _separators() -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes '
        f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:footnote w:type="separator" w:id="-1">'
        "<w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote "
        'w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        "</w:r></w:p></w:footnote></w:footnotes>"
    ).encode()


def enrich(docx: bytes) -> bytes:
    """The standard with one of every object kind: two footnotes, a hyperlink, an image, a
    nested table, header text and a comment, so that every kind must survive the redline."""
    package = Package(docx)
    paragraphs = body_paragraphs(package)
    package.add_part("word/footnotes.xml", _separators(), TYPES + "footnotes+xml")
    package.add_relationship("footnotes", "footnotes.xml")
    notes = package.xml("word/footnotes.xml")
    for number, target in ((1, paragraphs[12]), (2, paragraphs[30])):
        notes.append(footnote(str(number), f"Standard footnote {number} on data handling."))
        target.append(footnote_reference(str(number)))
    rid = package.add_relationship("hyperlink", "https://dsagen.example.org/guide", True)
    paragraphs[14].append(hyperlink(rid, "the data handling guide"))
    package.add_part("word/media/image1.png", tiny_png((20, 60, 200)), "image/png", "png")
    paragraphs[16].append(drawing_run(package.add_relationship("image", "media/image1.png"), 4242))
    paragraphs[18].addnext(_table(package))
    _comment(package, paragraphs[20])
    header = package.related("header")[0]
    header_paragraph = package.xml(header).find(W + "p")
    header_paragraph.append(run(" Confidential draft for discussion with the partner"))
    return package.to_bytes()


def _table(package: Package) -> etree._Element:
    """A 3x2 table whose last cell holds a nested 1x2 table."""
    table = etree.Element(W + "tbl")
    properties = etree.SubElement(table, W + "tblPr")
    etree.SubElement(properties, W + "tblW").set(W + "w", "0")
    grid = etree.SubElement(table, W + "tblGrid")
    for _ in range(2):
        etree.SubElement(grid, W + "gridCol").set(W + "w", "4000")
    labels = [
        ("Data field", "Retention period for the field"),
        ("Device identifier", "Deleted within thirty days of receipt"),
        ("Visit location", "Kept for the whole term of the agreement"),
    ]
    for left, right in labels:
        row = etree.SubElement(table, W + "tr")
        for text in (left, right):
            etree.SubElement(row, W + "tc").append(paragraph(text))
    nested = etree.Element(W + "tbl")
    etree.SubElement(nested, W + "tblPr")
    nested_row = etree.SubElement(nested, W + "tr")
    for text in ("Nested cell one text", "Nested cell two text"):
        etree.SubElement(nested_row, W + "tc").append(paragraph(text))
    last_cell = table.findall(W + "tr")[-1].findall(W + "tc")[-1]
    last_cell.insert(0, nested)
    return table


def _comment(package: Package, target: etree._Element) -> None:
    comments = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments '
        f'xmlns:w="{W_NS}"><w:comment w:id="900" w:author="Standard Author" '
        'w:date="2026-01-01T00:00:00Z" w:initials="SA"><w:p><w:r><w:t>Check this '
        "clause.</w:t></w:r></w:p></w:comment></w:comments>"
    ).encode()
    package.add_part("word/comments.xml", comments, TYPES + "comments+xml")
    package.add_relationship("comments", "comments.xml")
    start = etree.Element(W + "commentRangeStart")
    start.set(W + "id", "900")
    ppr = target.find(W + "pPr")
    (ppr.addnext if ppr is not None else lambda e: target.insert(0, e))(start)
    end = etree.SubElement(target, W + "commentRangeEnd")
    end.set(W + "id", "900")
    reference = etree.SubElement(target, W + "r")
    etree.SubElement(reference, W + "commentReference").set(W + "id", "900")


# -- XML-level accept-all / reject-all -------------------------------------------------------------


def resolve(docx: bytes, *, accept: bool) -> dict[str, etree._Element]:
    """Every story part with all revisions accepted (or rejected): revised content removed or
    unwrapped, property changes applied, rows and paragraph marks resolved (comparison.md §4)."""
    package = Package(docx)
    names = [DOCUMENT] + [
        p for kind in ("header", "footer", "footnotes", "endnotes") for p in package.related(kind)
    ]
    return {name: _resolve_root(copy.deepcopy(package.xml(name)), accept) for name in names}


def _resolve_root(root: etree._Element, accept: bool) -> etree._Element:
    gone = (W + "del", W + "moveFrom") if accept else (W + "ins", W + "moveTo")
    kept = (W + "ins", W + "moveTo") if accept else (W + "del", W + "moveFrom")
    for row in list(root.iter(W + "tr")):
        trpr = row.find(W + "trPr")
        if trpr is not None and any(c.tag in gone for c in trpr):
            row.getparent().remove(row)
    for change in list(root.iter(W + "rPrChange", W + "pPrChange")):
        if not accept:
            container = change.getparent()
            is_run = change.tag == W + "rPrChange"
            old = change.find(W + "rPr" if is_run else W + "pPr")
            kept_outside = () if is_run else (W + "rPr", W + "sectPr")
            for child in list(container):
                if child is not change and child.tag not in kept_outside:
                    container.remove(child)
            for child in list(old) if old is not None else ():
                change.addprevious(child)
        change.getparent().remove(change)
    for paragraph in list(root.iter(W + "p")):
        mark = paragraph.find(f"{W}pPr/{W}rPr")
        if mark is not None and any(c.tag in gone for c in mark):
            following = paragraph.getnext()
            if following is not None and following.tag == W + "p":
                anchor = following.find(W + "pPr")
                for child in [c for c in paragraph if c.tag != W + "pPr"]:
                    if anchor is not None:
                        anchor.addnext(child)
                        anchor = child
                    else:
                        following.insert(0, child)
                        anchor = child
                paragraph.getparent().remove(paragraph)
    for element in list(root.iter(*gone)):
        if element.getparent() is not None and element.getparent().tag != W + "rPr":
            element.getparent().remove(element)
    for element in list(root.iter(*kept)):
        parent = element.getparent()
        if parent is None or parent.tag in (W + "rPr", W + "trPr"):
            continue
        for child in list(element):
            element.addprevious(child)
        parent.remove(element)
    for text in root.iter(W + "delText", W + "delInstrText"):
        text.tag = W + ("t" if text.tag == W + "delText" else "instrText")
    return root


def paragraph_texts(root: etree._Element) -> list[str]:
    """Text of each paragraph with text (field instructions excluded), document order."""
    texts = []
    for element in root.iter(W + "p"):
        text = "".join(
            t.text or ""
            for t in element.iter(W + "t")
            if not any(a.tag == W + "p" for a in t.iterancestors() if a is not element)
        )
        if text.strip():
            texts.append(" ".join(text.split()))
    return texts


def object_counts(root: etree._Element) -> dict[str, int]:
    """Objects a redline must not lose, counted in a resolved story."""
    hyperlinks = sum(
        1
        for link in root.iter(W + "hyperlink")
        if any((t.text or "").strip() for t in link.iter(W + "t"))
    )
    return {
        "footnote references": sum(1 for _ in root.iter(W + "footnoteReference")),
        "hyperlinks": hyperlinks,
        "fields": sum(1 for c in root.iter(W + "fldChar") if c.get(W + "fldCharType") == "begin")
        + sum(1 for _ in root.iter(W + "fldSimple")),
        "images": sum(1 for _ in root.iter(W + "drawing")),
        "comments": sum(1 for _ in root.iter(W + "commentReference")),
    }


def note_texts(resolved: dict[str, etree._Element]) -> list[str]:
    """Texts of the footnotes the resolved body refers to, in reference order."""
    notes = next((root for name, root in resolved.items() if name.endswith("footnotes.xml")), None)
    if notes is None:
        return []
    by_id = {n.get(W + "id"): " ".join(paragraph_texts(n)) for n in notes.iter(W + "footnote")}
    return [
        by_id.get(r.get(W + "id"), "?") for r in resolved[DOCUMENT].iter(W + "footnoteReference")
    ]
