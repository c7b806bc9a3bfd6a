"""The comparison itself: align clauses, diff words inside each pair, classify each clause.

Tracked changes are the partner's own words: a change found in the accepted view is tracked when
its text lies inside the partner's w:ins (inserted) or w:del (deleted) content, and carries that
revision's author and date; anything else differing from the standard was edited silently.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from rapidfuzz import fuzz

from ..library import Clause
from ..read.docx import ReadDocument, Revision, ViewParagraph
from .align import ClausePair, align_clauses
from .consistency import check_consistency
from .diff import (
    DELETE,
    EQUAL,
    INSERT,
    ParagraphPair,
    Piece,
    align_paragraphs,
    similarity,
    word_diff,
)
from .formats import format_differences, hidden_insertions, reference_target
from .model import (
    Change,
    ClauseResult,
    Comparison,
    ParagraphDiff,
    ParameterChange,
    worse,
)
from .normalize import clean, comparable, cosmetic_form, matching_key, renumber_references
from .recover import recover, render_text, words_and_figures_disagree
from .segments import NUMBERED_HEADING_STYLES, Segment, segment
from .standard import StandardContext
from .stories import compare_stories, partner_comments


@dataclass(frozen=True)
class Renumber:
    """How to read the negotiated copy's cross-references as the standard's: a field's
    result is replaced by what the standard shows for the same bookmark (exact: the client
    recomputes results whenever clauses are inserted, deleted or moved, and LibreOffice leaves
    some stale), and typed references are translated through the clause renumbering."""

    results: dict[str, str] = field(default_factory=dict)  # bookmark -> standard's result
    translations: tuple[Callable[[str], str], ...] = ()


NO_RENUMBER = Renumber()

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
        return next(((len(part), rev) for chunk, rev in self.slices
                     if (part := _squash(chunk)) and part in squashed), None)


class _Attribution:
    """Decides whether a change was tracked by the partner, and by whom and when."""

    def __init__(self, revisions: tuple[Revision, ...], accepted: list[ViewParagraph],
                 rejected: list[ViewParagraph]) -> None:
        self.by_id = {r.id: r for r in revisions}
        self.formats = [r for r in revisions if r.kind == "format" and r.text.strip()]
        self.inserted = _Tracked.of(accepted)
        self.deleted = _Tracked.of(rejected)
        self._paragraph_marks(revisions, accepted, rejected)
        # Revisions standing in this clause's own paragraphs, by their text: a deletion inside
        # a moved clause's w:moveTo is in neither view's text, yet it is the partner's.
        here = {(p.part, source) for p in (*accepted, *rejected) for source in p.sources}
        self.standing = {
            kind: [(r, _squash(r.text)) for r in revisions if r.kind in kinds
                   and (r.part, r.paragraph) in here and r.text.strip()]
            for kind, kinds in (("delete", ("delete", "move_from")),
                                ("insert", ("insert", "move_to")))}

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

    def format_revision(self, text: str) -> Revision | None:
        """The partner's tracked formatting change (w:rPrChange) over this text, if any."""
        squashed = _squash(text)
        for revision in self.formats:
            if squashed and (squashed in _squash(revision.text)
                             or _squash(revision.text) in squashed):
                return revision
        return None

    def _standing(self, kind: str, text: str) -> Revision | None:
        """The tightest revision in this clause's paragraphs whose text holds this text."""
        squashed = _squash(text)
        matches = [(len(own), r) for r, own in self.standing[kind] if squashed and squashed in own]
        return min(matches, key=lambda item: item[0])[1] if matches else None

    def judge(self, deleted: str, inserted: str) -> tuple[bool, str | None, str | None]:
        found: list[tuple[int, Revision]] = []
        for text, tracked, kind in ((inserted, self.inserted, "insert"),
                                    (deleted, self.deleted, "delete")):
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
    rest_old, rest_new = old[start:len(old) - end], new[start:len(new) - end]
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
        if whole_a and whole_b or (whole_a or whole_b) and a[length - 1].isalnum():
            return length
        length -= 1
    return 0


