"""The variants matrix as an HTML heat map, with one redline page per partner beside it.

`variants.html` links each cell to `variants_redlines/<partner>.html#c-<clause>`: the redlines
are separate pages so the heat map stays small with a thousand partners, and each page still
opens on its own (no scripts, no network).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select

from .. import __version__
from ..compare.diff import EQUAL, Piece
from ..output import check_writable, write_all
from .queries import Matrix, head_subqueries
from .schema import agreement_clauses, negotiated_clauses
from .store import Registry
from .textdiff import diff_texts, paragraphs

SHORT = {
    "standard": "std",
    "fallback": "fb",
    "approval": "appr",
    "missing": "miss",
    "walk-away": "walk",
    "n/a": "",
}
LEGEND = (
    ("standard", "standard"),
    ("fallback", "pre-approved fallback"),
    ("approval", "custom: needs approval"),
    ("missing", "clause missing"),
    ("walk-away", "beyond walk-away"),
    ("n/a", "not in the agreement"),
)


@lru_cache(maxsize=2)
def _template(name: str) -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    return env.from_string(resources.files(__package__).joinpath(name).read_text("utf-8"))


def anchor(clause: str) -> str:
    return "c-" + re.sub(r"[^A-Za-z0-9_-]+", "-", clause).strip("-")


def anchor_partner(slug: str) -> str:
    """The id of a partner's row in the heat map (dsagen browse links to it)."""
    return "p-" + re.sub(r"[^A-Za-z0-9_-]+", "-", slug).strip("-")


def render_heatmap(matrix: Matrix, redline_folder: str) -> str:
    counts = matrix.counts()
    rows = []
    for row in matrix.rows:
        cells = []
        for family in matrix.families:
            cell = row.cell(family)
            short = SHORT.get(cell.kind, cell.kind)
            if cell.label.startswith("+"):
                short = cell.label.split(" ", 1)[0] + (f" {short}" if "," in cell.label else "")
            cells.append(
                {
                    "family": family,
                    "kind": cell.kind,
                    "label": cell.label,
                    "short": short,
                    "reasons": cell.reasons,
                    "href": (
                        f"{redline_folder}/{row.head.partner}.html#{anchor(cell.clause)}"
                        if cell.clause
                        else None
                    ),
                }
            )
        rows.append(
            {
                "partner": row.head.partner,
                "anchor": anchor_partner(row.head.partner),
                "name": row.head.name,
                "agreement": row.head.agreement_id,
                "state": row.head.agreement_state,
                "version": row.head.version,
                "source": row.head.source,
                "cells": cells,
            }
        )
    return _template("heatmap.html.j2").render(
        families=matrix.families,
        rows=rows,
        counts=counts,
        legend=LEGEND,
        generator=f"dsagen {__version__}",
    )


def redline_pages(registry: Registry, matrix: Matrix, back: str) -> dict[str, str]:
    """partner slug -> its redline page: every clause where the partner stands, marked up."""
    versions, issued_only = head_subqueries()
    with registry.read() as conn:
        negotiated = conn.execute(
            select(negotiated_clauses)
            .where(negotiated_clauses.c.version_id.in_(versions))
            .order_by(negotiated_clauses.c.version_id, negotiated_clauses.c.seq)
        ).all()
        issued = conn.execute(
            select(agreement_clauses)
            .where(agreement_clauses.c.agreement_id.in_(issued_only))
            .order_by(agreement_clauses.c.agreement_id, agreement_clauses.c.seq)
        ).all()
    clauses: dict[int, list[dict[str, Any]]] = {}
    for c in negotiated:
        if c.clause_id is None and c.status in ("unchanged", "cosmetic"):
            continue
        before = c.standard_text if c.standard_text is not None else c.text
        pieces = diff_texts(before, "" if c.status == "removed" else c.text)
        if c.status == "added":
            pieces = diff_texts("", c.text)
        clauses.setdefault(c.version_id, []).append(
            {
                "anchor": anchor(c.clause_id or c.title),
                "title": c.title,
                "status": c.status,
                "position": c.position,
                "reasons": json.loads(c.reasons),
                "paragraphs": _plain(pieces),
            }
        )
    for c in issued:
        clauses.setdefault(-c.agreement_id, []).append(
            {
                "anchor": anchor(c.clause_id),
                "title": c.title,
                "status": "",
                "position": c.position,
                "reasons": json.loads(c.reasons),
                "paragraphs": _plain([[Piece(EQUAL, p)] for p in paragraphs(c.text)]),
            }
        )
    pages = {}
    for row in matrix.rows:
        head = row.head
        key = head.version_id if head.version_id is not None else -head.agreement_id
        label = (
            f"negotiated version {head.version} compared with the agreement as issued"
            if head.version_id is not None
            else "as issued (no negotiated copy yet)"
        )
        pages[head.partner] = _template("redline.html.j2").render(
            partner=head.partner,
            name=head.name,
            agreement=head.agreement_id,
            state=head.agreement_state,
            source_label=label,
            clauses=clauses.get(key, []),
            back=back,
            generator=f"dsagen {__version__}",
        )
    return pages


def _plain(pieces: list[list[Piece]]) -> list[list[tuple[int, str]]]:
    return [[(p.op, p.text) for p in paragraph] for paragraph in pieces]


def write_heatmap(registry: Registry, matrix: Matrix, target: Path, *, force: bool = False) -> Path:
    """Write the heat map to `target` and the redlines to `<stem>_redlines/`; returns that
    folder. All pages are written or none: nothing when `target` or any redline page exists
    and `force` is false."""
    check_writable(target, force=force)
    folder_name = f"{target.stem}_redlines"
    folder = target.parent / folder_name
    outputs = [
        (folder / f"{partner}.html", html.encode("utf-8"))
        for partner, html in redline_pages(registry, matrix, target.name).items()
    ]
    outputs.append((target, render_heatmap(matrix, folder_name).encode("utf-8")))
    write_all(outputs, force=force)
    return folder
