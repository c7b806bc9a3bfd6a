"""Whose change is it: the partner's, tracked (with their name and date), or made silently.

A change found in the accepted view is tracked when its text lies inside the partner's w:ins
(inserted) or w:del (deleted) content, or inside a revision standing in the clause's own
paragraphs; the tightest such revision names the author, so an edit by one author inside
another's move or insertion is the editor's. Anything else differing from the standard was
edited silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..read.docx import Revision, ViewParagraph
from .diff import DELETE, EQUAL, INSERT, Piece
from .model import Change, ChangeOp, ParagraphDiff
from .normalize import clean
from .segments import Segment

_NO_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _NO_SPACE.sub("", clean(text))


@dataclass
class _Tracked:
    """Tracked content of one clause in one view: text slices with their revision ids."""

    slices: list[tuple[str, str]]
    joined: str

    @classmethod
    def of(cls, paragraphs: list[ViewParagraph]) -> _Tracked:
        slices = [(p.text[start:end], rev) for p in paragraphs for start, end, rev in p.tracked]
        return cls(slices, "".join(_squash(text) for text, _ in slices))

    def covers(self, text: str) -> bool:
        squashed = _squash(text)
        return bool(squashed) and squashed in self.joined

    def revision(self, text: str) -> tuple[int, str] | None:
        """(size, id) of the revision whose tracked text holds this text: the tightest one,
        so an edit by one author inside another's move or insertion is the editor's."""
        squashed = _squash(text)
        best: tuple[int, str] | None = None
        for chunk, rev in self.slices:
            part = _squash(chunk)
            if part and squashed in part and (best is None or len(part) < best[0]):
                best = (len(part), rev)
        if best is not None:
            return best
        return next(
            (
                (len(part), rev)
                for chunk, rev in self.slices
                if (part := _squash(chunk)) and part in squashed
            ),
            None,
        )


class Attribution:
    """Decides whether a change was tracked by the partner, and by whom and when."""

    def __init__(
        self,
        revisions: tuple[Revision, ...],
        accepted: list[ViewParagraph],
        rejected: list[ViewParagraph],
    ) -> None:
        self.by_id = {r.id: r for r in revisions}
        self.formats = [
            (r, _squash(r.text)) for r in revisions if r.kind == "format" and r.text.strip()
        ]
        self.inserted = _Tracked.of(accepted)
        self.deleted = _Tracked.of(rejected)
        self._paragraph_marks(revisions, accepted, rejected)
        # Revisions standing in this clause's own paragraphs, by their text: a deletion inside
        # a moved clause's w:moveTo is in neither view's text, yet it is the partner's.
        here = {(p.part, source) for p in (*accepted, *rejected) for source in p.sources}
        self.standing = {
            kind: [
                (r, _squash(r.text))
                for r in revisions
                if r.kind in kinds and (r.part, r.paragraph) in here and r.text.strip()
            ]
            for kind, kinds in (
                ("delete", ("delete", "move_from")),
                ("insert", ("insert", "move_to")),
            )
        }

    def _paragraph_marks(
        self,
        revisions: tuple[Revision, ...],
        accepted: list[ViewParagraph],
        rejected: list[ViewParagraph],
    ) -> None:
        """A tracked paragraph-mark deletion merges paragraphs (and an inserted mark splits
        one): the text that moved across the mark was moved by that revision, not silently."""
        marks = {
            (r.part, r.paragraph): r.id
            for r in revisions
            if r.kind in ("paragraph_delete", "paragraph_insert", "move_from", "move_to")
        }
        if not marks:
            return
        joined: dict[int, str] = {}  # source paragraph index -> revision joining it
        for views in (accepted, rejected):
            for view in views:
                for source in view.sources[:-1]:
                    rev = marks.get((view.part, source))
                    if rev is not None:
                        for index in view.sources:
                            joined[index] = rev
        for paragraphs, tracked in ((accepted, self.inserted), (rejected, self.deleted)):
            for paragraph in paragraphs:
                revs = [joined[s] for s in paragraph.sources if s in joined]
                if revs:
                    tracked.slices.append((paragraph.text, revs[0]))
                    tracked.joined += _squash(paragraph.text)

    def format_revision(self, text: str) -> Revision | None:
        """The partner's tracked formatting change (w:rPrChange) over this text, if any."""
        squashed = _squash(text)
        for revision, own in self.formats:
            if squashed and (squashed in own or own in squashed):
                return revision
        return None

    def _standing(self, kind: str, text: str) -> Revision | None:
        """The tightest revision in this clause's paragraphs whose text holds this text."""
        squashed = _squash(text)
        matches = [(len(own), r) for r, own in self.standing[kind] if squashed and squashed in own]
        return min(matches, key=lambda item: item[0])[1] if matches else None

    def judge(self, deleted: str, inserted: str) -> tuple[bool, str | None, str | None]:
        found: list[tuple[int, Revision]] = []
        for text, tracked, kind in (
            (inserted, self.inserted, "insert"),
            (deleted, self.deleted, "delete"),
        ):
            if not text.strip():
                continue
            standing = self._standing(kind, text)
            hits = [(len(_squash(standing.text)), standing)] if standing is not None else []
            if tracked.covers(text):
                hit = tracked.revision(text)
                revision = self.by_id.get(hit[1]) if hit else None
                if hit is not None and revision is not None:
                    hits.append((hit[0], revision))
            elif standing is None:
                return False, None, None
            if hits:
                found.append(min(hits, key=lambda item: item[0]))
        if not found:
            return True, None, None
        revision = min(found, key=lambda item: item[0])[1]  # the tightest: the editor's
        return True, revision.author, revision.date


