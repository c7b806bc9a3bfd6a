"""Benchmark the redline a user asks for, `dsagen diff STANDARD COPY --redline OUT.docx`, on
the 200-clause (~90,000-word) pair of bench/diff.py (~80 silent word edits, one clause moved,
one deleted). Fresh processes, start-up included, the 1-minute load average beside each
figure. Also timed, interleaved: the same diff without --redline (what the redline adds), and,
when installed, LibreOffice comparing the same pair and saving its redline (the ratio is
printed).

    .venv/bin/python bench/redline.py [--runs 5] [--no-anchor]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.diff import CASES, make_pair
from bench.synthetic import DSAGEN, interleaved, load, ratio_line, run_command, soffice


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-anchor", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {load():.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        library, standard, negotiated, about = make_pair(CASES["90k"], folder)
        print(about)
        diff = [*DSAGEN, "diff", str(standard), str(negotiated), "--library", str(library)]
        redline = [*diff, "--redline", str(folder / "redline.docx"), "--force"]
        commands = {
            "dsagen diff --redline": lambda: run_command(redline, ok=(0, 1)),
            "dsagen diff": lambda: run_command(diff, ok=(0, 1)),
        }
        office = None if args.no_anchor else soffice()
        if office:
            from bench.lo_compare import compare_command

            lo = compare_command(office, standard, negotiated, folder / "lo-redline.docx")
            commands["LibreOffice compare + save"] = lambda: run_command(lo)
        timings = interleaved(commands, args.runs)
        for timing in timings.values():
            print("  " + timing.line())
        with_redline, without = timings["dsagen diff --redline"], timings["dsagen diff"]
        print(f"  the redline adds {with_redline.median - without.median:.2f} s (medians)")
        if office:
            print(ratio_line(with_redline, timings["LibreOffice compare + save"]))


if __name__ == "__main__":
    main()
