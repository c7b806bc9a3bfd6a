"""DOCX redline with native tracked changes, written over the partner's (negotiated) DOCX.

The partner's package is the output: their own tracked revisions stay verbatim with their
authors and dates, comments and every object they added survive. Each difference between their
document's rejected view and the standard (an edit made with tracking off) is written as a
revision of ours, so that accept-all gives the partner's document and reject-all the standard.
Stories are handled one by one (body, headers, footers, then footnotes and endnotes paired
through their references); see story.py for alignment, atoms.py for the unit of comparison,
emit.py for how runs are rebuilt, moves.py for silent moves, comparison.md §4 for the model.
"""

from __future__ import annotations

from lxml import etree

from ..ooxml import W
from .atoms import Side
from .comments import Comment, add_comment, body_paragraphs
from .counter import Rewrite, rewrite
from .emit import Stamp, StoryContext
from .notes import KINDS, Notes
from .ooxml import BOOKMARK_START, W_NAME
from .package import DOCUMENT, OutputPackage, Package
from .partner_moves import mark_edited_moves
from .references import retarget_references
from .story import StoryWriter

_STORY_KINDS = ("header", "footer")


class _Redline:
    """One redline being written: the two packages and a story context per part pair."""

    def __init__(self, standard_docx: bytes, negotiated_docx: bytes, stamp: Stamp) -> None:
        self.standard = Package(standard_docx, "standard")
        self.out = OutputPackage(negotiated_docx, self.standard)
        self.stamp = stamp
        self.notes = Notes(self.out)
        self.notes.adopt = self._adopt_note
        self._contexts: dict[tuple[str, str], StoryContext] = {}
        self._moves_marked: set[str] = set()
        self._first_id = self.out.next_id  # revision ids from here on are ours

    def context(self, standard_part: str, negotiated_part: str) -> StoryContext:
        key = (standard_part, negotiated_part)
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = StoryContext(
                self.out,
                standard_part,
                negotiated_part,
                Side(standard_part, self.standard.reference_digest, True, self.standard.styles),
                Side(negotiated_part, self.out.reference_digest, False, self.out.styles),
                self.stamp,
                self.notes.copy,
            )
            for start in self.out.xml(negotiated_part).iter(BOOKMARK_START):
                found.bookmark_names.add(start.get(W_NAME, ""))
        return found

    def writer(self, standard_part: str, negotiated_part: str) -> StoryWriter:
        context = self.context(standard_part, negotiated_part)
        if negotiated_part not in self._moves_marked:
            self._moves_marked.add(negotiated_part)
            mark_edited_moves(context, self.out.xml(negotiated_part))
        return StoryWriter(context, self.notes.pairs)

    def _adopt_note(self, part: str, clone: etree._Element) -> None:
        reference = "footnoteReference" if part.endswith("footnotes.xml") else "endnoteReference"
        source = self.notes.standard_part(reference)
        if source is not None:
            self.context(source, part).adopt(clone)

    def write(self, level: int = 6) -> bytes:
        body = W + "body"
        self.writer(DOCUMENT, DOCUMENT).container(
            self.standard.xml(DOCUMENT).find(body), self.out.xml(DOCUMENT).find(body)
        )
        for kind in _STORY_KINDS:
            for std_part, neg_part in zip(
                self.standard.related(DOCUMENT, kind),
                self.out.related(DOCUMENT, kind),
                strict=False,
            ):
                self.writer(std_part, neg_part).container(
                    self.standard.xml(std_part), self.out.xml(neg_part)
                )
        for reference in KINDS:
            source, target = self.notes.standard_part(reference), self.notes.output_part(reference)
            if source is None or target is None:
                continue
            writer = self.writer(source, target)
            for std_note, neg_note in self.notes.note_pairs(reference, self.standard):
                writer.container(std_note, neg_note)
        self.notes.track_whole_notes(self.context(DOCUMENT, DOCUMENT), self._first_id)
        for context in self._contexts.values():
            if context.twins:
                retarget_references(self.out.xml(context.negotiated_part), context.twins, context)
        self.out.track_revisions()
        return self.out.serialise(level)


class Overlay:
    """Our tracked changes and comments written on top of a DOCX that already carries the
    partner's revisions (counter.py, comments.py): their revisions stay as they are."""

    def __init__(self, docx: bytes, stamp: Stamp) -> None:
        self._redline = _Redline(docx, docx, stamp)
        self.out = self._redline.out
        self.story = self._redline.context(DOCUMENT, DOCUMENT)
        self.paragraphs = body_paragraphs(self.out)  # ViewParagraph.sources numbering

    def rewrite(self, change: Rewrite) -> list[etree._Element]:
        return rewrite(self.story, change)

    def comment(self, first: etree._Element, last: etree._Element, comment: Comment) -> str:
        return add_comment(self.out, first, last, comment)

    def write(self) -> bytes:
        self.out.track_revisions()
        return self.out.serialise()


def render_redline(
    standard_docx: bytes,
    negotiated_docx: bytes,
    *,
    author: str = "dsagen",
    date: str = "2000-01-01T00:00:00Z",
    stored: bool = False,
) -> bytes:
    """The partner's DOCX with every untracked difference from the standard written into it as
    tracked changes: accept-all gives the partner's document, reject-all gives the standard.
    Computed from the two packages themselves, objects and formatting included. `stored`
    leaves the parts uncompressed, for a redline read back at once (comments or a counter-draft
    are written over it)."""
    return _Redline(standard_docx, negotiated_docx, Stamp(author, date)).write(0 if stored else 6)


__all__ = ["Comment", "Overlay", "Rewrite", "Stamp", "render_redline"]
