"""Measure what the two cost-amplification files of issue 10 cost dsagen now: CPU seconds and
peak memory of the whole command, process start included, and the one-line error it prints.

- a 486 KB DOCX with 150 header parts of 0.96 MB each, through `dsagen diff` (it took 82 s and
  2.6 GB before the XML of all parts together was bounded);
- a 1.7 MB partner file with 150,000 list items, through `dsagen validate` (18 s before the
  values of a YAML file were bounded).

    .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_files import many_headers, many_list_items  # noqa: E402

PARTNER = ROOT / "examples" / "partners" / "gravy-uf.yaml"


def measure(args: list[str], cwd: Path) -> dict[str, object]:
    """Exit code, wall and CPU seconds, peak resident MB and first stderr line of a dsagen run
    in a process of its own."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "dsagen", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "exit": result.returncode,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(after.ru_maxrss / 1024),
        "stderr": result.stderr.strip()[:200],
    }


def main() -> None:
    from dsagen.assemble import assemble
    from dsagen.library import load_library
    from dsagen.partners import load_partner
    from dsagen.render.docx import render_docx

    library = load_library()
    issued = render_docx(assemble(load_partner(PARTNER, library), library))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        headers = work / "headers.docx"
        headers.write_bytes(many_headers(issued))
        items = work / "gravy-uf.yaml"
        items.write_text(many_list_items(PARTNER.read_text(), count=150_000))
        cases = {
            f"diff, DOCX of {headers.stat().st_size // 1024} KB with 150 headers of 0.96 MB": [
                "diff",
                str(PARTNER),
                str(headers),
            ],
            f"validate, partner file of {items.stat().st_size / 1e6:.1f} MB, 150,000 items": [
                "validate",
                str(items),
            ],
        }
        for label, args in cases.items():
            print(f"{label}: {measure(args, work)}")


if __name__ == "__main__":
    main()
