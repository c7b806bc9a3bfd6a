"""Word-level diff of two atom sequences (the redline's unit of change is a word, not a letter).

Atoms are grouped into tokens as dsagen.compare.diff.word_diff groups characters (numbers with
separators, words, runs of white space, single punctuation marks); every object is a token of
its own. diff-match-patch diffs the tokens (each encoded as one private-use character) and
``diff_cleanupSemantic`` makes the result read like a lawyer's redline.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from .atoms import CHAR, CLOSE, MARKER, OPEN, Atom, expand

_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|\w+|\s+|.", re.DOTALL)
_PLACEHOLDER = "\ue000"
_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # exact: inputs are single paragraphs

EQUAL, DELETE, INSERT = 0, -1, 1


@dataclass(frozen=True, slots=True)
class Chunk:
    """One diff operation over atoms: `standard` and `negotiated` are the atoms it covers
    (EQUAL: pairwise equal atoms; DELETE: standard only; INSERT: negotiated only)."""

    op: int
    standard: tuple[Atom, ...]
    negotiated: tuple[Atom, ...]


def _tokens(atoms: list[Atom]) -> list[tuple[object, tuple[Atom, ...]]]:
    text = "".join(a.text if a.kind == CHAR else _PLACEHOLDER for a in atoms)
    out: list[tuple[object, tuple[Atom, ...]]] = []
    frames = _frames(atoms)
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        group = tuple(atoms[start:end])
        if len(group) == 1 and group[0].kind != CHAR:
            out.append(((group[0].key,), group))
        elif frames is not None and frames[start]:
            out.append(((match.group(), frames[start]), group))
        else:
            out.append((match.group(), group))
    return out


def _frames(atoms: list[Atom]) -> list[tuple[object, ...]] | None:
    """For each atom, the keys of the hyperlinks and content controls around it: text inside
    a link that leads elsewhere is not the same text (it is deleted with the old link and
    inserted with the new one). None when the paragraph has no such container."""
    if not any(a.kind == OPEN for a in atoms):
        return None
    found: list[tuple[object, ...]] = []
    stack: list[object] = []
    for atom in atoms:
        if atom.kind == OPEN:
            stack.append(atom.key)
        elif atom.kind == CLOSE and stack:
            stack.pop()
        found.append(tuple(stack))
    return found


def diff_atoms(standard: list[Atom], negotiated: list[Atom]) -> list[Chunk]:
    """The standard's atoms -> the negotiated's, word by word."""
    left, right = _tokens(standard), _tokens(negotiated)
    codes: dict[object, str] = {}

    def encode(tokens: list[tuple[object, tuple[Atom, ...]]]) -> str:
        chars = []
        for key, _ in tokens:
            code = codes.get(key)
            if code is None:
                number = len(codes)
                code = chr(0xE000 + number) if number < 6400 else chr(0xF0000 + number)
                codes[key] = code
            chars.append(code)
        return "".join(chars)

    diffs = _DMP.diff_main(encode(left), encode(right), False)
    _DMP.diff_cleanupSemantic(diffs)
    chunks: list[Chunk] = []
    i = j = 0
    for op, encoded in diffs:
        count = len(encoded)
        if op == EQUAL:
            std = tuple(a for _, group in left[i : i + count] for a in group)
            neg = tuple(a for _, group in right[j : j + count] for a in group)
            chunks.append(Chunk(EQUAL, std, neg))
            i, j = i + count, j + count
        elif op == DELETE:
            chunks.append(Chunk(DELETE, tuple(a for _, g in left[i : i + count] for a in g), ()))
            i += count
        else:
            chunks.append(Chunk(INSERT, (), tuple(a for _, g in right[j : j + count] for a in g)))
            j += count
    return chunks


def _compared(atom: Atom) -> bool:
    return atom.in_reject and atom.kind != MARKER


def _plain(atom: Atom) -> bool:
    """Text outside links and content controls: safe to pair character for character."""
    return atom.kind == CHAR and not atom.frames


def _split(atom: Atom, at: int) -> tuple[Atom, Atom]:
    return dataclasses.replace(atom, text=atom.text[:at]), dataclasses.replace(
        atom, text=atom.text[at:]
    )


def _common_prefix(a: str, b: str) -> int:
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common


def _carry_markers(atoms: list[Atom], index: int, head: list[Atom]) -> int:
    """Move the atoms that are not compared (markers) from INDEX on into HEAD; the index of
    the next compared atom."""
    while index < len(atoms) and not _compared(atoms[index]):
        head.append(atoms[index])
        index += 1
    return index


def _shared_start(
    standard: list[Atom], negotiated: list[Atom]
) -> tuple[list[Atom], list[Atom], list[Atom], list[Atom]]:
    """(standard head, negotiated head, standard rest, negotiated rest): the compared atoms
    of the heads read the same, pair for pair, and end at a word boundary; atoms that are not
    compared (markers) travel with their side."""
    std, neg = list(standard), list(negotiated)
    head_std: list[Atom] = []
    head_neg: list[Atom] = []
    pairs: list[tuple[int, int]] = []  # positions in the heads of paired compared atoms
    i = j = 0
    while True:
        i = _carry_markers(std, i, head_std)
        j = _carry_markers(neg, j, head_neg)
        if i == len(std) or j == len(neg) or not (_plain(std[i]) and _plain(neg[j])):
            break
        a, b = std[i], neg[j]
        common = _common_prefix(a.text, b.text)
        if common == 0:
            break
        if common < len(a.text):
            a, std[i] = _split(a, common)
        else:
            i += 1
        if common < len(b.text):
            b, neg[j] = _split(b, common)
        else:
            j += 1
        pairs.append((len(head_std), len(head_neg)))
        head_std.append(a)
        head_neg.append(b)
    text = "".join(head_std[k].text for k, _ in pairs)
    following = (_next_char(std, i), _next_char(neg, j))
    cut = _word_end(text, following)
    if cut == len(text):
        return head_std, head_neg, std[i:], neg[j:]
    # Give back what follows the cut (pairs, and the markers after them) to the rests.
    position = 0
    for k, m in pairs:
        length = len(head_std[k].text)
        if position + length > cut:
            keep = cut - position
            a_head, a_rest = _split(head_std[k], keep) if keep else (None, head_std[k])
            b_head, b_rest = _split(head_neg[m], keep) if keep else (None, head_neg[m])
            rest_std = [a_rest, *head_std[k + 1 :], *std[i:]]
            rest_neg = [b_rest, *head_neg[m + 1 :], *neg[j:]]
            head_std = head_std[:k] + ([a_head] if a_head is not None else [])
            head_neg = head_neg[:m] + ([b_head] if b_head is not None else [])
            return head_std, head_neg, rest_std, rest_neg
        position += length
    return head_std, head_neg, std[i:], neg[j:]


def _word_end(text: str, following: tuple[str, str]) -> int:
    """The largest cut of `text` that ends a word on both sides (the whole text when what
    follows on each side is no letter or digit, or nothing)."""
    if not text or not text[-1].isalnum() or all(not c or not c.isalnum() for c in following):
        return len(text)
    cut = len(text)
    while cut and text[cut - 1].isalnum():
        cut -= 1
    return cut


def _next_char(atoms: list[Atom], index: int) -> str:
    for atom in atoms[index:]:
        if _compared(atom):
            return atom.text[:1] if atom.kind == CHAR else "\ufffc"
    return ""


def _reversed(atoms: list[Atom]) -> list[Atom]:
    return [
        dataclasses.replace(a, text=a.text[::-1]) if a.kind == CHAR else a for a in reversed(atoms)
    ]


def trimmed_diff(
    standard: list[Atom], negotiated: list[Atom]
) -> tuple[list[Atom], list[Atom], list[Chunk]]:
    """The two atom lists as compared (text split per character only where it differs) and
    their diff. The text two paragraphs share at the start and at the end is paired as it
    stands, whole words only: a 500-word paragraph with one word changed is not diffed
    letter by letter."""
    head_std, head_neg, rest_std, rest_neg = _shared_start(standard, negotiated)
    tail_std, tail_neg, mid_std, mid_neg = _shared_start(_reversed(rest_std), _reversed(rest_neg))
    tail_std, tail_neg = _reversed(tail_std), _reversed(tail_neg)
    mid_std, mid_neg = expand(_reversed(mid_std)), expand(_reversed(mid_neg))
    chunks = []
    if any(map(_compared, head_std)):
        chunks.append(
            Chunk(EQUAL, tuple(filter(_compared, head_std)), tuple(filter(_compared, head_neg)))
        )
    chunks += diff_atoms([a for a in mid_std if _compared(a)], [a for a in mid_neg if _compared(a)])
    if any(map(_compared, tail_std)):
        chunks.append(
            Chunk(EQUAL, tuple(filter(_compared, tail_std)), tuple(filter(_compared, tail_neg)))
        )
    return head_std + mid_std + tail_std, head_neg + mid_neg + tail_neg, chunks
