"""Benchmark the redline writer on the 200-clause (~90,000-word) pair of bench/diff.py.

The negotiated copy has about 80 scattered word edits, one moved clause and one deleted clause,
made silently. Prints the best and median time of ``render_redline`` (both packages opened and
parsed, compared, written and zipped), and, for scale, the time dsagen's reader takes to read
the same two files.

    .venv/bin/python bench/redline.py [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.diff import make_negotiated  # noqa: E402
from bench.synthetic import write_library, write_partner  # noqa: E402


def best_and_median(function, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from dsagen.read.docx import read_docx
    from dsagen.report.redline_docx import render_redline

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        library = write_library(tmp_path / "lib", clauses=200, paragraphs=8,
                                words_per_paragraph=56)
        partner = write_partner(tmp_path / "bench-partner.yaml", 1, random.Random(1))
        subprocess.run([sys.executable, "-m", "dsagen", "generate", str(partner), "--library",
                        str(library), "--out", str(tmp_path / "out"), "--format", "docx"],
                       check=True, capture_output=True, cwd=root)
        standard_path = tmp_path / "out" / "bench-partner" / "bench.docx"
        negotiated_path = tmp_path / "negotiated.docx"
        made = make_negotiated(standard_path, negotiated_path, 80)
        standard, negotiated = standard_path.read_bytes(), negotiated_path.read_bytes()
        words = sum(len(p.text.split()) for p in read_docx(standard).accepted)
        redline = render_redline(standard, negotiated)
        redline_read = read_docx(redline)
        kinds: dict[str, int] = {}
        for revision in redline_read.revisions:
            kinds[revision.kind] = kinds.get(revision.kind, 0) + 1
        print(f"standard: {words} words; negotiated: {made['edits']} word edits, 1 moved clause,"
              f" 1 deleted clause; redline revisions: {dict(sorted(kinds.items()))}")
        best, median = best_and_median(lambda: render_redline(standard, negotiated), args.runs)
        print(f"render_redline: best {best:.3f} s, median {median:.3f} s over {args.runs} runs")
        best, median = best_and_median(lambda: (read_docx(standard), read_docx(negotiated)),
                                       args.runs)
        print(f"for scale, read_docx of both files: best {best:.3f} s, median {median:.3f} s")


if __name__ == "__main__":
    main()
