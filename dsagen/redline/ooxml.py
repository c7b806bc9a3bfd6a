"""Element names and small element helpers of the redline writer (namespaces: dsagen.ooxml).

Spec references: ECMA-376 Part 1 §17.13.5 (revisions), §17.13.6 (bookmarks), §17.16 (fields),
§17.15.1 (settings); reference/comparison.md §4.
"""

from __future__ import annotations

from lxml import etree

from ..ooxml import MC, XML_SPACE, M, W

P, RUN, T, DEL_TEXT = W + "p", W + "r", W + "t", W + "delText"
INSTR, DEL_INSTR = W + "instrText", W + "delInstrText"
PPR, RPR, SECTPR = W + "pPr", W + "rPr", W + "sectPr"
TBL, TR, TC, TRPR, TBLPREX = W + "tbl", W + "tr", W + "tc", W + "trPr", W + "tblPrEx"
SDT, SDT_CONTENT, SDT_PR, SDT_END_PR = W + "sdt", W + "sdtContent", W + "sdtPr", W + "sdtEndPr"
INS, DEL, MOVE_FROM, MOVE_TO = W + "ins", W + "del", W + "moveFrom", W + "moveTo"
RPR_CHANGE, PPR_CHANGE, TRPR_CHANGE = W + "rPrChange", W + "pPrChange", W + "trPrChange"
FLD_CHAR, FLD_SIMPLE, HYPERLINK = W + "fldChar", W + "fldSimple", W + "hyperlink"
BOOKMARK_START, BOOKMARK_END = W + "bookmarkStart", W + "bookmarkEnd"
FOOTNOTE_REF, ENDNOTE_REF = W + "footnoteReference", W + "endnoteReference"
COMMENT_REF = W + "commentReference"
W_ID, W_AUTHOR, W_DATE, W_NAME, W_VAL = W + "id", W + "author", W + "date", W + "name", W + "val"

INSERTED = (INS, MOVE_TO)
DELETED = (DEL, MOVE_FROM)
REVISIONS = (INS, DEL, MOVE_FROM, MOVE_TO)
MOVE_RANGES = (
    W + "moveFromRangeStart",
    W + "moveFromRangeEnd",
    W + "moveToRangeStart",
    W + "moveToRangeEnd",
)

#: Run-level containers that wrap runs and survive the rewrite as containers: they are cloned
#: around the runs they held (§17.16.22 hyperlink, §17.5.2 sdt, smartTag, customXml, dir, bdo).
FRAME_TAGS = frozenset(
    {HYPERLINK, SDT, W + "smartTag", W + "customXml", W + "dir", W + "bdo", *REVISIONS}
)
#: Property children of a frame, copied whole when the frame is cloned.
FRAME_PROPERTIES = frozenset({SDT_PR, SDT_END_PR, W + "smartTagPr", W + "customXmlPr"})
#: Paragraph-level elements compared as one object each.
BLOCK_OBJECTS = frozenset({FLD_SIMPLE, M + "oMath", M + "oMathPara", MC + "AlternateContent"})

#: CT_PPrBase children never copied into w:pPrChange/w:pPr (not part of the Base type).
PPR_NOT_BASE = frozenset({RPR, SECTPR, PPR_CHANGE})

#: CT_TrPr children that come after w:ins/w:del.
TRPR_AFTER_MARK = frozenset({TRPR_CHANGE})


def is_rsid(name: str) -> bool:
    """w:rsid* attributes are editing-session ids, never a difference (§17.3.1.x rsid)."""
    return name.startswith(W + "rsid")


def set_text(element: etree._Element, text: str) -> None:
    """Set a w:t/w:delText/w:instrText value, preserving spaces Word would otherwise trim."""
    element.text = text
    if text != text.strip() or "  " in text:
        element.set(XML_SPACE, "preserve")
    elif XML_SPACE in element.attrib:
        del element.attrib[XML_SPACE]


def paragraph_rpr(paragraph: etree._Element) -> etree._Element:
    """The paragraph mark's run properties (w:pPr/w:rPr), created in schema position."""
    ppr = paragraph.find(PPR)
    if ppr is None:
        ppr = etree.Element(PPR)
        paragraph.insert(0, ppr)
    rpr = ppr.find(RPR)
    if rpr is None:
        rpr = etree.Element(RPR)
        follower = next((c for c in ppr if c.tag in (SECTPR, PPR_CHANGE)), None)
        if follower is not None:
            follower.addprevious(rpr)
        else:
            ppr.append(rpr)
    return rpr


def place_mark(properties: etree._Element, mark: etree._Element) -> bool:
    """Put a revision mark among the partner's marks already in `properties` (w:pPr/w:rPr,
    w:trPr) in schema order, w:ins, w:del, w:moveFrom, w:moveTo (wml.xsd EG_ParaRPrTrackChanges,
    CT_TrPr): a mark of ours on text the partner deleted is w:ins before their w:del. False when
    there is no such mark (the caller places it)."""
    existing = [c for c in properties if c.tag in REVISIONS and c is not mark]
    if not existing:
        return False
    order = REVISIONS.index(mark.tag)
    later = next((c for c in existing if REVISIONS.index(c.tag) > order), None)
    if later is not None:
        later.addprevious(mark)
    else:
        existing[-1].addnext(mark)
    return True


def mark_kind(paragraph: etree._Element) -> str | None:
    """Tag of the revision on a paragraph's mark (§4.3), or None."""
    ppr = paragraph.find(PPR)
    rpr = ppr.find(RPR) if ppr is not None else None
    if rpr is None:
        return None
    for child in rpr:
        if child.tag in REVISIONS:
            return str(child.tag)
    return None


def last_in_container(element: etree._Element) -> bool:
    """True for the last paragraph of the body, a cell, a note, a header or a footer: its mark
    has nothing to merge into, so it is never marked inserted or deleted (§4.9)."""
    node = element
    while True:
        following = node.getnext()
        while following is not None:
            if following.tag in (P, TBL, SDT):
                return False
            following = following.getnext()
        parent = node.getparent()
        if parent is None or parent.tag != SDT_CONTENT:
            return True
        node = parent.getparent()
        if node is None:
            return True


def localname(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