def _changes_from_pieces(pieces: list[Piece], attribution: _Attribution | None) -> list[Change]:
    changes: list[Change] = []
    deleted, inserted = "", ""

    def flush() -> None:
        nonlocal deleted, inserted
        deleted, inserted = _glued(deleted, inserted)
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


def reference_results(paragraphs: tuple[ViewParagraph, ...]) -> dict[str, str]:
    """Bookmark -> the text a cross-reference to it shows in these paragraphs."""
    results: dict[str, str] = {}
    for paragraph in paragraphs:
        for start, end, signature in paragraph.formats:
            target = reference_target(signature)
            if target is not None:
                results.setdefault(target, paragraph.text[start:end])
    return results


def _standard_results(paragraph: ViewParagraph, results: dict[str, str]) -> str:
    """The paragraph's text with each cross-reference showing what the standard shows for
    the same bookmark."""
    if not results or not any("ref=" in signature for _, _, signature in paragraph.formats):
        return paragraph.text
    text, shift = paragraph.text, 0
    for start, end, signature in paragraph.formats:
        target = reference_target(signature)
        if target is not None and target in results:
            text = text[:start + shift] + results[target] + text[end + shift:]
            shift += len(results[target]) - (end - start)
    return text


def _reconciled(std_body: list[ViewParagraph], neg_body: list[ViewParagraph],
                renumber: Renumber) -> tuple[list[ParagraphPair], list[str]]:
    """Paragraph pairs, and the negotiated texts with cross-reference numbers read as the
    standard's wherever the client refreshed them (a paragraph keeps its own numbers when they
    already match the standard: a copy edited without a client has stale field results)."""
    texts = [clean(_standard_results(p, renumber.results)) for p in neg_body]
    pairs = align_paragraphs([p.text for p in std_body], texts)
    if not renumber.translations:
        return pairs, texts
    for pair in pairs:
        if pair.standard is None or pair.negotiated is None:
            continue
        before, own = clean(std_body[pair.standard].text), texts[pair.negotiated]
        if own == before or not any(char.isdigit() for char in own):
            continue  # nothing a renumbering could explain
        best, score = own, similarity(before, own)
        for translate in renumber.translations:
            translated = translate(own)
            if translated != own and similarity(before, translated) > score:
                best, score = translated, similarity(before, translated)
        texts[pair.negotiated] = best
    return pairs, texts


def _diff_clause(std: Segment, neg: Segment, attribution: _Attribution | None,
                 renumber: Renumber = NO_RENUMBER
                 ) -> tuple[list[ParagraphDiff], list[Change], list[str]]:
    """Paragraph and word changes of one clause pair, formatting changes included, and the
    negotiated texts as compared (refreshed cross-reference numbers read as the standard's)."""
    std_body, neg_body = std.body, neg.body
    pairs, neg_texts = _reconciled(std_body, neg_body, renumber)
    diffs: list[ParagraphDiff] = []
    changes: list[Change] = []
    for pair in pairs:
        a = std_body[pair.standard] if pair.standard is not None else None
        b = neg_body[pair.negotiated] if pair.negotiated is not None else None
        if pair.kind in ("equal", "modify"):
            assert a is not None and b is not None and pair.negotiated is not None
            before, after = clean(a.text), neg_texts[pair.negotiated]
            pieces = word_diff(before, after) if before != after else [Piece(EQUAL, before)]
            diffs.append(ParagraphDiff("equal" if len(pieces) == 1 else "modify", a, b, pieces))
            if len(pieces) > 1:
                changes += _changes_from_pieces(pieces, attribution)
            changes += _format_changes(a, b, attribution)
        elif pair.kind == "insert":
            assert b is not None and pair.negotiated is not None
            inserted = [Piece(INSERT, neg_texts[pair.negotiated])]
            diffs.append(ParagraphDiff("insert", None, b, inserted))
            changes += _changes_from_pieces(inserted, attribution)
            changes += _format_changes(None, b, attribution)
        else:
            assert a is not None
            diffs.append(ParagraphDiff("delete", a, None, [Piece(DELETE, clean(a.text))]))
            changes += _changes_from_pieces([Piece(DELETE, clean(a.text))], attribution)
    _attribute_pieces(diffs, attribution)
    if std.heading is not None and neg.heading is not None:
        changes += _format_changes(std.heading, neg.heading, attribution)
    return diffs, changes, neg_texts


