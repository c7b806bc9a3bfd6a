"""Comparison -> a self-contained HTML report (and the same HTML as PDF through WeasyPrint)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import __version__
from ..compare.model import Comparison
from ..errors import DsagenError


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True,
                                        trim_blocks=True, lstrip_blocks=True)
    source = resources.files(__package__).joinpath("compare.html.j2").read_text("utf-8")
    return env.from_string(source)


def render_report_html(comparison: Comparison) -> str:
    params = [(clause, p) for clause in comparison.clauses for p in clause.parameters]
    return _template().render(c=comparison, params=params, generator=f"dsagen {__version__}")


def render_report_pdf(comparison: Comparison) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:
        raise DsagenError("PDF output needs Pango (Debian: apt-get install libpango-1.0-0 "
                          f"libpangoft2-1.0-0): {exc}") from None
    pdf = HTML(string=render_report_html(comparison)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
