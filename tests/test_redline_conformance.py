"""The redline against Open-XML-PowerTools' WmlComparer conformance protocol (`WC003_Compare`).

For each pair (original, revised, expected count) of WmlComparerTests.cs, upstream checks that
(1) the redline of original -> revised holds `expected` revisions *as WmlComparer.GetRevisions
counts them*, and (2) accept-all gives the revised document and reject-all the original. The
upstream .docx files are not shipped here (except the few in shared/fixtures), so each case is
rebuilt from its name and expected count as a small equivalent pair (python-docx's default
package + lxml). `powertools_revisions` re-implements GetRevisions' grouping:

* the atoms of a story are, in document order, each character of ``w:t``/``w:delText``, each
  run object of ``AllowableRunChildren`` (tab, br, drawing, footnote/endnote reference, sym,
  ``m:oMath``, ``fldChar``, ``instrText`` ...) and ``w:object`` as one atom, and one atom per
  paragraph mark (``w:pPr``) after the paragraph's content; properties (``rPr``, ``trPr``,
  ``tcPr``, ``tblPr``, ``tblGrid``, ``sdtPr``), bookmarks, comment ranges, ``proofErr``,
  ``sectPr``, ``footnoteRef`` and separators are thrown away; ``w:delInstrText`` yields nothing;
  everything else (hyperlink, fldSimple, sdt, smartTag, mc:AlternateContent, VML text boxes) is
  walked into;
* an atom's revision is the outermost ``w:ins``/``w:del`` ancestor, for a paragraph mark the
  first ``w:ins``/``w:del`` child of ``w:pPr/w:rPr``; a row's ``w:trPr/w:del`` is not looked
  at (its cells' content and marks carry the revision), nor are property changes
  (``rPrChange``, ``pPrChange``: WmlComparer does not report them);
* adjacent atoms with the same key (status + the revision element's name and attributes other
  than ``w:id``, i.e. author and date) form one revision; the body is one sequence, each
  ``w:footnote`` and ``w:endnote`` its own; headers and footers are not counted.

GetRevisions refuses documents with ``w:moveFrom``/``w:moveTo`` (NotSupportedException); the
re-implementation counts a move's source like a deletion and its destination like an insertion
(what WmlComparer itself would have written), so a moved paragraph is 2, as upstream's
"Moved-into-Table" expects.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pytest
from lxml import etree

from dsagen.read.docx import read_docx
from dsagen.report.redline_docx import render_redline
from tests.conftest import FIXTURES, needs_soffice
from tests.docx_edits import tiny_png

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
M = "{" + M_NS + "}"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
TYPES = "application/vnd.openxmlformats-officedocument.wordprocessingml."
OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"
AUTHOR, DATE = "Open-Xml-PowerTools", "2026-03-03T00:00:00Z"

# -- GetRevisions, re-implemented -----------------------------------------------------------

_RUN_OBJECTS = {
    W + t
    for t in (
        "br",
        "drawing",
        "cr",
        "dayLong",
        "dayShort",
        "footnoteReference",
        "endnoteReference",
        "monthLong",
        "monthShort",
        "noBreakHyphen",
        "pgNum",
        "ptab",
        "softHyphen",
        "sym",
        "tab",
        "yearLong",
        "yearShort",
        "fldChar",
        "instrText",
        "object",
    )
} | {M + "oMathPara", M + "oMath"}
_THROWN_AWAY = {
    W + t
    for t in (
        "bookmarkStart",
        "bookmarkEnd",
        "commentRangeStart",
        "commentRangeEnd",
        "lastRenderedPageBreak",
        "proofErr",
        "tblPr",
        "sectPr",
        "permEnd",
        "permStart",
        "footnoteRef",
        "endnoteRef",
        "separator",
        "continuationSeparator",
    )
}
_PROPERTIES = {
    W + t
    for t in (
        "rPr",
        "tblPr",
        "tblGrid",
        "tblPrEx",
        "trPr",
        "tcPr",
        "sdtPr",
        "sdtEndPr",
        "smartTagPr",
        "rubyPr",
    )
} | {"{urn:schemas-microsoft-com:vml}shapetype"}
_REVISIONS = {
    W + "ins": "Inserted",
    W + "del": "Deleted",
    W + "moveTo": "Inserted",
    W + "moveFrom": "Deleted",
}
_INVALID = {W + t for t in ("altChunk", "subDoc", "customXml", "contentPart")}


@dataclass(frozen=True)
class PtRevision:
    """One revision as WmlComparer.GetRevisions reports it."""

    kind: str  # "Inserted" | "Deleted"
    part: str
    text: str


def _key(revision: etree._Element | None) -> str:
    if revision is None:
        return "Equal"
    attributes = sorted((k, v) for k, v in revision.attrib.items() if k != W + "id")
    # a move is keyed as the insertion/deletion WmlComparer would have written in its place
    return _REVISIONS[revision.tag] + repr(attributes)


def _atoms(
    element: etree._Element, revision: etree._Element | None, out: list[tuple[str, str]]
) -> None:
    tag = element.tag
    if not isinstance(tag, str) or tag in _THROWN_AWAY or tag in _PROPERTIES:
        return
    if tag in _INVALID:
        raise ValueError(f"GetRevisions refuses documents holding {etree.QName(tag).localname}")
    if tag in _REVISIONS and revision is None:
        revision = element  # the outermost one wins (ancestors are scanned from the root)
    if tag == W + "p":
        for child in element:
            if child.tag != W + "pPr":
                _atoms(child, revision, out)
        mark = next((c for c in element.findall(f"{W}pPr/{W}rPr/*") if c.tag in _REVISIONS), None)
        out.append((_key(mark), "\n"))
    elif tag in (W + "t", W + "delText"):
        key = _key(revision)
        out.extend((key, ch) for ch in element.text or "")
    elif tag in _RUN_OBJECTS:
        out.append(
            (
                _key(revision),
                ""
                if tag in (M + "oMath", M + "oMathPara", W + "drawing")
                else "".join(element.itertext()),
            )
        )
    else:
        for child in element:
            _atoms(child, revision, out)


def _group(atoms: list[tuple[str, str]], part: str) -> list[PtRevision]:
    found: list[PtRevision] = []
    previous = None
    for key, text in atoms:
        if key != previous and key != "Equal":
            found.append(PtRevision(key.split("[", 1)[0], part, ""))
        if key != "Equal":
            last = found[-1]
            found[-1] = PtRevision(last.kind, part, last.text + text)
        previous = key
    return found


def powertools_revisions(docx: bytes) -> list[PtRevision]:
    """The revisions of a DOCX, grouped and counted as WmlComparer.GetRevisions does."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = set(archive.namelist())
        body = etree.fromstring(archive.read("word/document.xml")).find(W + "body")
        atoms: list[tuple[str, str]] = []
        for child in body:
            _atoms(child, None, atoms)
        found = _group(atoms, "word/document.xml")
        for part, note in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
            if part in names:
                for element in etree.fromstring(archive.read(part)).iter(W + note):
                    note_atoms: list[tuple[str, str]] = []
                    for child in element:
                        _atoms(child, None, note_atoms)
                    found.extend(_group(note_atoms, part))
    return found


# -- building equivalent pairs ---------------------------------------------------------------

NAMESPACES = {
    "w": W_NS,
    "m": M_NS,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
}
_DECLARATIONS = " ".join(f'xmlns:{k}="{v}"' for k, v in NAMESPACES.items())
COLOURS = {1: (20, 60, 200), 2: (200, 30, 30), 3: (30, 160, 60)}


