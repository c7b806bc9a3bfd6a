"""The comparison itself: align clauses, diff words inside each pair, classify each clause,
then every other story. Whose each change is lives in attribution.py, clause numbers and
cross-references in numbering.py, merged and split clauses in folding.py."""

from __future__ import annotations

from ..library import Clause
from ..positions import explain, worse
from ..read.docx import ReadDocument, Revision, ViewParagraph
from .align import ClausePair, align_clauses
from .attribution import (
    Attribution,
    attribute_pieces,
    body_of,
    changes_from_pieces,
    struck_with_tracking,
)
from .consistency import check_consistency
from .diff import (
    DELETE,
    EQUAL,
    INSERT,
    Piece,
    word_diff,
)
from .folding import fold_merges_and_splits
from .formats import format_differences, hidden_insertions, invisible_insertions
from .model import (
    Change,
    ClauseResult,
    Comparison,
    ParagraphDiff,
    ParameterChange,
    Status,
)
from .normalize import clean, comparable, cosmetic_form, matching_key
from .numbering import (
    NO_RENUMBER,
    Renumber,
    clause_numbers,
    locator,
    misplaced_anchors,
    reconciled,
    reference_results,
    renumberings,
    where,
)
from .recover import recover, render_text, words_and_figures_disagree
from .segments import Segment, segment
from .standard import StandardContext
from .stories import compare_stories, partner_comments

#: A pair's status from how alike its two sides are.
SAMENESS_STATUS: dict[str, Status] = {
    "same": "unchanged",
    "cosmetic": "cosmetic",
    "formatted": "modified",
    "different": "modified",
}


def _diff_clause(
    std: Segment, neg: Segment, attribution: Attribution | None, renumber: Renumber = NO_RENUMBER
) -> tuple[list[ParagraphDiff], list[Change], list[str]]:
    """Paragraph and word changes of one clause pair, formatting changes included, and the
    negotiated texts as compared (refreshed cross-reference numbers read as the standard's)."""
    std_body, neg_body = std.body, neg.body
    pairs, neg_texts = reconciled(std_body, neg_body, renumber)
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
                changes += changes_from_pieces(pieces, attribution)
            changes += _format_changes(a, b, attribution)
        elif pair.kind == "insert":
            assert b is not None and pair.negotiated is not None
            inserted = [Piece(INSERT, neg_texts[pair.negotiated])]
            diffs.append(ParagraphDiff("insert", None, b, inserted))
            changes += changes_from_pieces(inserted, attribution)
            changes += _format_changes(None, b, attribution)
        else:
            assert a is not None
            diffs.append(ParagraphDiff("delete", a, None, [Piece(DELETE, clean(a.text))]))
            changes += changes_from_pieces([Piece(DELETE, clean(a.text))], attribution)
    attribute_pieces(diffs, attribution)
    if std.heading is not None and neg.heading is not None:
        changes += _format_changes(std.heading, neg.heading, attribution)
    return diffs, changes, neg_texts


def _format_changes(
    standard: ViewParagraph | None, negotiated: ViewParagraph, attribution: Attribution | None
) -> list[Change]:
    changes = []
    differences = format_differences(standard, negotiated) if standard is not None else []
    for text, detail in (
        differences
        + hidden_insertions(standard, negotiated)
        + invisible_insertions(standard, negotiated)
    ):
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


def _title_changes(std: Segment, neg: Segment, attribution: Attribution | None) -> list[Change]:
    """The heading's own word changes, tracked or not like any other text."""
    before, after = clean(std.title), clean(neg.title)
    if before == after:
        return []
    return changes_from_pieces(word_diff(before, after), attribution)


def _sameness(std: Segment, neg: Segment, neg_texts: list[str]) -> str:
    """'same' (identical text), 'cosmetic' (differs only in white space, quote style, typed
    numbering labels or refreshed cross-reference numbers) or 'different'; `neg_texts` are the
    negotiated body texts as compared."""
    if clean(std.title) == clean(neg.title) and [clean(t) for t in std.texts] == neg_texts:
        return "same"
    if cosmetic_form(std.title) == cosmetic_form(neg.title) and [
        cosmetic_form(t) for t in std.texts
    ] == [cosmetic_form(t) for t in neg_texts]:
        return "cosmetic"
    return "different"


