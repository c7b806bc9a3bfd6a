"""Word-level diff of two atom sequences (the redline's unit of change is a word, not a letter).

Atoms are grouped into tokens as dsagen.compare.diff.word_diff groups characters (numbers with
separators, words, runs of white space, single punctuation marks); every object is a token of
its own. diff-match-patch diffs the tokens (each encoded as one private-use character) and
``diff_cleanupSemantic`` makes the result read like a lawyer's redline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diff_match_patch import diff_match_patch

from .atoms import CHAR, CLOSE, OPEN, Atom

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
            std = tuple(a for _, group in left[i:i + count] for a in group)
            neg = tuple(a for _, group in right[j:j + count] for a in group)
            chunks.append(Chunk(EQUAL, std, neg))
            i, j = i + count, j + count
        elif op == DELETE:
            chunks.append(Chunk(DELETE, tuple(a for _, g in left[i:i + count] for a in g), ()))
            i += count
        else:
            chunks.append(Chunk(INSERT, (), tuple(a for _, g in right[j:j + count] for a in g)))
            j += count
    return chunks
