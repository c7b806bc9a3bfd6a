"""Benchmark `dsagen generate` as users run it: fresh processes, recording on, every core.

Partners are made by varying the shipped examples (reference, dates, retention), so the
agreements are real ones of realistic length. Figures, each with the 1-minute load average:
  default    200 partners, `--format docx,pdf` (the default), recording on   target < 60 s
             (< 20 s with --pdf-engine libreoffice)
  docx       200 partners, `--format docx`, recording on                      target < 5 s
  memory     5,000 partners, `--format docx`, recording on: peak resident memory of the
             whole process tree (parent and workers, sampled)                target < 300 MB
Anchors, run interleaved with dsagen when installed: docxtpl rendering a template of the same
agreement for every partner (against `docx`), and LibreOffice converting the 200 DOCX to PDF
in one batch (against `default`); the ratio of medians is printed, for wall time and CPU.

    .venv/bin/python bench/generate.py [--partners 200] [--runs 3] [--memory-partners 5000]
        [--case default --case docx --case memory] [--pdf-engine ENGINE]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synthetic import (
    DSAGEN,
    ROOT,
    interleaved,
    load,
    ratio_line,
    run_command,
    soffice,
)


def office_allocator() -> str:
    """The allocator the LibreOffice engine's office gets here (render.libreoffice)."""
    from dsagen.render.libreoffice import office_environment

    preload = office_environment(os.environ).get("LD_PRELOAD", "")
    return Path(preload).name if preload else "glibc's malloc"


