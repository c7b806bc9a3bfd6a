"""Renderers: one module per output format, each consuming an assemble.Agreement.

`render_batch` is the entry point for a worker rendering several agreements: it renders every
requested format of each, and with the `libreoffice` PDF engine has the worker's long-lived
office convert their DOCX while it renders the next. Renderer modules are imported lazily
(WeasyPrint alone takes a second to import).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..assemble import Agreement
from ..errors import DsagenError

if TYPE_CHECKING:
    from .libreoffice import LibreOfficePdf

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


def _converted(options: RenderOptions, formats: Sequence[str]) -> bool:
    """Is the PDF converted from the DOCX by an office suite (the `libreoffice` engine)?"""
    return "pdf" in formats and options.pdf_engine == "libreoffice"


def render_batch(
    agreements: Iterable[Agreement],
    formats: Sequence[str],
    options: RenderOptions = RenderOptions(),
) -> list[dict[str, bytes]]:
    """For each agreement, {format: bytes} for every requested format. `agreements` is read
    once, lazily: with the `libreoffice` engine each DOCX goes to the office as soon as it is
    rendered, so the office converts while the caller produces the next agreement (a worker
    checks partner files inside the iterable)."""
    converted = _converted(options, formats)
    needed = [f for f in formats if f != "pdf"] + (["docx"] if converted else [])
    office = None
    if converted:
        from .libreoffice import shared_office

        office = shared_office()
    outputs, rendered = [], []
    try:
        for agreement in agreements:
            rendered.append(agreement)
            out = {f: _render_text(agreement, f, options.final) for f in dict.fromkeys(needed)}
            if office is not None:
                office.submit(out["docx"])
            elif "pdf" in formats:
                from .pdf import render_pdf

                out["pdf"] = render_pdf(agreement, final=options.final)
            outputs.append(out)
    except BaseException:
        if office is not None:
            office.close()  # its replies to what was submitted would answer the next batch
        raise
    if office is not None:
        for out, pdf in zip(outputs, _collected(office, rendered), strict=True):
            out["pdf"] = pdf
    return [{fmt: out[fmt] for fmt in formats} for out in outputs]


def _collected(office: LibreOfficePdf, agreements: list[Agreement]) -> list[bytes]:
    """The office's PDFs; a failure names the agreement it failed on, not the office's scratch
    file."""
    from .libreoffice import LibreOfficeError

    try:
        return office.collect()
    except LibreOfficeError as exc:
        if exc.document is None:
            raise
        failed = agreements[exc.document]
        raise LibreOfficeError(
            f"{failed.partner} ({failed.reference}): {exc}", document=exc.document
        ) from None


def warm_up(options: RenderOptions, formats: Sequence[str]) -> None:
    """Start what a worker's first PDF will need, without waiting for it: the `libreoffice`
    engine's office (a second of start-up, overlapping the worker's first checks)."""
    if _converted(options, formats):
        from .libreoffice import LibreOfficeError, shared_office

        try:
            shared_office().start()
        except LibreOfficeError:
            pass  # the same error is raised again when the first PDF is needed
