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