def _rendering_matches(
    context: StandardContext, clause: Clause, variant: str, std: Segment
) -> bool:
    """Whether the clause's template, with the issued values, gives the standard's text: only
    then can parameter recovery explain a change (a signature block's table, say, is laid out
    outside the clause text, so a deleted table is never 'explained')."""
    text = render_text(context.library, clause, variant, context.values, context.numbers)
    flat = comparable(text or "").replace("\n", " ")
    return flat == comparable("\n".join(std.texts)).replace("\n", " ")


def _classify(
    result: ClauseResult,
    std: Segment,
    neg_texts: list[str],
    context: StandardContext | None,
    cosmetic_only: bool,
) -> None:
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
    recovered = recover(
        context.library, clause, issued, context.values, "\n".join(neg_texts), context.numbers
    )
    severity: str | None = None
    owners = context.library.param_owner()
    for name, value in recovered.values.items():
        param = owners[name].params[name]
        position = param.playbook.position(value) if param.playbook else "approval"
        note = (
            "" if position == "standard" and param.playbook else explain(position, param.playbook)
        )
        result.parameters.append(
            ParameterChange(name, context.values.get(name), value, position, note)
        )
        severity = worse(severity, position)
    result.variant_negotiated = recovered.variant
    if recovered.variant != issued:
        variant = clause.variants[recovered.variant]
        severity = worse(severity, variant.position)
        result.notes.append(
            f"wording matches variant '{recovered.variant}' ({variant.label}), "
            f"a pre-approved {variant.position}"
            if variant.position == "fallback"
            else f"wording matches variant '{recovered.variant}' ({variant.label})"
        )
    if not recovered.explained or not _rendering_matches(context, clause, issued, std):
        severity = worse(severity, "approval")
        result.notes.append("text changes beyond the clause's parameters need approval")
    result.severity = severity or "standard"


def compare(
    standard: ReadDocument, negotiated: ReadDocument, context: StandardContext | None = None
) -> Comparison:
    """Compare two read documents clause by clause, then every other story."""
    std_segments = segment(standard.accepted)
    neg_segments = segment(negotiated.accepted)
    rejected = {s.key: s for s in segment(negotiated.rejected)}
    anchored = any(s.anchor for s in neg_segments)
    pairs = align_clauses(std_segments, neg_segments)
    std_numbers = clause_numbers(std_segments, standard.accepted)
    neg_numbers = clause_numbers(neg_segments, negotiated.accepted)
    renumber = Renumber(
        reference_results(standard.accepted),
        renumberings(
            pairs,
            std_numbers,
            neg_numbers,
            clause_numbers(neg_segments, negotiated.accepted, negotiated.rejected),
        ),
    )
    revisions = negotiated.revisions
    units = fold_merges_and_splits(pairs, revisions)
    results = [
        folded
        if folded is not None
        else _result(pair, context, rejected, revisions, renumber, std_numbers)
        for pair, folded in units
    ]
    _second_copies(units, results, std_segments, std_numbers, context)
    locate_std = locator(std_segments, std_numbers)
    locate_neg = locator(neg_segments, neg_numbers)
    for result, (pair, _) in zip(results, units, strict=True):
        seg = pair.negotiated or pair.standard
        assert seg is not None
        numbers = neg_numbers if pair.negotiated is not None else std_numbers
        result.number = str(numbers[seg.index]) if seg.index in numbers else None
        result.location = where(seg, numbers)

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
    comparison = Comparison(
        standard.path,
        negotiated.path,
        results,
        len(revisions),
        authors,
        "anchors" if anchored else "headings",
        list(standard.accepted),
        comments=comments,
    )
    comparison.warnings += misplaced_anchors(pairs)
    check_consistency(comparison, context)
    return comparison


def _second_copies(
    units: list[tuple[ClausePair, ClauseResult | None]],
    results: list[ClauseResult],
    std_segments: list[Segment],
    std_numbers: dict[int, int],
    context: StandardContext | None,
) -> None:
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
            matching_key(neg.title)
        )
        if original is None:
            continue
        result.notes.append(f"a second copy of {where(original, std_numbers)}")
        _classify(result, original, [clean(t) for t in neg.texts], context, cosmetic_only=False)
        result.severity = worse(result.severity, "approval")


