"""Agreement -> DOCX with real Word structure.

OOXML implemented here (ECMA-376 Part 1): styles (§17.7), abstract/concrete numbering
(§17.9) so clause numbers are automatic, bookmarks (§17.13.6) as clause anchors, REF and
PAGE/NUMPAGES fields (§17.16) for cross-references and page numbers, core properties
(Part 2 §11) for provenance. The body is written as one XML string and parsed once: faster than
python-docx's object API and byte-for-byte deterministic.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Pt
from lxml import etree

from ..assemble import Agreement, Paragraph, Section
from ..canonical import canonical_json
from ..ooxml import CT_NS, W_NS, set_setting
from ..output import deterministic_zip, zip_members
from ..provenance import SIGNATURE, sign_properties
from ..stamp import DRAFT_DIGEST_PROPERTY, ISSUED_PROPERTY, issued_key
from ..textfilters import long_date
from .edition import Edition, edition

FONT = "Times New Roman"
CLAUSE_NUM_ID = 10  # the legal numbering of the body
RECITAL_NUM_ID = 11  # (A), (B) in the unnumbered preamble

# Paragraph styles: id -> (name, based on, numbering level or None, pPr extra, rPr extra)
STYLES = {
    "DsaTitle": (
        "DSA Title",
        "Normal",
        None,
        '<w:spacing w:before="2400" w:after="480"/><w:jc w:val="center"/>',
        '<w:b/><w:caps/><w:sz w:val="36"/>',
    ),
    "DsaCover": (
        "DSA Cover",
        "Normal",
        None,
        '<w:spacing w:after="240"/><w:jc w:val="center"/>',
        '<w:sz w:val="24"/>',
    ),
    "DsaHeading": (
        "DSA Clause Heading",
        "Heading1",
        0,
        '<w:keepNext/><w:keepLines/><w:spacing w:before="280" w:after="120"/>'
        '<w:outlineLvl w:val="0"/>',
        '<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:cs="{f}"/><w:b/><w:caps/>'
        '<w:color w:val="000000"/><w:sz w:val="22"/>',
    ),
    "DsaUnnumberedHeading": (
        "DSA Unnumbered Heading",
        "Heading1",
        None,
        '<w:keepNext/><w:spacing w:before="280" w:after="120"/><w:outlineLvl w:val="0"/>',
        '<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:cs="{f}"/><w:b/>'
        '<w:caps/><w:color w:val="000000"/><w:sz w:val="22"/>',
    ),
    "DsaClause": (
        "DSA Clause",
        "Normal",
        1,
        '<w:spacing w:after="120"/><w:ind w:left="720" w:hanging="720"/>{jc}',
        "",
    ),
    "DsaItem": (
        "DSA Item",
        "Normal",
        2,
        '<w:spacing w:after="80"/><w:ind w:left="1440" w:hanging="720"/>{jc}',
        "",
    ),
    "DsaSubItem": (
        "DSA Sub-item",
        "Normal",
        3,
        '<w:spacing w:after="80"/><w:ind w:left="2160" w:hanging="720"/>{jc}',
        "",
    ),
    "DsaBody": (
        "DSA Body",
        "Normal",
        None,
        '<w:spacing w:after="120"/><w:ind w:left="720"/>{jc}',
        "",
    ),
    "DsaRecital": (
        "DSA Recital",
        "Normal",
        None,
        '<w:spacing w:after="120"/><w:ind w:left="720" w:hanging="720"/>{jc}',
        "",
    ),
    "DsaSchedule": (
        "DSA Schedule Text",
        "Normal",
        None,
        '<w:spacing w:after="100"/>{jc}',
        '<w:sz w:val="20"/>',
    ),
    "DsaNote": (
        "DSA Note",
        "Normal",
        None,
        '<w:spacing w:after="120"/>',
        '<w:i/><w:sz w:val="18"/>',
    ),
}
KEEP_STYLES = {
    "Normal",
    "Header",
    "HeaderChar",
    "Footer",
    "FooterChar",
    "Heading1",
    "Heading1Char",
    "Title",
    "TitleChar",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "TableGrid",
}
LEVEL_STYLE = {0: "DsaBody", 1: "DsaClause", 2: "DsaItem", 3: "DsaSubItem"}


def _numbering_xml() -> str:
    """Legal numbering: 1. / 1.1 / (a) / (i), restarting each level under its parent."""
    levels = [
        (0, "decimal", "%1.", "DsaHeading", 720, 720),
        (1, "decimal", "%1.%2", "DsaClause", 720, 720),
        (2, "lowerLetter", "(%3)", "DsaItem", 1440, 720),
        (3, "lowerRoman", "(%4)", "DsaSubItem", 2160, 720),
    ]
    lvl_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:pStyle w:val="{style}"/><w:suff w:val="tab"/><w:lvlText w:val="{text}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:tabs><w:tab w:val="num" w:pos="{left}"/></w:tabs>'
        f'<w:ind w:left="{left}" w:hanging="{hang}"/></w:pPr></w:lvl>'
        for i, fmt, text, style, left, hang in levels
    )
    recital = (
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/>'
        '<w:suff w:val="tab"/><w:lvlText w:val="(%1)"/><w:lvlJc w:val="left"/>'
        '<w:pPr><w:tabs><w:tab w:val="num" w:pos="720"/></w:tabs>'
        '<w:ind w:left="720" w:hanging="720"/></w:pPr></w:lvl>'
    )
    return (
        f'<w:numbering xmlns:w="{W_NS}">'
        f'<w:abstractNum w:abstractNumId="{CLAUSE_NUM_ID}"><w:multiLevelType w:val="multilevel"/>'
        f'<w:name w:val="legal numbering"/>{lvl_xml}</w:abstractNum>'
        f'<w:abstractNum w:abstractNumId="{RECITAL_NUM_ID}">'
        f'<w:multiLevelType w:val="singleLevel"/><w:name w:val="recitals"/>{recital}'
        f"</w:abstractNum>"
        f'<w:num w:numId="{CLAUSE_NUM_ID}"><w:abstractNumId w:val="{CLAUSE_NUM_ID}"/></w:num>'
        f'<w:num w:numId="{RECITAL_NUM_ID}"><w:abstractNumId w:val="{RECITAL_NUM_ID}"/></w:num>'
        "</w:numbering>"
    )


def _styles_xml(justified: bool) -> list[str]:
    """dsagen's paragraph styles; `{jc}` in a style's pPr marks body text, justified when the
    template asks for it and ragged right (Word's default, no w:jc) otherwise."""
    out = []
    jc = '<w:jc w:val="both"/>' if justified else ""
    for style_id, (name, based, level, ppr, rpr) in STYLES.items():
        ppr = ppr.replace("{jc}", jc)
        num = (
            f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{CLAUSE_NUM_ID}"/></w:numPr>'
            if level is not None
            else ""
        )
        ppr_full = _ppr_order(num, ppr)
        out.append(
            f'<w:style xmlns:w="{W_NS}" w:type="paragraph" w:customStyle="1" '
            f'w:styleId="{style_id}"><w:name w:val="{name}"/><w:basedOn w:val="{based}"/>'
            f'<w:next w:val="DsaClause"/><w:qFormat/><w:pPr>{ppr_full}</w:pPr>'
            f"<w:rPr>{rpr.format(f=FONT)}</w:rPr></w:style>"
        )
    return out


def _ppr_order(num: str, ppr: str) -> str:
    """pPr children in schema order: keepNext/keepLines, numPr, then spacing/ind/jc/outline."""
    head, tail = "", ppr
    for tag in ("<w:keepNext/>", "<w:keepLines/>"):
        if tag in tail:
            head += tag
            tail = tail.replace(tag, "")
    return head + num + tail


def _run(text: str, rpr: str = "") -> str:
    if not text:
        return ""
    pieces = text.split("\t")
    inner = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in pieces)
    return f"<w:r>{f'<w:rPr>{rpr}</w:rPr>' if rpr else ''}{inner}</w:r>"


