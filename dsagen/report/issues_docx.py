"""The issues list as a DOCX: a landscape page with one table row per deviation.

Built with python-docx and packaged deterministically (fixed core-property dates from the
answer's date), so the same answer gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt

from ..render.docx import package_bytes
from .issues import COLUMNS, cells, ordered_issues, subtitle, title

#: Relative column widths (clause, change, tracked, position, approver, note, proposal, warnings).
_WIDTHS = (2.6, 5.0, 1.8, 2.0, 2.6, 4.2, 4.2, 2.6)


def render_issues_docx(data: dict[str, Any]) -> bytes:
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.add_heading(title(data), level=1)
    document.add_paragraph(subtitle(data))
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    usable = 29.7 - 3.0
    scale = usable / sum(_WIDTHS)
    for cell, (_, label), width in zip(table.rows[0].cells, COLUMNS, _WIDTHS, strict=True):
        cell.width = Cm(width * scale)
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
    for issue in ordered_issues(data["issues"]):
        row = cells(issue)
        for cell, (key, _), width in zip(table.add_row().cells, COLUMNS, _WIDTHS, strict=True):
            cell.width = Cm(width * scale)
            cell.paragraphs[0].add_run(row[key]).font.size = Pt(9)
    _stamp(document, data)
    return package_bytes(document)


def _stamp(document: Any, data: dict[str, Any]) -> None:
    """Core properties from the answer, never the clock."""
    props = document.core_properties
    try:
        when = dt.datetime.fromisoformat(str(data["date"]).replace("Z", "+00:00"))
    except ValueError:
        when = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    props.created = props.modified = when
    props.last_printed = when
    props.author = props.last_modified_by = data["author"]
    props.title = title(data)
    props.revision = 1


__all__ = ["render_issues_docx"]
