"""The comparison itself: align clauses, diff words inside each pair, classify each clause.

Tracked changes are the partner's own words: a change found in the accepted view is tracked when
its text lies inside the partner's w:ins (inserted) or w:del (deleted) content, and carries that
revision's author and date; anything else differing from the standard was edited silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..read.docx import ReadDocument, Revision, ViewParagraph
from .align import ClausePair, align_clauses
from .diff import DELETE, EQUAL, INSERT, Piece, align_paragraphs, similarity, word_diff
from .model import (
    Change,
    ClauseResult,
    Comparison,
    ParagraphDiff,
    ParameterChange,
    worse,
)
from .normalize import clean, comparable, cosmetic_key
from .recover import recover
from .segments import Segment, segment
from .standard import StandardContext

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

    def revision(self, text: str) -> str | None:
        squashed = _squash(text)
        for chunk, rev in self.slices:
            part = _squash(chunk)
            if part and (part in squashed or squashed in part):
                return rev
        return None


class _Attribution:
    """Decides whether a change was tracked by the partner, and by whom and when."""

    def __init__(self, revisions: tuple[Revision, ...], accepted: list[ViewParagraph],
                 rejected: list[ViewParagraph]) -> None:
        self.by_id = {r.id: r for r in revisions}
        self.inserted = _Tracked.of(accepted)
        self.deleted = _Tracked.of(rejected)
        self._paragraph_marks(revisions, accepted, rejected)

    def _paragraph_marks(self, revisions: tuple[Revision, ...], accepted: list[ViewParagraph],
                         rejected: list[ViewParagraph]) -> None:
        """A tracked paragraph-mark deletion merges paragraphs (and an inserted mark splits
        one): the text that moved across the mark was moved by that revision, not silently."""
        marks = {(r.part, r.paragraph): r.id for r in revisions
                 if r.kind in ("paragraph_delete", "paragraph_insert", "move_from", "move_to")}
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

    def _meta(self, rev: str | None) -> tuple[str | None, str | None]:
        revision = self.by_id.get(rev or "")
        return (revision.author, revision.date) if revision else (None, None)

    def judge(self, deleted: str, inserted: str) -> tuple[bool, str | None, str | None]:
        tracked = (not inserted.strip() or self.inserted.covers(inserted)) and (
            not deleted.strip() or self.deleted.covers(deleted))
        if not tracked:
            return False, None, None
        rev = (self.inserted.revision(inserted) if inserted.strip() else None) or (
            self.deleted.revision(deleted) if deleted.strip() else None)
        author, date = self._meta(rev)
        return True, author, date


def _changes_from_pieces(pieces: list[Piece], attribution: _Attribution | None) -> list[Change]:
    changes: list[Change] = []
    deleted, inserted = "", ""

    def flush() -> None:
        nonlocal deleted, inserted
        if deleted or inserted:
            op = "replace" if deleted and inserted else ("delete" if deleted else "insert")
            tracked, author, date = attribution.judge(deleted, inserted) if attribution else (
                False, None, None)
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


def _body(seg: Segment | None) -> list[ViewParagraph]:
    return seg.body if seg is not None else []


def _diff_clause(std: Segment, neg: Segment, attribution: _Attribution | None,
                 ) -> tuple[list[ParagraphDiff], list[Change]]:
    std_body, neg_body = std.body, neg.body
    pairs = align_paragraphs([p.text for p in std_body], [p.text for p in neg_body])
    diffs: list[ParagraphDiff] = []
    changes: list[Change] = []
    for pair in pairs:
        a = std_body[pair.standard] if pair.standard is not None else None
        b = neg_body[pair.negotiated] if pair.negotiated is not None else None
        if pair.kind == "equal":
            assert a is not None and b is not None
            pieces = word_diff(clean(a.text), clean(b.text)) if clean(a.text) != clean(
                b.text) else [Piece(EQUAL, clean(a.text))]
            diffs.append(ParagraphDiff("equal" if len(pieces) == 1 else "modify", a, b, pieces))
            if len(pieces) > 1:
                changes += _changes_from_pieces(pieces, attribution)
        elif pair.kind == "modify":
            assert a is not None and b is not None
            pieces = word_diff(clean(a.text), clean(b.text))
            diffs.append(ParagraphDiff("modify", a, b, pieces))
            changes += _changes_from_pieces(pieces, attribution)
        elif pair.kind == "insert":
            assert b is not None
            diffs.append(ParagraphDiff("insert", None, b, [Piece(INSERT, clean(b.text))]))
            changes += _changes_from_pieces([Piece(INSERT, clean(b.text))], attribution)
        else:
            assert a is not None
            diffs.append(ParagraphDiff("delete", a, None, [Piece(DELETE, clean(a.text))]))
            changes += _changes_from_pieces([Piece(DELETE, clean(a.text))], attribution)
    _attribute_pieces(diffs, attribution)
    return diffs, changes


def _attribute_pieces(diffs: list[ParagraphDiff], attribution: _Attribution | None) -> None:
    """Mark each paragraph diff with the partner's authorship when all its edits were tracked."""
    for diff in diffs:
        if diff.kind == "equal" or attribution is None:
            continue
        verdicts = [attribution.judge(p.text, "") if p.op == DELETE else
                    attribution.judge("", p.text) for p in diff.pieces
                    if p.op != EQUAL and p.text.strip()]
        if verdicts and all(tracked for tracked, _, _ in verdicts):
            diff.tracked = True
            diff.author, diff.date = next(((a, d) for _, a, d in verdicts if a), (None, None))


