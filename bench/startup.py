"""Benchmark how long a dsagen command takes before it does anything, as a user runs it: fresh
processes, nothing warm but the operating system's file cache.

Compares a self-diff of a small agreement (the mutual NDA example) with the time it takes just
to import what a diff needs (lxml, diff-match-patch, PyYAML, Jinja2, python-docx). The target
(issue 13.6) is the self-diff within 2.5x that import time. Also times `dsagen --version` and
`import dsagen`.

    .venv/bin/python bench/startup.py [--runs 7]
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
LIBRARIES = "import lxml.etree, diff_match_patch, yaml, jinja2, docx"
TARGET = 2.5


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process. CPU time (user + system) is the steadier
    figure on a shared machine, where the wall clock also counts waiting for a core."""
    cpu = cpu_of_children()
    started = time.perf_counter()
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(
            f"{' '.join(args)} exited {result.returncode}:\n"
            f"{result.stderr.decode(errors='replace')}"
        )
    return elapsed, cpu_of_children() - cpu


def best(args: list[str], env: dict[str, str], cwd: Path, runs: int) -> tuple[float, float]:
    """(minimum wall, minimum CPU) seconds over RUNS fresh processes, after one run to warm
    the disk."""
    run(args, env, cwd)
    times = [run(args, env, cwd) for _ in range(runs)]
    return min(t[0] for t in times), min(t[1] for t in times)


def small_agreement(folder: Path, env: dict[str, str]) -> Path:
    partner = ROOT / "examples" / "partners" / "acme-nda.yaml"
    run(
        [
            sys.executable,
            "-m",
            "dsagen",
            "generate",
            str(partner),
            "--out",
            str(folder),
            "--format",
            "docx",
            "--no-record",
        ],
        env,
        folder,
    )
    return next(folder.glob("acme-nda/*.docx"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DSAGEN_LIBRARY", None)
    python = sys.executable
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        env["DSAGEN_REGISTRY"] = str(folder / "registry.db")
        docx = small_agreement(folder, env)
        rows = [
            ("python -c pass", [python, "-c", "pass"]),
            ("import the diff's libraries", [python, "-c", LIBRARIES]),
            ("import dsagen", [python, "-c", "import dsagen"]),
            ("dsagen --version", [python, "-m", "dsagen", "--version"]),
            (
                "dsagen diff (small self-diff)",
                [python, "-m", "dsagen", "diff", str(docx), str(docx)],
            ),
        ]
        results = {name: best(args, env, folder, runs) for name, args in rows}
    width = max(len(name) for name in results)
    print(f"{'':{width}}   wall      CPU    (best of {runs} fresh processes)")
    for name, (wall, cpu) in results.items():
        print(f"{name:{width}}   {wall:6.3f} s  {cpu:6.3f} s")
    for kind, index in (("wall", 0), ("CPU", 1)):
        libraries = results["import the diff's libraries"][index]
        diff = results["dsagen diff (small self-diff)"][index]
        ratio = diff / libraries
        verdict = "within" if ratio <= TARGET else "OVER"
        print(
            f"self-diff / library imports ({kind}) = {ratio:.2f}x ({verdict} the {TARGET}x target)"
        )


if __name__ == "__main__":
    main()
