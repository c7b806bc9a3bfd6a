"""Agreement -> self-contained HTML; the same HTML and CSS feed the PDF renderer."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..assemble import Agreement
from ..textfilters import FILTERS
from .edition import edition


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters.update(FILTERS)
    source = resources.files(__package__).joinpath("agreement.html.j2").read_text("utf-8")
    return env.from_string(source)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files(__package__).joinpath("agreement.css").read_text("utf-8")


def render_html(agreement: Agreement, *, final: bool = False, inline_css: bool = True) -> str:
    """The draft (or with `final` the signing version) as one self-contained HTML page;
    without `inline_css` the caller applies stylesheet() itself (the PDF engine parses it once
    per process)."""
    return _template().render(
        a=agreement,
        e=edition(agreement, final=final),
        css=stylesheet() if inline_css else "",
        locale=agreement.locale,  # long_date's date style, as the DOCX prints it
    )


def render_html_bytes(agreement: Agreement, *, final: bool = False) -> bytes:
    return render_html(agreement, final=final).encode("utf-8")
