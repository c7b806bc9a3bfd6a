"""Benchmark the registry as a user runs it: storage per 1,000 agreements, ingest throughput
on SQLite and PostgreSQL, and query latency at 1,000 and 10,000 agreements, each figure
printed with the 1-minute load average when it was taken (the machine may be shared).

1. `dsagen generate FOLDER --format docx --registry URL` (one fresh process) records --partners
   agreements varied from the shipped examples (bench/generate.py's partners), realistic in
   length.
2. Each gets a negotiated copy with random deviations (lxml edits, tracked or silent).
3. Ingest: `dsagen ingest --auto FILE...` (one command, one process unless --ingest-jobs).
4. Storage: the SQLite file's size (pages in use) per 1,000 agreements, each with its issued
   DOCX and one negotiated copy, and how much of it is file bytes.
5. `dsagen variants --json` and `dsagen variants --clause retention --json` as fresh processes
   (start-up included): first run and best of --runs.
6. --scale more agreements generated and recorded (issued only: no negotiated copies), and the
   same queries again.
7. --postgres: a throwaway PostgreSQL server (tests/postgres_server.py, as the tests start
   one), the same agreements generated into it and the same copies ingested, then the queries,
   and with --scale the same more agreements and the queries again.

    .venv/bin/python bench/registry.py [--partners 1000] [--scale 10000] [--postgres]
        [--ingest-jobs 1] [--keep FOLDER]

Targets: storage < 40 MB per 1,000 agreements; 1,000 ingests in one command < 60 s (SQLite
and PostgreSQL); each query < 1 s at 10,000 agreements.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from dsagen.report.redline_docx import make_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import make_partners
from dsagen.textfilters import num_words

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
NUMBER = re.compile(r"\b([a-z]+(?:-[a-z]+)?) \((\d+)\) (months|days|years)")
CUSTOM = (
    "The Recipient may share aggregate results with its funders.",
    "Either party may request a review of this clause once a year.",
    "Nothing in this clause limits the Recipient's statutory rights.",
    "The Provider shall answer any request under this clause within ten business days.",
)
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
        element.set(
            W + "date", f"2026-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}T10:00:00Z"
        )
        self.next_id += 1
        return element

    @staticmethod
    def _run(template: etree._Element, text: str, deleted: bool = False) -> etree._Element:
        return make_run(text, template.find(W + "rPr"), deleted)

    def replace(self, node: etree._Element, start: int, end: int, new: str, tracked: bool) -> None:
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
        parts["word/document.xml"] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
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
                    new = self.rng.choice(
                        [v for v in (12, 24, 36, 48, 60, 84, 90, 120) if v != value]
                        if match.group(3) == "months"
                        else [v for v in (10, 14, 30, 45, 60, 90) if v != value]
                    )
                    self.replace(node, match.start(1), match.end(2) + 1, num_words(new), tracked)
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
        nodes = [
            n
            for p in clauses[clause]
            for n in p.iter(W + "t")
            if n.text and re.search(r"\bshall\b", n.text)
        ]
        if not nodes:
            return []
        node = self.rng.choice(nodes)
        match = re.search(r"\bshall\b", node.text or "")
        assert match is not None
        self.replace(node, match.start(), match.end(), "will use reasonable efforts to", tracked)
        return [f"{clause}: 'shall' softened"]


def load() -> str:
    return f"[load {os.getloadavg()[0]:.1f}]"


def dsagen(*args: str, check: bool = True) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Run the dsagen CLI as a fresh process; (wall seconds, result)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dsagen", *args], capture_output=True, cwd=ROOT, check=False
    )
    if check and done.returncode != 0:
        sys.exit(f"dsagen {' '.join(args[:2])} failed: {done.stderr.decode()[-2000:]}")
    return time.perf_counter() - start, done


def timed(args: list[str], runs: int) -> tuple[float, float, int]:
    """(first run, best run) wall seconds of a dsagen command, and its output size."""
    times, size = [], 0
    for _ in range(runs):
        seconds, done = dsagen(*args)
        times.append(seconds)
        size = len(done.stdout)
    return times[0], min(times), size


def partners_from(folder: Path, count: int, start: int, seed: int) -> None:
    """bench/generate.py's partners, numbered from `start` (slugs stay unique across batches)."""
    scratch = folder.parent / f"scratch-{start}"
    scratch.mkdir()
    make_partners(scratch, count, seed=seed)
    for path in scratch.iterdir():
        index = int(path.stem.split("-")[1]) + start
        text = path.read_text() if not start else path.read_text().replace("BEN-2026-", "SCL-2026-")
        (folder / f"partner-{index:05d}.yaml").write_text(text)
        path.unlink()
    scratch.rmdir()


def generate(folder: Path, out: Path, url: str, jobs: int) -> float:
    seconds, _ = dsagen(
        "generate",
        str(folder),
        "--out",
        str(out),
        "--format",
        "docx",
        "--jobs",
        str(jobs),
        "--force",
        "--registry",
        url,
    )
    return seconds


def storage(path: Path) -> tuple[int, int]:
    """(bytes in use in the SQLite file, bytes of kept file pieces)."""
    connection = sqlite3.connect(path)
    try:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        pieces = connection.execute("SELECT coalesce(sum(length(data)), 0) FROM blobs").fetchone()[
            0
        ]
    finally:
        connection.close()
    return (pages - free) * size, int(pieces)


