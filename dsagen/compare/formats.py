"""Emphasis changes inside a paragraph pair: bold, italic, underline, strike, capitals, and
where a hyperlink leads.

A term put in bold or a sentence struck through changes how a clause reads even when its words
do not change, so a formatting change is a deviation of its own (op "format"), whether the partner
tracked it (w:rPrChange) or not. The reader gives each paragraph its direct-formatting spans;
here the two paragraphs' characters are aligned through a word diff and every stretch of equal
text whose emphasis differs becomes one change.
"""

from __future__ import annotations

from ..invisible import INVISIBLE, name_char
from ..read.docx import ViewParagraph
from .diff import EQUAL, INSERT, Piece, word_diff
from .segments import parse_anchor

EMPHASIS_NAMES = {
    "b": "bold",
    "i": "italic",
    "u": "underline",
    "strike": "strikethrough",
    "dstrike": "double strikethrough",
    "caps": "capitals",
    "smallCaps": "small capitals",
    "highlight": "highlight",
    "hidden": "hidden text (neither shown nor printed)",
    "white": "white text (invisible on the page)",
    "tiny": "text too small to read",
}


def reference_target(signature: str) -> str | None:
    """The clause a cross-reference's result shows (its bookmark names a dsagen clause: the
    clause id, whatever the version in the name), else the bookmark; None when not one."""
    _, found, target = signature.partition("ref=")
    if not found:
        return None
    anchor = parse_anchor(target)
    return anchor.clause_id if anchor is not None else target


def _canonical(signature: str) -> str:
    target = reference_target(signature)
    if target is None:
        return signature
    return signature.partition("ref=")[0] + "ref=" + target


def _comparable(before: str, after: str) -> tuple[str, str]:
    """A cross-reference counts only when it points elsewhere: one turned into the same plain
    text (an editor that flattens fields) or made from it reads the same."""
    if ("ref=" in before) != ("ref=" in after):
        return before.partition("ref=")[0].rstrip("+"), after.partition("ref=")[0].rstrip("+")
    return before, after


def _signatures(paragraph: ViewParagraph) -> list[str]:
    """The emphasis signature of every character of the paragraph's text."""
    marks = [""] * len(paragraph.text)
    for start, end, signature in paragraph.formats:
        canonical = _canonical(signature)
        for index in range(max(start, 0), min(end, len(marks))):
            marks[index] = canonical
    return marks


def _flags(signature: str) -> set[str]:
    """A signature's flags; a link target and a cross-reference target (which may hold '+')
    are one flag each, always last."""
    rest, _, reference = signature.partition("ref=")
    emphasis, _, link = rest.rstrip("+").partition("link=")
    flags = set(filter(None, emphasis.split("+")))
    if link:
        flags.add("link=" + link.rstrip("+"))
    if reference:
        flags.add("ref=" + reference)
    return flags


def _name(flag: str) -> str:
    if flag.startswith("link="):
        return f"link to {flag[5:]}"
    if flag.startswith("ref="):
        return f"cross-reference to {flag[4:]}"
    return EMPHASIS_NAMES.get(flag, flag)


def describe(before: str, after: str) -> str:
    """'bold added', 'italic removed; link to https://… added' from two signatures."""
    old, new = _flags(before), _flags(after)
    words = [f"{_name(k)} added" for k in sorted(new - old)]
    words += [f"{_name(k)} removed" for k in sorted(old - new)]
    return "; ".join(words)


def format_differences(standard: ViewParagraph, negotiated: ViewParagraph) -> list[tuple[str, str]]:
    """(negotiated text, what changed) for each stretch of shared text whose emphasis differs."""
    if not (standard.formats or negotiated.formats) or (
        (standard.formats, standard.text) == (negotiated.formats, negotiated.text)
    ):
        return []
    old, new = _signatures(standard), _signatures(negotiated)
    found: list[tuple[str, str]] = []
    run_text, run_detail = "", ""

    def flush() -> None:
        nonlocal run_text, run_detail
        if run_text.strip():
            found.append((run_text.strip(), run_detail))
        run_text, run_detail = "", ""

    position_old = position_new = 0
    pieces = (
        word_diff(standard.text, negotiated.text)
        if standard.text != negotiated.text
        else [Piece(EQUAL, standard.text)]
    )
    for piece in pieces:
        length = len(piece.text)
        if piece.op != EQUAL:
            flush()
            if piece.op == INSERT:
                position_new += length
            else:
                position_old += length
            continue
        for offset in range(length):
            before, after = _comparable(old[position_old + offset], new[position_new + offset])
            char = negotiated.text[position_new + offset]
            detail = describe(before, after) if before != after else ""
            if detail and run_detail and detail != run_detail:
                flush()
            if detail or (char.isspace() and run_text):
                run_text += char  # a space inside a bold phrase does not end it
                run_detail = detail or run_detail
            else:
                flush()
        position_old += length
        position_new += length
    flush()
    return found


_HIDING = ("hidden", "white", "tiny")


def hidden_insertions(
    standard: ViewParagraph | None, negotiated: ViewParagraph
) -> list[tuple[str, str]]:
    """(text, what hides it) for words the negotiated paragraph adds in a form no reader
    sees: an insertion is listed like any other, and this says it cannot be read."""
    found = []
    for start, end, signature in negotiated.formats:
        hiding = [flag for flag in _flags(signature) if flag in _HIDING]
        text = negotiated.text[start:end].strip()
        if hiding and text and (standard is None or text not in standard.text):
            found.append(
                (text, "inserted as " + ", ".join(EMPHASIS_NAMES[flag] for flag in sorted(hiding)))
            )
    return found


def invisible_insertions(
    standard: ViewParagraph | None, negotiated: ViewParagraph
) -> list[tuple[str, str]]:
    """(words, what they hide) for each stretch of the negotiated paragraph holding a
    direction-changing or zero-width character the standard does not: "USD ‮000,01‬" reads
    "USD 10,000" on the page while every program reads 000,01."""
    found: dict[str, str] = {}
    before = standard.text if standard is not None else ""
    for match in INVISIBLE.finditer(negotiated.text):
        words = _words_around(negotiated.text, match.start())
        if words in before or words in found:
            continue
        chars = sorted({char for char in INVISIBLE.findall(words)})
        found[words] = (
            "inserted with "
            + ", ".join(name_char(char) for char in chars)
            + ": the text displays differently from what it says"
        )
    return [(show_invisible(words), detail) for words, detail in found.items()]


def _words_around(text: str, position: int) -> str:
    """The word holding `position`, or the next one when it stands between words."""
    start = text.rfind(" ", 0, position) + 1
    end = text.find(" ", position + 1)
    end = len(text) if end < 0 else end
    return text[start:end]


def show_invisible(text: str) -> str:
    """The text with each invisible character written as <U+XXXX>, so a report shows it."""
    return INVISIBLE.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)
