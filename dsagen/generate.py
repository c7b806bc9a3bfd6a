"""Generate agreements for one or many partner files: check and render all, then write.

A batch runs in one pass over worker processes: each checks a few partner files (validation,
assembly, lint), renders those that pass and holds them in a staging folder inside the output
folder (dsagen.staging), returning only small verdicts. Only when every file is known good (no
error, no clashing output names, every target writable) does the parent commit: it records the
agreements in the registry a few dozen at a time and renames their files into place. So a bad
file in a folder of 300 stops the batch before anything reaches the output folder, memory stays
flat however many partners there are, each file is validated and assembled once, and a batch
killed while committing leaves only complete, recorded agreements, so `--skip-existing`
resumes it. Workers exit when the parent dies. (`generate(prepared=...)`, for agreements a
library user already checked, renders in the workers as it writes.)
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .assemble import Agreement, assemble
from .errors import DeviationsFound, DsagenError, InputError, InputErrors, OutputError, raise_all
from .library import Library, load_library
from .lint.evaluate import PLAYBOOK, Finding
from .output import check_writable, commit_staged, inside, write_all
from .partners import PartnerParams, load_partner, partner_files
from .render import FORMATS, RenderOptions, render_batch, warm_up
from .staging import Staging, hold, remove_abandoned, sync

if TYPE_CHECKING:
    from .registry.record import IssuedRecord, RecordedAgreement

    PrepareRecord = Callable[["GeneratedAgreement", Library, bytes], IssuedRecord]
    Insert = Callable[[list[IssuedRecord]], list[RecordedAgreement]]


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
        raise DsagenError(
            f"--format: expected a comma-separated list of {', '.join(FORMATS)}, found '{text}'"
        )
    return formats


def output_paths(
    out_dir: Path, slug: str, template_id: str, formats: tuple[str, ...]
) -> dict[str, Path]:
    return {fmt: inside(out_dir, slug, f"{template_id}.{fmt}") for fmt in formats}


def _key(partner: PartnerParams) -> str:
    """What names a partner's outputs: its folder and file stem."""
    return f"{partner.slug}/{partner.template_id}"


class LintErrorsFound(DeviationsFound):
    """Generation refused: an agreement would break a legally required element (exit 1)."""


@dataclass(frozen=True)
class Prepared:
    """A validated partner file and its assembled agreement, ready to render."""

    partner: PartnerParams
    agreement: Agreement
    warnings: tuple[str, ...] = ()  # terms outside the organisation's playbook


def output_clashes(named: Iterable[tuple[Path, str | None]]) -> dict[Path, str]:
    """{file: message} for each partner file whose outputs (named "<slug>/<template>") would
    overwrite an earlier one's."""
    first: dict[str, Path] = {}
    clashes = {}
    for path, key in named:
        if key is None:
            continue
        if key in first:
            clashes[path] = (
                f"{path}: same output name as {first[key]} ({key}); rename one of the files"
            )
        else:
            first[key] = path
    return clashes


@dataclass(frozen=True)
class Checked:
    """One partner file after validation and assembly: ready, or every problem found in it."""

    path: Path
    prepared: Prepared | None
    errors: tuple[DsagenError, ...] = ()


def check_partner(
    path: Path,
    library: Library,
    *,
    template: str | None = None,
    effective_date: dt.date | None = None,
) -> Checked:
    """Validate and assemble one file, keeping its errors instead of stopping at them, so a
    folder run reports every bad file at once."""
    try:
        partner = load_partner(path, library, template_id=template, effective_date=effective_date)
        return Checked(path, Prepared(partner, assemble(partner, library)))
    except InputErrors as exc:
        return Checked(path, None, tuple(exc.errors))
    except InputError as exc:
        return Checked(path, None, (exc,))


