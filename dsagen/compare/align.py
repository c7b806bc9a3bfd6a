"""Align the clauses of two documents: by anchor first, then by heading and text similarity.

Anchors make repeated boilerplate unambiguous (the phantom-move failure of sequence aligners,
comparison.md §0.2). Without anchors, candidates are scored on heading and body similarity and
paired best-first, which is robust to renumbering and to clauses moved, inserted or deleted.
A matched pair out of sequence (not on the longest increasing run) is a move.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from .normalize import comparable, matching_key
from .segments import Segment

MATCH_THRESHOLD = 0.55


@dataclass(frozen=True)
class ClausePair:
    standard: Segment | None
    negotiated: Segment | None
    moved: bool = False
    method: str = ""  # "anchor" | "similarity" | "" (added/removed)
    score: float = 1.0


def _score(a: Segment, b: Segment) -> float:
    title = _title_ratio(a, b)
    left, right = comparable(a.full_text), comparable(b.full_text)
    if not left and not right:
        body = 1.0
    elif not left or not right:
        body = 0.0
    else:
        body = fuzz.token_sort_ratio(left[:4000], right[:4000]) / 100
    score = 0.35 * title + 0.65 * body
    if title >= 0.95 and len(matching_key(a.title)) >= 4:
        # The same heading is the same clause, however much of its body was rewritten.
        score = max(score, MATCH_THRESHOLD)
    return score


def _title_ratio(a: Segment, b: Segment) -> float:
    return fuzz.ratio(matching_key(a.title), matching_key(b.title)) / 100


def _heading_elsewhere(seg: Segment, negotiated: list[Segment], anchored: int) -> int | None:
    """A bookmark is the partner's to move: when the heading under this clause's bookmark is
    another clause's and this clause's own heading stands elsewhere, the bookmark is not
    believed (the index of that other heading is returned)."""
    if len(matching_key(seg.title)) < 4 or _title_ratio(seg, negotiated[anchored]) >= 0.6:
        return None
    return next(
        (
            j
            for j, other in enumerate(negotiated)
            if j != anchored and _title_ratio(seg, other) >= 0.9
        ),
        None,
    )


def align_clauses(standard: list[Segment], negotiated: list[Segment]) -> list[ClausePair]:
    """Pairs in negotiated order, with removed standard clauses placed where they were."""
    matching = _Matching()
    _match_anchors(matching, standard, negotiated)
    # Front matter pairs with front matter.
    if (
        standard
        and negotiated
        and standard[0].key == "_front"
        and negotiated[0].key == "_front"
        and 0 not in matching.matched
        and 0 not in matching.used
    ):
        matching.add(0, 0, "position", 1.0)
    _match_similar(matching, standard, negotiated)
    pairs = _negotiated_order(matching, standard, negotiated)
    _place_removed(pairs, standard, matching.matched)
    return pairs


@dataclass
class _Matching:
    """Standard index -> (negotiated index, method, score), built stage by stage."""

    matched: dict[int, tuple[int, str, float]] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)
    distrusted: set[int] = field(default_factory=set)  # bookmarks naming another clause

    def add(self, i: int, j: int, method: str, score: float) -> None:
        self.matched[i] = (j, method, score)
        self.used.add(j)


def _match_anchors(matching: _Matching, standard: list[Segment], negotiated: list[Segment]) -> None:
    by_key: dict[str, int] = {}
    for j, seg in enumerate(negotiated):
        if seg.anchor is not None and seg.key not in by_key:
            by_key[seg.key] = j
    for i, seg in enumerate(standard):
        j = by_key.get(seg.key, -1) if seg.anchor is not None else -1
        if j < 0 or j in matching.used:
            continue
        elsewhere = _heading_elsewhere(seg, negotiated, j)
        if elsewhere is not None:
            matching.distrusted |= {j, elsewhere}
            continue
        matching.add(i, j, "anchor", 1.0)


def _match_similar(matching: _Matching, standard: list[Segment], negotiated: list[Segment]) -> None:
    """Unmatched clauses by text similarity, best first; nearby positions win ties
    (repeated boilerplate). Two anchored clauses pair only through their anchors, unless the
    negotiated bookmark was distrusted."""
    candidates = []
    for i, a in enumerate(standard):
        if i in matching.matched:
            continue
        for j, b in enumerate(negotiated):
            if j in matching.used or (
                a.anchor is not None and b.anchor is not None and j not in matching.distrusted
            ):
                continue
            score = _score(a, b)
            if score >= MATCH_THRESHOLD:
                candidates.append((score, -abs(i - j), i, j))
    for score, _distance, i, j in sorted(candidates, reverse=True):
        if i not in matching.matched and j not in matching.used:
            matching.add(i, j, "similarity", score)


def _negotiated_order(
    matching: _Matching, standard: list[Segment], negotiated: list[Segment]
) -> list[ClausePair]:
    """One pair per negotiated clause; matched clauses off the longest in-order run moved."""
    matched = matching.matched
    order = sorted(matched)
    weights = [0.5 if _moved_by_partner(negotiated[matched[i][0]]) else 1.0 for i in order]
    in_order = (
        _heaviest_increasing([matched[i][0] for i in order], weights)
        if min(weights, default=1.0) < 1.0
        else _longest_increasing([matched[i][0] for i in order])
    )
    std_of_neg = {j: i for i, (j, _, _) in matched.items()}
    pairs: list[ClausePair] = []
    for j, seg in enumerate(negotiated):
        if j not in std_of_neg:
            pairs.append(ClausePair(None, seg))
            continue
        i = std_of_neg[j]
        _, method, score = matched[i]
        pairs.append(
            ClausePair(standard[i], seg, moved=j not in in_order, method=method, score=score)
        )
    return pairs


def _place_removed(
    pairs: list[ClausePair], standard: list[Segment], matched: dict[int, tuple[int, str, float]]
) -> None:
    """Insert removed clauses after the pair holding their standard predecessor."""
    for i, seg in enumerate(standard):
        if i in matched:
            continue
        position = 0
        for k, pair in enumerate(pairs):
            if pair.standard is not None and pair.standard.index < seg.index:
                position = k + 1
        pairs.insert(position, ClausePair(seg, None))


def _moved_by_partner(seg: Segment) -> bool:
    """The clause's heading stands inside the partner's tracked move or insertion: when two
    readings of an order change are possible, it is this clause that moved."""
    heading = seg.heading
    if heading is None or not heading.tracked or not heading.text.strip():
        return False
    covered = sum(end - start for start, end, _ in heading.tracked)
    return covered >= len(heading.text.strip())


def _heaviest_increasing(values: list[int], weights: list[float]) -> set[int]:
    """The values on an increasing subsequence of greatest total weight (quadratic; used
    only when the partner tracked a move, so clauses they moved are the ones left out)."""
    best = list(weights)
    previous = [-1] * len(values)
    for k in range(len(values)):
        for earlier in range(k):
            if values[earlier] < values[k] and best[earlier] + weights[k] > best[k]:
                best[k], previous[k] = best[earlier] + weights[k], earlier
    result: set[int] = set()
    k = max(range(len(values)), key=best.__getitem__) if values else -1
    while k >= 0:
        result.add(values[k])
        k = previous[k]
    return result


def _longest_increasing(values: list[int]) -> set[int]:
    """The values on one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tails_at: list[int] = []
    previous: list[int] = [-1] * len(values)
    for k, value in enumerate(values):
        pos = bisect.bisect_left(tails, value)
        if pos == len(tails):
            tails.append(value)
            tails_at.append(k)
        else:
            tails[pos] = value
            tails_at[pos] = k
        previous[k] = tails_at[pos - 1] if pos else -1
    result: set[int] = set()
    k = tails_at[-1] if tails_at else -1
    while k >= 0:
        result.add(values[k])
        k = previous[k]
    return result