def _title_change(std: Segment, neg: Segment) -> Change | None:
    if clean(std.title) == clean(neg.title):
        return None
    return Change("replace", std.title, neg.title, False)


def _sameness(std: Segment, neg: Segment) -> str:
    """'same' (identical text), 'cosmetic' (differs only cosmetically) or 'different'."""
    if clean(std.title) == clean(neg.title) and [clean(t) for t in std.texts] == [
            clean(t) for t in neg.texts]:
        return "same"
    if cosmetic_key(std.title) == cosmetic_key(neg.title) and cosmetic_key(
            " ".join(std.texts)) == cosmetic_key(" ".join(neg.texts)):
        return "cosmetic"
    return "different"


def _classify(result: ClauseResult, std: Segment, neg: Segment,
              context: StandardContext | None, cosmetic_only: bool) -> None:
    """Severity from the playbook: parameters recovered through the clause's template."""
    if cosmetic_only:
        result.severity = "standard"
        return
    library = context.library if context else None
    clause = library.clauses.get(std.key) if (library and std.anchor) else None
    if context is None or clause is None:
        result.severity = "approval"
        result.notes.append("text changed; no library clause to recover parameters from")
        return
    issued = context.variants.get(clause.id) or (std.anchor.variant if std.anchor else "standard")
    recovered = recover(context.library, clause, issued, context.values,
                        "\n".join(neg.texts), context.numbers)
    severity: str | None = None
    owners = context.library.param_owner()
    for name, value in recovered.values.items():
        param = owners[name].params[name]
        position = param.playbook.position(value) if param.playbook else "approval"
        note = "" if param.playbook else "no playbook position for this parameter"
        if param.playbook and position == "walk-away":
            note = f"beyond walk-away ({param.playbook.walk_away.describe_limit()})"
        elif param.playbook and position == "fallback":
            note = f"pre-approved fallback ({param.playbook.fallback.describe()})"
        elif param.playbook and position == "approval":
            allowed = param.playbook.fallback.describe()
            limit = param.playbook.walk_away.describe_limit()
            note = ("needs approval: " + (f"outside the fallbacks ({allowed})" if allowed
                                          else "no pre-approved fallback")
                    + (f", within walk-away (refused: {limit})" if limit else "")
                    + (f"; approver: {param.playbook.approver}" if param.playbook.approver
                       else ""))
        result.parameters.append(ParameterChange(name, context.values.get(name), value,
                                                 position, note))
        severity = worse(severity, position)
    result.variant_negotiated = recovered.variant
    if recovered.variant != issued:
        variant = clause.variants[recovered.variant]
        severity = worse(severity, variant.position)
        result.notes.append(f"wording matches variant '{recovered.variant}' ({variant.label}), "
                            f"a pre-approved {variant.position}"
                            if variant.position == "fallback" else
                            f"wording matches variant '{recovered.variant}' ({variant.label})")
    if not recovered.explained:
        severity = worse(severity, "approval")
        result.notes.append("text changes beyond the clause's parameters need approval")
    result.severity = severity or "standard"


