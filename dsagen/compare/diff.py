"""Word-level diffs inside one clause: difflib aligns paragraphs, diff-match-patch aligns words.

Never a whole-document token diff: that is slow (minutes) or wrong with autojunk
(comparison.md §3.2). Paragraph lists are small per clause, so difflib is exact and fast here.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, LCSseq

from .normalize import comparable

# A number with separators ("100,000", "1.5", "2.1") is one word: a cap cut from 100,000 to 5,000
# must read "100,000 -> 5,000", not "100 -> 5".
_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+|\s+|[^\w\s]")
_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # exact: the inputs are single paragraphs

EQUAL, DELETE, INSERT = 0, -1, 1


@dataclass(frozen=True)
class Piece:
    """One diff operation over text: -1 delete, 0 equal, 1 insert."""

    op: int
    text: str


@dataclass(frozen=True)
class ParagraphPair:
    """How one standard paragraph maps to one negotiated paragraph (either may be None)."""

    kind: str  # "equal" | "modify" | "insert" | "delete"
    standard: int | None
    negotiated: int | None


def word_diff(before: str, after: str) -> list[Piece]:
    """Diff two texts word by word, cleaned up to read like a lawyer's redline."""
    if before == after:
        return [Piece(EQUAL, before)] if before else []
    tokens: dict[str, str] = {}
    table: list[str] = []

    def encode(text: str) -> str:
        chars = []
        for token in _TOKEN.findall(text):
            code = tokens.get(token)
            if code is None:
                code = chr(0xE000 + len(table)) if len(table) < 6400 else chr(0xF0000 + len(table))
                tokens[token] = code
                table.append(token)
            chars.append(code)
        return "".join(chars)

    left, right = encode(before), encode(after)
    decode = {code: token for token, code in tokens.items()}
    diffs = _DMP.diff_main(left, right, False)
    _DMP.diff_cleanupSemantic(diffs)
    pieces = [Piece(op, "".join(decode[c] for c in chunk)) for op, chunk in diffs if chunk]
    return _merge(pieces)


def _merge(pieces: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for piece in pieces:
        if out and out[-1].op == piece.op:
            out[-1] = Piece(piece.op, out[-1].text + piece.text)
        else:
            out.append(piece)
    return out


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two texts (normalised Indel distance, fast C implementation)."""
    if not a and not b:
        return 1.0
    return float(Indel.normalized_similarity(a, b))


def _pair_score(a: str, b: str) -> float:
    """Similarity, lifted when one paragraph is the other with a sentence added or cut."""
    score = similarity(a, b)
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
        return max(score, 0.6)  # words added at one end of a paragraph, however short
    if len(short) >= 12 and len(long_) <= 6 * len(short) and score < _LIFTED_AT_MOST:
        # A containment c of 90 % or more lifts the score to 0.6 + 3 (c - 0.9), so only a c
        # above `needed` can raise it: rapidfuzz is asked for that much, and stops early below.
        needed = max(0.9, 0.9 + (score - 0.6) / 3)
        contained = _containment(short, long_, needed - 1e-9) / 100
        if contained >= 0.9:
            score = max(score, 0.6 + 0.3 * (contained - 0.9) * 10)
    return score


_LIFTED_AT_MOST = 0.9  # the lift of a full containment (c = 1)


def _containment(short: str, long_: str, cutoff: float) -> float:
    """fuzz.partial_ratio(short, long_) when it reaches `cutoff` (0..1), else 0; the same
    figure, without its cost (cubic in paragraph length) where the answer is 0.

    partial_ratio is the best ratio of `short` with a window of `long_` at most as long, and a
    window W scores 2 LCS(short, W) / (len(short) + len(W)). Reaching `cutoff` therefore needs
    LCS(short, W) >= cutoff / (2 - cutoff) * len(short); every such window lies inside one of
    the overlapping stretches of `long_` tried here (twice the length of `short`, every
    len(short) characters), and a stretch holds no more of `short` in order than its LCS with
    it. Bit-parallel LCS over the stretches costs the product of the two lengths over 64, where
    partial_ratio costs that product again for every window it slides over."""
    n = len(short)
    in_order = math.ceil(cutoff / (2 - cutoff) * n) - 1  # one short: rounding never excludes
    stretches = range(0, max(len(long_) - n, 0) + 1, n)
    if not any(
        LCSseq.similarity(short, long_[start : start + 2 * n], score_cutoff=in_order) >= in_order
        for start in stretches
    ):
        return 0.0
    return float(fuzz.partial_ratio(short, long_, score_cutoff=100 * cutoff))


def _same_ends(a: str, b: str) -> bool:
    """Two paragraphs that start or end with the same word of some length ('Signature:
    ____' and 'Signature: J. Roe') are one paragraph edited, however different the rest."""
    words_a, words_b = a.split(), b.split()
    if not words_a or not words_b:
        return False
    return any(
        x == y and len(x) >= 4 for x, y in ((words_a[0], words_b[0]), (words_a[-1], words_b[-1]))
    )


def align_paragraphs(
    standard: list[str], negotiated: list[str], pair_threshold: float = 0.5
) -> list[ParagraphPair]:
    """Map paragraphs of one clause: equal, modified (similar enough), inserted, deleted."""
    left = [comparable(t) for t in standard]
    right = [comparable(t) for t in negotiated]
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    pairs: list[ParagraphPair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [
                ParagraphPair("equal", i, j)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
        elif tag == "delete":
            pairs += [ParagraphPair("delete", i, None) for i in range(i1, i2)]
        elif tag == "insert":
            pairs += [ParagraphPair("insert", None, j) for j in range(j1, j2)]
        else:
            pairs += _pair_block(left, right, i1, i2, j1, j2, pair_threshold)
    return pairs


def _pair_block(
    left: list[str], right: list[str], i1: int, i2: int, j1: int, j2: int, threshold: float
) -> list[ParagraphPair]:
    """Inside a replaced block, pair paragraphs in order by similarity (monotone DP)."""
    n, m = i2 - i1, j2 - j1
    if n == m == 1 and (
        similarity(left[i1], right[j1]) >= threshold or _same_ends(left[i1], right[j1])
    ):
        return [ParagraphPair("modify", i1, j1)]  # one paragraph edited: nothing to weigh
    score = [[_pair_score(left[i1 + a], right[j1 + b]) for b in range(m)] for a in range(n)]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            take = score[a][b] + best[a + 1][b + 1] if score[a][b] >= threshold else -1.0
            best[a][b] = max(take, best[a + 1][b], best[a][b + 1])
    pairs: list[ParagraphPair] = []
    a = b = 0
    while a < n and b < m:
        if score[a][b] >= threshold and best[a][b] == score[a][b] + best[a + 1][b + 1]:
            pairs.append(ParagraphPair("modify", i1 + a, j1 + b))
            a, b = a + 1, b + 1
        elif best[a][b] == best[a + 1][b]:
            pairs.append(ParagraphPair("delete", i1 + a, None))
            a += 1
        else:
            pairs.append(ParagraphPair("insert", None, j1 + b))
            b += 1
    pairs += [ParagraphPair("delete", i1 + k, None) for k in range(a, n)]
    pairs += [ParagraphPair("insert", None, j1 + k) for k in range(b, m)]
    return pairs
