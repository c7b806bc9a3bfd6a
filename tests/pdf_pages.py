"""Where a PDF's pages break, as a reader citing pages sees it (pdftotext from poppler-utils)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from itertools import pairwise
from pathlib import Path

# A clause number at the start of a line: "7." (a heading) or "7.1" (a sub-clause).
_NUMBER = re.compile(r"^\s{0,12}(\d{1,2}\.(?:\d{1,2})?)\s+\S", re.MULTILINE)


def _pdftotext(pdf: bytes, option: str) -> bytes:
    """What pdftotext prints for PDF with OPTION (-layout, -bbox-layout)."""
    with tempfile.TemporaryDirectory(prefix="dsagen-pages-") as scratch:
        source = Path(scratch) / "a.pdf"
        source.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", option, str(source), "-"], capture_output=True, check=True, timeout=120
        ).stdout


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in order."""
    text = _pdftotext(pdf, "-layout").decode("utf-8")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def clauses_by_page(pdf: bytes) -> list[list[str]]:
    """The clause numbers that start on each page ("7." headings and "7.1" sub-clauses)."""
    return [[m.group(1).rstrip(".") for m in _NUMBER.finditer(page)] for page in page_texts(pdf)]


def paragraph_lines(
    pdf: bytes, right_margin: float = 540.0
) -> list[list[tuple[float, str, float]]]:
    """Each paragraph's lines as pdftotext -bbox-layout groups them (one block per paragraph's
    text, its number apart): each line's right edge, first word and that word's width. Only
    blocks that start left of the middle and reach the right margin: not a table cell, nor
    the centred cover."""
    xhtml = _pdftotext(pdf, "-bbox-layout")
    blocks = []
    for block in re.findall(rb"<block .*?</block>", xhtml, re.DOTALL):
        if float(re.findall(rb'xMin="([\d.]+)"', block)[0]) > right_margin / 2:
            continue  # the right-hand column of a table
        lines = []
        for line in re.findall(rb"<line .*?</line>", block, re.DOTALL):
            end = float(re.findall(rb'xMax="([\d.]+)"', line)[0])
            word = re.search(
                rb'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>(.*?)</word>', line
            )
            if word is not None:
                width = float(word.group(2)) - float(word.group(1))
                lines.append((end, word.group(3).decode("utf-8", "replace"), width))
        if lines and right_margin - max(end for end, _, _ in lines) <= 40:
            blocks.append(lines)
    return blocks


def short_lines(pdf: bytes, right_margin: float = 540.0) -> list[str]:
    """The first words of lines that follow a line ending early: the word would have fitted in
    the room left on the line before it, in the same paragraph. A line breaker that strands a
    word, like WeasyPrint's beside inline boxes, shows up here; a paragraph's last line is
    never counted."""
    space = 2.75 + 2.0  # a space at 11pt, and a margin for rounding
    return [
        word
        for lines in paragraph_lines(pdf, right_margin)
        for (end, _, _), (_, word, width) in pairwise(lines)
        if right_margin - end > width + space
    ]