@lru_cache(maxsize=1)
def _blank() -> dict[str, bytes]:
    import docx  # python-docx's default package: styles, settings, theme, section

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@dataclass
class Doc:
    """A small document: body XML plus the parts it refers to."""

    body: str
    footnotes: list[str] = field(default_factory=list)
    endnotes: list[str] = field(default_factory=list)
    images: dict[int, int] = field(default_factory=dict)  # image n -> colour n
    links: dict[int, str] = field(default_factory=dict)  # link n -> URL
    char_styles: tuple[str, ...] = ()

    def build(self) -> bytes:
        parts = dict(_blank())
        document = etree.fromstring(parts["word/document.xml"])
        old_body = document.find(W + "body")
        section = old_body.find(W + "sectPr")
        body = etree.fromstring(f"<w:body {_DECLARATIONS}>{self.body}</w:body>")
        body.append(section)
        document.replace(old_body, body)
        rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
        types = etree.fromstring(parts["[Content_Types].xml"])

        def relate(rid: str, kind: str, target: str, external: bool = False) -> None:
            rel = etree.SubElement(
                rels, f"{{{REL_NS}}}Relationship", Id=rid, Type=RELS + kind, Target=target
            )
            if external:
                rel.set("TargetMode", "External")

        for number, colour in self.images.items():
            parts[f"word/media/image{number}.png"] = tiny_png(COLOURS[colour])
            relate(f"rIdImg{number}", "image", f"media/image{number}.png")
        if self.images:
            etree.SubElement(types, f"{{{CT_NS}}}Default", Extension="png", ContentType="image/png")
        for number, url in self.links.items():
            relate(f"rIdLink{number}", "hyperlink", url, external=True)
        for kind, notes in (("footnote", self.footnotes), ("endnote", self.endnotes)):
            if not notes:
                continue
            separators = "".join(
                f'<w:{kind} w:type="{t}" w:id="{i}"><w:p><w:r><w:{t}/></w:r></w:p></w:{kind}>'
                for i, t in ((-1, "separator"), (0, "continuationSeparator"))
            )
            bodies = "".join(
                f'<w:{kind} w:id="{i}">{p}</w:{kind}>' for i, p in enumerate(notes, start=1)
            )
            parts[f"word/{kind}s.xml"] = (
                f"<w:{kind}s {_DECLARATIONS}>{separators}{bodies}</w:{kind}s>"
            ).encode()
            relate(f"rId{kind}s", f"{kind}s", f"{kind}s.xml")
            etree.SubElement(
                types,
                f"{{{CT_NS}}}Override",
                PartName=f"/word/{kind}s.xml",
                ContentType=f"{TYPES}{kind}s+xml",
            )
        if self.char_styles:
            styles = etree.fromstring(parts["word/styles.xml"])
            for name in self.char_styles:
                styles.append(
                    etree.fromstring(
                        f'<w:style {_DECLARATIONS} w:type="character" w:customStyle="1" '
                        f'w:styleId="{name}"><w:name w:val="{name}"/><w:rPr><w:b/><w:color '
                        f'w:val="C00000"/></w:rPr></w:style>'
                    )
                )
            parts["word/styles.xml"] = etree.tostring(styles)
        parts["word/document.xml"] = etree.tostring(document)
        parts["word/_rels/document.xml.rels"] = etree.tostring(rels)
        parts["[Content_Types].xml"] = etree.tostring(types)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
        return buffer.getvalue()


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def r(text: str, rpr: str = "") -> str:
    properties = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r>{properties}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def p(*content: str, ppr: str = "") -> str:
    """A paragraph; plain strings become runs, strings starting with '<' are XML."""
    inner = "".join(c if c.startswith("<") else r(c) for c in content)
    return f"<w:p>{f'<w:pPr>{ppr}</w:pPr>' if ppr else ''}{inner}</w:p>"


def ps(*texts: str) -> str:
    return "".join(p(t) for t in texts)


def cell(content: str | list[str], tcpr: str = "") -> str:
    paragraphs = [content] if isinstance(content, str) else content
    inner = (
        "".join(c if c.startswith("<w:p") or c.startswith("<w:tbl") else p(c) for c in paragraphs)
        or p()
    )
    if inner.startswith("<w:tbl") or inner.endswith("</w:tbl>"):
        inner += p()
    return f'<w:tc><w:tcPr><w:tcW w:w="2000" w:type="dxa"/>{tcpr}</w:tcPr>{inner}</w:tc>'


def tbl(rows: list[list[str | list[str]]], *, raw_cells: bool = False) -> str:
    width = max(len(row) for row in rows)
    grid = "".join('<w:gridCol w:w="2000"/>' for _ in range(width))
    body = "".join(
        "<w:tr>"
        + "".join(c if raw_cells and c.startswith("<w:tc") else cell(c) for c in row)
        + "</w:tr>"
        for row in rows
    )
    return (
        f'<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
    )


