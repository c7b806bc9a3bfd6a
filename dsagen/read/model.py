"""The plain data the DOCX reader hands to the rest of dsagen: views, revisions, stories."""

from __future__ import annotations

from dataclasses import dataclass

from dsagen.read.package import MAIN_PART

#: Every ``Revision.kind`` the reader emits. The first ten are the core model; the last five
#: cover table/section property changes and cell-level revisions (§17.13.5, comparison.md §4.5-4.6).
REVISION_KINDS = (
    "insert",
    "delete",
    "move_from",
    "move_to",
    "paragraph_insert",
    "paragraph_delete",
    "format",
    "paragraph_format",
    "table_row_insert",
    "table_row_delete",
    "table_format",
    "section_format",
    "cell_insert",
    "cell_delete",
    "cell_merge",
)

#: Every ``Story.kind``, in the order ``ReadDocument.stories`` lists them.
STORY_KINDS = ("header", "footer", "footnote", "endnote", "comment", "textbox")

#: The emphasis flags a ``ViewParagraph.formats`` signature may hold, in signature order.
EMPHASIS_FLAGS = (
    "b",
    "i",
    "u",
    "strike",
    "dstrike",
    "caps",
    "smallCaps",
    "highlight",
    "hidden",
    "white",
    "tiny",
)


@dataclass(frozen=True)
class Revision:
    """One tracked-revision element; nothing is grouped.

    ``kind`` is one of :data:`REVISION_KINDS`. ``paragraph`` is the position of the revision's
    ``w:p`` in ``part_root.iter(w:p)`` (for a table row: its first cell paragraph; outside any
    paragraph: the next one). ``text`` is all text the element covers, nested revisions included
    (a ``format`` revision: its run's text; a table row: its paragraphs joined by newlines;
    paragraph marks and other property changes: ""). ``move_name`` pairs a move's source and
    destination (``w:name`` of the enclosing ``w:moveFromRangeStart``/``w:moveToRangeStart``).
    """

    id: str
    kind: str
    author: str | None
    date: str | None
    text: str
    part: str
    paragraph: int
    move_name: str | None = None


@dataclass(frozen=True)
class ViewParagraph:
    """A paragraph as it reads with all revisions accepted (or all rejected).

    ``sources`` lists the ``w:p`` indices merged into it (more than one when paragraph marks
    vanished in this view); style and numbering come from the surviving (last) paragraph mark,
    in the rejected view from ``w:pPrChange`` when there is one. ``tracked`` gives the
    ``(start, end, revision id)`` spans of ``text`` that only exist in this view.

    ``bookmarks`` are the bookmarks that start in this paragraph in this view, in document
    order: a bookmark starting inside deleted content belongs to the rejected view only, one
    inside inserted content to the accepted view only, and a paragraph merged in only because
    its mark vanished contributes its bookmarks only if it contributes visible text (otherwise
    they are listed in ``dropped_bookmarks``, so a struck clause's anchor never lands on the
    next clause's heading). ``formats`` gives ``(start, end, signature)`` spans of direct run
    emphasis (see :data:`EMPHASIS_FLAGS`; e.g. ``"b+i"``) as the text reads in this view: the
    rejected view takes a run's old properties from its ``w:rPrChange``. Text inside a
    hyperlink adds ``link=<target>`` (last), so a link pointed elsewhere is a change too.
    """

    text: str
    style: str | None
    num_id: str | None
    level: int | None
    bookmarks: tuple[str, ...]
    sources: tuple[int, ...]
    table: tuple[int, int, int] | None
    tracked: tuple[tuple[int, int, str], ...]
    part: str = MAIN_PART
    formats: tuple[tuple[int, int, str], ...] = ()
    dropped_bookmarks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    """A piece of text outside the main body flow, read like the body (both views).

    ``key`` is stable within one document (``header:default``, ``header:first:2`` for the
    second section, ``footnote:3`` for the third note in reference order, ``comment:<w:id>``,
    ``textbox:2`` in order of appearance); ``label`` is for people. ``anchor`` is the index of
    the body paragraph (``ViewParagraph.sources`` numbering) holding the note reference, the
    comment's range start (else its reference) or the text box; None for headers and footers.
    ``present`` says in which views of the body the story exists: a footnote whose reference
    is inside ``w:ins`` is ``"accepted"`` only. Notes number the references present in the
    accepted view first, in body order; notes referenced only in the rejected view follow.
    """

    kind: str
    key: str
    label: str
    accepted: tuple[ViewParagraph, ...]
    rejected: tuple[ViewParagraph, ...]
    anchor: int | None
    author: str | None = None
    date: str | None = None
    anchored_text: str = ""
    present: str = "both"


@dataclass(frozen=True)
class ReadDocument:
    """Everything dsagen needs from a partner's DOCX; plain data, no XML."""

    path: str
    accepted: tuple[ViewParagraph, ...]
    rejected: tuple[ViewParagraph, ...]
    revisions: tuple[Revision, ...]
    core_properties: dict[str, str]
    custom_properties: dict[str, str]
    headers: tuple[str, ...]
    footers: tuple[str, ...]
    max_id: int
    stories: tuple[Story, ...] = ()