def _removal(clause_id: str | None, context: StandardContext | None) -> tuple[str, list[str]]:
    """Deleting a clause at least needs approval; it is walk-away when it drops an obligation
    the playbook will not give up (a true/false term whose `false` is beyond walk-away, such as
    the IRB approval requirement)."""
    if context is None or (clause := context.library.clauses.get(clause_id or "")) is None:
        return "approval", []
    dropped = [
        param.name
        for param in clause.params.values()
        if param.type == "bool"
        and param.playbook is not None
        and param.playbook.standard is True
        and context.values.get(param.name) is True
        and param.playbook.position(False) == "walk-away"
    ]
    if not dropped:
        return "approval", []
    return "walk-away", [
        f"deleting it drops {', '.join(dropped)}, which the playbook does not "
        "give up (false is beyond walk-away)"
    ]


def _own_texts(
    std: Segment, neg: Segment, diffs: list[ParagraphDiff], neg_texts: list[str]
) -> list[str]:
    """The negotiated texts that stand for the clause's own paragraphs: a neighbour merged
    into it is no evidence of its parameters."""
    if std.own_paragraphs is None:
        return neg_texts
    own = {id(p) for p in std.paragraphs[: std.own_paragraphs]}
    text_of = {id(p): text for p, text in zip(neg.body, neg_texts, strict=True)}
    return [
        text_of[id(d.negotiated)]
        for d in diffs
        if d.negotiated is not None
        and id(d.negotiated) in text_of
        and (d.standard is None or id(d.standard) in own)
    ]


def _classify_merged(
    result: ClauseResult,
    std: Segment,
    neg: Segment,
    diffs: list[ParagraphDiff],
    neg_texts: list[str],
    context: StandardContext | None,
) -> None:
    """A neighbour merged into this clause keeps its own terms: they are read through its own
    template from the paragraphs that stand for it, and reported on this clause."""
    if not std.merged or context is None:
        return
    text_of = {id(p): text for p, text in zip(neg.body, neg_texts, strict=True)}
    for absorbed, start, end in std.merged:
        span = {id(p) for p in std.paragraphs[start:end]}
        texts = [
            text_of[id(d.negotiated)]
            for d in diffs
            if d.negotiated is not None
            and d.standard is not None
            and id(d.standard) in span
            and id(d.negotiated) in text_of
        ]
        part = ClauseResult(absorbed.key, absorbed.title, "modified", None)
        _classify(part, absorbed, texts, context, cosmetic_only=False)
        for parameter in part.parameters:
            parameter.note = f"in the merged clause '{absorbed.title}'; {parameter.note}"
            result.parameters.append(parameter)
            result.severity = worse(result.severity, parameter.position)


def _result(
    pair: ClausePair,
    context: StandardContext | None,
    rejected: dict[str, Segment],
    revisions: tuple[Revision, ...],
    renumber: Renumber = NO_RENUMBER,
    std_numbers: dict[int, int] | None = None,
) -> ClauseResult:
    std, neg = pair.standard, pair.negotiated
    seg = std or neg
    assert seg is not None
    clause_id = seg.key if seg.anchor is not None else None
    attribution = _attribution(std, neg, rejected, revisions)
    if std is None:
        assert neg is not None
        return _added(neg, clause_id, attribution)
    if neg is None:
        return _removed(std, clause_id, context, rejected, revisions)
    result = _paired(pair, std, neg, clause_id, context, attribution, renumber, std_numbers or {})
    if clause_id is None and std.key == "_front":
        result.id = None
    return result


def _attribution(
    std: Segment | None,
    neg: Segment | None,
    rejected: dict[str, Segment],
    revisions: tuple[Revision, ...],
) -> Attribution | None:
    """Who made the changes in the negotiated clause, from the partner's own revisions.

    A clause merged with (or split from) its neighbour reads, before the partner's changes,
    as both clauses: the removed heading is in the neighbour's."""
    if not revisions or neg is None:
        return None
    before: list[ViewParagraph] = []
    for key in (neg.key, *(std.absorbed if std is not None else ()), *neg.absorbed):
        rej = rejected.get(key)
        before += ([rej.heading] if rej and rej.heading else []) + body_of(rej)
    return Attribution(revisions, ([neg.heading] if neg.heading else []) + neg.body, before)


def _added(neg: Segment, clause_id: str | None, attribution: Attribution | None) -> ClauseResult:
    diffs = [ParagraphDiff("insert", None, p, [Piece(INSERT, clean(p.text))]) for p in neg.body]
    attribute_pieces(diffs, attribution)
    text = "\n".join(neg.texts)
    tracked, author, date = attribution.judge("", text) if attribution else (False, None, None)
    hidden = [c for p in neg.body for c in _format_changes(None, p, attribution)]
    return ClauseResult(
        clause_id,
        neg.title,
        "added",
        "approval",
        [Change("insert", "", f"{neg.title}\n{text}".strip(), tracked, author, date), *hidden],
        alignment="",
        paragraphs=diffs,
        heading_negotiated=neg.heading,
        notes=["clause not in the standard"],
    )


