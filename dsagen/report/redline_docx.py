"""Comparison -> DOCX redline with native tracked changes (entry point).

The writer itself lives in :mod:`dsagen.redline`: it overlays the differences on the partner's
(negotiated) DOCX, so accept-all gives their document and reject-all the standard, and nothing
they did (objects, formatting, their own tracked changes, comments) is lost.
"""

from __future__ import annotations

import copy
import datetime as dt

from lxml import etree

from ..errors import DsagenError
from ..ooxml import XML_SPACE, W
from ..redline import render_redline


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


__all__ = ["make_run", "render_redline"]


DEFAULT_REVISION_DATE = "2000-01-01T00:00:00Z"


def revision_date(flag: str | None, modified: str | None) -> str:
    """Deterministic revision dates: from the flag, else the negotiated file's own modified
    date, else a fixed date (a partner's unreadable metadata is no reason to fail)."""
    if flag is not None:
        parsed = _iso(flag)
        if parsed is None:
            raise DsagenError(f"--date: expected YYYY-MM-DD or an ISO time, found '{flag}'")
        return parsed
    return (_iso(modified) if modified else None) or DEFAULT_REVISION_DATE


def _iso(value: str) -> str | None:
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")
