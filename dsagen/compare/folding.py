"""Two standard clauses merged into one, or one split in two, compared as one unit.

The absorbed clause is reported as moved into its partner (tracked when the partner removed or
inserted the heading with tracking on); the unit is compared as a whole.
"""

from __future__ import annotations

from rapidfuzz.distance import LCSseq

from ..read.docx import Revision
from .align import ClausePair
from .diff import similarity
from .model import Change, ClauseResult
from .normalize import comparable, matching_key
from .segments import Segment


def combined(first: Segment, second: Segment) -> Segment:
    """`second` folded into `first`: its heading becomes an ordinary paragraph."""
    extra = [second.heading] if second.heading is not None else []
    own = first.own_paragraphs if first.own_paragraphs is not None else len(first.paragraphs)
    start = len(first.paragraphs) + len(extra)
    span = (second, start, start + len(second.paragraphs))
    return Segment(
        first.key,
        first.title,
        first.anchor,
        first.paragraphs + extra + second.paragraphs,
        first.heading,
        first.index,
        (*first.absorbed, second.key),
        own,
        (*first.merged, span),
    )


def _contained(part: Segment, whole: Segment) -> bool:
    """Whether `part`'s text (nearly) opens or closes `whole`'s: where a merged-in or split-out
    clause lands. Checked word by word at the two ends only, so the cost grows with the product
    of the two clauses' word counts, not with the cube of their length in characters."""
    part_text = matching_key(part.full_text)
    if len(part_text) < 20:
        return False
    whole_text = matching_key(whole.full_text)
    part_words, whole_words = part_text.split(), whole_text.split()
    words = set(part_words)
    if len(words & set(whole_words)) < 0.8 * len(words):  # cheap test first
        return False
    return end_similarity(part_words, whole_words) >= CONTAINED


CONTAINED = 0.9  # share of the part's words found, in order, at one end of the whole


def end_similarity(part: list[str], whole: list[str]) -> float:
    """0..1: the share of `part`'s words found in order in the head or the tail of `whole`
    (a window a quarter longer than `part`, so words the partner added inside still fit)."""
    if not part:
        return 0.0
    width = len(part) + len(part) // 4 + 2
    ends = (whole[:width], whole[-width:]) if len(whole) > width else (whole,)
    cutoff = int(CONTAINED * len(part))
    found = max(LCSseq.similarity(part, end, score_cutoff=cutoff) for end in ends)
    return found / len(part)


def _gain(
    std: Segment,
    neg: Segment,
    combined_std: Segment | None = None,
    combined_neg: Segment | None = None,
) -> float:
    before = similarity(comparable(std.full_text), comparable(neg.full_text))
    after = similarity(
        comparable((combined_std or std).full_text), comparable((combined_neg or neg).full_text)
    )
    return after - before


def fold_merges_and_splits(
    pairs: list[ClausePair], revisions: tuple[Revision, ...] = ()
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
            if (
                after.negotiated is None
                and after.standard is not None
                and after.standard.index == std.index + 1
                and _contained(after.standard, neg)
                and _gain(std, neg, combined_std=combined(std, after.standard)) > 0.05
            ):
                merged = ClausePair(
                    combined(std, after.standard), neg, pair.moved, pair.method, pair.score
                )
                absorbed = after.standard
                out.append((merged, None))
                out.append(
                    (
                        after,
                        _folded(
                            absorbed,
                            f"merged into '{neg.title}'",
                            revisions,
                            ("delete", "paragraph_delete", "move_from"),
                        ),
                    )
                )
                index += 2
                continue
            if (
                after.standard is None
                and after.negotiated is not None
                and after.negotiated.index == neg.index + 1
                and _contained(after.negotiated, std)
                and _gain(std, neg, combined_neg=combined(neg, after.negotiated)) > 0.05
            ):
                split = ClausePair(
                    std, combined(neg, after.negotiated), pair.moved, pair.method, pair.score
                )
                out.append((split, None))
                out.append(
                    (
                        after,
                        _folded(
                            after.negotiated,
                            f"split out of '{std.title}'",
                            revisions,
                            ("insert", "paragraph_insert", "move_to"),
                        ),
                    )
                )
                index += 2
                continue
        out.append((pair, None))
        index += 1
    return out


def _folded(
    segment: Segment, note: str, revisions: tuple[Revision, ...] = (), kinds: tuple[str, ...] = ()
) -> ClauseResult:
    """The clause merged into (or split out of) a neighbour; tracked when the partner removed
    (or inserted) its heading with tracking on."""
    clause_id = segment.key if segment.anchor is not None else None
    heading = " ".join(segment.title.split())
    revision = next(
        (
            r
            for r in revisions
            if r.kind in kinds and heading and heading in " ".join(r.text.split())
        ),
        None,
    )
    tracked = revision is not None
    return ClauseResult(
        clause_id,
        segment.title,
        "moved",
        "standard",
        [
            Change(
                "move",
                segment.title,
                note,
                tracked,
                revision.author if revision else None,
                revision.date if revision else None,
            )
        ],
        version=segment.anchor.version if segment.anchor else None,
        alignment="folded",
        notes=[note],
        folded=True,
    )
