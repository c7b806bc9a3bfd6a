"""Benchmark `dsagen diff --json --redline` as users run it, on synthetic agreements.

Cases (each a standard generated from a synthetic library and a copy edited silently):
  90k           200 clauses of ~450 words (~90,000 words): ~80 word edits, one clause moved,
                one deleted                                                    target < 1 s
  90k-20del     the same with 20 clauses deleted                               target < 2 s
  1000w-20del   90 clauses of 1,000 words (~90,000 words), 20 deleted          target < 2 s
  800           800 clauses (~360,000 words), edits as in 90k                  target < 3 s
Each figure is the median wall time of fresh `dsagen diff` processes (start-up included,
Python's bytecode cached as an installed dsagen has it), run in the case's own folder (no
registry to ask), with the 1-minute load average beside it. With LibreOffice installed (and
not --no-anchor), its document compare of the same pair runs interleaved and the ratio is
printed.

    .venv/bin/python bench/diff.py [--runs 5] [--case 90k --case 800] [--no-anchor]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.synthetic import (
    DSAGEN,
    interleaved,
    load,
    ratio_line,
    run_command,
    soffice,
    write_library,
    write_partner,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Case:
    name: str
    clauses: int
    paragraphs: int
    words_per_paragraph: int
    edits: int
    deleted: int
    target: str


CASES = {
    case.name: case
    for case in (
        Case("90k", 200, 8, 56, 80, 1, "< 1 s"),
        Case("90k-20del", 200, 8, 56, 80, 20, "< 2 s"),
        Case("1000w-20del", 90, 10, 100, 40, 20, "< 2 s"),
        Case("800", 800, 8, 56, 80, 1, "< 3 s"),
    )
}


def clause_blocks(body: etree._Element) -> list[list[etree._Element]]:
    """The body's paragraphs grouped per clause (each group starts at a DsaHeading)."""
    headings = [
        p
        for p in body.iter(W + "p")
        if p.find(f"{W}pPr/{W}pStyle") is not None
        and p.find(f"{W}pPr/{W}pStyle").get(W + "val") == "DsaHeading"
    ]
    clauses = []
    for k, heading in enumerate(headings[:-1]):
        block, node = [heading], heading.getnext()
        while node is not None and node is not headings[k + 1]:
            block.append(node)
            node = node.getnext()
        clauses.append(block)
    return clauses


def _edit_words(rng: random.Random, paragraphs: list[etree._Element], edits: int) -> int:
    done = 0
    for paragraph in rng.sample(paragraphs, min(edits, len(paragraphs))):
        texts = [t for t in paragraph.iter(W + "t") if t.text and len(t.text.split()) > 5]
        if not texts:
            continue
        node = rng.choice(texts)
        words = node.text.split(" ")
        words[rng.randrange(1, len(words) - 1)] = rng.choice(
            ["promptly", "reasonably", "sixty", "material", "not"]
        )
        node.text = " ".join(words)
        done += 1
    return done


def make_negotiated(
    standard: Path, target: Path, edits: int, seed: int = 3, deleted: int = 1
) -> dict[str, int]:
    """A silently edited copy: `deleted` clauses removed (spread out), one clause moved
    further on, and about `edits` single-word edits in the later clauses."""
    from dsagen.render.docx import deterministic_zip

    rng = random.Random(seed)
    with zipfile.ZipFile(standard) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(W + "body")
    clauses = clause_blocks(body)
    n = len(clauses)
    moved_index = n // 10
    step = max(2, (n - n // 5) // max(deleted, 1))
    gone = [n // 4 + k * step for k in range(deleted)]
    gone = [index % (n - 2) + 1 for index in gone]
    gone = sorted({index for index in gone if index != moved_index})
    for index in gone:
        for element in clauses[index]:
            body.remove(element)
    anchor = next(clauses[index][-1] for index in range(3 * n // 4, n) if index not in gone)
    for element in reversed(clauses[moved_index]):
        body.remove(element)
        anchor.addnext(element)
    kept = [
        p for index in range(3 * n // 10, n - 5) if index not in gone for p in clauses[index][1:]
    ]
    done = _edit_words(rng, kept, edits)
    parts["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    target.write_bytes(deterministic_zip(buffer.getvalue()))
    return {"edits": done, "moved": 1, "deleted": len(gone)}


def make_pair(case: Case, folder: Path) -> tuple[Path, Path, Path, str]:
    """(library, standard, negotiated, description) for one case."""
    library = write_library(
        folder / "lib",
        clauses=case.clauses,
        paragraphs=case.paragraphs,
        words_per_paragraph=case.words_per_paragraph,
    )
    partner = write_partner(folder / "bench-partner.yaml", 1, random.Random(1))
    run_command(
        [
            *DSAGEN,
            "generate",
            str(partner),
            "--library",
            str(library),
            "--out",
            str(folder / "out"),
            "--format",
            "docx",
            "--no-record",
        ]
    )
    standard = folder / "out" / "bench-partner" / "bench.docx"
    negotiated = folder / "negotiated.docx"
    made = make_negotiated(standard, negotiated, case.edits, deleted=case.deleted)
    from dsagen.read.docx import read_docx

    words = sum(len(p.text.split()) for p in read_docx(standard).accepted)
    about = (
        f"{case.name}: standard {words:,} words in {case.clauses} clauses; copy: "
        f"{made['edits']} word edits, {made['moved']} moved, {made['deleted']} deleted"
    )
    return library, standard, negotiated, about


def bench_case(case: Case, runs: int, anchor: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        library, standard, negotiated, about = make_pair(case, folder)
        command = [
            *DSAGEN,
            "diff",
            str(standard),
            str(negotiated),
            "--json",
            "--redline",
            str(folder / "redline.docx"),
            "--force",
            "--library",
            str(library),
        ]
        # In the case's own folder: no registry there to ask (one in the checkout would add
        # loading SQLAlchemy and a look-up to every run, and differ from machine to machine).
        _, result = run_command(command, ok=(0, 1), cwd=folder)
        print(about)
        print(f"  found: {json.loads(result.stdout)['summary']}")
        commands = {
            "dsagen diff --json --redline": lambda: run_command(command, ok=(0, 1), cwd=folder)
        }
        office = soffice() if anchor else None
        if office:
            from bench.lo_compare import compare_command

            lo = compare_command(office, standard, negotiated, folder / "lo-redline.docx")
            commands["LibreOffice compare"] = lambda: run_command(lo)
        timings = interleaved(commands, runs)
        ours = timings["dsagen diff --json --redline"]
        print("  " + ours.line(case.target))
        if office:
            print("  " + timings["LibreOffice compare"].line())
            print(ratio_line(ours, timings["LibreOffice compare"]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--case",
        action="append",
        choices=sorted(CASES),
        help="run only this case (repeatable; default: all)",
    )
    parser.add_argument(
        "--no-anchor",
        action="store_true",
        help="skip the LibreOffice comparison even if it is installed",
    )
    args = parser.parse_args()
    print(f"load average at start: {load():.2f}")
    for name in args.case or list(CASES):
        bench_case(CASES[name], args.runs, not args.no_anchor)


if __name__ == "__main__":
    main()