def compare(standard: ReadDocument, negotiated: ReadDocument,
            context: StandardContext | None = None) -> Comparison:
    """Compare two read documents clause by clause."""
    std_segments = segment(standard.accepted)
    neg_segments = segment(negotiated.accepted)
    rejected = {s.key: s for s in segment(negotiated.rejected)}
    anchored = any(s.anchor for s in neg_segments)
    pairs = align_clauses(std_segments, neg_segments)
    has_revisions = bool(negotiated.revisions)
    results = []
    for pair, folded in _fold_merges_and_splits(pairs):
        if folded is not None:
            results.append(folded)
        else:
            results.append(_result(pair, context, rejected,
                                   negotiated.revisions if has_revisions else ()))
    authors = sorted({r.author for r in negotiated.revisions if r.author})
    return Comparison(standard.path, negotiated.path, results, len(negotiated.revisions),
                      authors, "anchors" if anchored else "headings",
                      list(standard.accepted))


def _removal(clause_id: str | None, context: StandardContext | None) -> tuple[str, list[str]]:
    """Deleting a clause at least needs approval; it is walk-away when it drops an obligation
    the playbook will not give up (a true/false term whose `false` is beyond walk-away, such as
    the IRB approval requirement)."""
    if context is None or (clause := context.library.clauses.get(clause_id or "")) is None:
        return "approval", []
    dropped = [param.name for param in clause.params.values()
               if param.type == "bool" and param.playbook is not None
               and param.playbook.standard is True and context.values.get(param.name) is True
               and param.playbook.position(False) == "walk-away"]
    if not dropped:
        return "approval", []
    return "walk-away", [f"deleting it drops {', '.join(dropped)}, which the playbook does not "
                         "give up (false is beyond walk-away)"]


def _combined(first: Segment, second: Segment) -> Segment:
    """`second` folded into `first`: its heading becomes an ordinary paragraph."""
    extra = [second.heading] if second.heading is not None else []
    return Segment(first.key, first.title, first.anchor,
                   first.paragraphs + extra + second.paragraphs, first.heading, first.index)


def _contained(part: Segment, whole: Segment) -> bool:
    part_text = cosmetic_key(part.full_text)
    if len(part_text) < 20:
        return False
    whole_text = cosmetic_key(whole.full_text)
    words = set(part_text.split())
    if len(words & set(whole_text.split())) < 0.8 * len(words):  # cheap test first
        return False
    return fuzz.partial_ratio(part_text, whole_text, score_cutoff=90) >= 90


def _gain(std: Segment, neg: Segment, combined_std: Segment | None = None,
          combined_neg: Segment | None = None) -> float:
    before = similarity(comparable(std.full_text), comparable(neg.full_text))
    after = similarity(comparable((combined_std or std).full_text),
                       comparable((combined_neg or neg).full_text))
    return after - before


def _fold_merges_and_splits(pairs: list[ClausePair]
                            ) -> list[tuple[ClausePair, ClauseResult | None]]:
    """Two standard clauses merged into one negotiated clause, or one standard clause split in
    two, are compared as one unit; the absorbed clause is reported as moved into its partner."""
    out: list[tuple[ClausePair, ClauseResult | None]] = []
    index = 0
    while index < len(pairs):
        pair = pairs[index]
        after = pairs[index + 1] if index + 1 < len(pairs) else None
        if pair.standard is not None and pair.negotiated is not None and after is not None:
            std, neg = pair.standard, pair.negotiated
            if (after.negotiated is None and after.standard is not None
                    and after.standard.index == std.index + 1
                    and _contained(after.standard, neg)
                    and _gain(std, neg, combined_std=_combined(std, after.standard)) > 0.05):
                merged = ClausePair(_combined(std, after.standard), neg, pair.moved,
                                    pair.method, pair.score)
                absorbed = after.standard
                out.append((merged, None))
                out.append((after, _folded(absorbed, f"merged into '{neg.title}'")))
                index += 2
                continue
            if (after.standard is None and after.negotiated is not None
                    and after.negotiated.index == neg.index + 1
                    and _contained(after.negotiated, std)
                    and _gain(std, neg, combined_neg=_combined(neg, after.negotiated)) > 0.05):
                split = ClausePair(std, _combined(neg, after.negotiated), pair.moved,
                                   pair.method, pair.score)
                out.append((split, None))
                out.append((after, _folded(after.negotiated, f"split out of '{std.title}'")))
                index += 2
                continue
        out.append((pair, None))
        index += 1
    return out