def _field(instruction: str, cached: str, rpr: str = "") -> str:
    rp = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return (
        f'<w:r>{rp}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{rp}<w:instrText xml:space="preserve"> {escape(instruction)} </w:instrText></w:r>'
        f'<w:r>{rp}<w:fldChar w:fldCharType="separate"/></w:r>'
        f'{_run(cached, rpr)}<w:r>{rp}<w:fldChar w:fldCharType="end"/></w:r>'
    )


def _paragraph(style: str, content: str, extra_ppr: str = "") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra_ppr}</w:pPr>{content}</w:p>'


class _Body:
    """Accumulates body XML and hands out bookmark ids from one counter."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.next_id = 0

    def bookmark_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add(self, xml: str) -> None:
        self.parts.append(xml)


def _spans_xml(paragraph: Paragraph, anchors: dict[str, str]) -> str:
    out = []
    for span in paragraph.spans:
        if span.kind == "term":
            out.append(_run(span.text, "<w:b/>"))
        elif span.kind == "ref" and span.target in anchors:
            out.append(_field(f"REF {anchors[span.target]} \\r \\h", span.text))
        else:
            out.append(_run(span.text))
    return "".join(out)


def _section_xml(body: _Body, section: Section, anchors: dict[str, str], legends: Edition) -> None:
    bookmark = body.bookmark_id()
    start = f'<w:bookmarkStart w:id="{bookmark}" w:name="{section.anchor}"/>'
    style = "DsaHeading" if section.numbered else "DsaUnnumberedHeading"
    # The anchor wraps the heading only: LibreOffice moves bookmarks that span paragraphs.
    paragraphs = [start + _run(section.title) + f'<w:bookmarkEnd w:id="{bookmark}"/>']
    styles = [style]
    for paragraph in section.paragraphs:
        if not section.numbered and paragraph.level == 2:
            styles.append("DsaRecital")
            paragraphs.append(_spans_xml(paragraph, anchors))
            continue
        level = paragraph.level if section.numbered else 0
        styles.append(LEVEL_STYLE[min(level, 3)])
        paragraphs.append(_spans_xml(paragraph, anchors))
    signing_page = section.kind == "signatures" and legends.final
    for index, (style_id, content) in enumerate(zip(styles, paragraphs, strict=True)):
        # On the signing version the signature block opens its own page, which its legend names.
        # The words before the signature lines stay with them (pPr order: keepNext first).
        extra = "<w:keepNext/>" if section.kind == "signatures" else ""
        if signing_page and index == 0:
            extra += "<w:pageBreakBefore/>"
        if style_id == "DsaRecital":
            extra += f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{RECITAL_NUM_ID}"/></w:numPr>'
        body.add(_paragraph(style_id, content, extra))
    if section.kind == "signatures":
        body.add(_signature_table(section))
        if legends.signature_legend:
            body.add(
                _paragraph(
                    "DsaNote",
                    _run(legends.signature_legend),
                    '<w:spacing w:before="240"/><w:jc w:val="center"/>',
                )
            )


def _key_terms_xml(body: _Body, agreement: Agreement, anchors: dict[str, str]) -> None:
    """The key-terms page (keyterms.py): term, value and the clause applying it, in a grid."""
    if not agreement.key_terms:
        return
    body.add(_paragraph("DsaUnnumberedHeading", _run("Key Terms")))
    widths = (2600, 5350, 1400)
    cell_ppr = '<w:pPr><w:keepLines/><w:spacing w:before="40" w:after="40"/></w:pPr>'

    def cell(width: int, content: str) -> str:
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f"<w:p>{cell_ppr}{content}</w:p></w:tc>"
        )

    rows = []
    for term in agreement.key_terms:
        clause = ""
        if term.clause_id in anchors and term.number is not None:
            clause = _field(f"REF {anchors[term.clause_id]} \\r \\h", f"{term.number}")
        label = cell(widths[0], _run(term.label, "<w:b/>"))
        rows.append(
            f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{label}"
            f"{cell(widths[1], _run(term.text))}{cell(widths[2], clause)}</w:tr>"
        )
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for width in widths)
    body.add(
        f'<w:tbl><w:tblPr><w:tblW w:w="9350" w:type="dxa"/><w:tblBorders>{border}'
        '</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )
    body.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')


def _signature_table(section: Section) -> str:
    cells = []
    for signatory in section.signatories:
        lines = [
            ("<w:b/>", signatory.heading),
            ("", ""),
            ("", "Signature: ______________________________"),
            ("", f"Name: {signatory.name}"),
            ("", f"Title: {signatory.title}"),
            ("", "Date: ______________________"),
        ]
        paras = "".join(
            f'<w:p><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:after="60"/></w:pPr>'
            f"{_run(text, rpr)}</w:p>"
            for rpr, text in lines
        )
        cells.append(f'<w:tc><w:tcPr><w:tcW w:w="4675" w:type="dxa"/></w:tcPr>{paras}</w:tc>')
    if len(cells) % 2:
        cells.append('<w:tc><w:tcPr><w:tcW w:w="4675" w:type="dxa"/></w:tcPr><w:p/></w:tc>')
    rows = "".join(
        f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells[i]}{cells[i + 1]}</w:tr>"
        for i in range(0, len(cells), 2)
    )
    return (
        '<w:tbl><w:tblPr><w:tblW w:w="9350" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:top w:w="240" w:type="dxa"/><w:bottom w:w="240" w:type="dxa"/>'
        '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
        '<w:tblGrid><w:gridCol w:w="4675"/><w:gridCol w:w="4675"/></w:tblGrid>'
        f"{rows}</w:tbl>"
    )


def _cover_xml(body: _Body, agreement: Agreement, legends: Edition) -> None:
    body.add(_paragraph("DsaTitle", _run(agreement.title)))
    body.add(_paragraph("DsaCover", _run("between")))
    body.add(_paragraph("DsaCover", _run(agreement.provider_name, "<w:b/>")))
    body.add(_paragraph("DsaCover", _run("and")))
    body.add(_paragraph("DsaCover", _run(agreement.recipient_name, "<w:b/>")))
    details = [f"Reference: {agreement.reference}"]
    if agreement.effective_date:
        details.append(f"Effective Date: {long_date(agreement.effective_date, agreement.locale)}")
    for line in details:
        body.add(_paragraph("DsaCover", _run(line), '<w:spacing w:before="240"/>'))
    if legends.provenance:
        body.add(
            _paragraph(
                "DsaNote",
                _run(legends.provenance),
                '<w:spacing w:before="1200"/><w:jc w:val="center"/>',
            )
        )
    body.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')


def _schedules_xml(body: _Body, agreement: Agreement) -> None:
    for number, schedule in enumerate(agreement.schedules, start=1):
        body.add('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        bookmark = body.bookmark_id()
        body.add(
            _paragraph(
                "DsaUnnumberedHeading",
                f'<w:bookmarkStart w:id="{bookmark}" w:name="_dsa_schedule_{number}"/>'
                + _run(f"Schedule {number}: {schedule.title}")
                + f'<w:bookmarkEnd w:id="{bookmark}"/>',
            )
        )
        body.add(
            _paragraph(
                "DsaNote",
                _run(f"Attached verbatim ({schedule.spdx_id}). Source: {schedule.source}."),
            )
        )
        for block in schedule.text.strip().split("\n\n"):
            body.add(_paragraph("DsaSchedule", _run(" ".join(block.split()))))


#: python-docx refuses a core property longer than this.
CORE_PROPERTY_CHARS = 255


def _fit_property(text: str) -> str:
    """A core property (metadata, not the agreement) shortened to what python-docx accepts;
    the document itself carries the whole value."""
    if len(text) <= CORE_PROPERTY_CHARS:
        return text
    return text[: CORE_PROPERTY_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class DocumentProperties:
    """Everything dsagen writes into a DOCX's properties: core (Part 2 §11, docProps/core.xml)
    and custom (Part 1 §22.3, docProps/custom.xml, kept by Word and LibreOffice across a round
    trip as user-defined properties). One place, so a signature over them has one input."""

    core: dict[str, object]
    custom: dict[str, str]


def document_properties(agreement: Agreement, *, final: bool = False) -> DocumentProperties:
    """A draft's properties carry the manifest and the parameters; a signing version's carry
    only the opaque key the registry resolves, and nothing naming dsagen."""
    stamp = _timestamp(agreement.effective_date)
    core: dict[str, object] = {
        "title": _fit_property(f"{agreement.title} — {agreement.recipient_name}"),
        "created": stamp,
        "modified": stamp,
        "last_printed": stamp,
        "revision": 1,
        "language": "en",
        "author": "",
        "last_modified_by": "",
        "comments": "",
        "content_status": "Final" if final else "Draft",
    }
    if final:
        return DocumentProperties(core, {ISSUED_PROPERTY: issued_key(agreement.params_digest)})
    core |= {
        "subject": agreement.partner,
        "category": agreement.template_id,
        "version": agreement.library_version,
        "identifier": f"sha256:{agreement.params_digest}",
        "keywords": (
            f"dsagen; template={agreement.template_id}; partner={agreement.partner}; "
            f"library={agreement.library_version}; params={agreement.params_digest}"
        ),
        "author": agreement.generator,
        "last_modified_by": agreement.generator,
        "comments": (
            f"Clause library {agreement.library_version}; provenance manifest in the "
            "custom property dsagen.manifest"
        ),
    }
    custom = {
        "dsagen.template": agreement.template_id,
        "dsagen.partner": agreement.partner,
        "dsagen.library_version": agreement.library_version,
        DRAFT_DIGEST_PROPERTY: agreement.params_digest,
        "dsagen.manifest": json.dumps(manifest(agreement), sort_keys=True, separators=(",", ":")),
        # The parameters themselves, so a standard DOCX is enough to recover what changed.
        "dsagen.params": canonical_json(agreement.parameters),
    }
    custom[SIGNATURE] = sign_properties(custom)  # tampering shows (dsagen/provenance.py)
    return DocumentProperties(core, custom)


CUSTOM_PROPS_RELTYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
)
CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _write_properties(document: docx.document.Document, properties: DocumentProperties) -> None:
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    core = document.core_properties
    for name, value in properties.core.items():
        setattr(core, name, value)
    props = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" '
        f'name="{escape(name)}"><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(properties.custom.items(), start=2)
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{props}</Properties>'
    )
    package = document.part.package
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, xml.encode(), package)
    package.relate_to(part, CUSTOM_PROPS_RELTYPE)


def manifest(agreement: Agreement) -> dict[str, object]:
    """Provenance stored in the document: enough to align a returned copy clause by clause."""
    return {
        "dsagen": 1,
        "template": agreement.template_id,
        "template_version": agreement.template_version,
        "partner": agreement.partner,
        "reference": agreement.reference,
        "library_version": agreement.library_version,
        "params_sha256": agreement.params_digest,
        "clauses": [f"{s.clause_id}@{s.version}#{s.variant}" for s in agreement.sections],
    }


def _timestamp(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime(2000, 1, 1)


def _header_footer(document: docx.document.Document, legends: Edition) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Pt(612), Pt(792)  # US Letter
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Pt(72))
    section.top_margin = section.bottom_margin = Pt(72)
    section.different_first_page_header_footer = True
    small_header = '<w:sz w:val="16"/>'
    running = legends.header.removeprefix(legends.draft_legend)
    header_xml = _paragraph(
        "Header",
        _run(legends.draft_legend, "<w:b/>" + small_header) + _run(running, small_header),
        '<w:jc w:val="right"/>',
    )
    header = section.header.paragraphs[0]._p  # every page but the cover, which has none
    header.getparent().replace(header, _parse_paragraph(header_xml))
    footer = section.footer.paragraphs[0]._p
    small = '<w:sz w:val="18"/>'
    footer.getparent().replace(
        footer,
        _parse_paragraph(
            _paragraph(
                "Footer",
                _run("Page ", small)
                + _field("PAGE", "1", small)
                + _run(" of ", small)
                + _field("NUMPAGES", "1", small),
                '<w:jc w:val="center"/>',
            )
        ),
    )


def _parse_paragraph(xml: str) -> etree._Element:
    return etree.fromstring(xml.replace("<w:p>", f'<w:p xmlns:w="{W_NS}">', 1))


@lru_cache(maxsize=4)
def _base_package(final: bool, justified: bool) -> bytes:
    """The agreement-independent part of every DOCX (styles, numbering, settings), built once
    per process, edition and alignment."""
    document = docx.Document()
    _drop_unused_parts(document)
    _set_normal_style(document)
    _keep_used_styles(document, justified)
    numbering = document.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    for child in etree.fromstring(_numbering_xml()):
        numbering.append(child)
    if not final:
        # A draft asks Word to refresh its fields on opening; the signing version does not
        # (the cached clause numbers are already right, and a prompt at signing alarms people).
        update = etree.Element(qn("w:updateFields"))
        update.set(qn("w:val"), "true")
        set_setting(document.settings.element, update)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _drop_unused_parts(document: docx.document.Document) -> None:
    """Leave out the parts of python-docx's template that LibreOffice and Word do not need
    (thumbnail, stylesWithEffects, webSettings, customXml)."""
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in ("stylesWithEffects", "webSettings", "customXml"):
            del document.part.rels[rel_id]


def _set_normal_style(document: docx.document.Document) -> None:
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    # Word's widow and orphan control for every paragraph (§17.3.1.44): no line left alone.
    normal_ppr = normal.element.get_or_add_pPr()
    normal_ppr.insert(0, etree.Element(qn("w:widowControl")))
    fonts = normal.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _keep_used_styles(document: docx.document.Document, justified: bool) -> None:
    """python-docx's template carries ~160 styles (350 KB of XML); keep only what is used,
    and add dsagen's own."""
    styles_el = document.styles.element
    for style in styles_el.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in KEEP_STYLES:
            styles_el.remove(style)
    for xml in _styles_xml(justified):
        styles_el.append(etree.fromstring(xml))