def _format_changes(standard: ViewParagraph | None, negotiated: ViewParagraph,
                    attribution: _Attribution | None) -> list[Change]:
    changes = []
    differences = format_differences(standard, negotiated) if standard is not None else []
    for text, detail in differences + hidden_insertions(standard, negotiated):
        revision = attribution.format_revision(text) if attribution else None
        if revision is not None:
            tracked, author, date = True, revision.author, revision.date
        elif attribution is not None:
            # Text the partner re-typed inside their own tracked insertion carries the
            # insertion's formatting: their change, made with tracking on.
            tracked, author, date = attribution.judge("", text)
        else:
            tracked, author, date = False, None, None
        changes.append(Change("format", text, text, tracked, author, date, detail))
    return changes


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


def _title_changes(std: Segment, neg: Segment,
                   attribution: _Attribution | None) -> list[Change]:
    """The heading's own word changes, tracked or not like any other text."""
    before, after = clean(std.title), clean(neg.title)
    if before == after:
        return []
    return _changes_from_pieces(word_diff(before, after), attribution)


def _sameness(std: Segment, neg: Segment, neg_texts: list[str]) -> str:
    """'same' (identical text), 'cosmetic' (differs only in white space, quote style, typed
    numbering labels or refreshed cross-reference numbers) or 'different'; `neg_texts` are the
    negotiated body texts as compared."""
    if clean(std.title) == clean(neg.title) and [clean(t) for t in std.texts] == neg_texts:
        return "same"
    if cosmetic_form(std.title) == cosmetic_form(neg.title) and [
            cosmetic_form(t) for t in std.texts] == [cosmetic_form(t) for t in neg_texts]:
        return "cosmetic"
    return "different"


def _rendering_matches(context: StandardContext, clause: Clause, variant: str,
                       std: Segment) -> bool:
    """Whether the clause's template, with the issued values, gives the standard's text: only
    then can parameter recovery explain a change (a signature block's table, say, is laid out
    outside the clause text, so a deleted table is never 'explained')."""
    text = render_text(context.library, clause, variant, context.values, context.numbers)
    flat = comparable(text or "").replace("\n", " ")
    return flat == comparable("\n".join(std.texts)).replace("\n", " ")


def _classify(result: ClauseResult, std: Segment, neg_texts: list[str],
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
                        "\n".join(neg_texts), context.numbers)
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
    if not recovered.explained or not _rendering_matches(context, clause, issued, std):
        severity = worse(severity, "approval")
        result.notes.append("text changes beyond the clause's parameters need approval")
    result.severity = severity or "standard"


