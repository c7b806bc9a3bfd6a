"""Benchmark `dsagen generate` on 200 synthetic partners: DOCX/s and PDF/s.

Partners are made by varying the shipped examples (reference, dates, retention, review days),
so the agreements are real ones of realistic length. Prints documents per second for DOCX alone
and for PDF alone, using every core (`--jobs`, default: CPU count), plus the PDF page count.

    .venv/bin/python bench/generate.py [--partners 200] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def make_partners(folder: Path, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    examples = sorted((ROOT / "examples" / "partners").glob("*.yaml"))
    if not examples:
        sys.exit("no examples/partners/*.yaml to vary")
    for index in range(count):
        text = examples[index % len(examples)].read_text()
        text = re.sub(r"(?m)^agreement_reference:.*$",
                      f"agreement_reference: BEN-2026-{index:04d}", text)
        text = re.sub(r"(?m)^effective_date:.*$",
                      f"effective_date: 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      text)
        if re.search(r"(?m)^retention_months:", text):
            text = re.sub(r"(?m)^retention_months:.*$",
                          f"retention_months: {rng.choice([24, 36, 48, 60])}", text)
        (folder / f"partner-{index:04d}.yaml").write_text(text)


def run(folder: Path, out: Path, fmt: str, jobs: int) -> float:
    command = [sys.executable, "-m", "dsagen", "generate", str(folder), "--out", str(out),
               "--format", fmt, "--jobs", str(jobs), "--force", "--no-record"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "partners"
        folder.mkdir()
        make_partners(folder, args.partners)
        docx_time = run(folder, Path(tmp) / "out", "docx", args.jobs)
        pdf_time = run(folder, Path(tmp) / "out", "pdf", args.jobs)
        pdfs = sorted((Path(tmp) / "out").glob("*/*.pdf"))
        pages = []
        for pdf in pdfs[:20]:
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
            match = re.search(r"Pages:\s+(\d+)", info.stdout)
            if match:
                pages.append(int(match.group(1)))
    n = args.partners
    print(f"{n} partners, {args.jobs} worker process(es), wall time including start-up")
    print(f"DOCX: {docx_time:.2f} s = {n / docx_time:.1f} DOCX/s (target: {n} in < 5 s)")
    print(f"PDF:  {pdf_time:.2f} s = {n / pdf_time:.1f} PDF/s (target: {n} in < 60 s)"
          + (f"; {sum(pages) / len(pages):.1f} pages per PDF on average" if pages else ""))


if __name__ == "__main__":
    main()
