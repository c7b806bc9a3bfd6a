"""PDF engines side by side: do their pages agree with the DOCX's, and how fast are they?

1. Pages: for every example, the DOCX converted by LibreOffice (the pages the partner sees in an
   office suite) against the PDF of each engine: page count, and on how many pages the same
   clause numbers start (pdftotext).
2. Speed: `dsagen generate` as a user runs it (a fresh process, `--jobs`, recording on,
   `--format docx,pdf`) on synthetic partners, once per engine; wall time, CPU seconds of the
   whole process tree, and the 1-minute load average beside each figure (the machine is shared).

    .venv/bin/python bench/pdf.py [--partners 200] [--jobs 2] [--skip-speed] [--skip-pages]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import make_partners  # noqa: E402
from dsagen.assemble import assemble  # noqa: E402
from dsagen.library import load_library  # noqa: E402
from dsagen.partners import load_partner  # noqa: E402
from dsagen.render import RenderOptions, render_batch  # noqa: E402
from dsagen.render.libreoffice import LibreOfficePdf  # noqa: E402
from tests.pdf_pages import clauses_by_page  # noqa: E402


def load() -> float:
    return os.getloadavg()[0]


def compare_pages(final: bool) -> None:
    library = load_library()
    examples = sorted((ROOT / "examples" / "partners").glob("*.yaml"))
    agreements = [assemble(load_partner(path, library), library) for path in examples]
    lo = RenderOptions(final=final, pdf_engine="libreoffice")
    weasy = RenderOptions(final=final)
    print(f"{'example':18} {'DOCX':>5} {'LO pdf':>7} {'WeasyPrint':>11}  pages alike (LO / Weasy)")
    with LibreOfficePdf() as office:
        for path, agreement in zip(examples, agreements, strict=True):
            docx = render_batch([agreement], ("docx",), lo)[0]["docx"]
            reference = clauses_by_page(office.convert(docx))
            engine_pdf = clauses_by_page(render_batch([agreement], ("pdf",), lo)[0]["pdf"])
            weasy_pdf = clauses_by_page(render_batch([agreement], ("pdf",), weasy)[0]["pdf"])

            def alike(pages: list[list[str]], reference: list[list[str]] = reference) -> int:
                return sum(1 for a, b in zip(pages, reference, strict=False) if a == b)

            print(
                f"{path.stem:18} {len(reference):5} {len(engine_pdf):7} {len(weasy_pdf):11}  "
                f"{alike(engine_pdf)}/{len(reference)} / {alike(weasy_pdf)}/{len(reference)}"
            )


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the process and all it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def speed(partners: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "partners"
        folder.mkdir()
        make_partners(folder, partners)
        for engine in ("weasyprint", "libreoffice"):
            registry = f"sqlite:///{tmp}/{engine}.db"
            command = [
                sys.executable,
                "-m",
                "dsagen",
                "generate",
                str(folder),
                "--out",
                str(Path(tmp) / engine),
                "--format",
                "docx,pdf",
                "--jobs",
                str(jobs),
                "--pdf-engine",
                engine,
                "--registry",
                registry,
            ]
            start_load = load()
            wall, cpu = timed(command)
            print(
                f"{partners} agreements, docx+pdf, recording on, --pdf-engine {engine:11} "
                f"-j{jobs}: {wall:6.1f} s wall, {cpu:6.1f} CPU-s "
                f"({partners / wall:.1f}/s; load {start_load:.2f} -> {load():.2f})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--final", action="store_true", help="compare the signing versions")
    args = parser.parse_args()
    if not args.skip_pages:
        compare_pages(args.final)
    if not args.skip_speed:
        speed(args.partners, args.jobs)


if __name__ == "__main__":
    main()
