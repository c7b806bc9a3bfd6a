"""The stories outside the body: headers, footers, footnotes, endnotes, text boxes; and comments.

A changed header reference, a new footnote or a deleted text box changes what the parties sign as
surely as a body edit, so each story is compared like a clause and reported with where it is
("header", "footnote 2 in clause 9 (Ethics)"). Headers and footers pair by their key (default,
first-page, even); notes and text boxes pair by their text in document order, since their numbers
shift when one is inserted. A partner's comments are not deviations but are listed under the
clause they stand in.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable

from ..positions import worse
from ..read.docx import ReadDocument, Story
from .model import ClauseResult, CommentNote
from .normalize import clean, comparable
from .segments import Segment

# Page numbers in a header or footer are computed by the client on every save.
_PAGE_NUMBERS = re.compile(r"\b(page)\s+\d+(\s+of\s+)\d+|\b(page)\s+\d+", re.IGNORECASE)
_PAIRED_BY_KEY = ("header", "footer")
_PAIRED_BY_TEXT = ("footnote", "endnote", "textbox")

Locate = Callable[[int | None], tuple[str | None, str]]
DiffStory = Callable[[Segment, Segment, Segment | None], ClauseResult]


def _stories(document: ReadDocument, kind: str) -> list[Story]:
    """The stories of a kind that the document has once its tracked changes are accepted (a
    note whose reference the partner deleted with tracking on is gone)."""
    return [s for s in document.stories if s.kind == kind and s.present != "rejected"]


def _text(story: Story) -> str:
    return "\n".join(p.text for p in story.accepted if clean(p.text))


def _paper(text: str) -> str:
    return _PAGE_NUMBERS.sub(lambda m: re.sub(r"\d+", "#", m.group(0)), comparable(text))


def _segment(story: Story, *, page_neutral: bool = False) -> Segment:
    """The story as a clause-like segment; page numbers as '#' when they must not count."""
    paragraphs = [
        dataclasses.replace(p, text=_paper(p.text), tracked=())
        if page_neutral and _PAGE_NUMBERS.search(p.text)
        else p
        for p in story.accepted
    ]
    return Segment(story.key, story.label, None, paragraphs)


def _rejected(story: Story) -> Segment:
    """The story as it read before the partner's tracked changes (for attributing them)."""
    return Segment(story.key, story.label, None, list(story.rejected))


def _pairs(
    standard: list[Story], negotiated: list[Story], kind: str
) -> list[tuple[Story | None, Story | None]]:
    if kind in _PAIRED_BY_KEY:
        theirs = {s.key: s for s in negotiated}
        pairs: list[tuple[Story | None, Story | None]] = [
            (s, theirs.pop(s.key, None)) for s in standard
        ]
        return pairs + [(None, s) for s in theirs.values()]
    left = [comparable(_text(s)) for s in standard]
    right = [comparable(_text(s)) for s in negotiated]
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    pairs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or tag == "replace":
            common = min(i2 - i1, j2 - j1)
            pairs += [(standard[i1 + k], negotiated[j1 + k]) for k in range(common)]
            pairs += [(standard[i], None) for i in range(i1 + common, i2)]
            pairs += [(None, negotiated[j]) for j in range(j1 + common, j2)]
        elif tag == "delete":
            pairs += [(standard[i], None) for i in range(i1, i2)]
        else:
            pairs += [(None, negotiated[j]) for j in range(j1, j2)]
    return pairs


def compare_stories(
    standard: ReadDocument,
    negotiated: ReadDocument,
    diff: DiffStory,
    locate_standard: Locate,
    locate_negotiated: Locate,
) -> list[ClauseResult]:
    """One result per header, footer, note or text box that differs between the documents."""
    results: list[ClauseResult] = []
    for kind in (*_PAIRED_BY_KEY, *_PAIRED_BY_TEXT):
        for ours, theirs in _pairs(_stories(standard, kind), _stories(negotiated, kind), kind):
            result = _compare_pair(ours, theirs, diff, locate_standard, locate_negotiated)
            if result is not None:
                result.story = kind
                _tracked_with_reference(result, ours, theirs, negotiated)
                results.append(result)
    return results