def compare(standard: ReadDocument, negotiated: ReadDocument,
            context: StandardContext | None = None) -> Comparison:
    """Compare two read documents clause by clause, then every other story."""
    std_segments = segment(standard.accepted)
    neg_segments = segment(negotiated.accepted)
    rejected = {s.key: s for s in segment(negotiated.rejected)}
    anchored = any(s.anchor for s in neg_segments)
    pairs = align_clauses(std_segments, neg_segments)
    std_numbers = _clause_numbers(std_segments, standard.accepted)
    neg_numbers = _clause_numbers(neg_segments, negotiated.accepted)
    renumber = Renumber(reference_results(standard.accepted), _renumberings(
        pairs, std_numbers, neg_numbers,
        _clause_numbers(neg_segments, negotiated.accepted, negotiated.rejected)))
    revisions = negotiated.revisions
    units = _fold_merges_and_splits(pairs, negotiated.revisions)
    results = [folded if folded is not None else
               _result(pair, context, rejected, revisions, renumber) for pair, folded in units]
    _second_copies(units, results, std_segments, std_numbers, context)
    locate_std = _locator(std_segments, std_numbers)
    locate_neg = _locator(neg_segments, neg_numbers)
    for result, (pair, _) in zip(results, units, strict=True):
        seg = pair.negotiated or pair.standard
        assert seg is not None
        numbers = neg_numbers if pair.negotiated is not None else std_numbers
        result.number = str(numbers[seg.index]) if seg.index in numbers else None
        result.location = _where(seg, numbers)

    def diff_story(std: Segment, neg: Segment, neg_rejected: Segment | None) -> ClauseResult:
        before = {neg.key: neg_rejected} if neg_rejected is not None else {}
        result = _result(ClausePair(std, neg, method="story"), None, before, revisions)
        result.notes = []  # a story has no library clause: only where it is matters
        return result

    results += compare_stories(standard, negotiated, diff_story, locate_std, locate_neg)
    comments = partner_comments(standard, negotiated, locate_neg)
    by_id = {r.id: r for r in results if r.id is not None and r.story == "body"}
    for comment in comments:
        if comment.clause in by_id:
            by_id[comment.clause].comments.append(comment)
    authors = sorted({r.author for r in revisions if r.author})
    comparison = Comparison(standard.path, negotiated.path, results, len(revisions),
                            authors, "anchors" if anchored else "headings",
                            list(standard.accepted), comments=comments)
    comparison.warnings += _misplaced_anchors(pairs)
    check_consistency(comparison, context)
    return comparison


def _misplaced_anchors(pairs: list[ClausePair]) -> list[str]:
    """Clause bookmarks standing on other clauses' headings: aligned by text, and said."""
    found = sorted(f"'{p.negotiated.anchor.clause_id}' on the heading of '{p.standard.key}'"
                   for p in pairs if p.standard is not None and p.negotiated is not None
                   and p.standard.anchor is not None and p.negotiated.anchor is not None
                   and p.negotiated.anchor.clause_id != p.standard.key)
    if not found:
        return []
    return ["clause bookmarks stand on other clauses' headings (" + ", ".join(found)
            + "): those clauses were paired by heading and text, not by bookmark"]


def _second_copies(units: list[tuple[ClausePair, ClauseResult | None]],
                   results: list[ClauseResult], std_segments: list[Segment],
                   std_numbers: dict[int, int], context: StandardContext | None) -> None:
    """A clause added under the bookmark or heading of one the standard has is a second copy
    of it: its terms are read through that clause (a second Fees clause with another fee makes
    the agreement state two fees, which the consistency check then names)."""
    by_key = {seg.key: seg for seg in std_segments if seg.anchor is not None}
    by_title = {matching_key(seg.title): seg for seg in std_segments if seg.heading is not None}
    for (pair, folded), result in zip(units, results, strict=True):
        neg = pair.negotiated
        if folded is not None or pair.standard is not None or neg is None:
            continue
        original = (by_key.get(neg.key) if neg.anchor is not None else None) or by_title.get(
            matching_key(neg.title))
        if original is None:
            continue
        result.notes.append(f"a second copy of {_where(original, std_numbers)}")
        _classify(result, original, [clean(t) for t in neg.texts], context, cosmetic_only=False)
        result.severity = worse(result.severity, "approval")


def _is_numbered(seg: Segment) -> bool:
    heading = seg.heading
    if heading is None:
        return False
    return _style_key(heading.style) in NUMBERED_HEADING_STYLES or (
        heading.num_id is not None and heading.level == 0)


def _clause_numbers(segments: list[Segment],
                    *views: tuple[ViewParagraph, ...]) -> dict[int, int]:
    """Segment index -> the number its heading shows: numbered headings of the given views
    counted in document order, an empty one too (a client numbers it all the same). Given the
    rejected view as well, this is the numbering with tracked changes shown, which LibreOffice
    and Word use when they refresh cross-references: a heading struck or moved with tracking
    on still takes a number there."""
    heads = {seg.heading.sources[-1]: seg.index for seg in segments
             if seg.heading is not None and _is_numbered(seg)}
    positions = set(heads) | {p.sources[-1] for view in views for p in view
                              if p.table is None and _style_key(p.style)
                              in NUMBERED_HEADING_STYLES}
    return {heads[source]: number for number, source in enumerate(sorted(positions), 1)
            if source in heads}


