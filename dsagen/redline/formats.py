"""What counts as a formatting change between two packages (w:rPrChange / w:pPrChange).

Two packages name the same style with different ids (LibreOffice saves "DsaClause" as
"DSAClause") and spell the same formatting differently (a style's numbering or indentation
written again as direct formatting), so properties are compared as a reader sees them: styles
by name, numbering by its level (the style's when not set directly), and only the properties
a lawyer would call formatting: bold, italic, underline, strike, caps, small caps, size,
colour, highlight, vertical alignment and character style; for paragraphs style, numbering
level and justification. Anything else (rsids, proofing language, fonts, spacing) is ignored.
"""

from __future__ import annotations

from lxml import etree

from ..ooxml import W
from .ooxml import PPR, W_VAL

RUN_PROPERTIES = frozenset(
    W + name
    for name in (
        "rStyle",
        "b",
        "i",
        "u",
        "strike",
        "dstrike",
        "caps",
        "smallCaps",
        "sz",
        "color",
        "highlight",
        "vertAlign",
    )
)
_TOGGLES = frozenset(W + name for name in ("b", "i", "strike", "dstrike", "caps", "smallCaps"))
_ON, _OFF = frozenset({"true", "1", "on"}), frozenset({"false", "0", "off"})


class Styles:
    """Style ids and names of one package (word/styles.xml)."""

    def __init__(self, root: etree._Element | None) -> None:
        self.names: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self._styles: dict[str, etree._Element] = {}
        self._levels: dict[str | None, str] = {}  # numbering_level, asked once per paragraph
        self.default_paragraph = "normal"
        for style in root.iter(W + "style") if root is not None else ():
            style_id = style.get(W + "styleId", "")
            name_element = style.find(W + "name")
            name = _key(name_element.get(W_VAL, "") if name_element is not None else style_id)
            self.names[style_id] = name
            self.by_name.setdefault(name, style_id)
            self._styles[style_id] = style
            if style.get(W + "type") == "paragraph" and style.get(W + "default") in ("1", "true"):
                self.default_paragraph = name

    def name(self, style_id: str | None) -> str:
        """A paragraph or character style's name; no id means the default paragraph style."""
        if not style_id:
            return self.default_paragraph
        return self.names.get(style_id, _key(style_id))

    def numbering_level(self, style_id: str | None) -> str:
        """The list level a paragraph style gives, following w:basedOn; "" if none."""
        level = self._levels.get(style_id)
        if level is None:
            level = self._levels[style_id] = self._style_level(style_id)
        return level

    def _style_level(self, style_id: str | None) -> str:
        seen = set()
        while style_id and style_id not in seen:
            seen.add(style_id)
            style = self._styles.get(style_id)
            if style is None:
                return ""
            numbering = style.find(f"{PPR}/{W}numPr")
            if numbering is not None:
                return _level(numbering)
            based = style.find(W + "basedOn")
            style_id = based.get(W_VAL) if based is not None else None
        return ""

    def translate(self, style_id: str, other: Styles) -> str:
        """This package's id for the style `other` calls `style_id` (same name)."""
        return self.by_name.get(other.name(style_id), style_id)


def _key(name: str) -> str:
    return name.replace(" ", "").casefold()


def _level(numbering: etree._Element) -> str:
    level = numbering.find(W + "ilvl")
    number = numbering.find(W + "numId")
    if number is not None and number.get(W_VAL) == "0":
        return ""  # numId 0 removes numbering
    return level.get(W_VAL, "0") if level is not None else "0"


def run_signature(rpr: etree._Element | None, styles: Styles) -> tuple[str, ...]:
    """The run's formatting as compared (see module docstring)."""
    if rpr is None:
        return ()
    items = []
    for child in rpr:
        tag = child.tag
        if tag not in RUN_PROPERTIES:
            continue
        value = child.get(W_VAL, "")
        if tag == W + "rStyle":
            value = styles.name(value) if value else ""
        elif tag in _TOGGLES:
            if value.lower() in _OFF:
                continue
            value = "" if value.lower() in _ON else value
        items.append(f"{etree.QName(tag).localname}={value}")
    return tuple(sorted(items))


def paragraph_signature(ppr: etree._Element | None, styles: Styles) -> tuple[str, str, str]:
    """(style name, numbering level, justification) of a paragraph's properties."""
    if ppr is None:
        return (styles.name(None), styles.numbering_level(None), "")
    style = ppr.find(W + "pStyle")
    style_id = style.get(W_VAL) if style is not None else None
    numbering = ppr.find(W + "numPr")
    level = _level(numbering) if numbering is not None else styles.numbering_level(style_id)
    justification = ppr.find(W + "jc")
    return (
        styles.name(style_id),
        level,
        justification.get(W_VAL, "") if justification is not None else "",
    )


__all__ = ["Styles", "paragraph_signature", "run_signature"]
