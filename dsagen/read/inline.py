"""What a run holds besides text: direct emphasis, symbols, and objects read as tokens.

Objects get one look at their own small subtree (the walker's single pass skips it): a drawing
(§20.4 DrawingML, ``wp:docPr`` alt text), a VML picture (``v:imagedata``, ``v:shape/@alt``), and
the text boxes inside either, left to a nested walker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from dsagen.ooxml import OFFICE, PIC, WP, A, C, V, W
from dsagen.read.model import EMPHASIS_FLAGS
from dsagen.read.tags import (
    DGM_REL_IDS,
    MC_CHOICE,
    MC_FALLBACK,
    R_DM,
    R_EMBED,
    R_ID,
    R_LINK,
    TXBX_CONTENT,
    W_CHAR,
    W_VAL,
    P,
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


_DECIMAL = re.compile(r"[0-9]{1,9}")


def decimal(value: str | None) -> int | None:
    """A plain ASCII decimal of at most nine digits, else None (never raises)."""
    if value is not None and _DECIMAL.fullmatch(value):
        return int(value)
    return None


_VANISH = W + "vanish"
_COLOR, _SIZE, _SCALE = W + "color", W + "sz", W + "w"
_PALE = re.compile(r"[Ff][0-9A-Fa-f][Ff][0-9A-Fa-f][Ff][0-9A-Fa-f]")  # every channel >= F0
_BACKGROUND_THEMES = frozenset({"background1", "light1", "bg1"})
_TINY_HALF_POINTS = 8  # under 4 pt nobody reads it
_TINY_SCALE = 20  # characters squeezed to a fifth of their width
#: The flags that hide words from a reader (a style may set them too).
HIDING_FLAGS = frozenset({"hidden", "white", "tiny"})


def _white(color: etree._Element) -> bool:
    """Text in white, near-white or the page's background colour cannot be read."""
    value = color.get(W_VAL) or ""
    return (
        value.lower() == "white"
        or bool(_PALE.fullmatch(value))
        or color.get(W + "themeColor", "") in _BACKGROUND_THEMES
    )


def flag_of(child: etree._Element) -> str | None:
    """The emphasis flag a ``w:rPr`` child sets, if any: the visible kinds (bold, italic...)
    and the ones that hide words from a reader: hidden text, white text, text under 4 pt."""
    tag = child.tag
    flag = EMPHASIS.get(tag)
    if flag is not None:
        return flag if child.get(W_VAL) not in OFF else None
    if tag == _VANISH:
        return "hidden" if child.get(W_VAL) not in OFF else None
    if tag == _COLOR:
        return "white" if _white(child) else None
    if tag == _SIZE:
        size = decimal(child.get(W_VAL))
        return "tiny" if size is not None and size < _TINY_HALF_POINTS else None
    if tag == _SCALE:
        scale = decimal(child.get(W_VAL))
        return "tiny" if scale is not None and scale < _TINY_SCALE else None
    return None


def style_hiding(styles: etree._Element | None) -> dict[str, str]:
    """Style id -> the hiding flags its run properties set, through its basedOn chain: a
    character or paragraph style can hide words as surely as direct formatting."""
    if styles is None:
        return {}
    own: dict[str, tuple[str | None, dict[str, bool]]] = {}
    for style in styles.iter(W + "style"):
        style_id = style.get(W + "styleId")
        if not style_id:
            continue
        based = style.find(W + "basedOn")
        settings: dict[str, bool] = {}
        for child in style.find(W + "rPr") if style.find(W + "rPr") is not None else ():
            if child.tag in (_VANISH, _COLOR, _SIZE, _SCALE):
                flag = {_VANISH: "hidden", _COLOR: "white"}.get(child.tag, "tiny")
                settings[flag] = flag_of(child) == flag  # a style may switch one off again
        own[style_id] = (based.get(W_VAL) if based is not None else None, settings)
    resolved: dict[str, str] = {}
    for style_id in own:
        chain: list[dict[str, bool]] = []
        seen: set[str] = set()
        current: str | None = style_id
        while current in own and current not in seen:  # a basedOn cycle ends the walk
            seen.add(current)
            parent, settings = own[current]
            chain.append(settings)
            current = parent
        effective: dict[str, bool] = {}
        for settings in reversed(chain):  # the style's own settings win over its parents'
            effective.update(settings)
        flags = sorted(flag for flag, on in effective.items() if on)
        if flags:
            resolved[style_id] = signature(flags)
    return resolved


def emphasis(rpr: etree._Element) -> str:
    """The signature of the direct emphasis set in a ``w:rPr`` ("" when there is none)."""
    flags = [flag for flag in map(flag_of, rpr) if flag is not None]
    return signature(flags) if flags else ""


def count_paragraphs(element: etree._Element) -> int:
    return sum(1 for _ in element.iter(P))


@dataclass
class ObjectFacts:
    """What one look at a drawing, VML picture or embedded object finds."""

    image: bool = False
    chart: bool = False
    name: str = ""  # alt text (descr or title), never the generated "Picture 1"
    boxes: list[tuple[etree._Element, int]] = field(default_factory=list)
    count: int = 0  # w:p elements inside, to keep paragraph numbering aligned
    targets: list[str] = field(default_factory=list)  # relationship ids of the content


def inspect_object(element: etree._Element) -> ObjectFacts:
    """Pictures, charts, alt text, [(txbxContent, w:p offset)], w:p count and content targets.

    One look at a drawing's or VML picture's own subtree; Fallback copies and later Choices
    are only counted, and a text box's content is left to a nested walker.
    """
    facts = ObjectFacts()
    name = ""
    walker = etree.iterwalk(element, events=("start",))
    for _, node in walker:
        tag = node.tag
        if tag == P:
            facts.count += 1
        elif tag == TXBX_CONTENT:
            facts.boxes.append((node, facts.count))
            facts.count += count_paragraphs(node)
            walker.skip_subtree()
        elif tag == MC_FALLBACK or (
            tag == MC_CHOICE and node.getparent().find(MC_CHOICE) is not node
        ):
            facts.count += count_paragraphs(node)
            walker.skip_subtree()
        else:
            alt_text = _content_fact(facts, tag, node)  # records the fact whatever the name
            name = name or alt_text
    facts.name = one_line(name)
    return facts


def _content_fact(facts: ObjectFacts, tag: str, node: etree._Element) -> str:
    """Record what NODE says about the object's content; its alt text, if it carries one."""
    if tag == WP + "docPr":
        return node.get("descr") or node.get("title") or ""
    if tag == C + "chart":
        facts.chart = True
        facts.targets.append(node.get(R_ID) or "")
    elif tag == PIC + "pic":
        facts.image = True
    elif tag == A + "blip":
        facts.image = True
        facts.targets.append(node.get(R_EMBED) or node.get(R_LINK) or "")
    elif tag == V + "imagedata":
        facts.image = True
        facts.targets.append(node.get(R_ID) or "")
        return node.get(OFFICE + "title") or ""
    elif tag == V + "shape":
        return node.get("alt") or ""
    elif tag == DGM_REL_IDS:  # SmartArt: its data part says what it shows
        facts.targets.append(node.get(R_DM) or "")
    return ""


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