def _tracked_with_reference(
    result: ClauseResult, ours: Story | None, theirs: Story | None, negotiated: ReadDocument
) -> None:
    """A note added or removed through a reference the partner inserted or deleted with
    tracking on is their tracked change, whether or not its own text is marked."""
    if result.status not in ("added", "removed"):
        return
    story = theirs
    if story is None and ours is not None:  # still in the copy, behind a deleted reference
        story = next(
            (
                s
                for s in negotiated.stories
                if s.kind == ours.kind and s.present == "rejected" and _text(s) == _text(ours)
            ),
            None,
        )
    if story is None or story.anchor is None:
        return
    kinds = ("insert", "move_to") if result.status == "added" else ("delete", "move_from")
    token = f"[{story.kind}]"
    reference = next(
        (
            r
            for r in negotiated.revisions
            if r.kind in kinds
            and r.paragraph == story.anchor
            and token in r.text
            and r.part == "word/document.xml"
        ),
        None,
    )
    if reference is None:
        return
    for change in result.changes:
        change.tracked, change.author, change.date = True, reference.author, reference.date
    for paragraph in result.paragraphs:
        paragraph.tracked, paragraph.author, paragraph.date = (
            True,
            reference.author,
            reference.date,
        )


def _compare_pair(
    ours: Story | None,
    theirs: Story | None,
    diff: DiffStory,
    locate_standard: Locate,
    locate_negotiated: Locate,
) -> ClauseResult | None:
    story = theirs if theirs is not None else ours
    assert story is not None  # _pairs never yields two empty sides
    _, where = (locate_negotiated if theirs is not None else locate_standard)(story.anchor)
    location = story.label + (f" in {where}" if story.anchor is not None and where else "")
    if theirs is None or ours is None:
        if not _text(story):
            return None
        empty = Segment(story.key, story.label, None, [])
        result = diff(
            _segment(ours) if ours is not None else empty,
            _segment(theirs) if theirs is not None else empty,
            _rejected(theirs) if theirs is not None else None,
        )
        result.status = "added" if ours is None else "removed"
        result.severity = "approval"
        result.notes.append(f"{story.label} {'added' if ours is None else 'deleted'}")
    else:
        if [_paper(p.text) for p in ours.accepted if clean(p.text)] == [
            _paper(p.text) for p in theirs.accepted if clean(p.text)
        ] and not _formats_differ(ours, theirs):
            return None
        result = diff(
            _segment(ours, page_neutral=True),
            _segment(theirs, page_neutral=True),
            _rejected(theirs),
        )
        if result.status == "unchanged":
            return None
        if result.status == "modified":
            result.severity = worse(result.severity, "approval")
    result.id = None
    result.title = story.label
    result.location = location
    if story.anchor is not None and where:
        result.notes.insert(0, f"in {where}")
    return result


def _formats_differ(ours: Story, theirs: Story) -> bool:
    return [p.formats for p in ours.accepted if clean(p.text)] != [
        p.formats for p in theirs.accepted if clean(p.text)
    ]


def partner_comments(
    standard: ReadDocument, negotiated: ReadDocument, locate: Locate
) -> list[CommentNote]:
    """The comments in the returned copy that the standard did not already carry."""
    ours = {(s.author, _text(s)) for s in _stories(standard, "comment")}
    notes = []
    for story in _stories(negotiated, "comment"):
        text = _text(story)
        if (story.author, text) in ours:
            continue
        clause_id, where = locate(story.anchor)
        notes.append(
            CommentNote(
                story.author,
                story.date,
                text,
                clean(story.anchored_text),
                clause_id,
                where or "the document",
            )
        )
    return notes