def _style_key(style: str | None) -> str:
    return (style or "").replace(" ", "").casefold()


def _renumberings(pairs: list[ClausePair], std_numbers: dict[int, int],
                  *neg_numberings: dict[int, int]) -> tuple[Callable[[str], str], ...]:
    """Translations of cross-reference numbers back to the standard's, one per way the client
    may have numbered the negotiated clauses (a clause inserted, deleted or moved before
    them): as accepted, and with tracked changes shown."""
    translations = []
    for neg_numbers in neg_numberings:
        mapping = {neg_numbers[p.negotiated.index]: std_numbers[p.standard.index]
                   for p in pairs if p.standard is not None and p.negotiated is not None
                   and p.negotiated.index in neg_numbers and p.standard.index in std_numbers}
        if any(new != old for new, old in mapping.items()):
            translations.append(mapping)
    unique = [m for k, m in enumerate(translations) if m not in translations[:k]]
    return tuple(partial(renumber_references, numbers=m) for m in unique)


def _where(seg: Segment, numbers: dict[int, int]) -> str:
    if seg.key == "_front":
        return "front matter"
    number = numbers.get(seg.index)
    return f"clause {number} ({seg.title})" if number is not None else seg.title


def _locator(segments: list[Segment], numbers: dict[int, int]
             ) -> Callable[[int | None], tuple[str | None, str]]:
    """Body paragraph index -> (clause id, 'clause 9 (Ethics)') of the clause holding it."""
    owner: dict[int, Segment] = {}
    for seg in segments:
        for paragraph in ([seg.heading] if seg.heading is not None else []) + seg.paragraphs:
            for source in paragraph.sources:
                owner[source] = seg
    ordered = sorted(owner)

    def locate(index: int | None) -> tuple[str | None, str]:
        if index is None or not ordered:
            return None, ""
        seg = owner.get(index)
        if seg is None:  # an empty paragraph: the clause of the nearest paragraph before it
            position = bisect.bisect_right(ordered, index)
            seg = owner[ordered[position - 1]] if position else owner[ordered[0]]
        return (seg.key if seg.anchor is not None else None), _where(seg, numbers)

    return locate


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


def _own_texts(std: Segment, neg: Segment, diffs: list[ParagraphDiff],
               neg_texts: list[str]) -> list[str]:
    """The negotiated texts that stand for the clause's own paragraphs: a neighbour merged
    into it is no evidence of its parameters."""
    if std.own_paragraphs is None:
        return neg_texts
    own = {id(p) for p in std.paragraphs[:std.own_paragraphs]}
    text_of = {id(p): text for p, text in zip(neg.body, neg_texts, strict=True)}
    return [text_of[id(d.negotiated)] for d in diffs if d.negotiated is not None
            and id(d.negotiated) in text_of and (d.standard is None or id(d.standard) in own)]


def _classify_merged(result: ClauseResult, std: Segment, neg: Segment,
                     diffs: list[ParagraphDiff], neg_texts: list[str],
                     context: StandardContext | None) -> None:
    """A neighbour merged into this clause keeps its own terms: they are read through its own
    template from the paragraphs that stand for it, and reported on this clause."""
    if not std.merged or context is None:
        return
    text_of = {id(p): text for p, text in zip(neg.body, neg_texts, strict=True)}
    for absorbed, start, end in std.merged:
        span = {id(p) for p in std.paragraphs[start:end]}
        texts = [text_of[id(d.negotiated)] for d in diffs if d.negotiated is not None
                 and d.standard is not None and id(d.standard) in span
                 and id(d.negotiated) in text_of]
        part = ClauseResult(absorbed.key, absorbed.title, "modified", None)
        _classify(part, absorbed, texts, context, cosmetic_only=False)
        for parameter in part.parameters:
            parameter.note = f"in the merged clause '{absorbed.title}'; {parameter.note}"
            result.parameters.append(parameter)
            result.severity = worse(result.severity, parameter.position)


