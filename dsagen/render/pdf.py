"""Agreement -> PDF through WeasyPrint, from the same HTML + CSS as the HTML output."""

from __future__ import annotations

import gc

from ..assemble import Agreement
from ..errors import DsagenError
from .html import render_html


def render_pdf(agreement: Agreement) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: name the Debian packages, not a traceback
        raise DsagenError(
            "PDF output needs Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0); "
            f"WeasyPrint could not load it: {exc}") from None
    html = render_html(agreement)
    # WeasyPrint allocates millions of short-lived objects, and the cycle collector scanning
    # them mid-layout cost a tenth of the PDF time (bench/generate.py); the document's cycles
    # are collected by the normal collections that follow.
    collecting = gc.isenabled()
    gc.disable()
    try:
        pdf = HTML(string=html, base_url=None).write_pdf()
    finally:
        if collecting:
            gc.enable()
    assert pdf is not None
    return bytes(pdf)
