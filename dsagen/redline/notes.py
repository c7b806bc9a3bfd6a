"""Footnotes and endnotes: paired through their references, copied when the partner deleted one.

A note has no place of its own: it is where its reference is. So notes are paired by the body's
comparison (a reference equal in both documents pairs the two notes, whatever their w:id), and
the note of a reference the partner deleted is copied from the standard into the output with a
fresh id, so that rejecting the deletion gives the note back (ECMA-376 §17.11).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING

from lxml import etree

from ..ooxml import W
from ..read.inline import decimal
from .ooxml import (
    DEL,
    INS,
    PPR,
    REVISIONS,
    TBL,
    TR,
    W_ID,
    P,
    last_in_container,
)
from .package import DOCUMENT, RELATIONSHIP_TYPES, OutputPackage, Package

if TYPE_CHECKING:
    from .emit import StoryContext

#: footnoteReference -> (relationship type, note element, part name if created).
KINDS = {
    "footnoteReference": ("footnotes", W + "footnote", "word/footnotes.xml"),
    "endnoteReference": ("endnotes", W + "endnote", "word/endnotes.xml"),
}


class Notes:
    """Note parts of both packages, the reference pairs found so far and copied notes."""

    def __init__(self, out: OutputPackage) -> None:
        self.out = out
        self.pairs: dict[str, list[tuple[str, str]]] = {}
        self._copied: dict[tuple[str, str], str] = {}
        self.adopt: Callable[[str, etree._Element], None] = lambda part, clone: None

    def standard_part(self, reference: str) -> str | None:
        parts = self.out.standard.related(DOCUMENT, KINDS[reference][0])
        return parts[0] if parts else None

    def output_part(self, reference: str) -> str | None:
        parts = self.out.related(DOCUMENT, KINDS[reference][0])
        return parts[0] if parts else None

    def copy(self, reference: str, standard_id: str) -> str:
        """Copy the standard's note `standard_id` into the output; returns its new id."""
        key = (reference, standard_id)
        if key in self._copied:
            return self._copied[key]
        source_part = self.standard_part(reference)
        if source_part is None:
            return standard_id
        note = _find(self.out.standard.xml(source_part), KINDS[reference][1], standard_id)
        if note is None:
            return standard_id
        target_part = self.output_part(reference) or self._create_part(reference, source_part)
        root = self.out.xml(target_part)
        ids = [i for i in (decimal(n.get(W_ID)) for n in root) if i is not None]
        new_id = str(max(ids, default=0) + 1)
        clone = copy.deepcopy(note)
        self.adopt(target_part, clone)  # renumbers every w:id inside, the note's own too
        clone.set(W_ID, new_id)
        root.append(clone)
        self._copied[key] = new_id
        return new_id

    def _create_part(self, reference: str, source_part: str) -> str:
        """The negotiated has no notes part: start one from the standard's separators."""
        kind, tag, name = KINDS[reference]
        root = copy.deepcopy(self.out.standard.xml(source_part))
        for note in list(root):
            if note.tag == tag and note.get(W + "type") in (None, "normal"):
                root.remove(note)
        self.out.add_part(
            name,
            etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True),
            self.out.standard.content_type(source_part),
        )
        self.out.add_relationship(DOCUMENT, RELATIONSHIP_TYPES + kind, name)
        return name

    def note_pairs(
        self, reference: str, standard: Package
    ) -> list[tuple[etree._Element, etree._Element]]:
        """(standard note, output note) for each reference equal in both documents."""
        source_part, target_part = self.standard_part(reference), self.output_part(reference)
        if source_part is None or target_part is None:
            return []
        tag = KINDS[reference][1]
        source, target = standard.xml(source_part), self.out.xml(target_part)
        found = []
        for std_id, neg_id in self.pairs.get(reference, []):
            std_note, neg_note = _find(source, tag, std_id), _find(target, tag, neg_id)
            if std_note is not None and neg_note is not None:
                found.append((std_note, neg_note))
        return found

    def track_whole_notes(self, context: StoryContext, first_id: int) -> None:
        """A note whose reference we marked inserted (or deleted) is itself inserted (or
        deleted) as a whole, as Word tracks a note added or removed: its text is new (or
        gone) with its reference, and reads so inside the note. `first_id` is the first
        revision id of ours (the partner's own tracked references keep their notes as is)."""
        body = self.out.xml(DOCUMENT)
        for reference, (_, tag, _) in KINDS.items():
            part = self.output_part(reference)
            if part is None:
                continue
            notes = {n.get(W_ID): n for n in self.out.xml(part) if n.tag == tag}
            for element in body.iter(W + reference):
                revision = next(element.iterancestors(INS, DEL), None)
                note = notes.get(element.get(W_ID))
                if revision is None or note is None:
                    continue
                if (decimal(revision.get(W_ID)) or -1) < first_id:
                    continue  # the partner's own revision, not ours
                if any(True for _ in note.iter(*REVISIONS)):
                    continue  # already marked (a note copied back is built deleted)
                _track_note(context, note, revision.tag)


def _track_note(context: StoryContext, note: etree._Element, tag: str) -> None:
    from .emit import as_deleted

    for row in note.iter(TR):
        trpr = row.find(W + "trPr")
        if trpr is None:
            trpr = etree.Element(W + "trPr")
            row.insert(1 if row.find(W + "tblPrEx") is not None else 0, trpr)
        context.revision(trpr, tag)
    for paragraph in note.iter(P):
        content = [c for c in paragraph if c.tag != PPR and isinstance(c.tag, str)]
        if content:
            wrapper = etree.Element(tag)
            content[0].addprevious(wrapper)
            for child in content:
                wrapper.append(child)
            stamped = context.revision(paragraph, tag)
            paragraph.remove(stamped)
            wrapper.attrib.update(stamped.attrib)
            if tag == DEL:
                as_deleted(wrapper)
        in_row = any(a.tag == TBL for a in paragraph.iterancestors())
        if in_row or not last_in_container(paragraph):
            context.mark_paragraph(paragraph, tag)


def _find(root: etree._Element, tag: str, note_id: str) -> etree._Element | None:
    for note in root:
        if note.tag == tag and note.get(W_ID) == note_id:
            return note
    return None


__all__ = ["KINDS", "Notes"]