def queries(url: str, runs: int, count: int, where: str) -> None:
    """Each query as a fresh `dsagen` process against URL (WHERE names its database)."""
    base = ["variants", "--registry", url, "--json"]
    for label, args in (
        ("dsagen variants --json", base),
        ("dsagen variants --clause retention --json", [*base, "--clause", "retention"]),
    ):
        first, best, size = timed(args, runs)
        print(
            f"  {label + ':':43s} {best:.2f} s best of {runs}, {first:.2f} s first "
            f"({size / 1e6:.1f} MB) at {count:,} agreements, {where}  {load()}  target: < 1 s"
        )


def ingest_all(url: str, copies: list[Path], jobs: int, backend: str) -> None:
    """`dsagen ingest --auto` of every copy in one command, as a user runs it."""
    n = len(copies)
    extra = ["--jobs", str(jobs)] if jobs > 1 else []
    seconds, done = dsagen("ingest", "--auto", *map(str, copies), *extra, "--registry", url)
    recorded = done.stdout.decode().strip().splitlines()[-1:]
    print(
        f"ingest ({backend}): {n:,} files with `dsagen ingest --auto{' ' if extra else ''}"
        f"{' '.join(extra)}` (one command) in {seconds:.1f} s = {n / seconds:.1f} files/s "
        f"({'; '.join(recorded)})  {load()}  target: 1,000 in < 60 s"
    )


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on a throwaway PostgreSQL server, as the registry tests start one."""
    from tests.postgres_server import new_database, start_postgres, stop_postgres

    server = start_postgres()
    try:
        yield new_database(server.url, prefix="dsagen_bench")
    finally:
        stop_postgres(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument(
        "--scale",
        type=int,
        default=10000,
        help="total agreements for the second round of queries (0: skip)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also generate into and ingest into a throwaway PostgreSQL server",
    )
    parser.add_argument(
        "--ingest-jobs",
        type=int,
        default=1,
        help="`dsagen ingest --jobs` (default 1: ingest's own default)",
    )
    parser.add_argument(
        "--keep", type=Path, help="work in this (new) folder and keep it, for profiling"
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    with work_folder(args.keep) as work:
        os.environ["DSAGEN_SIGNING_KEY"] = str(work / "signing.key")  # not the checkout's
        database = work / "registry.db"
        url = str(database)
        folder = work / "partners"
        folder.mkdir()
        partners_from(folder, args.partners, 0, args.seed)
        seconds = generate(folder, work / "out", url, args.jobs)
        n = args.partners
        print(
            f"generate + record {n:,} agreements (`dsagen generate --registry`, {args.jobs} "
            f"process(es)): {seconds:.1f} s  {load()}"
        )

        rng = random.Random(args.seed)
        negotiator = Negotiator(rng)
        copies, deviations = [], 0
        (work / "back").mkdir()
        for path in sorted((work / "out").glob("*/*.docx")):
            data, done = negotiator.negotiate(path.read_bytes())
            target = work / "back" / f"{path.parent.name}.docx"
            target.write_bytes(data)
            copies.append(target)
            deviations += len(done)
        print(f"{len(copies):,} negotiated copies, {deviations:,} random deviations")
        ingest_all(url, copies, args.ingest_jobs, "SQLite")

        used, pieces = storage(database)
        print(
            f"storage: {used / 1e6 * 1000 / n:.1f} MB per 1,000 agreements (each: the issued "
            f"DOCX, one negotiated copy, every clause's text as issued and as negotiated); "
            f"file pieces {pieces / 1e6 * 1000 / n:.1f} MB of it  {load()}  "
            "target: < 40 MB"
        )
        queries(url, args.runs, n, "SQLite")

        more = work / "more"
        if args.scale > n:
            more.mkdir()
            partners_from(more, args.scale - n, n, args.seed + 1)

        if args.postgres:
            with postgres_database() as server_url:
                seconds = generate(folder, work / "pg-out", server_url, args.jobs)
                print(
                    f"generate + record {n:,} agreements into PostgreSQL: {seconds:.1f} s  {load()}"
                )
                ingest_all(server_url, copies, args.ingest_jobs, "PostgreSQL")
                queries(server_url, args.runs, n, "PostgreSQL")
                if args.scale > n:
                    scale_up(more, work / "pg-more-out", server_url, args, "PostgreSQL")
                    queries(server_url, args.runs, args.scale, "PostgreSQL")

        if args.scale > n:
            scale_up(more, work / "more-out", url, args, "SQLite")
            used, _ = storage(database)
            print(
                f"storage: {used / 1e6:.0f} MB at {args.scale:,} agreements "
                f"({n:,} with a negotiated copy)  {load()}"
            )
            queries(url, args.runs, args.scale, "SQLite")


def scale_up(more: Path, out: Path, url: str, args: argparse.Namespace, where: str) -> None:
    """Record the --scale agreements beyond the first --partners into URL (issued only)."""
    seconds = generate(more, out, url, args.jobs)
    print(
        f"generate + record {args.scale - args.partners:,} more agreements into {where} "
        f"(issued only): {seconds:.1f} s  {load()}"
    )


@contextmanager
def work_folder(keep: Path | None) -> Iterator[Path]:
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="dsagen-bench-") as tmp:
            yield Path(tmp)
        return
    keep.mkdir(parents=True)
    yield keep.absolute()


if __name__ == "__main__":
    main()