def img(number: int, shape: int | None = None) -> str:
    shape = shape or number
    return (
        f'<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="190500" cy="190500"/><wp:docPr id="{shape}" name="Picture {shape}"/>'
        f'<a:graphic><a:graphicData uri="{NAMESPACES["pic"]}"><pic:pic><pic:nvPicPr>'
        f'<pic:cNvPr id="{shape}" name="image{number}.png"/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="rIdImg{number}"/><a:stretch><a:fillRect/></a:stretch>'
        f'</pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="190500" '
        f'cy="190500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        f"</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def math(*pieces: str) -> str:
    """An equation: each piece an m:r; 'a/b' becomes a fraction."""
    inner = ""
    for piece in pieces:
        if "/" in piece:
            num, den = piece.split("/")
            inner += (
                f"<m:f><m:num><m:r><m:t>{esc(num)}</m:t></m:r></m:num><m:den><m:r>"
                f"<m:t>{esc(den)}</m:t></m:r></m:den></m:f>"
            )
        else:
            inner += f"<m:r><m:t>{esc(piece)}</m:t></m:r>"
    return f"<m:oMath>{inner}</m:oMath>"


def link(number: int, text: str) -> str:
    return (
        f'<w:hyperlink r:id="rIdLink{number}"><w:r><w:rPr><w:u w:val="single"/></w:rPr>'
        f'<w:t xml:space="preserve">{esc(text)}</w:t></w:r></w:hyperlink>'
    )


def field_simple(instruction: str, result: str) -> str:
    return (
        f'<w:fldSimple w:instr=" {instruction} "><w:r><w:t>{esc(result)}</w:t></w:r></w:fldSimple>'
    )


def field_complex(instruction: str, result: str) -> str:
    return (
        f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space='
        f'"preserve"> {instruction} </w:instrText></w:r><w:r><w:fldChar '
        f'w:fldCharType="separate"/></w:r>{r(result)}<w:r><w:fldChar w:fldCharType="end"/>'
        f"</w:r>"
    )


def note_ref(kind: str, number: int) -> str:
    return (
        f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
        f'<w:{kind}Reference w:id="{number}"/></w:r>'
    )


def note_body(kind: str, *paragraphs: str) -> str:
    """A note: the first paragraph starts with the note's own mark."""
    mark = f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:{kind}Ref/></w:r>'
    out = ""
    for index, text in enumerate(paragraphs):
        body = text if text.startswith("<w:p") or text.startswith("<w:tbl") else p(text)
        if index == 0 and body.startswith("<w:p>"):
            body = "<w:p>" + mark + body[len("<w:p>") :]
        out += body
    return out


def textbox(text: str) -> str:
    """A VML text box (what WmlComparer walks into), in its own run."""
    return (
        f'<w:r><w:pict><v:shape id="tb1" type="#_x0000_t202" style="width:120pt;'
        f'height:40pt"><v:textbox><w:txbxContent>{ps(*text.split("|"))}</w:txbxContent>'
        f"</v:textbox></v:shape></w:pict></w:r>"
    )


def drawing_textbox(text: str, shape: int = 1) -> str:
    """A Word 2010 text box: DrawingML (wps) in mc:Choice, its VML twin in mc:Fallback (whose
    text is what WmlComparer counts: a w:drawing is one atom to it)."""
    content = f"<w:txbxContent>{ps(*text.split('|'))}</w:txbxContent>"
    return (
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor '
        f'distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
        f'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" '
        f'y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset>'
        f'</wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset>'
        f'</wp:positionV><wp:extent cx="1524000" cy="508000"/><wp:wrapSquare wrapText='
        f'"bothSides"/><wp:docPr id="{shape}" name="Text Box {shape}"/><a:graphic>'
        f'<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        f'<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext '
        f'cx="1524000" cy="508000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
        f"</wps:spPr><wps:txbx>{content}</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData>"
        f"</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape "
        f'id="Text Box {shape}" type="#_x0000_t202" style="width:120pt;height:40pt">'
        f"<v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>"
        f"</mc:AlternateContent></w:r>"
    )


def tracked(
    tag: str,
    content: str,
    author: str = "Partner",
    date: str = "2025-01-01T00:00:00Z",
    rid: int = 900,
) -> str:
    if tag == "del":
        content = (
            content.replace("<w:t ", "<w:delText ")
            .replace("<w:t>", "<w:delText>")
            .replace("</w:t>", "</w:delText>")
        )
    return f'<w:{tag} w:id="{rid}" w:author="{author}" w:date="{date}">{content}</w:{tag}>'


# -- the cases -----------------------------------------------------------------------------------

LOREM = (
    "Video provides a powerful way to help you prove your point. When you click Online "
    "Video, you can paste in the embed code for the video you want to add."
)
SECOND = (
    "You can also type a keyword to search online for the video that best fits your "
    "document. To make your document look professionally produced, Word provides "
    "header, footer, cover page, and text box designs that complement each other."
)
THIRD = "Themes and styles also help keep your document coordinated."
DIGITS = [
    "1 2 3 4 5 6 7 8 9 10",
    "11 12 13 14 15 16 17 18 19 20",
    "21 22 23 24 25 26 27 28 29 30",
    "31 32 33 34 35 36 37 38 39 40",
]
TWENTY = [
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
    "Twenty",
]
CELLS = [["111", "222"], ["333", "444"], ["555", "666"]]


def swap(text: str, old: str, new: str) -> str:
    assert old in text, (old, text)
    return text.replace(old, new, 1)


def wc001() -> dict[str, Doc]:
    mod = list(DIGITS)
    mod[1] = swap(mod[1], "14", "41")
    mod[3] = swap(mod[3], "37", "73")
    return {
        "digits": Doc(ps(*DIGITS)),
        "mod": Doc(ps(*mod)),
        "deleted": Doc(ps(*DIGITS[:2], *DIGITS[3:])),
    }


def wc002() -> dict[str, Doc]:
    def doc(text: str) -> Doc:
        return Doc(ps(LOREM, text, THIRD))

    return {
        "unmodified": doc(SECOND),
        "diff-middle": doc(swap(SECOND, "search online", "look online")),
        "diff-beginning": doc(swap(SECOND, "You can", "We can")),
        "delete-beginning": doc(swap(SECOND, "You can also ", "")),
        "insert-beginning": doc("Now " + SECOND),
        "insert-end": doc(SECOND + " Enjoy."),
        "delete-end": doc(swap(SECOND, " that complement each other", "")),
        "delete-middle": doc(swap(SECOND, "best ", "")),
        "insert-middle": doc(swap(SECOND, "the video", "the short video")),
    }


def wc006() -> dict[str, Doc]:
    return {
        "table": Doc(p("Before the table.") + tbl(CELLS) + p("After the table.")),
        "delete-row": Doc(
            p("Before the table.") + tbl([CELLS[0], CELLS[2]]) + p("After the table.")
        ),
        "delete-contents": Doc(
            p("Before the table.") + tbl([CELLS[0], ["", ""], CELLS[2]]) + p("After the table.")
        ),
    }


def wc007() -> dict[str, Doc]:
    first, second, third = LOREM, SECOND, THIRD
    return {
        "unmodified": Doc(ps(first, second, third) + tbl([["Alpha", "Beta"]]) + p("End.")),
        "longest-at-end": Doc(
            ps(first, swap(second, "You can also type", "Type"), third)
            + tbl([["Alpha", "Beta"]])
            + p("End.")
        ),
        "deleted-at-beginning": Doc(
            ps(first, swap(second, "You can also ", ""), third)
            + tbl([["Alpha", "Beta"]])
            + p("End.")
        ),
        "moved-into-table": Doc(ps(first, third) + tbl([[["Alpha", second], "Beta"]]) + p("End.")),
    }


def wc009() -> dict[str, Doc]:
    return {
        "unmodified": Doc(p("Intro.") + tbl(CELLS) + p("Outro.")),
        "cell-mod": Doc(p("Intro.") + tbl([["111 and more", "222"], *CELLS[1:]]) + p("Outro.")),
    }


def wc010() -> dict[str, Doc]:
    return {
        "unmodified": Doc(p(LOREM) + tbl(CELLS) + p("After.")),
        "mod": Doc(
            p(swap(swap(LOREM, "powerful", "strong"), "you want", "you really want"))
            + tbl(CELLS)
            + p("After.")
        ),
    }


def wc013() -> dict[str, Doc]:
    return {
        "before": Doc(p("Here is an image:", img(1)) + p(THIRD), images={1: 1}),
        "before2": Doc(p("Here is an image:", img(1, 5)) + p(THIRD), images={1: 1}),
        "after": Doc(p("Here is an image:", img(1)) + p(THIRD), images={1: 2}),
        "after2": Doc(p("Here is an image:", img(2, 7)) + p(THIRD), images={2: 3}),
    }


def wc016() -> dict[str, Doc]:
    return {
        "para-image-para": Doc(p(LOREM) + p(img(1)) + p(THIRD), images={1: 1}),
        "deleted-image": Doc(p(LOREM) + p() + p(THIRD), images={}),
    }


def wc017() -> dict[str, Doc]:
    return {
        "image": Doc(p("Logo:", img(1)) + p(SECOND), images={1: 1}),
        "after": Doc(
            p("Logo:", img(1)) + p(swap(SECOND, "a keyword", "a short keyword")), images={1: 2}
        ),
    }


def wc018() -> dict[str, Doc]:
    def doc(field_xml: str, tail: str = "and the rest of the text.") -> Doc:
        return Doc(p("Page ", field_xml, " of the document ", tail) + p(THIRD))

    return {
        "before": doc(field_simple("PAGE", "1")),
        "after-1": doc(field_simple("NUMPAGES", "3")),
        "after-2": doc(field_simple("NUMPAGES", "3"), "and the rest of the whole text."),
    }


def wc019() -> dict[str, Doc]:
    links = {1: "https://example.com/one", 2: "https://example.com/two"}
    before = Doc(
        p("See ", link(1, "the first site"), " and ", link(2, "the second site"), " for more.")
        + p(THIRD),
        links=links,
    )
    after1 = Doc(
        p(
            "See ",
            link(1, "the first site"),
            " and ",
            link(2, "the second site"),
            " for more details.",
        )
        + p(THIRD),
        links={1: "https://example.org/changed", 2: links[2]},
    )
    after2 = Doc(
        p("See ", link(1, "the first web site"), " and ", link(2, "the other site"), " for more.")
        + p(swap(THIRD, "styles", "fonts")),
        links={1: links[1], 2: "https://example.org/changed"},
    )
    return {"before": before, "after-1": after1, "after-2": after2}


def notes_doc(kind: str, body_texts: list[str], notes: list[list[str]]) -> Doc:
    """Body paragraphs, paragraph i carrying note i+1 when there is one."""
    body = "".join(
        p(text, note_ref(kind, i + 1)) if i < len(notes) else p(text)
        for i, text in enumerate(body_texts)
    )
    bodies = [note_body(kind, *note) for note in notes]
    return Doc(body, **{f"{kind}s": bodies})


def wc020() -> dict[str, Doc]:
    texts = [LOREM, SECOND, THIRD]
    notes = [["This is the first footnote."], ["This is the second footnote."]]
    return {
        "before": notes_doc("footnote", texts, notes),
        "after-1": notes_doc(
            "footnote", [LOREM, SECOND, THIRD + " Indeed."], [["This is the first note."], notes[1]]
        ),
        "after-2": notes_doc(
            "footnote",
            [swap(LOREM, "powerful", "strong"), SECOND, swap(THIRD, "also ", "")],
            [["This is the first note."], notes[1]],
        ),
    }


def math_doc(equations: list[list[str]], text: str = THIRD, image: bool = False) -> Doc:
    body = "".join(p(math(*e)) for e in equations) + p(text)
    if image:
        return Doc(p("Figure:", img(1)) + body, images={1: 1})
    return Doc(body)


EQUATIONS = [["a", "+", "b"], ["x/y"], ["E", "=", "mc2"], ["1/2", "+", "z"], ["p", "-", "q"]]


def wc021_wc031() -> dict[str, Doc]:
    def changed(indices: list[int]) -> list[list[str]]:
        out = [list(e) for e in EQUATIONS]
        for i in indices:
            out[i] = (
                [*out[i][:-1], out[i][-1] + "9"] if "/" not in out[i][-1] else [*out[i][:-1], "k/l"]
            )
        return out

    return {
        "before": math_doc(EQUATIONS),
        "after-1": math_doc(changed([0, 1, 3, 4]), THIRD + " Indeed."),  # 4 equations + 1 = 9
        "after-2": math_doc(changed([0, 2, 4])),  # 3 equations = 6
        "image-before": math_doc(EQUATIONS, image=True),
        "image-after": math_doc(changed([2]), image=True),
        "two-before": math_doc(EQUATIONS[:2]),
        "two-after": math_doc(changed([0, 1])[:2]),
        "one-after": math_doc(changed([1])[:2]),
        "mixed-after": Doc(
            p("Figure:", img(1))
            + "".join(p(math(*e)) for e in changed([0, 2, 4]))
            + p(swap(THIRD, "styles", "fonts")),
            images={1: 2},
        ),
    }


def wc024_wc026() -> dict[str, Doc]:
    big = [[f"Row {i} column {j}" for j in range(1, 4)] for i in range(1, 7)]
    big2 = [list(row) for row in big]
    big2[0][0] = "Row 1 column one"
    big2[2][1] = "Row 3 column two"
    big2[4][2] = "Row 5 column three"
    big2[5][0] = "Row 6 column 1 extra"
    small = [["A", "B"], ["C", "D"]]
    long_rows = [[f"Item {i}", f"Value {i * 7}"] for i in range(1, 41)]
    long_mod = [list(row) for row in long_rows]
    long_mod[25][1] = "Value 999"
    return {
        "wc024-before": Doc(p("Table:") + tbl(big) + p("End.")),
        "wc024-after": Doc(
            p("Table:") + tbl([*big[:3], [big[3][0] + " extra", *big[3][1:]], *big[4:]]) + p("End.")
        ),
        "wc024-after2": Doc(p("Table:") + tbl(big2) + p("End.")),
        "wc025-before": Doc(tbl(small) + p()),
        "wc025-after": Doc(tbl([["X", "B"], ["C", "Y"]]) + p()),
        "wc026-before": Doc(p("Long table:") + tbl(long_rows) + p("End.")),
        "wc026-after": Doc(p("Long table:") + tbl(long_mod) + p("End.")),
    }


def wc027() -> dict[str, Doc]:
    after1 = [t for t in TWENTY if t != "Three"]
    after1.insert(after1.index("Twenty"), "19.5")
    after2 = ["THree" if t == "Three" else "NIneteen" if t == "Nineteen" else t for t in TWENTY]
    return {"before": Doc(ps(*TWENTY)), "after-1": Doc(ps(*after1)), "after-2": Doc(ps(*after2))}


def wc032() -> dict[str, Doc]:
    props = '<w:spacing w:before="240" w:after="240"/><w:ind w:left="720"/><w:jc w:val="both"/>'
    return {
        "before": Doc(p(LOREM, ppr=props) + p(SECOND, ppr=props) + p(THIRD)),
        "after": Doc(
            p(swap(LOREM, "powerful", "strong"), ppr=props)
            + p(swap(SECOND, "best ", ""), ppr='<w:jc w:val="center"/>')
            + p(THIRD)
        ),
    }


def merged(rows: list[list[str]]) -> str:
    """3 columns; row 0: cell 0 spans two columns; column 2 of rows 1-2 is merged
    vertically."""

    def tc(text: str, tcpr: str = "") -> str:
        return cell(text, tcpr)

    return tbl(
        [
            [tc(rows[0][0], '<w:gridSpan w:val="2"/>'), tc(rows[0][1])],
            [tc(rows[1][0]), tc(rows[1][1]), tc(rows[1][2], '<w:vMerge w:val="restart"/>')],
            [tc(rows[2][0]), tc(rows[2][1]), tc("", "<w:vMerge/>")],
        ],
        raw_cells=True,
    )


def wc033() -> dict[str, Doc]:
    base = [["Merged across", "Right"], ["Left", "Middle", "Merged down"], ["Low", "Mid", ""]]
    one = [list(row) for row in base]
    one[0][0] = "Merged wide"
    two = [list(row) for row in base]
    two[1][2] = "Merged vertically"
    two[2][0] = "Bottom"
    return {
        "before": Doc(merged(base) + p()),
        "after1": Doc(merged(one) + p()),
        "after2": Doc(merged(two) + p()),
    }


def wc034(kind: str) -> dict[str, Doc]:
    texts = [LOREM, SECOND, THIRD, "A fourth paragraph closes the document."]
    notes = [
        [f"The first {kind} text."],
        [f"The second {kind} says more."],
        [f"The third {kind} is here."],
    ]
    # a fourth note on the last paragraph and a word in the first (footnotes: 1 + 1 + 1);
    # endnotes also reword the first two notes (+ 2 + 2)
    changed = (
        notes
        if kind == "footnote"
        else [[f"The first {kind} wording."], [f"The second {kind} says less."], notes[2]]
    )
    added = notes_doc(
        kind,
        [swap(LOREM, "your point", "your main point"), *texts[1:3], texts[3] + "<note>"],
        changed,
    )
    added.body = added.body.replace("&lt;note&gt;</w:t></w:r>", "</w:t></w:r>" + note_ref(kind, 4))
    added_notes = added.footnotes if kind == "footnote" else added.endnotes
    added_notes.append(note_body(kind, f"A new {kind} added by the other side."))
    return {
        "before": notes_doc(kind, texts, notes),
        "after1": notes_doc(
            kind, texts, [notes[0], [f"The second {kind} says much more."], notes[2]]
        ),
        "after2": notes_doc(
            kind, texts, [[f"The first {kind} wording."], notes[1], [f"The third {kind} is there."]]
        ),
        "after3": added,
    }


def wc035(kind: str) -> dict[str, Doc]:
    texts = [LOREM, SECOND]
    return {
        "before": notes_doc(kind, texts, [[f"Only {kind} text."]]),
        "after": notes_doc(kind, texts, [[f"Only {kind} wording."]]),
    }


def wc036(kind: str) -> dict[str, Doc]:
    def doc(rows: list[list[str]], tail: str) -> Doc:
        note = note_body(kind, f"A {kind} with a table{tail}", tbl(rows), p("After the table."))
        return Doc(p(LOREM, note_ref(kind, 1)) + p(SECOND), **{f"{kind}s": [note]})

    if kind == "footnote":  # two cells and a word: 2 + 2 + 1
        return {
            "before": doc(CELLS, "."),
            "after": doc([["111", "two"], ["333", "444"], ["five", "666"]], " inside."),
        }
    return {
        "before": doc(CELLS, "."),  # three cells: 2 + 2 + 2
        "after": doc([["111", "two"], ["three", "444"], ["five", "666"]], "."),
    }


def wc038() -> dict[str, Doc]:
    br = "<w:r><w:br/></w:r>"
    return {
        "before": Doc(p("First line", br, "Second line of text", br, "Third line") + p(THIRD)),
        "after": Doc(p("First line", br, "Second row of text", br, "Third line") + p(THIRD)),
    }


def wc039() -> dict[str, Doc]:
    br = "<w:r><w:br/></w:r>"

    def doc(tail: str) -> Doc:
        return Doc(tbl([[p("Top", br, "bottom" + tail), "Other"], ["Next", "Row"]]) + p())

    return {"before": doc(""), "after1": doc(" half")}


def wc043() -> dict[str, Doc]:
    def doc(inner_text: str) -> Doc:
        inner = tbl([["Inner one", inner_text]])
        return Doc(tbl([["Outer one", [inner]], ["Outer three", "Outer four"]]) + p())

    return {"before": doc("Inner two"), "mod": doc("Inner 2")}


def wc044() -> dict[str, Doc]:
    return {
        "before": Doc(p("Text box follows:", textbox("Inside the box|Second line")) + p(THIRD)),
        "mod": Doc(p("Text box follows:", textbox("Inside the frame|Second line")) + p(THIRD)),
    }


def textboxes() -> dict[str, Doc]:
    box, other = "Inside the box|Second line", "Another box"
    changed = "Inside the frame|Second line"
    return {
        "one": Doc(p("Text box follows:", drawing_textbox(box)) + p(THIRD)),
        "one-mod": Doc(p("Text box follows:", drawing_textbox(changed)) + p(THIRD)),
        "two": Doc(
            p("Boxes:", textbox(box))
            + p("More:", textbox(other).replace('id="tb1"', 'id="tb2"'))
            + p(THIRD)
        ),
        "two-mod": Doc(
            p("Boxes:", textbox(box))
            + p("More:", textbox("Another shape").replace('id="tb1"', 'id="tb2"'))
            + p(THIRD)
        ),
        "before-ins": Doc(p("Text box follows:", drawing_textbox(box)) + p(THIRD)),
        "before-ins-mod": Doc(p("Text box now follows:", drawing_textbox(box)) + p(THIRD)),
        "in-cell": Doc(
            tbl([[p("Cell box:", textbox(box)), "Right cell"], ["Lower left", "Lower right"]]) + p()
        ),
        "in-cell-mod": Doc(
            tbl([[p("Cell box:", textbox(changed)), "Right part"], ["Lower side", "Lower right"]])
            + p()
        ),
    }


def wc053_wc054() -> dict[str, Doc]:
    def doc(text: str) -> Doc:
        return Doc(p("Table:") + tbl([[text, "Other"], ["More", "Cells"]]) + p())

    partner = (
        p("Table:")
        + tbl(
            [
                [
                    p(
                        tracked("del", r("Text in cell")),
                        tracked("ins", r("Text in cell"), rid=901),
                    ),
                    "Other",
                ],
                ["More", "Cells"],
            ]
        )
        + p()
    )
    return {
        "before": doc("Text in cell"),
        "wc053-mod": doc("Text for cell"),
        "wc054-mod": Doc(partner),
    }


def wc055() -> dict[str, Doc]:
    french = (
        "Le contrôleur répond à la demande dans un délai d'un mois à compter de la "
        "réception de celle-ci."
    )
    return {
        "before": Doc(ps(french, THIRD)),
        "mod": Doc(
            ps(
                swap(french, "d'un mois", "de deux mois").replace("de deux mois", "d'une semaine"),
                THIRD,
            )
        ),
    }


def more() -> dict[str, Doc]:
    five = [[f"R{i}C1 text", f"R{i}C2 text"] for i in range(1, 6)]
    five_mod = [list(row) for row in five]
    five_mod[2][1] = "R3C2 words"
    french = "La société conserve les données pendant la durée du contrat et trois ans après."
    base = [["Merged across", "Right"], ["Left", "Middle", "Merged down"], ["Low", "Mid", ""]]
    merged_mod = [
        ["Merged across", "Side"],
        ["Left", "Centre", "Merged down"],
        ["Bottom", "Mid", ""],
    ]
    return {
        "table-5": Doc(p("Five rows:") + tbl(five) + p("End.")),
        "table-5-mod": Doc(p("Five rows:") + tbl(five_mod) + p("End.")),
        "french": Doc(ps(french, THIRD)),
        "french-mod": Doc(ps(swap(french, "trois ans", "cinq ans"), THIRD)),
        "merged": Doc(merged(base) + p()),
        "merged-mod": Doc(merged(merged_mod) + p()),
        "fn059": notes_doc(
            "footnote", [LOREM, SECOND], [["First note text."], ["Second note text here."]]
        ),
        "fn059-mod": notes_doc(
            "footnote",
            [LOREM, SECOND + " Indeed."],
            [["First note wording."], ["Second note words here."]],
        ),
        "en060": notes_doc("endnote", [LOREM, SECOND], [["Endnote text."]]),
        "en060-mod": notes_doc(
            "endnote",
            [swap(LOREM, "a powerful", "a very powerful"), SECOND],
            [["Endnote wording."]],
        ),
    }


def wc055_tracked() -> dict[str, Doc]:
    """The revised file holds the partner's own tracked replacement of one word."""
    french = "La société conserve les données pendant la durée du contrat."
    head, tail = french.split("conserve")
    partner = p(head, tracked("del", r("conserve")), tracked("ins", r("garde"), rid=901), tail)
    return {"before": Doc(ps(french, THIRD)), "mod": Doc(partner + p(THIRD))}


def wc057() -> dict[str, Doc]:
    base = [["Merged across", "Right"], ["Left", "Middle", "Merged down"], ["Low", "Mid", ""]]
    mod = [["Merged widely", "Side"], ["Left", "Middle", "Merged down"], ["Low", "Mid", ""]]
    return {"before": Doc(merged(base) + p()), "mod": Doc(merged(mod) + p())}


def wc061_wc062() -> dict[str, Doc]:
    styled = r("vital", '<w:rStyle w:val="Emphatic"/>')
    return {
        "before": Doc(ps(LOREM, THIRD)),
        "style-added": Doc(
            p(LOREM) + p("A heading in a new style", ppr='<w:pStyle w:val="Heading1"/>') + p(THIRD)
        ),
        "char-style": Doc(
            p(LOREM)
            + p("Themes and styles also help keep your ", styled, " document coordinated.").replace(
                "your </w:t>", "your </w:t>"
            ),
            char_styles=("Emphatic",),
        ),
        "char-style-before": Doc(
            p(LOREM) + p("Themes and styles also help keep your important document coordinated.")
        ),
    }


def wc063_wc064() -> dict[str, Doc]:
    base = notes_doc("footnote", [LOREM, SECOND], [["Footnote text here."]])
    renumbered = Doc(
        p(LOREM, note_ref("footnote", 5)) + p(SECOND),
        footnotes=[
            note_body("footnote", "Unused."),
            note_body("footnote", "x"),
            note_body("footnote", "y"),
            note_body("footnote", "z"),
            note_body("footnote", "Footnote text here."),
        ],
    )
    return {
        "before": base,
        "mod": notes_doc("footnote", [LOREM, SECOND], [["Footnote text here, amended."]]),
        "renumbered": renumbered,
    }


def wc015() -> dict[str, Doc]:
    return {
        "three": Doc(ps(LOREM, SECOND, THIRD)),
        "after": Doc(
            ps(
                swap(LOREM, "a powerful", "a very powerful"),
                swap(SECOND, "the video", "the one video"),
                THIRD + " Really.",
            )
        ),
    }


def ca001() -> dict[str, Doc]:
    return {
        "plain": Doc(ps(LOREM, SECOND)),
        "mod": Doc(ps(swap(LOREM, "your point", "your main point"), SECOND)),
    }


def rc() -> dict[str, Doc]:
    return {
        "rc001-before": Doc(ps(LOREM, SECOND, THIRD)),
        "rc001-after1": Doc(ps(LOREM, swap(SECOND, "keyword", "phrase"), THIRD)),
        "rc002-image": Doc(p(LOREM) + p(THIRD)),
        "rc002-after1": Doc(p(LOREM) + p(THIRD, img(1)), images={1: 1}),
    }


_FAMILIES = {
    "wc001": wc001,
    "wc002": wc002,
    "wc006": wc006,
    "wc007": wc007,
    "wc009": wc009,
    "wc010": wc010,
    "wc013": wc013,
    "wc016": wc016,
    "wc017": wc017,
    "wc018": wc018,
    "wc019": wc019,
    "wc020": wc020,
    "math": wc021_wc031,
    "tables": wc024_wc026,
    "wc027": wc027,
    "wc032": wc032,
    "wc033": wc033,
    "fn034": lambda: wc034("footnote"),
    "en034": lambda: wc034("endnote"),
    "fn035": lambda: wc035("footnote"),
    "en035": lambda: wc035("endnote"),
    "fn036": lambda: wc036("footnote"),
    "en036": lambda: wc036("endnote"),
    "wc038": wc038,
    "wc015": wc015,
    "wc039": wc039,
    "wc043": wc043,
    "boxes": textboxes,
    "more": more,
    "tracked": wc055_tracked,
    "wc044": wc044,
    "wc053": wc053_wc054,
    "wc055": wc055,
    "wc057": wc057,
    "styles": wc061_wc062,
    "wc063": wc063_wc064,
    "ca001": ca001,
    "rc": rc,
}


@cache
def built(family: str, name: str) -> bytes:
    return _FAMILIES[family]()[name].build()


@dataclass(frozen=True)
class Case:
    test_id: str
    before: str  # "family/name"
    after: str
    expected: int
    upstream: str  # upstream pair, for the record
    skip: str = ""  # why dsagen deliberately differs
    known: str = ""  # a difference not fixed yet (strict xfail)

    def documents(self) -> tuple[bytes, bytes]:
        return built(*self.before.split("/")), built(*self.after.split("/"))


PARTNERS_OWN = (
    "the revised file already holds tracked changes; dsagen keeps the partner's "
    "own revisions verbatim (author, date) and adds its own only for silent "
    "edits, where WmlComparer accepts them first and re-attributes the difference"
)
MATH_INSIDE = (
    "dsagen marks a changed equation inside m:oMath (m:r-level w:ins/w:del), "
    "which GetRevisions cannot see (an m:oMath is one atom for it)"
)

CASES = [
    Case("WC-1000", "ca001/plain", "ca001/mod", 1, "CA001-Plain -> Mod"),
    Case("WC-1010", "wc001/digits", "wc001/mod", 4, "WC001-Digits -> Mod"),
    Case("WC-1020", "wc001/digits", "wc001/deleted", 1, "WC001-Digits -> Deleted-Paragraph"),
    Case("WC-1030", "wc001/deleted", "wc001/digits", 1, "WC001 Deleted-Paragraph -> Digits"),
    Case("WC-1040", "wc002/unmodified", "wc002/diff-middle", 2, "WC002 DiffInMiddle"),
    Case("WC-1050", "wc002/unmodified", "wc002/diff-beginning", 2, "WC002 DiffAtBeginning"),
    Case("WC-1060", "wc002/unmodified", "wc002/delete-beginning", 1, "WC002 DeleteAtBeginning"),
    Case("WC-1070", "wc002/unmodified", "wc002/insert-beginning", 1, "WC002 InsertAtBeginning"),
    Case("WC-1080", "wc002/unmodified", "wc002/insert-end", 1, "WC002 InsertAtEnd"),
    Case("WC-1090", "wc002/unmodified", "wc002/delete-end", 1, "WC002 DeleteAtEnd"),
    Case("WC-1100", "wc002/unmodified", "wc002/delete-middle", 1, "WC002 DeleteInMiddle"),
    Case("WC-1110", "wc002/unmodified", "wc002/insert-middle", 1, "WC002 InsertInMiddle"),
    Case("WC-1120", "wc002/delete-middle", "wc002/unmodified", 1, "WC002 DeleteInMiddle -> Unm."),
    Case("WC-1140", "wc006/table", "wc006/delete-row", 1, "WC006 Table -> Delete-Row"),
    Case("WC-1150", "wc006/delete-row", "wc006/table", 1, "WC006 Delete-Row -> Table"),
    Case("WC-1160", "wc006/table", "wc006/delete-contents", 2, "WC006 Delete-Contents-of-Row"),
    Case("WC-1170", "wc007/unmodified", "wc007/longest-at-end", 2, "WC007 Longest-At-End"),
    Case(
        "WC-1180",
        "wc007/unmodified",
        "wc007/deleted-at-beginning",
        1,
        "WC007 Deleted-at-Beginning-of-Para",
    ),
    Case("WC-1190", "wc007/unmodified", "wc007/moved-into-table", 2, "WC007 Moved-into-Table"),
    Case("WC-1200", "wc009/unmodified", "wc009/cell-mod", 1, "WC009 Table-Cell-1-1-Mod"),
    Case("WC-1210", "wc010/unmodified", "wc010/mod", 3, "WC010 Para-Before-Table-Mod"),
    Case("WC-1220", "rc/rc001-before", "rc/rc001-after1", 2, "WC011 Before -> After"),
    Case("WC-1230", "math/two-before", "math/one-after", 2, "WC012 Math"),
    Case("WC-1240", "wc013/before", "wc013/after", 2, "WC013 Image -> After (other bytes)"),
    Case("WC-1250", "wc013/before", "wc013/after2", 2, "WC013 Image -> After2"),
    Case("WC-1260", "wc013/before2", "wc013/after2", 2, "WC013 Image-Before2 -> After2"),
    Case("WC-1330", "wc015/three", "wc015/after", 3, "WC015 Three-Paragraphs"),
    Case(
        "WC-1340",
        "wc016/para-image-para",
        "wc016/deleted-image",
        1,
        "WC016 Para-Image-Para-w-Deleted-Image",
    ),
    Case("WC-1350", "wc017/image", "wc017/after", 3, "WC017 Image -> After (image + word)"),
    Case("WC-1360", "wc018/before", "wc018/after-1", 2, "WC018 Field-Simple After-1"),
    Case("WC-1370", "wc018/before", "wc018/after-2", 3, "WC018 Field-Simple After-2"),
    Case("WC-1380", "wc019/before", "wc019/after-1", 3, "WC019 Hyperlink After-1"),
    Case("WC-1390", "wc019/before", "wc019/after-2", 5, "WC019 Hyperlink After-2"),
    Case("WC-1400", "wc020/before", "wc020/after-1", 3, "WC020 FootNote After-1"),
    Case("WC-1410", "wc020/before", "wc020/after-2", 5, "WC020 FootNote After-2"),
    Case("WC-1420", "math/before", "math/after-1", 9, "WC021 Math-1"),
    Case("WC-1430", "math/before", "math/after-2", 6, "WC021 Math-2"),
    Case("WC-1440", "math/image-before", "math/mixed-after", 10, "WC022 Image-Math-Para"),
    Case("WC-1460", "tables/wc024-before", "tables/wc024-after", 1, "WC024 Table -> After"),
    Case("WC-1470", "tables/wc024-before", "tables/wc024-after2", 7, "WC024 Table -> After2"),
    Case("WC-1480", "tables/wc025-before", "tables/wc025-after", 4, "WC025 Simple-Table"),
    Case("WC-1500", "tables/wc026-before", "tables/wc026-after", 2, "WC026 Long-Table"),
    Case("WC-1510", "wc027/before", "wc027/after-1", 2, "WC027 Twenty-Paras After-1"),
    Case("WC-1520", "wc027/after-1", "wc027/before", 2, "WC027 After-1 -> Before"),
    Case("WC-1530", "wc027/before", "wc027/after-2", 4, "WC027 After-2 (case only)"),
    Case("WC-1540", "math/image-before", "math/image-after", 2, "WC030 Image-Math"),
    Case("WC-1550", "math/two-before", "math/two-after", 4, "WC031 Two-Maths"),
    Case("WC-1560", "wc032/before", "wc032/after", 3, "WC032 Para-with-Para-Props"),
    Case("WC-1570", "wc033/before", "wc033/after1", 2, "WC033 Merged-Cells After1"),
    Case("WC-1580", "wc033/before", "wc033/after2", 4, "WC033 Merged-Cells After2"),
    Case("WC-1600", "fn034/before", "fn034/after1", 1, "WC034 Footnotes After1"),
    Case("WC-1610", "fn034/before", "fn034/after2", 4, "WC034 Footnotes After2"),
    Case("WC-1620", "fn034/before", "fn034/after3", 3, "WC034 Footnotes After3"),
    Case("WC-1630", "fn034/after3", "fn034/before", 3, "WC034 Footnotes After3 -> Before"),
    Case("WC-1640", "fn035/before", "fn035/after", 2, "WC035 Footnote"),
    Case("WC-1650", "fn035/after", "fn035/before", 2, "WC035 Footnote (reverse)"),
    Case("WC-1660", "fn036/before", "fn036/after", 5, "WC036 Footnote-With-Table"),
    Case("WC-1670", "fn036/after", "fn036/before", 5, "WC036 Footnote-With-Table (reverse)"),
    Case("WC-1680", "en034/before", "en034/after1", 1, "WC034 Endnotes After1"),
    Case("WC-1700", "en034/before", "en034/after2", 4, "WC034 Endnotes After2"),
    Case("WC-1710", "en034/before", "en034/after3", 7, "WC034 Endnotes After3"),
    Case("WC-1720", "en034/after3", "en034/before", 7, "WC034 Endnotes After3 -> Before"),
    Case("WC-1730", "en035/before", "en035/after", 2, "WC035 Endnote"),
    Case("WC-1740", "en035/after", "en035/before", 2, "WC035 Endnote (reverse)"),
    Case("WC-1750", "en036/before", "en036/after", 6, "WC036 Endnote-With-Table"),
    Case("WC-1760", "en036/after", "en036/before", 6, "WC036 Endnote-With-Table (reverse)"),
    Case("WC-1770", "wc044/before", "wc044/mod", 2, "WC037 Textbox (VML)"),
    Case("WC-1780", "wc038/before", "wc038/after", 2, "WC038 Document-With-BR"),
    Case("WC-1800", "rc/rc001-before", "rc/rc001-after1", 2, "RC001 Before -> After1"),
    Case("WC-1810", "rc/rc002-image", "rc/rc002-after1", 1, "RC002 Image -> After1"),
    Case("WC-1820", "wc039/before", "wc039/after1", 1, "WC039 Break-In-Row"),
    Case("WC-1830", "more/table-5", "more/table-5-mod", 2, "WC041 Table-5"),
    Case("WC-1840", "more/table-5-mod", "more/table-5", 2, "WC042 Table-5"),
    Case("WC-1850", "wc043/before", "wc043/mod", 2, "WC043 Nested-Table"),
    Case("WC-1860", "boxes/one", "boxes/one-mod", 2, "WC044 Text-Box"),
    Case("WC-1870", "boxes/one-mod", "boxes/one", 2, "WC045 Text-Box"),
    Case("WC-1880", "boxes/two", "boxes/two-mod", 2, "WC046 Two-Text-Box"),
    Case("WC-1890", "boxes/two-mod", "boxes/two", 2, "WC047 Two-Text-Box"),
    Case("WC-1900", "boxes/in-cell", "boxes/in-cell-mod", 6, "WC048 Text-Box-in-Cell"),
    Case("WC-1950", "wc053/before", "wc053/wc053-mod", 2, "WC053 Text-in-Cell"),
    Case(
        "WC-1960",
        "wc053/before",
        "wc053/wc054-mod",
        0,
        "WC054 Text-in-Cell (tracked)",
        skip=PARTNERS_OWN,
    ),
    Case("WC-1970", "wc055/before", "wc055/mod", 2, "WC055 French"),
    Case(
        "WC-1970t",
        "tracked/before",
        "tracked/mod",
        2,
        "WC055 French, the revised holding the partner's tracked replacement (kept as theirs)",
    ),
    Case("WC-1980", "more/french", "more/french-mod", 2, "WC056 French"),
    Case("WC-1990", "wc057/before", "wc057/mod", 4, "WC057 Table-Merged-Cell"),
    Case("WC-2000", "more/merged", "more/merged-mod", 6, "WC058 Table-Merged-Cell"),
    Case("WC-2010", "more/fn059", "more/fn059-mod", 5, "WC059 Footnote"),
    Case("WC-2020", "more/en060", "more/en060-mod", 3, "WC060 Endnote"),
    Case("WC-2030", "styles/before", "styles/style-added", 1, "WC061 Style-Added"),
    Case(
        "WC-2040", "styles/char-style-before", "styles/char-style", 2, "WC062 New-Char-Style-Added"
    ),
    Case("WC-2050", "wc063/before", "wc063/mod", 1, "WC063 Footnote"),
    Case("WC-2060", "wc063/mod", "wc063/before", 1, "WC063 Footnote (reverse)"),
    Case("WC-2070", "wc063/before", "wc063/renumbered", 0, "WC064 Footnote (ids only)"),
    Case("WC-2080", "boxes/one", "boxes/one-mod", 2, "WC065 Textbox"),
    Case("WC-2090", "boxes/before-ins", "boxes/before-ins-mod", 1, "WC066 Textbox-Before-Ins"),
    Case(
        "WC-2092",
        "boxes/before-ins-mod",
        "boxes/before-ins",
        1,
        "WC066 Textbox-Before-Ins (reverse)",
    ),
]


def redline(before: bytes, after: bytes) -> bytes:
    return render_redline(before, after, author=AUTHOR, date=DATE)


def _texts(views) -> list[str]:
    return [" ".join(v.text.split()) for v in views if v.text.strip()]


def _story_texts(document, view: str) -> list[str]:
    """Texts of the notes and text boxes present in this view of the body."""
    present = ("both", view)
    return [
        " ".join(p.text.split())
        for s in document.stories
        if s.kind in ("footnote", "endnote", "textbox") and s.present in present
        for p in getattr(s, view)
        if p.text.strip()
    ]


def assert_round_trip(before: bytes, after: bytes, red: bytes) -> None:
    ours, revised, original = read_docx(red), read_docx(after), read_docx(before)
    assert _texts(ours.accepted) == _texts(revised.accepted)
    assert _texts(ours.rejected) == _texts(original.accepted)
    assert _story_texts(ours, "accepted") == _story_texts(revised, "accepted")
    assert _story_texts(ours, "rejected") == _story_texts(original, "accepted")


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_wmlcomparer_pair(case: Case, request: pytest.FixtureRequest) -> None:
    if case.skip:
        pytest.skip(case.skip)
    if case.known:
        request.applymarker(pytest.mark.xfail(reason=case.known, strict=True))
    before, after = case.documents()
    red = redline(before, after)
    assert_round_trip(before, after, red)
    found = powertools_revisions(red)
    assert len(found) == case.expected, [(f.kind, f.part, f.text) for f in found]


FIXTURE_CASES = {
    "WC-1130": ("WC/WC004-Large.docx", "WC/WC004-Large-Mod.docx", 2),
    "WC-1140": ("WC/WC006-Table.docx", "WC/WC006-Table-Delete-Row.docx", 1),
    "WC-1150": ("WC/WC006-Table-Delete-Row.docx", "WC/WC006-Table.docx", 1),
    "WC-1510": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-1.docx", 2),
    "WC-1520": ("WC/WC027-Twenty-Paras-After-1.docx", "WC/WC027-Twenty-Paras-Before.docx", 2),
    "WC-1530": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-2.docx", 4),
}


@pytest.mark.parametrize("test_id", FIXTURE_CASES)
def test_wmlcomparer_fixture_pair(test_id: str) -> None:
    before_name, after_name, expected = FIXTURE_CASES[test_id]
    paths = [OXPT / before_name, OXPT / after_name]
    if not all(path.exists() for path in paths):
        pytest.skip("conformance fixtures not available (see shared/fixtures/README.md)")
    before, after = (path.read_bytes() for path in paths)
    red = redline(before, after)
    assert_round_trip(before, after, red)
    assert len(powertools_revisions(red)) == expected


def test_a_paragraph_moved_away_and_another_written_in_its_place_stays_a_move() -> None:
    before = Doc(ps(LOREM, SECOND, THIRD, "Closing words of the document."))
    after = Doc(
        ps(
            LOREM,
            "A new paragraph written in place.",
            THIRD,
            "Closing words of the document.",
            SECOND,
        )
    )
    red = redline(before.build(), after.build())
    assert_round_trip(before.build(), after.build(), red)
    document = zipfile.ZipFile(io.BytesIO(red)).read("word/document.xml")
    assert b"moveFrom" in document and b"moveTo" in document


# -- the counter itself ------------------------------------------------------------------------


def test_counter_groups_adjacent_changes_of_one_kind_and_author() -> None:
    ins = '<w:ins w:id="{}" w:author="A" w:date="2020-01-01T00:00:00Z">{}</w:ins>'
    dele = '<w:del w:id="{}" w:author="A" w:date="2020-01-01T00:00:00Z">{}</w:del>'
    deleted = "<w:r><w:delText>old</w:delText></w:r>"
    mark = (
        '<w:pPr><w:rPr><w:del w:id="9" w:author="A" w:date="2020-01-01T00:00:00Z"/></w:rPr></w:pPr>'
    )
    body = (
        p("Keep ", dele.format(1, deleted), ins.format(2, r("new")), " end.")
        + f"<w:p>{mark}{dele.format(3, deleted)}</w:p>"  # a deleted paragraph...
        + f"<w:p>{mark.replace('9', '10')}{dele.format(4, deleted)}</w:p>"  # ...and the next
        + p("Other ", ins.format(5, r("x")), ins.format(6, r("y")).replace('"A"', '"B"'))
    )
    found = powertools_revisions(Doc(body).build())
    assert [(f.kind, f.text) for f in found] == [
        ("Deleted", "old"),
        ("Inserted", "new"),
        ("Deleted", "old\nold\n"),
        ("Inserted", "x"),
        ("Inserted", "y"),
    ]


def test_counter_ignores_formatting_changes_row_marks_and_headers() -> None:
    rpr_change = '<w:rPr><w:b/><w:rPrChange w:id="1" w:author="A"><w:rPr/></w:rPrChange></w:rPr>'
    body = p(f"<w:r>{rpr_change}<w:t>bold</w:t></w:r>") + tbl(CELLS).replace(
        "<w:tr>", '<w:tr><w:trPr><w:del w:id="2" w:author="A"/></w:trPr>', 1
    )
    assert powertools_revisions(Doc(body).build()) == []


# -- LibreOffice, for a handful ----------------------------------------------------------------

LIBREOFFICE_CASES = [
    "WC-1040",
    "WC-1140",
    "WC-1190",
    "WC-1200",
    "WC-1250",
    "WC-1380",
    "WC-1400",
    "WC-1510",
    "WC-1620",
    "WC-1630",
    "WC-1770",
    "WC-1990",
]


@needs_soffice()
@pytest.mark.parametrize("test_id", LIBREOFFICE_CASES)
def test_libreoffice_accepts_to_the_revised_and_rejects_to_the_original(
    test_id: str, tmp_path: Path
) -> None:
    from tests.lo import client

    case = next(c for c in CASES if c.test_id == test_id)
    before, after = case.documents()
    paths = {name: tmp_path / f"{name}.docx" for name in ("before", "after", "redline")}
    paths["before"].write_bytes(before)
    paths["after"].write_bytes(after)
    paths["redline"].write_bytes(redline(before, after))

    def normalised(lines: list[str]) -> list[str]:
        return [" ".join(line.split()) for line in lines if line.strip()]

    assert normalised(client.accept_all(paths["redline"])) == normalised(
        client.paragraphs(paths["after"])
    )
    assert normalised(client.reject_all(paths["redline"])) == normalised(
        client.paragraphs(paths["before"])
    )