def validate_paths(
    paths: list[Path],
    *,
    library: Library | None = None,
    template: str | None = None,
    effective_date: dt.date | None = None,
) -> list[Checked]:
    """Every partner file checked on its own (for `dsagen validate`)."""
    library = library or load_library()
    library.check()
    checked = [
        check_partner(p, library, template=template, effective_date=effective_date)
        for p in partner_files(paths)
    ]
    clashes = output_clashes(
        (item.path, _key(item.prepared.partner) if item.prepared else None) for item in checked
    )
    return [
        Checked(item.path, None, (OutputError(clashes[item.path]),))
        if item.path in clashes
        else item
        for item in checked
    ]


def playbook_warnings(partner: PartnerParams, findings: list[Finding]) -> tuple[str, ...]:
    """Terms outside the playbook (needing approval, or beyond walk-away), one line each:
    generation goes ahead, but nobody should send such an agreement without noticing."""
    return tuple(
        f"{partner.path}:{f.line}: {f.found}" if f.line else f"{partner.path}: {f.found}"
        for f in findings
        if f.profile == PLAYBOOK and f.severity == "warning"
    )


def lint_refusals(partner: PartnerParams, findings: list[Finding]) -> list[str]:
    """['<path> breaks <rule> (<citation>), ...'] for a partner that breaks a legal
    requirement (an error-level regulatory finding), else []."""
    errors = [f for f in findings if f.profile != PLAYBOOK and f.severity == "error"]
    if not errors:
        return []
    return [f"{partner.path} breaks " + ", ".join(f"{f.rule} ({f.citation})" for f in errors)]


@dataclass(frozen=True)
class Settings:
    """What every worker needs to know about the batch (sent once, to its initializer)."""

    out_dir: Path = Path("out")
    library_root: Path | None = None
    template: str | None = None
    effective_date: dt.date | None = None
    formats: tuple[str, ...] = ("docx", "pdf")
    refuse_lint_errors: bool = True
    prepare_record: PrepareRecord | None = None  # a module-level function (sent to workers)
    options: RenderOptions = field(default_factory=RenderOptions)  # --final, --pdf-engine
    skip_existing: bool = False  # leave partners whose outputs all exist unrendered
    staging: Path | None = None  # where workers hold rendered agreements (dsagen.staging)
    # The CLI prints where each agreement went: its results carry the agreement without its
    # text (sections, schedules, key terms), which was most of what the end of a batch loaded
    # back from staging. Library callers get the whole agreement.
    agreement_text: bool = True


@dataclass(frozen=True)
class Verdict:
    """The check's finding on one partner file: small, so 5,000 of them cost nothing."""

    path: Path
    key: str | None  # "<slug>/<template>": its output folder and names
    slug: str | None
    template_id: str | None
    errors: tuple[DsagenError, ...] = ()
    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rendered:
    """One rendered agreement: every output's bytes, and its registry
    rows when recording."""

    result: GeneratedAgreement
    outputs: dict[str, bytes]
    issued: IssuedRecord | None


@dataclass(frozen=True)
class Plan:
    """A checked batch: the partner files to render, in order, and where their outputs go."""

    settings: Settings
    verdicts: tuple[Verdict, ...]
    force: bool = False
    jobs: int = 1
    staging: Staging | None = None  # the agreements rendered while checking, waiting to commit

    @property
    def skip_existing(self) -> bool:
        return self.settings.skip_existing

    def pending(self) -> list[Verdict]:
        """The partners to write: those rendered while checking, else all or, with
        --skip-existing, those missing an output."""
        if self.staging is not None:
            return [v for index, v in enumerate(self.verdicts) if index in self.staging]
        return [
            v
            for v in self.verdicts
            if not self.skip_existing or not all(p.exists() for p in self.paths(v).values())
        ]

    def paths(self, verdict: Verdict) -> dict[str, Path]:
        assert verdict.slug is not None and verdict.template_id is not None
        return output_paths(
            self.settings.out_dir, verdict.slug, verdict.template_id, self.settings.formats
        )


In = TypeVar("In")
Out = TypeVar("Out")

_state: dict[str, Any] = {}  # per process: the batch's settings and its loaded library


def _use(settings: Settings) -> Library:
    """Make `settings` this process's batch (loading its library once)."""
    if _state.get("settings") != settings:
        loaded = load_library(settings.library_root)
        loaded.check()
        _state.clear()
        _state.update(settings=settings, library=loaded)
    library: Library = _state["library"]
    return library


