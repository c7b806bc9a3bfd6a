"""Stories outside the body flow: headers and footers by section, notes, comments, text boxes.

Headers and footers are named by the section properties that reference them
(``w:sectPr/w:headerReference`` §17.10.5, ``w:type`` default|first|even); notes are numbered in
the order of their references in the body (§17.11.13-14), separator notes skipped; a comment
(§17.13.4.2) is anchored by its ``w:commentRangeStart``, else its ``w:commentReference``.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from dsagen.read.model import Revision, Story, ViewParagraph
from dsagen.read.tags import (
    COMMENT,
    FOOTER_REFERENCE,
    HEADER_REFERENCE,
    R_ID,
    W_AUTHOR,
    W_DATE,
    W_ID,
    W_TYPE,
)
from dsagen.read.walk import Found, StoryWalker, present_in

_PLACES = {"default": "", "first": "first-page ", "even": "even-page "}
_SEPARATOR_NOTES = frozenset({"separator", "continuationSeparator", "continuationNotice"})

Views = tuple[list[ViewParagraph], list[ViewParagraph]]


def header_footer_stories(
    sections: list[etree._Element],
    parts_by_id: dict[str, str],
    views: dict[str, Views],
    related: dict[str, list[str]],
) -> list[Story]:
    """One story per header/footer part, named by the first section that references it.

    Sections count from 1 in document order; keys of later sections end in ``:<number>``.
    Related parts no section references (Word never shows them) follow as ``unreferenced``.
    """
    stories: list[Story] = []
    named: set[str] = set()
    keys: set[str] = set()
    for number, section in enumerate(sections, start=1):
        for reference in section:
            if reference.tag == HEADER_REFERENCE:
                kind = "header"
            elif reference.tag == FOOTER_REFERENCE:
                kind = "footer"
            else:
                continue
            part = parts_by_id.get(reference.get(R_ID, ""))
            place = reference.get(W_TYPE, "default")
            place = place if place in _PLACES else "default"
            suffix = f":{number}" if number > 1 else ""
            key = f"{kind}:{place}{suffix}"
            if part is None or part not in views or part in named or key in keys:
                continue
            named.add(part)
            keys.add(key)
            label = _PLACES[place] + kind + (f" (section {number})" if number > 1 else "")
            stories.append(_story(kind, key, label, views[part], None))
    for kind in ("header", "footer"):
        unreferenced = [part for part in related[kind] if part not in named]
        for number, part in enumerate(unreferenced, start=1):
            key = f"{kind}:unreferenced:{number}"
            stories.append(_story(kind, key, f"unreferenced {kind} {number}", views[part], None))
    stories.sort(key=lambda story: story.kind != "header")  # stable: headers, then footers
    return stories


def note_stories(
    kind: str, part: str, root: etree._Element, revisions: list[Revision | None], found: Found
) -> list[Story]:
    """Footnotes or endnotes, numbered by reference order: accepted-view references first."""
    notes: dict[str, Views] = {}
    for note, views in _walk_children(part, root, revisions, found):
        if note.get(W_TYPE, "normal") not in _SEPARATOR_NOTES:
            notes.setdefault(note.get(W_ID, ""), views)
    # note id -> where it is referenced
    references: dict[str, _NoteAnchors] = {}
    for ref_kind, note_id, paragraph, in_accept, in_reject in found.note_refs:
        if ref_kind != kind or note_id not in notes or not (in_accept or in_reject):
            continue
        entry = references.setdefault(note_id, _NoteAnchors(paragraph))
        entry.in_accept |= in_accept
        entry.in_reject |= in_reject
        if in_accept and entry.accepted_anchor is None:
            entry.accepted_anchor = paragraph
    ordered = [note_id for note_id, entry in references.items() if entry.in_accept]
    ordered += [note_id for note_id, entry in references.items() if not entry.in_accept]
    stories = []
    for number, note_id in enumerate(ordered, start=1):
        entry = references[note_id]
        anchor = entry.accepted_anchor if entry.accepted_anchor is not None else entry.first
        stories.append(
            _story(
                kind,
                f"{kind}:{number}",
                f"{kind} {number}",
                notes[note_id],
                anchor,
                present=present_in(entry.in_accept, entry.in_reject),
            )
        )
    return stories


def comment_stories(
    part: str, root: etree._Element, revisions: list[Revision | None], found: Found
) -> list[Story]:
    """One story per ``w:comment``, in the order of the comments part."""
    stories = []
    keys: set[str] = set()
    for comment, views in _walk_children(part, root, revisions, found):
        comment_id = comment.get(W_ID, "")
        key = f"comment:{comment_id}"
        if comment.tag != COMMENT or key in keys:
            continue
        keys.add(key)
        start = found.comment_starts.get(comment_id)
        reference = found.comment_refs.get(comment_id)
        anchored = start or reference
        where = reference or start
        author = comment.get(W_AUTHOR)
        stories.append(
            _story(
                "comment",
                key,
                f"comment by {author}" if author else "comment",
                views,
                anchored[0] if anchored else None,
                author=author,
                date=comment.get(W_DATE),
                anchored_text="".join(found.comment_texts.get(comment_id, ())).strip(),
                present=present_in(where[1], where[2]) if where else "both",
            )
        )
    return stories


def text_box_stories(found: Found) -> list[Story]:
    return [
        Story(
            "textbox",
            f"textbox:{number}",
            f"text box {number}",
            tuple(box.accepted),
            tuple(box.rejected),
            box.anchor,
            present=box.present,
        )
        for number, box in enumerate(found.text_boxes, start=1)
    ]


def _walk_children(
    part: str, root: etree._Element, revisions: list[Revision | None], found: Found
) -> list[tuple[etree._Element, Views]]:
    """Walk each child of a notes/comments root on its own, continuing the part's numbering."""
    walked = []
    index = 0
    for child in root:
        if not isinstance(child.tag, str):
            continue
        walker = StoryWalker(part, revisions, found, start=index)
        walked.append((child, walker.walk(child)))
        index = walker.next_index
    return walked


def _story(
    kind: str,
    key: str,
    label: str,
    views: Views,
    anchor: int | None,
    *,
    author: str | None = None,
    date: str | None = None,
    anchored_text: str = "",
    present: str = "both",
) -> Story:
    accepted, rejected = views
    return Story(
        kind,
        key,
        label,
        tuple(accepted),
        tuple(rejected),
        anchor,
        author=author,
        date=date,
        anchored_text=anchored_text,
        present=present,
    )


@dataclass
class _NoteAnchors:
    """Where a note is referenced: its first anchor, the views it is in, and its first
    anchor in the accepted view."""

    first: int | None
    in_accept: bool = False
    in_reject: bool = False
    accepted_anchor: int | None = None
