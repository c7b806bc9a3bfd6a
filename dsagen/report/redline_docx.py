"""Comparison -> DOCX redline with native tracked changes (entry point).

The writer itself lives in :mod:`dsagen.redline`: it overlays the differences on the partner's
(negotiated) DOCX, so accept-all gives their document and reject-all the standard, and nothing
they did (objects, formatting, their own tracked changes, comments) is lost.
"""

from __future__ import annotations

import copy
from pathlib import Path

from lxml import etree

from ..compare.model import Comparison
from ..read.package import read_document_bytes
from ..redline import render_redline as _overlay

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def render_redline(standard_docx: bytes | Comparison, negotiated_docx: bytes, *,
                   author: str = "dsagen", date: str = "2000-01-01T00:00:00Z",
                   comparison: Comparison | None = None, max_id: int | None = None) -> bytes:
    """The partner's DOCX with every untracked difference from the standard written into it as
    tracked changes: accept-all gives the partner's document, reject-all gives the standard.

    Transitional: the former call ``render_redline(comparison, standard_docx, max_id=...)`` is
    still understood (the negotiated file is then read from ``comparison.negotiated``) until
    the CLI passes both documents; ``comparison`` and ``max_id`` are otherwise ignored.
    """
    del comparison, max_id
    if isinstance(standard_docx, Comparison):
        negotiated_path = Path(standard_docx.negotiated)
        standard_docx, negotiated_docx = negotiated_docx, read_document_bytes(negotiated_path)
    return _overlay(standard_docx, negotiated_docx, author=author, date=date)


def make_run(text: str, rpr: etree._Element | None, deleted: bool = False) -> etree._Element:
    """A w:r with a copy of `rpr` (minus any rPrChange) and `text`; tabs and breaks become
    w:tab/w:br, deleted text w:delText."""
    run = etree.Element(W + "r")
    if rpr is not None:
        clone = copy.deepcopy(rpr)
        for change in clone.findall(W + "rPrChange"):
            clone.remove(change)
        run.append(clone)
    text_tag = W + ("delText" if deleted else "t")
    chunk = ""
    for char in text:
        if char in "\t\n":
            if chunk:
                _text(run, text_tag, chunk)
                chunk = ""
            etree.SubElement(run, W + ("tab" if char == "\t" else "br"))
        else:
            chunk += char
    if chunk:
        _text(run, text_tag, chunk)
    return run


def _text(run: etree._Element, tag: str, text: str) -> None:
    element = etree.SubElement(run, tag)
    element.text = text
    if text != text.strip() or "  " in text:
        element.set(XML_SPACE, "preserve")


__all__ = ["render_redline", "make_run"]