def _struck_with_tracking(std: Segment, rejected: dict[str, Segment],
                          revisions: tuple[Revision, ...], struck: str
                          ) -> tuple[bool, str | None, str | None]:
    """A clause missing from the accepted view was struck with tracking on when it is still in
    the rejected view as the partner's deleted text."""
    rej = rejected.get(std.key)
    if rej is None or not revisions:
        return False, None, None
    attribution = _Attribution(revisions, [], ([rej.heading] if rej.heading else [])
                               + _body(rej))
    return attribution.judge(struck, "")


def _combined(first: Segment, second: Segment) -> Segment:
    """`second` folded into `first`: its heading becomes an ordinary paragraph."""
    extra = [second.heading] if second.heading is not None else []
    own = first.own_paragraphs if first.own_paragraphs is not None else len(first.paragraphs)
    start = len(first.paragraphs) + len(extra)
    span = (second, start, start + len(second.paragraphs))
    return Segment(first.key, first.title, first.anchor,
                   first.paragraphs + extra + second.paragraphs, first.heading, first.index,
                   (*first.absorbed, second.key), own, (*first.merged, span))


def _contained(part: Segment, whole: Segment) -> bool:
    part_text = matching_key(part.full_text)
    if len(part_text) < 20:
        return False
    whole_text = matching_key(whole.full_text)
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


