"""Benchmark the registry: generate and record 1,000 partner agreements, make a negotiated copy
of each with random deviations (lxml edits of the DOCX, tracked or silent), ingest them all,
then time `dsagen variants --json` and `dsagen variants --clause retention --json`.

Partners vary the shipped examples (as bench/generate.py does), so the agreements are real ones
of realistic length. Ingest goes through the library API, one transaction per file, in one
process per core writing to the same registry (the comparison runs outside the write lock);
the queries run as subprocesses (start-up included), best of several runs.

    .venv/bin/python bench/registry.py [--partners 1000] [--registry URL] [--runs 3]

Targets: 1,000 ingests in < 60 s; each query in < 1 s.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lxml import etree

from dsagen.report.redline_docx import make_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import make_partners  # noqa: E402
from dsagen.textfilters import num_words  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
NUMBER = re.compile(r"\b([a-z]+(?:-[a-z]+)?) \((\d+)\) (months|days|years)")
CUSTOM = ("The Recipient may share aggregate results with its funders.",
          "Either party may request a review of this clause once a year.",
          "Nothing in this clause limits the Recipient's statutory rights.",
          "The Provider shall answer any request under this clause within ten business days.")
COUNSEL = ("Partner Counsel", "Outside Counsel", "Legal Team")


class Negotiator:
    """Random, realistic deviations on a DOCX's XML: numbers changed, clauses deleted,
    sentences added, words swapped; each tracked (w:ins/w:del with author and date) or not."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.next_id = 90_000

    def _revision(self, tag: str) -> etree._Element:
        element = etree.Element(W + tag)
        element.set(W + "id", str(self.next_id))
        element.set(W + "author", self.rng.choice(COUNSEL))
        element.set(W + "date", f"2026-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}"
                                "T10:00:00Z")
        self.next_id += 1
        return element

    @staticmethod
    def _run(template: etree._Element, text: str, deleted: bool = False) -> etree._Element:
        return make_run(text, template.find(W + "rPr"), deleted)

    def replace(self, node: etree._Element, start: int, end: int, new: str,
                tracked: bool) -> None:
        run = node.getparent()
        text = node.text or ""
        pieces = [self._run(run, text[:start])] if start else []
        if tracked:
            deletion, insertion = self._revision("del"), self._revision("ins")
            deletion.append(self._run(run, text[start:end], deleted=True))
            insertion.append(self._run(run, new))
            pieces += [deletion, insertion]
        else:
            pieces.append(self._run(run, new))
        if end < len(text):
            pieces.append(self._run(run, text[end:]))
        parent = run.getparent()
        index = parent.index(run)
        parent.remove(run)
        for offset, piece in enumerate(pieces):
            parent.insert(index + offset, piece)

    def clauses(self, body: etree._Element) -> dict[str, list[etree._Element]]:
        found: dict[str, list[etree._Element]] = {}
        current = None
        for paragraph in body.iter(W + "p"):
            for mark in paragraph.iter(W + "bookmarkStart"):
                name = mark.get(W + "name", "")
                if name.startswith("_dsa_") and "__" in name:
                    current = name[5:].split("__")[0]
            if current:
                found.setdefault(current, []).append(paragraph)
        return found

    def negotiate(self, docx: bytes) -> tuple[bytes, list[str]]:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            parts = {name: package.read(name) for name in package.namelist()}
        root = etree.fromstring(parts["word/document.xml"])
        body = root.find(W + "body")
        clauses = self.clauses(body)
        done: list[str] = []
        for _ in range(self.rng.choice((0, 1, 1, 2, 2, 3))):
            tracked = self.rng.random() < 0.6
            kind = self.rng.choice(("number", "number", "number", "delete", "add", "word"))
            if kind == "number":
                done += self._number(clauses, tracked)
            elif kind == "delete":
                done += self._delete(clauses)
            elif kind == "add":
                done += self._add(clauses, tracked)
            else:
                done += self._word(clauses, tracked)
        parts["word/document.xml"] = etree.tostring(root, xml_declaration=True,
                                                    encoding="UTF-8", standalone=True)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in parts.items():
                info = zipfile.ZipInfo(name, (2026, 5, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                package.writestr(info, data)
        return out.getvalue(), done

    def _number(self, clauses: dict[str, list[etree._Element]], tracked: bool) -> list[str]:
        preferred = [c for c in ("retention", "publication", "breach", "term") if c in clauses]
        clause = self.rng.choice(preferred or list(clauses))
        for paragraph in clauses[clause]:
            for node in paragraph.iter(W + "t"):
                match = NUMBER.search(node.text or "")
                if match:
                    value = int(match.group(2))
                    new = self.rng.choice([v for v in (12, 24, 36, 48, 60, 84, 90, 120)
                                           if v != value] if match.group(3) == "months" else
                                          [v for v in (10, 14, 30, 45, 60, 90) if v != value])
                    self.replace(node, match.start(1), match.end(2) + 1,
                                 num_words(new), tracked)
                    return [f"{clause}: {value} -> {new} {match.group(3)}"]
        return []

    def _delete(self, clauses: dict[str, list[etree._Element]]) -> list[str]:
        candidates = [c for c in clauses if c not in ("preamble", "signatures", "definitions")]
        if not candidates:
            return []
        clause = self.rng.choice(candidates)
        for paragraph in clauses.pop(clause):
            if paragraph.getparent() is not None:
                paragraph.getparent().remove(paragraph)
        return [f"{clause}: deleted"]

    def _add(self, clauses: dict[str, list[etree._Element]], tracked: bool) -> list[str]:
        clause = self.rng.choice([c for c in clauses if c != "signatures"] or list(clauses))
        anchor = clauses[clause][-1]
        if anchor.getparent() is None or anchor.find(f".//{W}r") is None:
            return []
        paragraph = etree.Element(W + "p")
        if anchor.find(W + "pPr") is not None:
            paragraph.append(copy.deepcopy(anchor.find(W + "pPr")))
        run = self._run(anchor.find(f".//{W}r"), self.rng.choice(CUSTOM))
        if tracked:
            insertion = self._revision("ins")
            insertion.append(run)
            paragraph.append(insertion)
        else:
            paragraph.append(run)
        anchor.addnext(paragraph)
        clauses[clause].append(paragraph)
        return [f"{clause}: sentence added"]

    def _word(self, clauses: dict[str, list[etree._Element]], tracked: bool) -> list[str]:
        clause = self.rng.choice(list(clauses))
        nodes = [n for p in clauses[clause] for n in p.iter(W + "t")
                 if n.text and re.search(r"\bshall\b", n.text)]
        if not nodes:
            return []
        node = self.rng.choice(nodes)
        match = re.search(r"\bshall\b", node.text or "")
        assert match is not None
        self.replace(node, match.start(), match.end(), "will use reasonable efforts to",
                     tracked)
        return [f"{clause}: 'shall' softened"]


def ingest_slice(url: str, items: list[tuple[str, Path]]) -> tuple[int, float]:
    """One ingest process: (duplicates seen, CPU seconds used)."""
    from dsagen.library import load_library
    from dsagen.registry import open_registry
    from dsagen.registry.ingest import ingest

    library = load_library()
    start = time.process_time()
    duplicates = 0
    with open_registry(url) as registry:
        for partner, target in items:
            duplicates += ingest(registry, partner, target, library=library).duplicate
    return duplicates, time.process_time() - start


def timed(command: list[str], runs: int) -> tuple[float, float, int]:
    """(first run, best run) wall seconds of a subprocess, and its output size."""
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, cwd=ROOT, check=True)
        times.append(time.perf_counter() - start)
        size = len(done.stdout)
    return times[0], min(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--registry", help="registry URL (default: a new SQLite file)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes for generation")
    parser.add_argument("--ingest-jobs", type=int, default=os.cpu_count() or 1,
                        help="processes ingesting at once, each its own transactions")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    from dsagen.generate import generate
    from dsagen.library import load_library
    from dsagen.registry import open_registry
    from dsagen.registry.record import record_generation

    with tempfile.TemporaryDirectory(prefix="dsagen-bench-") as tmp:
        work = Path(tmp)
        url = args.registry or str(work / "registry.db")
        folder = work / "partners"
        folder.mkdir()
        make_partners(folder, args.partners, seed=args.seed)
        load_library()  # fail early on a broken library

        start = time.perf_counter()
        results = generate([folder], out_dir=work / "out", formats=("docx",), jobs=args.jobs)
        generated = time.perf_counter() - start
        start = time.perf_counter()
        with open_registry(url, create=True) as registry:
            record_generation(registry, results)
        recorded = time.perf_counter() - start

        rng = random.Random(args.seed)
        negotiator = Negotiator(rng)
        copies, deviations = [], 0
        for result in results:
            data, done = negotiator.negotiate(Path(result.files[0].path).read_bytes())
            target = work / "back" / f"{result.partner}.docx"
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(data)
            copies.append((result.partner, target))
            deviations += len(done)

        start = time.perf_counter()
        jobs = max(1, min(args.ingest_jobs, len(copies)))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(ingest_slice, [url] * jobs,
                                 [copies[i::jobs] for i in range(jobs)]))
        ingested = time.perf_counter() - start
        duplicates = sum(d for d, _ in done)
        cpu = sum(c for _, c in done)

        base = [sys.executable, "-m", "dsagen", "variants", "--registry", url, "--json"]
        matrix_first, matrix_best, matrix_size = timed(base, args.runs)
        clause_first, clause_best, clause_size = timed([*base, "--clause", "retention"],
                                                       args.runs)
        size = Path(url).stat().st_size if Path(url).exists() else 0

    n = len(copies)
    print(f"{n} partners (examples varied), {deviations} random deviations in their negotiated "
          f"copies; registry {'SQLite' if not args.registry else url.split(':')[0]}"
          + (f", {size / 1e6:.1f} MB" if size else ""))
    print(f"generate {n} DOCX: {generated:.1f} s ({args.jobs} processes); record them: "
          f"{recorded:.1f} s")
    print(f"ingest:  {n} files in {ingested:.1f} s = {n / ingested:.1f} files/s with {jobs} "
          f"process(es) writing to one registry ({1000 * cpu / n:.0f} ms CPU per file; one "
          f"transaction each; {duplicates} duplicates)  target: 1,000 in < 60 s")
    print(f"dsagen variants --json:                   {matrix_best:.2f} s best, "
          f"{matrix_first:.2f} s first ({matrix_size / 1e6:.1f} MB)  target: < 1 s")
    print(f"dsagen variants --clause retention --json: {clause_best:.2f} s best, "
          f"{clause_first:.2f} s first ({clause_size / 1e6:.2f} MB)  target: < 1 s")


if __name__ == "__main__":
    main()
