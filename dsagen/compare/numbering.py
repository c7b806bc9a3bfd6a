"""Clause numbers and the cross-references that show them.

A client recomputes a cross-reference's result whenever clauses are inserted, deleted or moved,
and LibreOffice leaves some stale: a field is read by the clause it points to, and typed
references ("clause 18") through the clause renumbering, so neither is a deviation. Also where
a clause is, in words, and which clause holds a given body paragraph.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from ..read.docx import ViewParagraph
from .align import ClausePair
from .diff import ParagraphPair, align_paragraphs, similarity
from .formats import reference_target
from .normalize import clean, renumber_references
from .segments import NUMBERED_HEADING_STYLES, Segment


@dataclass(frozen=True)
class Renumber:
    """How to read the negotiated copy's cross-references as the standard's: a field's
    result is replaced by what the standard shows for the same bookmark (exact: the client
    recomputes results whenever clauses are inserted, deleted or moved, and LibreOffice leaves
    some stale), and typed references are translated through the clause renumbering."""

    results: dict[str, str] = field(default_factory=dict)  # bookmark -> standard's result
    translations: tuple[Callable[[str], str], ...] = ()


NO_RENUMBER = Renumber()


def reference_results(paragraphs: tuple[ViewParagraph, ...]) -> dict[str, str]:
    """Bookmark -> the text a cross-reference to it shows in these paragraphs."""
    results: dict[str, str] = {}
    for paragraph in paragraphs:
        for start, end, signature in paragraph.formats:
            target = reference_target(signature)
            if target is not None:
                results.setdefault(target, paragraph.text[start:end])
    return results


def with_standard_results(paragraph: ViewParagraph, results: dict[str, str]) -> str:
    """The paragraph's text with each cross-reference showing what the standard shows for
    the same bookmark."""
    if not results or not any("ref=" in signature for _, _, signature in paragraph.formats):
        return paragraph.text
    text, shift = paragraph.text, 0
    for start, end, signature in paragraph.formats:
        target = reference_target(signature)
        if target is not None and target in results:
            text = text[: start + shift] + results[target] + text[end + shift :]
            shift += len(results[target]) - (end - start)
    return text


def reconciled(
    std_body: list[ViewParagraph], neg_body: list[ViewParagraph], renumber: Renumber
) -> tuple[list[ParagraphPair], list[str]]:
    """Paragraph pairs, and the negotiated texts with cross-reference numbers read as the
    standard's wherever the client refreshed them (a paragraph keeps its own numbers when they
    already match the standard: a copy edited without a client has stale field results)."""
    texts = [clean(with_standard_results(p, renumber.results)) for p in neg_body]
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


def is_numbered(seg: Segment) -> bool:
    heading = seg.heading
    if heading is None:
        return False
    return _style_key(heading.style) in NUMBERED_HEADING_STYLES or (
        heading.num_id is not None and heading.level == 0
    )


def clause_numbers(segments: list[Segment], *views: tuple[ViewParagraph, ...]) -> dict[int, int]:
    """Segment index -> the number its heading shows: numbered headings of the given views
    counted in document order, an empty one too (a client numbers it all the same). Given the
    rejected view as well, this is the numbering with tracked changes shown, which LibreOffice
    and Word use when they refresh cross-references: a heading struck or moved with tracking
    on still takes a number there."""
    heads = {
        seg.heading.sources[-1]: seg.index
        for seg in segments
        if seg.heading is not None and is_numbered(seg)
    }
    positions = set(heads) | {
        p.sources[-1]
        for view in views
        for p in view
        if p.table is None and _style_key(p.style) in NUMBERED_HEADING_STYLES
    }
    return {
        heads[source]: number
        for number, source in enumerate(sorted(positions), 1)
        if source in heads
    }


def _style_key(style: str | None) -> str:
    return (style or "").replace(" ", "").casefold()


def renumberings(
    pairs: list[ClausePair], std_numbers: dict[int, int], *neg_numberings: dict[int, int]
) -> tuple[Callable[[str], str], ...]:
    """Translations of cross-reference numbers back to the standard's, one per way the client
    may have numbered the negotiated clauses (a clause inserted, deleted or moved before
    them): as accepted, and with tracked changes shown."""
    translations = []
    for neg_numbers in neg_numberings:
        mapping = {
            neg_numbers[p.negotiated.index]: std_numbers[p.standard.index]
            for p in pairs
            if p.standard is not None
            and p.negotiated is not None
            and p.negotiated.index in neg_numbers
            and p.standard.index in std_numbers
        }
        if any(new != old for new, old in mapping.items()):
            translations.append(mapping)
    unique = [m for k, m in enumerate(translations) if m not in translations[:k]]
    return tuple(partial(renumber_references, numbers=m) for m in unique)


def where(seg: Segment, numbers: dict[int, int]) -> str:
    if seg.key == "_front":
        return "front matter"
    number = numbers.get(seg.index)
    return f"clause {number} ({seg.title})" if number is not None else seg.title


def locator(
    segments: list[Segment], numbers: dict[int, int]
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
        return (seg.key if seg.anchor is not None else None), where(seg, numbers)

    return locate


def misplaced_anchors(pairs: list[ClausePair]) -> list[str]:
    """Clause bookmarks standing on other clauses' headings: aligned by text, and said."""
    found = sorted(
        f"'{p.negotiated.anchor.clause_id}' on the heading of '{p.standard.key}'"
        for p in pairs
        if p.standard is not None
        and p.negotiated is not None
        and p.standard.anchor is not None
        and p.negotiated.anchor is not None
        and p.negotiated.anchor.clause_id != p.standard.key
    )
    if not found:
        return []
    return [
        "clause bookmarks stand on other clauses' headings ("
        + ", ".join(found)
        + "): those clauses were paired by heading and text, not by bookmark"
    ]