def _start_worker(settings: Settings, parent: int) -> None:
    """Worker initializer: die with the parent (a killed `generate` must not leave workers
    behind), ignore Ctrl-C (the parent handles it), start the PDF engine, load the library
    once and set it aside from the garbage collector (it lives as long as the worker, and
    every full collection scanned it again)."""
    exit_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(settings.options, settings.formats)
    _use(settings)
    gc.freeze()


def exit_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (Linux), and, everywhere, a
    watcher that exits once the parent is gone (re-parented: getppid changes)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # died before we got here
        os._exit(1)

    def watch() -> None:
        while True:
            threading.Event().wait(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _check(path: Path, settings: Settings, library: Library) -> tuple[Verdict, Prepared | None]:
    """Validate, assemble and lint one file: its verdict, and the agreement if it may be
    rendered (no error, no refused legal requirement)."""
    checked = check_partner(
        path, library, template=settings.template, effective_date=settings.effective_date
    )
    if checked.prepared is None:
        return Verdict(path, None, None, None, checked.errors), None
    partner, agreement = checked.prepared.partner, checked.prepared.agreement
    warnings, refusals = _lint(partner, agreement, library)
    refused = refusals if settings.refuse_lint_errors else ()
    verdict = Verdict(path, _key(partner), partner.slug, partner.template_id, (), refused, warnings)
    return verdict, None if refused else checked.prepared


def _check_render(
    chunk: list[tuple[int, Path]],
) -> list[tuple[int, Verdict, tuple[str, ...] | None]]:
    """The batch's one pass, in a worker, a few files at a time: check each file, render those
    that pass (an office suite converts one while the next is checked) and hold them in the
    staging folder. Returns each verdict and the formats held, if any."""
    settings: Settings = _state["settings"]
    library = _use(settings)
    assert settings.staging is not None
    verdicts: list[tuple[int, Verdict]] = []
    ready: list[tuple[int, Verdict, Prepared]] = []

    def checked() -> Iterator[Agreement]:
        """The chunk's agreements that pass, checked as the renderer asks for the next (an
        office suite converts one while the next is checked)."""
        for index, path in chunk:
            verdict, prepared = _check(path, settings, library)
            verdicts.append((index, verdict))
            if prepared is not None and not _all_exist(settings, prepared.partner):
                ready.append((index, verdict, prepared))
                yield prepared.agreement

    outputs = render_batch(checked(), settings.formats, settings.options)
    held = {}
    for (index, verdict, p), out in zip(ready, outputs, strict=True):
        rendered = _rendered(settings, library, verdict, p.partner, p.agreement, out)
        hold(settings.staging, index, rendered.outputs, (rendered.result, rendered.issued))
        held[index] = tuple(rendered.outputs)
    return [(index, verdict, held.get(index)) for index, verdict in verdicts]


def _all_exist(settings: Settings, partner: PartnerParams) -> bool:
    """With --skip-existing, is there nothing left to write for this partner?"""
    paths = output_paths(settings.out_dir, partner.slug, partner.template_id, settings.formats)
    return settings.skip_existing and all(p.exists() for p in paths.values())


def _lint(
    partner: PartnerParams, agreement: Agreement, library: Library
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(playbook warnings, legal-requirement refusals) of one assembled agreement."""
    from .lint import lint_partner_params

    findings = lint_partner_params(partner, library, agreement=agreement)
    return playbook_warnings(partner, findings), tuple(lint_refusals(partner, findings))


def _refuse(refused: list[str]) -> None:
    if refused:
        raise LintErrorsFound(
            "refusing to generate agreements that break legal requirements: "
            + "; ".join(refused)
            + ". Run dsagen lint on the file(s) for "
            "details, or pass --allow-lint-errors"
        )


def prepare(
    paths: list[Path],
    *,
    library: Library | None = None,
    template: str | None = None,
    effective_date: dt.date | None = None,
    refuse_lint_errors: bool = False,
) -> list[Prepared]:
    """Every partner file validated, assembled and linted in this process, kept in memory (for
    library users with a few files; `generate` streams instead); with `refuse_lint_errors`,
    refuse any agreement with error-level lint findings."""
    library = library or load_library()
    checked = validate_paths(
        paths, library=library, template=template, effective_date=effective_date
    )
    raise_all([error for item in checked for error in item.errors])
    prepared: list[Prepared] = []
    refused: list[str] = []
    for item in checked:
        assert item.prepared is not None
        warnings, refusals = _lint(item.prepared.partner, item.prepared.agreement, library)
        refused += refusals if refuse_lint_errors else ()
        prepared.append(replace(item.prepared, warnings=warnings))
    _refuse(refused)
    return prepared


def _render(chunk: list[Verdict]) -> list[Rendered]:
    """Second pass, in a worker, a few agreements at a time: assemble again (cheaper than
    shipping the agreement twice), render every format to memory, prepare the registry rows."""
    settings: Settings = _state["settings"]
    library = _use(settings)
    partners = [
        load_partner(
            verdict.path,
            library,
            template_id=settings.template,
            effective_date=settings.effective_date,
        )
        for verdict in chunk
    ]
    agreements = [assemble(partner, library) for partner in partners]
    # One call for the chunk: the libreoffice PDF engine converts all its DOCX in one request.
    outputs = render_batch(agreements, settings.formats, settings.options)
    return [
        _rendered(settings, library, verdict, partner, agreement, rendered)
        for verdict, partner, agreement, rendered in zip(
            chunk, partners, agreements, outputs, strict=True
        )
    ]


def _rendered(
    settings: Settings,
    library: Library,
    verdict: Verdict,
    partner: PartnerParams,
    agreement: Agreement,
    outputs: dict[str, bytes],
) -> Rendered:
    paths = output_paths(settings.out_dir, partner.slug, partner.template_id, settings.formats)
    files = tuple(
        GeneratedFile(fmt, str(paths[fmt]), hashlib.sha256(data).hexdigest(), len(data))
        for fmt, data in outputs.items()
    )
    result = GeneratedAgreement(
        partner.slug, partner.path, partner.template_id, agreement, files, verdict.warnings
    )
    issued = None
    if settings.prepare_record is not None:
        from .render.docx import render_docx

        issued = settings.prepare_record(
            result,
            library,
            outputs.get("docx") or render_docx(agreement, final=settings.options.final),
        )
    if not settings.agreement_text:
        result = replace(
            result, agreement=replace(agreement, sections=(), schedules=(), key_terms=())
        )
        if issued is not None:
            issued = replace(issued, result=result)
    return Rendered(result, outputs, issued)


def chunks(items: list[In], jobs: int) -> list[list[In]]:
    """Work for the workers: up to CHUNK agreements per task, smaller as the batch runs out
    (a quarter of each worker's share of what is left), so the workers finish together: with
    fixed chunks, the last one ran alone while the other workers idled (a PDF chunk of 8 is
    five seconds of one core)."""
    jobs = max(jobs, 1)
    out: list[list[In]] = []
    start = 0
    while start < len(items):
        left = len(items) - start
        size = max(1, min(CHUNK, -(-left // (4 * jobs)) if jobs > 1 else CHUNK))
        out.append(items[start : start + size])
        start += size
    return out


CHUNK = 8  # agreements per task at most: a round trip to a worker is small beside their work


def _stream(
    function: Callable[[In], Out], items: Iterable[In], settings: Settings, jobs: int
) -> Iterator[Out]:
    """`function` over `items` in worker processes, results in order, at most a few per worker
    in flight: the parent never holds the whole batch."""
    items = list(items)
    jobs = min(jobs, len(items))
    if jobs <= 1:
        warm_up(settings.options, settings.formats)
        _use(settings)
        yield from (function(item) for item in items)
        return
    pool = ProcessPoolExecutor(
        max_workers=jobs, initializer=_start_worker, initargs=(settings, os.getpid())
    )
    try:
        window: deque[Future[Out]] = deque()
        feed = iter(items)
        for item in feed:
            window.append(pool.submit(function, item))
            if len(window) >= 4 * jobs:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def check_batch(
    paths: list[Path],
    *,
    settings: Settings,
    force: bool = False,
    skip_existing: bool = False,
    jobs: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """The one pass: every partner file checked and, while nothing is wrong, rendered (in
    workers) and held in staging; every target checked. Raises every problem found at once,
    before anything reaches the output folder. `on_progress(done, total)` after each file."""
    if force and skip_existing:
        raise DsagenError("--force and --skip-existing: expected one of them, found both")
    _use(settings)  # a broken library fails once, here, not in every worker
    files = partner_files(paths)
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    remove_abandoned(settings.out_dir)
    staging = Staging(settings.out_dir)
    settings = replace(settings, skip_existing=skip_existing, staging=staging.folder)
    _state["settings"] = settings  # the same library: forked workers find it loaded
    try:
        verdicts = _check_all(files, settings, jobs, staging, on_progress)
        clashes = output_clashes((v.path, v.key) for v in verdicts)
        raise_all(
            [error for v in verdicts for error in v.errors]
            + [OutputError(message) for message in clashes.values()]
        )
        _refuse([refusal for v in verdicts for refusal in v.refusals])
        return _checked_targets(Plan(settings, tuple(verdicts), force, jobs, staging))
    except BaseException:
        staging.discard()
        raise


def _check_all(
    files: list[Path],
    settings: Settings,
    jobs: int,
    staging: Staging,
    on_progress: Callable[[int, int], None] | None,
) -> list[Verdict]:
    """Verdicts in file order, noting which agreements the workers staged."""
    verdicts: list[Verdict] = []
    work = chunks(list(enumerate(files)), jobs)
    for chunk in _stream(_check_render, work, settings, jobs):
        for index, verdict, formats in chunk:
            verdicts.append(verdict)
            if formats is not None:
                staging.held(index, formats)
        if on_progress:
            on_progress(len(verdicts), len(files))
    return verdicts


def _checked_targets(plan: Plan) -> Plan:
    """The plan, once every output it would write is known to be writable."""
    for verdict in plan.verdicts:
        for path in plan.paths(verdict).values():
            if not (plan.skip_existing and path.exists()):
                check_writable(path, force=plan.force)
    return plan


def plan_prepared(
    prepared: list[Prepared],
    *,
    settings: Settings,
    force: bool = False,
    skip_existing: bool = False,
    jobs: int | None = None,
) -> Plan:
    """A plan for agreements already checked by `prepare` (in this process): only the targets
    are checked."""
    verdicts = tuple(
        Verdict(
            Path(item.partner.path),
            _key(item.partner),
            item.partner.slug,
            item.partner.template_id,
            warnings=item.warnings,
        )
        for item in prepared
    )
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    settings = replace(settings, skip_existing=skip_existing)
    return _checked_targets(Plan(settings, verdicts, force, jobs))


RECORD_BATCH = 32  # agreements per registry transaction


def write_batch(
    plan: Plan,
    *,
    insert: Insert | None = None,
    on_record: Callable[[list[RecordedAgreement]], None] | None = None,
) -> Iterator[GeneratedAgreement]:
    """Second pass: render in workers (which prepare the registry rows with the plan's
    `prepare_record`); `insert` each batch of rows (one transaction per few dozen agreements),
    then write their files; yield each agreement as it is written. What is on disk is always
    recorded, so a killed batch resumes with --skip-existing."""
    if plan.staging is not None:
        yield from _commit_staging(plan, plan.staging, insert=insert, on_record=on_record)
        return
    settings = plan.settings if insert else replace(plan.settings, prepare_record=None)
    waiting: list[Rendered] = []
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="dsagen-write") as writers:
        commit = partial(_commit, plan, insert=insert, on_record=on_record, writers=writers)
        for chunk in _stream(_render, chunks(plan.pending(), plan.jobs), settings, plan.jobs):
            waiting += chunk
            if len(waiting) >= RECORD_BATCH:
                yield from commit(waiting)
                waiting = []
        yield from commit(waiting)


def _commit_staging(
    plan: Plan,
    staging: Staging,
    *,
    insert: Insert | None,
    on_record: Callable[[list[RecordedAgreement]], None] | None,
) -> Iterator[GeneratedAgreement]:
    """Record the staged agreements a few dozen at a time (one transaction each), then move
    their files into place; the staging folder goes in the end, whatever happens."""
    held = [index for index in range(len(plan.verdicts)) if index in staging]
    try:
        with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="dsagen-sync") as syncs:
            for start in range(0, len(held), RECORD_BATCH):
                batch = [(i, *staging.rows(i)) for i in held[start : start + RECORD_BATCH]]
                synced = syncs.map(
                    sync, [p for i, _, _ in batch for p in staging.outputs(i).values()]
                )
                if insert is not None:
                    recorded = insert([issued for _, _, issued in batch if issued is not None])
                    if on_record:
                        on_record(recorded)
                list(synced)  # every file on disk before the first is renamed into place
                for index, result, _ in batch:
                    _place(plan, result, staging.outputs(index))
                    yield result
    finally:
        staging.discard()


def _place(plan: Plan, result: GeneratedAgreement, staged: dict[str, Path]) -> None:
    """Move one agreement's staged outputs into place, all or none (with --skip-existing,
    only the missing ones)."""
    moves = [
        (Path(file.path), str(staged[file.format]))
        for file in result.files
        if not (plan.skip_existing and Path(file.path).exists())
    ]
    for path, _ in moves:
        check_writable(path, force=plan.force)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{path.parent}: cannot write here ({exc.strerror})") from None
    commit_staged(moves, force=plan.force)


WRITERS = 8  # files written at once: each write waits for the disk (fsync), not the CPU


def _commit(
    plan: Plan,
    batch: list[Rendered],
    *,
    insert: Insert | None,
    on_record: Callable[[list[RecordedAgreement]], None] | None,
    writers: ThreadPoolExecutor,
) -> Iterator[GeneratedAgreement]:
    """Record a batch (one transaction), then write its files, several at a time."""
    if insert is not None and batch:
        recorded = insert([item.issued for item in batch if item.issued])
        if on_record:
            on_record(recorded)
    yield from writers.map(partial(_write, plan), batch)


def _write(plan: Plan, item: Rendered) -> GeneratedAgreement:
    """Write one agreement's outputs all or none (with --skip-existing, only the missing
    ones)."""
    write_all(
        [
            (Path(file.path), item.outputs[file.format])
            for file in item.result.files
            if not (plan.skip_existing and Path(file.path).exists())
        ],
        force=plan.force,
    )
    return item.result


def generate(
    paths: list[Path],
    *,
    out_dir: Path,
    formats: tuple[str, ...] = ("docx", "pdf"),
    template: str | None = None,
    force: bool = False,
    skip_existing: bool = False,
    jobs: int | None = None,
    effective_date: dt.date | None = None,
    library_root: Path | None = None,
    on_done: Callable[[GeneratedAgreement], None] | None = None,
    allow_lint_errors: bool = False,
    prepared: list[Prepared] | None = None,
    options: RenderOptions | None = None,
) -> list[GeneratedAgreement]:
    """Check every partner file (unless `prepared`, from `prepare`, already did), then render
    and write each agreement; returns them all (the CLI streams, and records in the registry:
    see check_batch and write_batch)."""
    settings = Settings(
        out_dir,
        library_root,
        template,
        effective_date,
        formats,
        not allow_lint_errors,
        options=options or RenderOptions(),
    )
    if prepared is None:
        plan = check_batch(
            paths, settings=settings, force=force, skip_existing=skip_existing, jobs=jobs
        )
    else:
        plan = plan_prepared(
            prepared, settings=settings, force=force, skip_existing=skip_existing, jobs=jobs
        )
    results = []
    for result in write_batch(plan):
        results.append(result)
        if on_done:
            on_done(result)
    return results
