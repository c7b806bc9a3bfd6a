"""Agreement -> PDF through WeasyPrint, from the same HTML + CSS as the HTML output."""

from __future__ import annotations

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
    pdf = HTML(string=html, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