def _removed(
    std: Segment,
    clause_id: str | None,
    context: StandardContext | None,
    rejected: dict[str, Segment],
    revisions: tuple[Revision, ...],
) -> ClauseResult:
    diffs = [ParagraphDiff("delete", p, None, [Piece(DELETE, clean(p.text))]) for p in std.body]
    severity, notes = _removal(clause_id, context)
    struck = f"{std.title}\n{chr(10).join(std.texts)}".strip()
    tracked, author, date = struck_with_tracking(std, rejected, revisions, struck)
    for diff in diffs:
        diff.tracked, diff.author, diff.date = tracked, author, date
    anchor = std.anchor
    return ClauseResult(
        clause_id,
        std.title,
        "removed",
        severity,
        [Change("delete", struck, "", tracked, author, date)],
        version=anchor.version if anchor else None,
        variant_standard=anchor.variant if anchor else None,
        paragraphs=diffs,
        heading_standard=std.heading,
        notes=["clause deleted", *notes],
    )


def _paired(
    pair: ClausePair,
    std: Segment,
    neg: Segment,
    clause_id: str | None,
    context: StandardContext | None,
    attribution: Attribution | None,
    renumber: Renumber,
    std_numbers: dict[int, int],
) -> ClauseResult:
    """A clause on both sides: its changes, whether it moved, and its grade."""
    diffs, changes, neg_texts = _diff_clause(std, neg, attribution, renumber)
    changes[:0] = _title_changes(std, neg, attribution)
    sameness = _sameness(std, neg, neg_texts)
    formatted = [c for c in changes if c.op == "format"]
    if formatted and sameness != "different":
        sameness = "formatted"
    status: Status = "moved" if pair.moved else SAMENESS_STATUS[sameness]
    variant = std.anchor.variant if std.anchor else None
    result = ClauseResult(
        clause_id,
        std.title,
        status,
        None,
        changes,
        version=std.anchor.version if std.anchor else None,
        variant_standard=variant,
        variant_negotiated=variant,
        alignment=pair.method,
        paragraphs=diffs,
        heading_standard=std.heading,
        heading_negotiated=neg.heading,
    )
    if neg.anchor is not None and std.anchor is not None and neg.anchor.clause_id != std.key:
        result.notes.append(
            f"the copy's bookmark on this heading names clause "
            f"'{neg.anchor.clause_id}': paired by heading and text instead"
        )
    if pair.moved:
        result.moved_from = std.index
        moved = f"{neg.title}\n{chr(10).join(neg.texts)}".strip()
        tracked, author, date = attribution.judge("", moved) if attribution else (False, None, None)
        result.changes.insert(0, Change("move", std.title, neg.title, tracked, author, date))
        result.notes.append(f"moved from {where(std, std_numbers)} in the standard")
    _grade_paired(result, std, neg, diffs, neg_texts, context, sameness, formatted)
    return result


def _grade_paired(
    result: ClauseResult,
    std: Segment,
    neg: Segment,
    diffs: list[ParagraphDiff],
    neg_texts: list[str],
    context: StandardContext | None,
    sameness: str,
    formatted: list[Change],
) -> None:
    formatting = "formatting changed: " + "; ".join(
        f"'{c.negotiated}' {c.detail}" for c in formatted
    )
    if result.status == "unchanged":
        result.changes = []
    elif sameness == "same":  # moved, words untouched
        result.severity = "standard"
    elif sameness == "formatted":  # words untouched, emphasis changed
        result.severity = "approval"
        result.notes.append(formatting)
    else:
        _classify(
            result,
            std,
            _own_texts(std, neg, diffs, neg_texts),
            context,
            cosmetic_only=sameness == "cosmetic",
        )
        _classify_merged(result, std, neg, diffs, neg_texts, context)
        if formatted:
            result.severity = worse(result.severity, "approval")
            result.notes.append(formatting)
    standard_text = " ".join(std.texts)
    conflicts = (
        []
        if result.status == "unchanged"
        else [
            c
            for text in neg_texts
            if text not in standard_text
            for c in words_and_figures_disagree(text)
            if c not in standard_text
        ]
    )
    if conflicts:
        result.severity = worse(result.severity, "approval")
        result.notes.append("words and figures disagree: " + "; ".join(conflicts))