def _fold_merges_and_splits(pairs: list[ClausePair], revisions: tuple[Revision, ...] = ()
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
                out.append((after, _folded(absorbed, f"merged into '{neg.title}'", revisions,
                                           ("delete", "paragraph_delete", "move_from"))))
                index += 2
                continue
            if (after.standard is None and after.negotiated is not None
                    and after.negotiated.index == neg.index + 1
                    and _contained(after.negotiated, std)
                    and _gain(std, neg, combined_neg=_combined(neg, after.negotiated)) > 0.05):
                split = ClausePair(std, _combined(neg, after.negotiated), pair.moved,
                                   pair.method, pair.score)
                out.append((split, None))
                out.append((after, _folded(after.negotiated, f"split out of '{std.title}'",
                                           revisions, ("insert", "paragraph_insert",
                                                       "move_to"))))
                index += 2
                continue
        out.append((pair, None))
        index += 1
    return out


def _folded(segment: Segment, note: str, revisions: tuple[Revision, ...] = (),
            kinds: tuple[str, ...] = ()) -> ClauseResult:
    """The clause merged into (or split out of) a neighbour; tracked when the partner removed
    (or inserted) its heading with tracking on."""
    clause_id = segment.key if segment.anchor is not None else None
    heading = " ".join(segment.title.split())
    revision = next((r for r in revisions if r.kind in kinds and heading
                     and heading in " ".join(r.text.split())), None)
    tracked = revision is not None
    return ClauseResult(clause_id, segment.title, "moved", "standard",
                        [Change("move", segment.title, note, tracked,
                                revision.author if revision else None,
                                revision.date if revision else None)],
                        version=segment.anchor.version if segment.anchor else None,
                        alignment="folded", notes=[note], folded=True)


def _result(pair: ClausePair, context: StandardContext | None, rejected: dict[str, Segment],
            revisions: tuple[Revision, ...], renumber: Renumber = NO_RENUMBER) -> ClauseResult:
    std, neg = pair.standard, pair.negotiated
    key = (std or neg).key  # type: ignore[union-attr]
    clause_id = key if (std or neg).anchor is not None else None  # type: ignore[union-attr]
    title = (std or neg).title  # type: ignore[union-attr]
    version = std.anchor.version if std is not None and std.anchor else None
    variant = std.anchor.variant if std is not None and std.anchor else None
    attribution = None
    if revisions and neg is not None:
        # A clause merged with (or split from) its neighbour reads, before the partner's
        # changes, as both clauses: the removed heading is in the neighbour's.
        before: list[ViewParagraph] = []
        for key in (neg.key, *(std.absorbed if std is not None else ()), *neg.absorbed):
            rej = rejected.get(key)
            before += ([rej.heading] if rej and rej.heading else []) + _body(rej)
        attribution = _Attribution(revisions, ([neg.heading] if neg.heading else []) + neg.body,
                                   before)
    if std is None:
        assert neg is not None
        diffs = [ParagraphDiff("insert", None, p, [Piece(INSERT, clean(p.text))])
                 for p in neg.body]
        _attribute_pieces(diffs, attribution)
        text = "\n".join(neg.texts)
        tracked, author, date = attribution.judge("", text) if attribution else (False, None,
                                                                                  None)
        hidden = [c for p in neg.body for c in _format_changes(None, p, attribution)]
        return ClauseResult(clause_id, title, "added", "approval",
                            [Change("insert", "", f"{neg.title}\n{text}".strip(), tracked,
                                    author, date), *hidden],
                            alignment="", paragraphs=diffs, heading_negotiated=neg.heading,
                            notes=["clause not in the standard"])
    if neg is None:
        diffs = [ParagraphDiff("delete", p, None, [Piece(DELETE, clean(p.text))])
                 for p in std.body]
        severity, notes = _removal(clause_id, context)
        struck = f"{std.title}\n{chr(10).join(std.texts)}".strip()
        tracked, author, date = _struck_with_tracking(std, rejected, revisions, struck)
        for diff in diffs:
            diff.tracked, diff.author, diff.date = tracked, author, date
        return ClauseResult(clause_id, title, "removed", severity,
                            [Change("delete", struck, "", tracked, author, date)],
                            version=version, variant_standard=variant, paragraphs=diffs,
                            heading_standard=std.heading, notes=["clause deleted", *notes])
    diffs, changes, neg_texts = _diff_clause(std, neg, attribution, renumber)
    changes[:0] = _title_changes(std, neg, attribution)
    sameness = _sameness(std, neg, neg_texts)
    formatted = [c for c in changes if c.op == "format"]
    if formatted and sameness != "different":
        sameness = "formatted"
    status = "moved" if pair.moved else {"same": "unchanged", "cosmetic": "cosmetic",
                                         "formatted": "modified",
                                         "different": "modified"}[sameness]
    result = ClauseResult(clause_id, title, status, None, changes, version=version,
                          variant_standard=variant, variant_negotiated=variant,
                          alignment=pair.method, paragraphs=diffs, heading_standard=std.heading,
                          heading_negotiated=neg.heading)
    if neg.anchor is not None and std.anchor is not None and neg.anchor.clause_id != std.key:
        result.notes.append(f"the copy's bookmark on this heading names clause "
                            f"'{neg.anchor.clause_id}': paired by heading and text instead")
    if pair.moved:
        result.moved_from = std.index
        moved = f"{neg.title}\n{chr(10).join(neg.texts)}".strip()
        tracked, author, date = attribution.judge("", moved) if attribution else (
            False, None, None)
        result.changes.insert(0, Change("move", std.title, neg.title, tracked, author, date))
        result.notes.append(f"moved from position {std.index} in the standard")
    if status == "unchanged":
        result.changes = []
    elif sameness == "same":  # moved, words untouched
        result.severity = "standard"
    elif sameness == "formatted":  # words untouched, emphasis changed
        result.severity = "approval"
        result.notes.append("formatting changed: "
                            + "; ".join(f"'{c.negotiated}' {c.detail}" for c in formatted))
    else:
        _classify(result, std, _own_texts(std, neg, diffs, neg_texts), context,
                  cosmetic_only=sameness == "cosmetic")
        _classify_merged(result, std, neg, diffs, neg_texts, context)
        if formatted:
            result.severity = worse(result.severity, "approval")
            result.notes.append("formatting changed: "
                                + "; ".join(f"'{c.negotiated}' {c.detail}" for c in formatted))
    standard_text = " ".join(std.texts)
    conflicts = [] if result.status == "unchanged" else [
        c for text in neg_texts if text not in standard_text
        for c in words_and_figures_disagree(text) if c not in standard_text]
    if conflicts:
        result.severity = worse(result.severity, "approval")
        result.notes.append("words and figures disagree: " + "; ".join(conflicts))
    if clause_id is None and std.key == "_front":
        result.id = None
    return result