def make_partners(folder: Path, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    examples = sorted((ROOT / "examples" / "partners").glob("*.yaml"))
    if not examples:
        sys.exit("no examples/partners/*.yaml to vary")
    for index in range(count):
        text = examples[index % len(examples)].read_text()
        text = re.sub(
            r"(?m)^agreement_reference:.*$", f"agreement_reference: BEN-2026-{index:04d}", text
        )
        text = re.sub(
            r"(?m)^effective_date:.*$",
            f"effective_date: 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            text,
        )
        if re.search(r"(?m)^retention_months:", text):
            text = re.sub(
                r"(?m)^retention_months:.*$",
                f"retention_months: {rng.choice([24, 36, 48, 60])}",
                text,
            )
        (folder / f"partner-{index:04d}.yaml").write_text(text)


class Runs:
    """Numbered fresh output folders and registries, so every run does the full work."""

    def __init__(self, work: Path) -> None:
        self.work, self.count = work, 0

    def generate(self, partners: Path, formats: str, extra: list[str]) -> Callable[[], None]:
        def run() -> None:
            self.count += 1
            out, registry = self.work / f"out-{self.count}", self.work / f"reg-{self.count}.db"
            run_command(
                [
                    *DSAGEN,
                    "generate",
                    str(partners),
                    "--out",
                    str(out),
                    "--registry",
                    str(registry),
                    "--format",
                    formats,
                    *extra,
                ]
            )
            shutil.rmtree(out)
            registry.unlink()

        return run


def docxtpl_anchor(work: Path, partners: Path) -> Callable[[], None] | None:
    """A run of docxtpl over the same partners, or None when docxtpl is not installed."""
    try:
        import docxtpl  # noqa: F401
    except ImportError:
        return None
    from bench.docxtpl_anchor import make_template

    first = sorted(partners.glob("*.yaml"))[0]
    run_command(
        [
            *DSAGEN,
            "generate",
            str(first),
            "--out",
            str(work / "sample"),
            "--format",
            "docx",
            "--no-record",
        ]
    )
    template = work / "docxtpl-template.docx"
    make_template(next((work / "sample").glob("*/*.docx")), first, template)

    def run() -> None:
        run_command(
            [
                sys.executable,
                str(ROOT / "bench" / "docxtpl_anchor.py"),
                str(template),
                str(partners),
                str(work / "docxtpl-out"),
            ]
        )
        shutil.rmtree(work / "docxtpl-out")

    return run


def libreoffice_anchor(work: Path, partners: Path, office: str | None) -> Callable[[], None] | None:
    """LibreOffice converting the 200 DOCX to PDF in one batch, or None if not installed."""
    if office is None:
        return None
    run_command(
        [
            *DSAGEN,
            "generate",
            str(partners),
            "--out",
            str(work / "docx"),
            "--format",
            "docx",
            "--no-record",
        ]
    )
    docx = sorted(str(p) for p in (work / "docx").glob("*/*.docx"))
    profile = work / "lo-profile"

    def run() -> None:
        run_command(
            [
                office,
                "--headless",
                "--norestore",
                f"-env:UserInstallation=file://{profile}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work / "lo-pdf"),
                *docx,
            ]
        )
        shutil.rmtree(work / "lo-pdf")

    return run


def time_case(
    name: str,
    ours: Callable[[], None],
    anchor: Callable[[], None] | None,
    anchor_name: str,
    runs: int,
    target: str,
) -> None:
    commands = {name: ours}
    if anchor is not None:
        commands[anchor_name] = anchor
    timings = interleaved(commands, runs)
    print("  " + timings[name].line(target))
    if anchor is not None:
        print("  " + timings[anchor_name].line())
        print(ratio_line(timings[name], timings[anchor_name]))


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants now (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        rss[int(entry.name)] = int(match.group(1)) * 1024 if match else 0
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def peak_memory(command: list[str]) -> tuple[float, int]:
    """(wall seconds, peak resident bytes of the process tree) of one command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    if process.returncode != 0:
        sys.exit(process.stderr.read().decode()[-2000:] if process.stderr else "failed")
    return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--memory-partners", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", action="append", choices=("default", "docx", "memory"))
    parser.add_argument("--pdf-engine", help="pass --pdf-engine ENGINE to dsagen generate")
    parser.add_argument("--no-anchor", action="store_true")
    args = parser.parse_args()
    cases = args.case or ["default", "docx", "memory"]
    extra = ["--pdf-engine", args.pdf_engine] if args.pdf_engine else []
    print(
        f"{os.cpu_count()} CPUs; load average at start {load():.2f}; wall time includes "
        "process start-up; a fresh output folder and registry for every run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        partners = work / "partners"
        partners.mkdir()
        make_partners(partners, args.partners)
        runs = Runs(work)
        n = args.partners
        if "default" in cases:
            print(
                f"default: {n} partners, --format docx,pdf, recording on"
                + (f", --pdf-engine {args.pdf_engine}" if args.pdf_engine else "")
            )
            if args.pdf_engine == "libreoffice":
                print(f"  dsagen's office runs with {office_allocator()}; the anchor with glibc's")
            anchor = None if args.no_anchor else libreoffice_anchor(work, partners, soffice())
            time_case(
                "dsagen generate",
                runs.generate(partners, "docx,pdf", extra),
                anchor,
                "LibreOffice --convert-to pdf (the DOCX)",
                args.runs,
                "< 20 s" if args.pdf_engine == "libreoffice" else "< 60 s",
            )
        if "docx" in cases:
            print(f"docx: {n} partners, --format docx, recording on")
            anchor = None if args.no_anchor else docxtpl_anchor(work, partners)
            time_case(
                "dsagen generate",
                runs.generate(partners, "docx", []),
                anchor,
                "docxtpl (same agreement as a template)",
                args.runs,
                "< 5 s",
            )
        if "memory" in cases:
            many = work / "many"
            many.mkdir()
            make_partners(many, args.memory_partners)
            before = load()
            seconds, peak = peak_memory(
                [
                    *DSAGEN,
                    "generate",
                    str(many),
                    "--out",
                    str(work / "many-out"),
                    "--registry",
                    str(work / "many.db"),
                    "--format",
                    "docx",
                ]
            )
            print(
                f"memory: {args.memory_partners} partners, --format docx, recording on: "
                f"peak {peak / 2**20:.0f} MB for parent and workers together, "
                f"{seconds:.1f} s (load {before:.2f}-{load():.2f})  target: < 300 MB"
            )


if __name__ == "__main__":
    main()
