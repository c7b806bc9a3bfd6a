"""Renderers: one module per output format, each consuming an assemble.Agreement.

`render_batch` is the entry point for a worker rendering several agreements: it renders every
requested format of each, and with the `libreoffice` PDF engine converts all their DOCX in one
request to the worker's long-lived office. Renderer modules are imported lazily (WeasyPrint
alone takes a second to import).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..assemble import Agreement
from ..errors import DsagenError

FORMATS = ("docx", "pdf", "html", "md")
PDF_ENGINES = ("weasyprint", "libreoffice")


def parse_pdf_engine(name: str) -> str:
    engine = name.strip().lower()
    if engine not in PDF_ENGINES:
        raise DsagenError(f"--pdf-engine: expected one of {', '.join(PDF_ENGINES)}, found '{name}'")
    return engine


@dataclass(frozen=True)
class RenderOptions:
    """How every agreement of a run is rendered."""

    final: bool = False  # the signing version instead of a draft
    pdf_engine: str = "weasyprint"  # or "libreoffice": the PDF converted from the DOCX


def render_format(
    agreement: Agreement,
    fmt: str,
    options: RenderOptions = RenderOptions(),
) -> bytes:
    """Bytes of one output format of one agreement."""
    return render_batch([agreement], (fmt,), options)[0][fmt]


def _render_text(agreement: Agreement, fmt: str, final: bool) -> bytes:
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(agreement, final=final)
    if fmt == "html":
        from .html import render_html_bytes

        return render_html_bytes(agreement, final=final)
    from .markdown import render_markdown_bytes

    return render_markdown_bytes(agreement, final=final)


def render_batch(
    agreements: Sequence[Agreement],
    formats: Sequence[str],
    options: RenderOptions = RenderOptions(),
) -> list[dict[str, bytes]]:
    """For each agreement, {format: bytes} for every requested format."""
    converted = "pdf" in formats and options.pdf_engine == "libreoffice"
    needed = [f for f in formats if f != "pdf"] + (["docx"] if converted else [])
    outputs = [
        {fmt: _render_text(agreement, fmt, options.final) for fmt in dict.fromkeys(needed)}
        for agreement in agreements
    ]
    if "pdf" in formats:
        if converted:
            from .libreoffice import shared_office

            pdfs = shared_office().convert_many([out["docx"] for out in outputs])
        else:
            from .pdf import render_pdf

            pdfs = [render_pdf(agreement, final=options.final) for agreement in agreements]
        for out, pdf in zip(outputs, pdfs, strict=True):
            out["pdf"] = pdf
    return [{fmt: out[fmt] for fmt in formats} for out in outputs]
