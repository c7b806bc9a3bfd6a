"""The Office Open XML names and orders every reader and writer of dsagen shares.

Namespaces live here once; so does the schema order of `w:settings` (ECMA-376 Part 1, wml.xsd
CT_Settings), which Word enforces when it validates a file: a child in the wrong place makes
strict consumers reject the part.
"""

from __future__ import annotations

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
V_NS = "urn:schemas-microsoft-com:vml"
O_NS = "urn:schemas-microsoft-com:office:office"
SL_NS = "http://schemas.openxmlformats.org/schemaLibrary/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"

W = "{" + W_NS + "}"
R = "{" + R_NS + "}"
M = "{" + M_NS + "}"
MC = "{" + MC_NS + "}"
WP = "{" + WP_NS + "}"
A = "{" + A_NS + "}"
PIC = "{" + PIC_NS + "}"
C = "{" + C_NS + "}"
V = "{" + V_NS + "}"
OFFICE = "{" + O_NS + "}"
XML_SPACE = "{" + XML_NS + "}space"

#: Relationship types the writers add.
COMMENTS_REL = R_NS + "/comments"
COMMENTS_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"

_SETTINGS_NAMES = (
    "writeProtection",
    "view",
    "zoom",
    "removePersonalInformation",
    "removeDateAndTime",
    "doNotDisplayPageBoundaries",
    "displayBackgroundShape",
    "printPostScriptOverText",
    "printFractionalCharacterWidth",
    "printFormsData",
    "embedTrueTypeFonts",
    "embedSystemFonts",
    "saveSubsetFonts",
    "saveFormsData",
    "mirrorMargins",
    "alignBordersAndEdges",
    "bordersDoNotSurroundHeader",
    "bordersDoNotSurroundFooter",
    "gutterAtTop",
    "hideSpellingErrors",
    "hideGrammaticalErrors",
    "activeWritingStyle",
    "proofState",
    "formsDesign",
    "attachedTemplate",
    "linkStyles",
    "stylePaneFormatFilter",
    "stylePaneSortMethod",
    "documentType",
    "mailMerge",
    "revisionView",
    "trackRevisions",
    "doNotTrackMoves",
    "doNotTrackFormatting",
    "documentProtection",
    "autoFormatOverride",
    "styleLockTheme",
    "styleLockQFSet",
    "defaultTabStop",
    "autoHyphenation",
    "consecutiveHyphenLimit",
    "hyphenationZone",
    "doNotHyphenateCaps",
    "showEnvelope",
    "summaryLength",
    "clickAndTypeStyle",
    "defaultTableStyle",
    "evenAndOddHeaders",
    "bookFoldRevPrinting",
    "bookFoldPrinting",
    "bookFoldPrintingSheets",
    "drawingGridHorizontalSpacing",
    "drawingGridVerticalSpacing",
    "displayHorizontalDrawingGridEvery",
    "displayVerticalDrawingGridEvery",
    "doNotUseMarginsForDrawingGridOrigin",
    "drawingGridHorizontalOrigin",
    "drawingGridVerticalOrigin",
    "doNotShadeFormData",
    "noPunctuationKerning",
    "characterSpacingControl",
    "printTwoOnOne",
    "strictFirstAndLastChars",
    "noLineBreaksAfter",
    "noLineBreaksBefore",
    "savePreviewPicture",
    "doNotValidateAgainstSchema",
    "saveInvalidXml",
    "ignoreMixedContent",
    "alwaysShowPlaceholderText",
    "doNotDemarcateInvalidXml",
    "saveXmlDataOnly",
    "useXSLTWhenSaving",
    "saveThroughXslt",
    "showXMLTags",
    "alwaysMergeEmptyNamespace",
    "updateFields",
    "hdrShapeDefaults",
    "footnotePr",
    "endnotePr",
    "compat",
    "docVars",
    "rsids",
    "m:mathPr",
    "attachedSchema",
    "themeFontLang",
    "clrSchemeMapping",
    "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures",
    "forceUpgrade",
    "captions",
    "readModeInkLockDown",
    "smartTagType",
    "sl:schemaLibrary",
    "shapeDefaults",
    "doNotEmbedSmartTags",
    "decimalSymbol",
    "listSeparator",
)


def _clark(name: str) -> str:
    prefix, _, local = name.rpartition(":")
    namespace = {"": W_NS, "m": M_NS, "sl": SL_NS}[prefix]
    return "{" + namespace + "}" + local


#: The children of w:settings in schema order (wml.xsd CT_Settings sequence), as Clark names.
SETTINGS_ORDER: tuple[str, ...] = tuple(_clark(name) for name in _SETTINGS_NAMES)
_SETTINGS_RANK = {tag: index for index, tag in enumerate(SETTINGS_ORDER)}


def set_setting(settings: etree._Element, element: etree._Element) -> etree._Element:
    """Put ELEMENT into w:settings in schema order, replacing a child of the same name.

    Children the schema does not know (extensions such as w14:docId) keep their place; the new
    element goes before the first known child that the schema puts after it.
    """
    existing = settings.find(element.tag)
    if existing is not None:
        existing.addprevious(element)
        settings.remove(existing)
        return element
    rank = _SETTINGS_RANK.get(element.tag, len(SETTINGS_ORDER))
    follower = next((child for child in settings if _SETTINGS_RANK.get(child.tag, -1) > rank), None)
    if follower is not None:
        follower.addprevious(element)
    else:
        settings.append(element)
    return element


def settings_in_order(settings: etree._Element) -> bool:
    """Whether the known children of w:settings stand in schema order (for tests)."""
    ranks = [_SETTINGS_RANK[child.tag] for child in settings if child.tag in _SETTINGS_RANK]
    return ranks == sorted(ranks)
