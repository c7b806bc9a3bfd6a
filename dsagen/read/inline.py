"""What a run holds besides text: direct emphasis, symbols, and objects read as tokens.

Objects get one look at their own small subtree (the walker's single pass skips it): a drawing
(§20.4 DrawingML, ``wp:docPr`` alt text), a VML picture (``v:imagedata``, ``v:shape/@alt``), and
the text boxes inside either, left to a nested walker.
"""

from __future__ import annotations

import re

from lxml import etree

from dsagen.read.model import EMPHASIS_FLAGS
from dsagen.read.tags import (
    MC_CHOICE,
    MC_FALLBACK,
    OFFICE,
    PIC,
    TXBX_CONTENT,
    W_CHAR,
    W_VAL,
    WP,
    A,
    C,
    P,
    V,
    W,
)

# Direct run properties that make a ``formats`` signature (§17.3.2); bCs/iCs are the
# complex-script twins and are left out on purpose.
EMPHASIS = {
    W + "b": "b",
    W + "i": "i",
    W + "u": "u",
    W + "strike": "strike",
    W + "dstrike": "dstrike",
    W + "caps": "caps",
    W + "smallCaps": "smallCaps",
    W + "highlight": "highlight",
}
_ORDER = {flag: n for n, flag in enumerate(EMPHASIS_FLAGS)}
# ST_OnOff false values, plus "none" (ST_Underline, ST_HighlightColor).
OFF = frozenset({"0", "false", "off", "none"})
_NAME_LIMIT = 120  # characters of alt text kept in an ``[image: ...]`` token


def signature(flags: list[str]) -> str:
    """The canonical ``formats`` signature: flags in :data:`EMPHASIS_FLAGS` order, "+"-joined."""
    if len(flags) > 1:
        flags = sorted(set(flags), key=_ORDER.__getitem__)
    return "+".join(flags)


def emphasis(rpr: etree._Element) -> str:
    """The signature of the direct emphasis set in a ``w:rPr`` ("" when there is none)."""
    flags = [
        EMPHASIS[child.tag]
        for child in rpr
        if child.tag in EMPHASIS and child.get(W_VAL) not in OFF
    ]
    return signature(flags) if flags else ""


def count_paragraphs(element: etree._Element) -> int:
    return sum(1 for _ in element.iter(P))


def inspect_object(element: etree._Element) -> tuple[bool, bool, str, list, int]:
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
            count += count_paragraphs(node)
            walker.skip_subtree()
        elif tag == MC_FALLBACK or (
            tag == MC_CHOICE and node.getparent().find(MC_CHOICE) is not node
        ):
            count += count_paragraphs(node)
            walker.skip_subtree()
        elif tag == WP + "docPr":
            name = name or node.get("descr") or node.get("title") or node.get("name") or ""
        elif tag == C + "chart":
            chart = True
        elif tag == PIC + "pic" or tag == A + "blip":
            image = True
        elif tag == V + "imagedata":
            image = True
            name = name or node.get(OFFICE + "title") or ""
        elif tag == V + "shape":
            name = name or node.get("alt") or ""
    return image, chart, one_line(name), boxes, count


def one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _NAME_LIMIT else text[: _NAME_LIMIT - 1] + "\u2026"


def symbol(element: etree._Element) -> str:
    """The character of a ``w:sym``; "" for anything that is not a printable code point."""
    code = element.get(W_CHAR, "")
    if not re.fullmatch(r"[0-9A-Fa-f]{1,6}", code):
        return ""
    value = int(code, 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF or value < 0x20 or 0x7F <= value < 0xA0:
        return ""
    return chr(value)