def _folded(segment: Segment, note: str) -> ClauseResult:
    clause_id = segment.key if segment.anchor is not None else None
    return ClauseResult(clause_id, segment.title, "moved", "standard",
                        [Change("move", segment.title, note, False)],
                        version=segment.anchor.version if segment.anchor else None,
                        alignment="folded", notes=[note], folded=True)


def _result(pair: ClausePair, context: StandardContext | None, rejected: dict[str, Segment],
            revisions: tuple[Revision, ...]) -> ClauseResult:
    std, neg = pair.standard, pair.negotiated
    key = (std or neg).key  # type: ignore[union-attr]
    clause_id = key if (std or neg).anchor is not None else None  # type: ignore[union-attr]
    title = (std or neg).title  # type: ignore[union-attr]
    version = std.anchor.version if std is not None and std.anchor else None
    variant = std.anchor.variant if std is not None and std.anchor else None
    attribution = None
    if revisions and neg is not None:
        rej = rejected.get(neg.key)
        attribution = _Attribution(revisions, neg.body + ([neg.heading] if neg.heading else []),
                                   _body(rej) + ([rej.heading] if rej and rej.heading else []))
    if std is None:
        assert neg is not None
        diffs = [ParagraphDiff("insert", None, p, [Piece(INSERT, clean(p.text))])
                 for p in neg.body]
        _attribute_pieces(diffs, attribution)
        text = "\n".join(neg.texts)
        tracked, author, date = attribution.judge("", text) if attribution else (False, None,
                                                                                  None)
        return ClauseResult(clause_id, title, "added", "approval",
                            [Change("insert", "", f"{neg.title}\n{text}".strip(), tracked,
                                    author, date)],
                            alignment="", paragraphs=diffs, heading_negotiated=neg.heading,
                            notes=["clause not in the standard"])
    if neg is None:
        diffs = [ParagraphDiff("delete", p, None, [Piece(DELETE, clean(p.text))])
                 for p in std.body]
        severity, notes = _removal(clause_id, context)
        return ClauseResult(clause_id, title, "removed", severity,
                            [Change("delete", f"{std.title}\n{chr(10).join(std.texts)}".strip(),
                                    "", False)],
                            version=version, variant_standard=variant, paragraphs=diffs,
                            heading_standard=std.heading, notes=["clause deleted", *notes])
    diffs, changes = _diff_clause(std, neg, attribution)
    title_change = _title_change(std, neg)
    if title_change:
        changes.insert(0, title_change)
    sameness = _sameness(std, neg)
    status = "moved" if pair.moved else {"same": "unchanged", "cosmetic": "cosmetic",
                                         "different": "modified"}[sameness]
    result = ClauseResult(clause_id, title, status, None, changes, version=version,
                          variant_standard=variant, variant_negotiated=variant,
                          alignment=pair.method, paragraphs=diffs, heading_standard=std.heading,
                          heading_negotiated=neg.heading)
    if pair.moved:
        result.moved_from = std.index
        moved_tracked = bool(revisions) and any(r.kind in ("move_to", "move_from")
                                                for r in revisions)
        result.changes.insert(0, Change("move", std.title, neg.title, moved_tracked))
        result.notes.append(f"moved from position {std.index} in the standard")
    if status == "unchanged":
        result.changes = []
    elif sameness == "same":  # moved, words untouched
        result.severity = "standard"
    else:
        _classify(result, std, neg, context, cosmetic_only=sameness == "cosmetic")
    if clause_id is None and std.key == "_front":
        result.id = None
    return result
