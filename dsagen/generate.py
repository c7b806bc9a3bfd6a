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
from .errors import DeviationsFound, DsagenError, InputError, InputErrors, OutputError, raise_all
from .library import Library, load_library
from .lint.evaluate import PLAYBOOK, Finding
from .output import check_writable, inside, write_all
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
    warnings: tuple[str, ...] = ()  # terms outside the organisation's playbook


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


@dataclass(frozen=True)
class Prepared:
    """A validated partner file and its assembled agreement, ready to render."""

    partner: PartnerParams
    agreement: Agreement
    warnings: tuple[str, ...] = ()  # terms outside the organisation's playbook


def prepare(paths: list[Path], *, library: Library | None = None, template: str | None = None,
            effective_date: dt.date | None = None,
            refuse_lint_errors: bool = False) -> list[Prepared]:
    """Load and validate every partner file and assemble it (which checks the clause text);
    with `refuse_lint_errors`, also refuse any agreement with error-level lint findings."""
    from .lint import lint_partner_params

    library = library or load_library()
    checked = validate_paths(paths, library=library, template=template,
                             effective_date=effective_date)
    raise_all([error for item in checked for error in item.errors])
    refused: list[str] = []
    prepared = []
    for item in checked:
        assert item.prepared is not None
        partner, agreement = item.prepared.partner, item.prepared.agreement
        findings = lint_partner_params(partner, library, agreement=agreement)
        if refuse_lint_errors:
            refused += lint_refusals(partner, findings)
        prepared.append(Prepared(partner, agreement, playbook_warnings(partner, findings)))
    if refused:
        raise LintErrorsFound("refusing to generate agreements that break legal requirements: "
                              + "; ".join(refused) + ". Run dsagen lint on the file(s) for "
                              "details, or pass --allow-lint-errors")
    return prepared


def _output_clashes(checked: list[Checked]) -> list[tuple[Path, str]]:
    """(file, message) for each partner whose outputs would overwrite another's."""
    first: dict[str, str] = {}
    clashes = []
    for item in checked:
        if item.prepared is None:
            continue
        partner = item.prepared.partner
        key = f"{partner.slug}/{partner.template_id}"
        if key in first:
            clashes.append((item.path, f"{partner.path}: same output name as {first[key]} "
                                       f"({key}); rename one of the files"))
        else:
            first[key] = partner.path
    return clashes


@dataclass(frozen=True)
class Checked:
    """One partner file after validation and assembly: ready, or every problem found in it."""

    path: Path
    prepared: Prepared | None
    errors: tuple[DsagenError, ...] = ()


def check_partner(path: Path, library: Library, *, template: str | None = None,
                  effective_date: dt.date | None = None) -> Checked:
    """Validate and assemble one file, keeping its errors instead of stopping at them, so a
    folder run reports every bad file at once."""
    try:
        partner = load_partner(path, library, template_id=template,
                               effective_date=effective_date)
        return Checked(path, Prepared(partner, assemble(partner, library)))
    except InputErrors as exc:
        return Checked(path, None, tuple(exc.errors))
    except InputError as exc:
        return Checked(path, None, (exc,))


def validate_paths(paths: list[Path], *, library: Library | None = None,
                   template: str | None = None,
                   effective_date: dt.date | None = None) -> list[Checked]:
    """Every partner file checked on its own (for `dsagen validate`)."""
    library = library or load_library()
    library.check()
    checked = [check_partner(p, library, template=template, effective_date=effective_date)
               for p in partner_files(paths)]
    clashes = dict(_output_clashes(checked))
    return [Checked(item.path, None, (OutputError(clashes[item.path]),))
            if item.path in clashes else item for item in checked]


def playbook_warnings(partner: PartnerParams, findings: list[Finding]) -> tuple[str, ...]:
    """Terms outside the playbook (needing approval, or beyond walk-away), one line each:
    generation goes ahead, but nobody should send such an agreement without noticing."""
    return tuple(f"{partner.path}:{f.line}: {f.found}" if f.line else f"{partner.path}: {f.found}"
                 for f in findings if f.profile == PLAYBOOK and f.severity == "warning")


def lint_refusals(partner: PartnerParams, findings: list[Finding]) -> list[str]:
    """['<path> breaks <rule> (<citation>), ...'] for a partner that breaks a legal
    requirement (an error-level regulatory finding), else []."""
    errors = [f for f in findings if f.profile != PLAYBOOK and f.severity == "error"]
    if not errors:
        return []
    return [f"{partner.path} breaks " + ", ".join(f"{f.rule} ({f.citation})" for f in errors)]


def _render_files(item: Prepared, formats: tuple[str, ...], out_dir: str,
                  force: bool) -> tuple[GeneratedFile, ...]:
    """Render one agreement's outputs, then write them all or none (runs in a worker)."""
    rendered = [(fmt, path, render(item.agreement, fmt))
                for fmt, path in output_paths(Path(out_dir), item.partner, formats).items()]
    write_all([(path, data) for _, path, data in rendered], force=force)
    return tuple(GeneratedFile(fmt, str(path), hashlib.sha256(data).hexdigest(), len(data))
                 for fmt, path, data in rendered)


def _result(item: Prepared, files: tuple[GeneratedFile, ...]) -> GeneratedAgreement:
    partner = item.partner
    return GeneratedAgreement(partner.slug, partner.path, partner.template_id, item.agreement,
                              files, item.warnings)


def generate(paths: list[Path], *, out_dir: Path, formats: tuple[str, ...] = ("docx", "pdf"),
             template: str | None = None, force: bool = False, jobs: int | None = None,
             effective_date: dt.date | None = None, library_root: Path | None = None,
             on_done: Callable[[GeneratedAgreement], None] | None = None,
             allow_lint_errors: bool = False, prepared: list[Prepared] | None = None,
             ) -> list[GeneratedAgreement]:
    """Validate all partner files (refusing lint errors unless allowed; skipped when
    `prepared` is given), check every target, then render (in processes if many)."""
    if prepared is None:
        prepared = prepare(paths, library=load_library(library_root), template=template,
                           effective_date=effective_date,
                           refuse_lint_errors=not allow_lint_errors)
    for item in prepared:
        for path in output_paths(out_dir, item.partner, formats).values():
            check_writable(path, force=force)
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    jobs = min(jobs, len(prepared))
    results: list[GeneratedAgreement] = []
    if jobs <= 1:
        for item in prepared:
            results.append(_result(item, _render_files(item, formats, str(out_dir), force)))
            if on_done:
                on_done(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_render_files, item, formats, str(out_dir), force): index
                   for index, item in enumerate(prepared)}
        done: dict[int, GeneratedAgreement] = {}
        for future in as_completed(futures):
            index = futures[future]
            done[index] = _result(prepared[index], future.result())
            if on_done:
                on_done(done[index])
    return [done[index] for index in range(len(prepared))]