def build_document(agreement: Agreement, *, final: bool = False) -> docx.document.Document:
    """The python-docx Document for an agreement (before deterministic packaging): a draft, or
    with `final` the signing version."""
    legends = edition(agreement, final=final)
    document = docx.Document(io.BytesIO(_base_package(final, agreement.justified)))
    anchors = {s.clause_id: s.anchor for s in agreement.sections}
    body = _Body()
    _cover_xml(body, agreement, legends)
    _key_terms_xml(body, agreement, anchors)
    for section in agreement.sections:
        _section_xml(body, section, anchors, legends)
    _schedules_xml(body, agreement)
    body_el = document.element.body
    sect_pr = body_el.find(qn("w:sectPr"))
    for child in list(body_el):
        if child is not sect_pr:
            body_el.remove(child)
    fragment = etree.fromstring(f'<w:body xmlns:w="{W_NS}">{"".join(body.parts)}</w:body>')
    for child in list(fragment):
        sect_pr.addprevious(child)
    _header_footer(document, legends)
    _write_properties(document, document_properties(agreement, final=final))
    return document


def render_docx(agreement: Agreement, *, final: bool = False) -> bytes:
    """DOCX bytes of the draft (or with `final` the signing version); the same agreement always
    gives the same bytes (fixed zip metadata)."""
    return package_bytes(build_document(agreement, final=final))