def _glued(deleted: str, inserted: str) -> tuple[str, str]:
    """Words glued on to (or cut from) a kept word, with no space between, leave that word
    out of the change: 'Agreement' -> 'Agreementpartner terms' is the insertion of 'partner
    terms'. Only whole words are kept out, and only when what is left is more than a piece
    of a word ('thirty' -> 'thirteen' and 'Recipient' -> 'Recipients' stay replacements)."""
    old, new = deleted.strip(), inserted.strip()
    if not old or not new or old == new:
        return deleted, inserted
    start = _shared_words(old, new)
    end = _shared_words(old[start:][::-1], new[start:][::-1])
    if not start and not end:
        return deleted, inserted
    rest_old, rest_new = old[start : len(old) - end], new[start : len(new) - end]
    if (rest_old + rest_new).isalnum():  # 'Recipient' -> 'Recipients' reads as a new word
        return deleted, inserted
    return rest_old, rest_new


def _shared_words(a: str, b: str) -> int:
    """Length of the longest common start of a and b that ends at a word boundary of both
    readings (the end of a string, or a character that is no letter or digit)."""
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    while length:
        whole_a = length == len(a) or not a[length].isalnum() or not a[length - 1].isalnum()
        whole_b = length == len(b) or not b[length].isalnum() or not b[length - 1].isalnum()
        if (whole_a and whole_b) or ((whole_a or whole_b) and a[length - 1].isalnum()):
            return length
        length -= 1
    return 0


def changes_from_pieces(pieces: list[Piece], attribution: Attribution | None) -> list[Change]:
    changes: list[Change] = []
    deleted, inserted = "", ""

    def flush() -> None:
        nonlocal deleted, inserted
        deleted, inserted = _glued(deleted, inserted)
        if deleted or inserted:
            op: ChangeOp = "replace" if deleted and inserted else "delete" if deleted else "insert"
            tracked, author, date = (
                attribution.judge(deleted, inserted) if attribution else (False, None, None)
            )
            changes.append(Change(op, deleted.strip(), inserted.strip(), tracked, author, date))
        deleted, inserted = "", ""

    for piece in pieces:
        if piece.op == EQUAL and piece.text.strip():
            flush()
        elif piece.op == DELETE:
            deleted += piece.text
        elif piece.op == INSERT:
            inserted += piece.text
    flush()
    return changes


def attribute_pieces(diffs: list[ParagraphDiff], attribution: Attribution | None) -> None:
    """Mark each paragraph diff with the partner's authorship when all its edits were tracked."""
    for diff in diffs:
        if diff.kind == "equal" or attribution is None:
            continue
        verdicts = [
            attribution.judge(p.text, "") if p.op == DELETE else attribution.judge("", p.text)
            for p in diff.pieces
            if p.op != EQUAL and p.text.strip()
        ]
        if verdicts and all(tracked for tracked, _, _ in verdicts):
            diff.tracked = True
            diff.author, diff.date = next(((a, d) for _, a, d in verdicts if a), (None, None))


def body_of(seg: Segment | None) -> list[ViewParagraph]:
    return seg.body if seg is not None else []


def struck_with_tracking(
    std: Segment, rejected: dict[str, Segment], revisions: tuple[Revision, ...], struck: str
) -> tuple[bool, str | None, str | None]:
    """A clause missing from the accepted view was struck with tracking on when it is still in
    the rejected view as the partner's deleted text."""
    rej = rejected.get(std.key)
    if rej is None or not revisions:
        return False, None, None
    attribution = Attribution(revisions, [], ([rej.heading] if rej.heading else []) + body_of(rej))
    return attribution.judge(struck, "")
