"""What changed between two stored clause texts: paragraph-aligned word diffs, and a short
summary of them (the registry stores texts, not documents, so it diffs texts)."""

from __future__ import annotations

from typing import Any

from ..compare.diff import DELETE, EQUAL, INSERT, Piece, align_paragraphs, word_diff
from ..compare.normalize import clean


def paragraphs(text: str | None) -> list[str]:
    return [line for line in (text or "").split("\n") if clean(line)]


def diff_texts(before: str | None, after: str | None) -> list[list[Piece]]:
    """One list of word pieces per paragraph of the redline (equal, changed, added, deleted)."""
    old, new = paragraphs(before), paragraphs(after)
    out: list[list[Piece]] = []
    for pair in align_paragraphs(old, new):
        if pair.kind == "insert":
            assert pair.negotiated is not None
            out.append([Piece(INSERT, clean(new[pair.negotiated]))])
        elif pair.kind == "delete":
            assert pair.standard is not None
            out.append([Piece(DELETE, clean(old[pair.standard]))])
        else:
            assert pair.standard is not None and pair.negotiated is not None
            a, b = clean(old[pair.standard]), clean(new[pair.negotiated])
            out.append([Piece(EQUAL, a)] if a == b else word_diff(a, b))
    return out


def summarise(before: str | None, after: str | None, limit: int = 6) -> list[dict[str, Any]]:
    """The changes as {'before', 'after'} fragments, at most `limit` (then a count of the rest)."""
    changes = [change for pieces in diff_texts(before, after) for change in _fragments(pieces)]
    if len(changes) > limit:
        rest = len(changes) - limit
        changes = [*changes[:limit], {"before": "", "after": "", "more": rest}]
    return changes


def _fragments(pieces: list[Piece]) -> list[dict[str, Any]]:
    """Runs of deletions and insertions between unchanged words, as before/after pairs."""
    out: list[dict[str, Any]] = []
    deleted = inserted = ""
    for piece in [*pieces, Piece(EQUAL, "\x00")]:
        if piece.op == DELETE:
            deleted += piece.text
        elif piece.op == INSERT:
            inserted += piece.text
        elif piece.text.strip():
            if deleted.strip() or inserted.strip():
                out.append({"before": deleted.strip(), "after": inserted.strip()})
            deleted = inserted = ""
    return out


def describe(change: dict[str, Any], width: int = 70) -> str:
    """One change as a line: '- old' / '+ new' / 'old → new'."""
    if change.get("more"):
        return f"… and {change['more']} more change(s)"
    before, after = _short(change["before"], width), _short(change["after"], width)
    if before and after:
        return f"“{before}” → “{after}”"
    return f"+ “{after}”" if after else f"- “{before}”"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
