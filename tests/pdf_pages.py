"""Where a PDF's pages break, as a reader citing pages sees it (pdftotext from poppler-utils)."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

# A clause number at the start of a line: "7." (a heading) or "7.1" (a sub-clause).
_NUMBER = re.compile(r"^\s{0,12}(\d{1,2}\.(?:\d{1,2})?)\s+\S", re.MULTILINE)


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, in order."""
    with tempfile.TemporaryDirectory(prefix="dsagen-pages-") as scratch:
        source = Path(scratch) / "a.pdf"
        source.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-layout", str(source), "-"],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def clauses_by_page(pdf: bytes) -> list[list[str]]:
    """The clause numbers that start on each page ("7." headings and "7.1" sub-clauses)."""
    return [[m.group(1).rstrip(".") for m in _NUMBER.finditer(page)] for page in page_texts(pdf)]


def short_lines(pdf: bytes, right_margin: float = 540.0) -> list[str]:
    """Lines that end a paragraph's line early: the next line of the same paragraph starts with
    a word that would have fitted in the room left (pdftotext -bbox-layout, one block per
    paragraph's text). A line breaker that strands a word, like WeasyPrint's beside inline
    boxes, shows up here; the last line of a paragraph is never counted, nor a block that
    never reaches the right margin (a table cell, the centred cover)."""
    with tempfile.TemporaryDirectory(prefix="dsagen-lines-") as scratch:
        source = Path(scratch) / "a.pdf"
        source.write_bytes(pdf)
        xhtml = subprocess.run(
            ["pdftotext", "-bbox-layout", str(source), "-"],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
    found = []
    space = 2.75 + 2.0  # a space at 11pt, and a margin for rounding
    for block in re.findall(rb"<block .*?</block>", xhtml, re.DOTALL):
        lines = re.findall(
            rb'<line xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)".*?</line>', block, re.DOTALL
        )
        words = [
            re.findall(
                rb'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>',
                line,
            )
            for line in re.findall(rb"<line .*?</line>", block, re.DOTALL)
        ]
        if not lines or right_margin - max(float(end) for end in lines) > 40:
            continue
        for end, following in zip(lines, words[1:], strict=False):
            if not following:
                continue
            start, stop, word = following[0]
            if right_margin - float(end) > float(stop) - float(start) + space:
                found.append(word.decode("utf-8", "replace"))
    return found