def package_bytes(document: docx.document.Document) -> bytes:
    """Serialise a python-docx document straight into a deterministic ZIP (one compression
    pass, fixed timestamps), using python-docx's own part writer for the OPC bookkeeping."""
    package = document.part.package
    parts = list(package.iter_parts())
    members = [("[Content_Types].xml", _content_types(parts)), ("_rels/.rels", package.rels.xml)]
    for part in parts:
        members.append((str(part.partname).lstrip("/"), part.blob))
        if len(part.rels):
            members.append((str(part.partname.rels_uri).lstrip("/"), part.rels.xml))
    return zip_members(members)


def _content_types(parts: list[Any]) -> bytes:
    """[Content_Types].xml as OPC wants it: a Default per known extension, an Override per
    other part, each sorted (python-docx's own writer is private API)."""
    from docx.opc.constants import CONTENT_TYPE
    from docx.opc.spec import default_content_types

    defaults = {"rels": CONTENT_TYPE.OPC_RELATIONSHIPS, "xml": CONTENT_TYPE.XML}
    overrides: dict[str, str] = {}
    for part in parts:
        extension = part.partname.ext
        if (extension.lower(), part.content_type) in default_content_types:
            defaults[extension.lower()] = part.content_type
        else:
            overrides[str(part.partname)] = part.content_type
    root = etree.Element(f"{{{CT_NS}}}Types", nsmap={None: CT_NS})
    for extension in sorted(defaults):
        etree.SubElement(
            root, f"{{{CT_NS}}}Default", Extension=extension, ContentType=defaults[extension]
        )
    for name in sorted(overrides):
        etree.SubElement(root, f"{{{CT_NS}}}Override", PartName=name, ContentType=overrides[name])
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


__all__ = [
    "build_document",
    "deterministic_zip",
    "document_properties",
    "manifest",
    "render_docx",
]
