"""Agreement -> self-contained HTML; the same HTML and CSS feed the PDF renderer."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..assemble import Agreement
from ..textfilters import FILTERS
from .edition import edition


def _collapsed(text: str) -> str:
    """Runs of the white space HTML collapses (space, tab, line break) as one space: for text
    in an element whose white space is kept (`white-space: pre-wrap`)."""
    return _COLLAPSIBLE.sub(" ", text).strip(" ")


_COLLAPSIBLE = re.compile(r"[ \t\r\n\f]+")


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    env.filters.update(FILTERS)
    env.filters["collapsed"] = _collapsed
    source = resources.files(__package__).joinpath("agreement.html.j2").read_text("utf-8")
    return env.from_string(source)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return resources.files(__package__).joinpath("agreement.css").read_text("utf-8")


def render_html(agreement: Agreement, *, final: bool = False, for_pdf: bool = False) -> str:
    """The draft (or with `final` the signing version) as one self-contained HTML page.

    `for_pdf` gives the page WeasyPrint lays out: without the stylesheet (the PDF engine parses
    it once per process), and with cross-references in running text as plain text, not links.
    WeasyPrint's line breaker handles an inline box inside a sentence badly: beside a link it
    can strand a word on a line of its own ("shall", then the rest of the sentence on the next
    line), and every link costs its line extra boxes to lay out (about 5% of the PDF time).
    The PDF keeps its outline and the Key Terms table's links to each clause; the DOCX, the
    HTML and the LibreOffice engine's PDF keep every cross-reference clickable."""
    return _template().render(
        a=agreement,
        e=edition(agreement, final=final),
        css="" if for_pdf else stylesheet(),
        for_pdf=for_pdf,
        locale=agreement.locale,  # long_date's date style, as the DOCX prints it
    )


def render_html_bytes(agreement: Agreement, *, final: bool = False) -> bytes:
    return render_html(agreement, final=final).encode("utf-8")
