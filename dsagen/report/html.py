"""Comparison -> a self-contained HTML report (and the same HTML as PDF through WeasyPrint)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import __version__
from ..compare.model import Comparison
from ..errors import DsagenError
from .numbers import clause_label


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    source = resources.files(__package__).joinpath("compare.html.j2").read_text("utf-8")
    return env.from_string(source)


def render_report_html(comparison: Comparison, approvers: dict[int, str] | None = None) -> str:
    """The report; `approvers` names, per clause index, who must approve its deviations."""
    approvers = approvers or {}
    params = [
        (clause, clause_label(clause), p)
        for clause in comparison.clauses
        for p in clause.parameters
    ]
    deviating = [
        (clause, clause_label(clause), approvers.get(index, ""))
        for index, clause in enumerate(comparison.clauses)
        if clause.status not in ("unchanged", "cosmetic")
    ]
    return _template().render(
        c=comparison,
        params=params,
        deviating=deviating,
        untracked=comparison.untracked_changes,
        generator=f"dsagen {__version__}",
    )


def render_report_pdf(comparison: Comparison, approvers: dict[int, str] | None = None) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise DsagenError(
            "PDF output needs Pango (Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0): {exc}"
        ) from None
    pdf = HTML(string=render_report_html(comparison, approvers)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
