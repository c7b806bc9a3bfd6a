"""Cut a read document into clause segments: by dsagen anchors, else by headings.

A segment is one clause as it appears in one document: its heading, its paragraphs (in the
accepted and the rejected view) and, when the anchor survived, the clause id, version, variant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..read.docx import ReadDocument, ViewParagraph
from .normalize import clean, strip_label

ANCHOR_PREFIX = "_dsa_"
# LibreOffice renames a bookmark it pastes beside its original ("_Copy_1"; Word drops it): the
# renamed bookmark still names the clause.
_RENAMED = r"(?:_Copy_\d+)?"
_ANCHOR = re.compile(
    r"_dsa_([a-z][a-z0-9_]*?)__(\d+)_(\d+)_(\d+)__([a-z][a-z0-9_]*?)" + _RENAMED + "$"
)
_SCHEDULE = re.compile(r"_dsa_schedule_(\d+)" + _RENAMED + "$")
# Style ids as dsagen writes them and as LibreOffice renames them on save ("DSA Clause Heading").
HEADING_STYLES = {
    "dsaheading",
    "dsaclauseheading",
    "dsaunnumberedheading",
    "heading1",
    "heading2",
    "title",
}
NUMBERED_HEADING_STYLES = {"dsaheading", "dsaclauseheading"}
_NUMBERED_HEADING = re.compile(
    r"^(?:\d+\.?|[A-Z]\.|article\s+\w+|section\s+\d+)\s+\S", re.IGNORECASE
)


@dataclass(frozen=True)
class Anchor:
    clause_id: str
    version: str
    variant: str


def parse_anchor(name: str) -> Anchor | None:
    """`_dsa_retention__1_2_0__archive` -> Anchor('retention', '1.2.0', 'archive')."""
    match = _ANCHOR.match(name)
    if match:
        return Anchor(match.group(1), ".".join(match.group(2, 3, 4)), match.group(5))
    schedule = _SCHEDULE.match(name)
    if schedule:
        return Anchor(f"schedule_{schedule.group(1)}", "", "")
    return None


@dataclass
class Segment:
    """One clause of one document."""

    key: str  # clause id from the anchor, else a heading-derived key
    title: str
    anchor: Anchor | None
    paragraphs: list[ViewParagraph] = field(default_factory=list)  # body, heading excluded
    heading: ViewParagraph | None = None
    index: int = 0
    absorbed: tuple[str, ...] = ()  # keys of clauses folded into this one (merged or split)
    own_paragraphs: int | None = None  # once merged: how many paragraphs were its own
    # once merged: each neighbour folded in, with the span of `paragraphs` that was its own
    merged: tuple[tuple[Segment, int, int], ...] = ()

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.paragraphs if clean(p.text)]

    @property
    def body(self) -> list[ViewParagraph]:
        return [p for p in self.paragraphs if clean(p.text)]

    @property
    def full_text(self) -> str:
        return " ".join(self.texts)


def _anchor_of(paragraph: ViewParagraph) -> Anchor | None:
    """The clause anchor standing on this paragraph in this view; a paragraph with no visible
    text (a heading whose words were struck) starts no clause, whatever bookmark it holds."""
    if not clean(paragraph.text):
        return None
    for name in paragraph.bookmarks:
        if name.startswith(ANCHOR_PREFIX):
            anchor = parse_anchor(name)
            if anchor:
                return anchor
    return None


def _styled_heading(paragraph: ViewParagraph) -> bool:
    """A heading by its style: the only evidence trusted inside an anchored document."""
    style = (paragraph.style or "").replace(" ", "").casefold()
    return style in HEADING_STYLES and bool(clean(paragraph.text)) and paragraph.table is None


def _looks_like_heading(paragraph: ViewParagraph) -> bool:
    text = clean(paragraph.text)
    if not text or len(text) > 120 or paragraph.table is not None:
        return False
    style = (paragraph.style or "").replace(" ", "").casefold()
    if style in HEADING_STYLES:
        return True
    words = text.split()
    if len(words) > 10 or (
        text.endswith((".", ";", ",", ":")) and not _NUMBERED_HEADING.match(text)
    ):
        return False
    if _NUMBERED_HEADING.match(text) and len(words) <= 8 and not text.rstrip().endswith(";"):
        body = strip_label(text)
        return bool(body) and (body.isupper() or body.istitle() or body[:1].isupper())
    return text.isupper() and len(words) <= 8


def segment(
    paragraphs: tuple[ViewParagraph, ...] | list[ViewParagraph], *, use_anchors: bool = True
) -> list[Segment]:
    """Split paragraphs at anchored headings (or, with no anchors at all, at headings)."""
    anchored = use_anchors and any(_anchor_of(p) for p in paragraphs)
    segments: list[Segment] = [Segment("_front", "Front matter", None)]
    for paragraph in paragraphs:
        anchor = _anchor_of(paragraph) if anchored else None
        if anchor is not None:
            segments.append(
                Segment(anchor.clause_id, strip_label(paragraph.text), anchor, heading=paragraph)
            )
            continue
        if _styled_heading(paragraph) if anchored else _looks_like_heading(paragraph):
            title = strip_label(paragraph.text)
            segments.append(Segment(_key(title, segments), title, None, heading=paragraph))
            continue
        segments[-1].paragraphs.append(paragraph)
    if not segments[0].paragraphs or not any(clean(p.text) for p in segments[0].paragraphs):
        if len(segments) > 1:
            segments.pop(0)
    for index, seg in enumerate(segments):
        seg.index = index
    return segments


def _key(title: str, existing: list[Segment]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", title.casefold()).strip("_")[:40] or "untitled"
    keys = {s.key for s in existing}
    key, n = base, 2
    while key in keys:
        key, n = f"{base}_{n}", n + 1
    return key


def document_segments(document: ReadDocument, view: str = "accepted") -> list[Segment]:
    return segment(document.accepted if view == "accepted" else document.rejected)
