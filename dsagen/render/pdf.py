"""Agreement -> PDF through WeasyPrint (the default engine, no office suite needed), from the
same HTML + CSS as the HTML output. The other engine, `libreoffice`, converts the DOCX itself
(render/libreoffice.py, chosen in render_batch)."""

from __future__ import annotations

import gc
from functools import lru_cache
from typing import Any

from ..assemble import Agreement
from ..errors import DsagenError
from .html import render_html, stylesheet


@lru_cache(maxsize=1)
def _weasyprint() -> tuple[Any, Any, Any]:
    """WeasyPrint's HTML class, the stylesheet parsed once and the font configuration, kept
    for the life of the process (a worker renders many agreements with them)."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except OSError as exc:  # Pango missing: name the Debian packages, not a traceback
        raise DsagenError(
            "PDF output needs Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
            f"WeasyPrint could not load it: {exc}"
        ) from None
    fonts = FontConfiguration()
    return HTML, CSS(string=stylesheet(), font_config=fonts), fonts


def render_pdf(agreement: Agreement, *, final: bool = False) -> bytes:
    """PDF bytes of the draft (or with `final` the signing version) laid out by WeasyPrint."""
    html_class, css, fonts = _weasyprint()
    html = render_html(agreement, final=final, for_pdf=True)
    # WeasyPrint allocates millions of short-lived objects, and the cycle collector scanning
    # them mid-layout cost a tenth of the PDF time (bench/generate.py); the document's cycles
    # are collected by the normal collections that follow.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pdf = html_class(string=html, base_url=None).write_pdf(stylesheets=[css], font_config=fonts)
    finally:
        if collecting:
            gc.enable()
    assert pdf is not None
    return bytes(pdf)
