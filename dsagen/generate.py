"""Generate agreements for one or many partner files: validate all, then render in parallel.

Everything is validated before the first byte is written, so a bad file in a folder of 300
leaves no half-generated batch behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .assemble import Agreement, assemble
from .errors import DeviationsFound, DsagenError, OutputError
from .library import Library, load_library
from .output import check_writable, inside, write_atomic
from .partners import PartnerParams, load_partner, partner_files

FORMATS = ("docx", "pdf", "html", "md")


@dataclass(frozen=True)
class GeneratedFile:
    format: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class GeneratedAgreement:
    """What one generation produced, with the provenance the registry records."""

    partner: str
    partner_path: str
    template: str
    agreement: Agreement
    files: tuple[GeneratedFile, ...]


def parse_formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise DsagenError(f"--format: expected a comma-separated list of {', '.join(FORMATS)}, "
                          f"found '{text}'")
    return formats


def render(agreement: Agreement, fmt: str) -> bytes:
    """Bytes of one output format (imports lazily: WeasyPrint is slow to import)."""
    if fmt == "docx":
        from .render.docx import render_docx

        return render_docx(agreement)
    if fmt == "pdf":
        from .render.pdf import render_pdf

        return render_pdf(agreement)
    if fmt == "html":
        from .render.html import render_html_bytes

        return render_html_bytes(agreement)
    from .render.markdown import render_markdown_bytes

    return render_markdown_bytes(agreement)


def output_paths(out_dir: Path, partner: PartnerParams,
                 formats: tuple[str, ...]) -> dict[str, Path]:
    return {fmt: inside(out_dir, partner.slug, f"{partner.template_id}.{fmt}") for fmt in formats}


class LintErrorsFound(DeviationsFound):
    """Generation refused: an agreement would break a legally required element (exit 1)."""


def validate_paths(paths: list[Path], *, library: Library | None = None,
                   template: str | None = None,
                   effective_date: dt.date | None = None,
                   refuse_lint_errors: bool = False) -> list[PartnerParams]:
    """Load and validate every partner file (and assemble, which checks the clause text);
    with `refuse_lint_errors`, also refuse any agreement with error-level lint findings."""
    library = library or load_library()
    partners = [load_partner(p, library, template_id=template, effective_date=effective_date)
                for p in partner_files(paths)]
    slugs: dict[str, str] = {}
    refused: list[str] = []
    for partner in partners:
        key = f"{partner.slug}/{partner.template_id}"
        if key in slugs:
            raise OutputError(f"{partner.path}: same output name as {slugs[key]} "
                              f"({key}); rename one of the files")
        slugs[key] = partner.path
        agreement = assemble(partner, library)
        if refuse_lint_errors:
            refused += lint_refusals(partner, library, agreement)
    if refused:
        raise LintErrorsFound("refusing to generate agreements that break legal requirements: "
                              + "; ".join(refused) + ". Run dsagen lint on the file(s) for "
                              "details, or pass --allow-lint-errors")
    return partners


def lint_refusals(partner: PartnerParams, library: Library,
                  agreement: Agreement | None = None) -> list[str]:
    """['<path> breaks <rule> (<citation>), ...'] for a partner with lint errors, else []."""
    from .lint import legal_errors

    errors = legal_errors(partner, library, agreement=agreement)
    if not errors:
        return []
    return [f"{partner.path} breaks " + ", ".join(f"{f.rule} ({f.citation})" for f in errors)]


def _generate_one(partner: PartnerParams, formats: tuple[str, ...], out_dir: str, force: bool,
                  library_root: str | None) -> GeneratedAgreement:
    library = load_library(Path(library_root) if library_root else None)
    agreement = assemble(partner, library)
    files = []
    for fmt, path in output_paths(Path(out_dir), partner, formats).items():
        data = render(agreement, fmt)
        write_atomic(path, data, force=force)
        files.append(GeneratedFile(fmt, str(path), hashlib.sha256(data).hexdigest(), len(data)))
    return GeneratedAgreement(partner.slug, partner.path, partner.template_id, agreement,
                              tuple(files))


def generate(paths: list[Path], *, out_dir: Path, formats: tuple[str, ...] = ("docx", "pdf"),
             template: str | None = None, force: bool = False, jobs: int | None = None,
             effective_date: dt.date | None = None, library_root: Path | None = None,
             on_done: Callable[[GeneratedAgreement], None] | None = None,
             allow_lint_errors: bool = False,
             ) -> list[GeneratedAgreement]:
    """Validate all partner files (refusing lint errors unless allowed), check every target,
    then render (in processes if many)."""
    library = load_library(library_root)
    partners = validate_paths(paths, library=library, template=template,
                              effective_date=effective_date,
                              refuse_lint_errors=not allow_lint_errors)
    for partner in partners:
        for path in output_paths(out_dir, partner, formats).values():
            check_writable(path, force=force)
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    jobs = min(jobs, len(partners))
    root = str(library_root) if library_root else None
    results: list[GeneratedAgreement] = []
    if jobs == 1:
        for partner in partners:
            result = _generate_one(partner, formats, str(out_dir), force, root)
            results.append(result)
            if on_done:
                on_done(result)
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_generate_one, p, formats, str(out_dir), force, root)
                   for p in partners]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
    order = {p.path: i for i, p in enumerate(partners)}
    return sorted(results, key=lambda r: order[r.partner_path])
