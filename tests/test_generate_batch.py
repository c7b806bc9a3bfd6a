"""`dsagen generate` on a batch: checked before writing, recorded as written, resumable, and no
worker outlives a killed parent."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsagen.assemble import assemble
from dsagen.compare.segments import segment
from dsagen.generate import CHUNK, chunks
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.read.docx import read_docx
from dsagen.registry.record import issued_text
from dsagen.render.docx import render_docx
from tests.budget import examples
from tests.conftest import EXAMPLES, MINILIB, ROOT
from tests.test_registry_fixtures import write_partners


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_recorded_clause_text_is_what_the_reader_finds_in_the_docx(example: str) -> None:
    """Recording takes each clause's text from memory; it must be what ingest will read."""
    library = load_library()
    agreement = assemble(load_partner(EXAMPLES / example, library), library)
    read = {
        seg.key: "\n".join(seg.texts)
        for seg in segment(read_docx(render_docx(agreement)).accepted)
        if seg.anchor is not None
    }
    assert {s.clause_id: issued_text(s) for s in agreement.sections} == {
        s.clause_id: read.get(s.clause_id) for s in agreement.sections
    }


def _generate(cli, folder: Path, *args):
    return cli(
        "generate",
        folder,
        "--library",
        MINILIB,
        "--format",
        "docx,md",
        "--out",
        folder.parent / "out",
        "--registry",
        folder.parent / "reg.db",
        *args,
    )


def _recorded(registry: Path) -> tuple[int, set[str]]:
    """(agreements, sha256 of every issued file) in an SQLite registry."""
    with sqlite3.connect(registry) as conn:
        count = conn.execute("select count(*) from agreements").fetchone()[0]
        shas = {row[0] for row in conn.execute("select sha256 from issued_files")}
    return count, shas


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_bad_file_in_a_parallel_batch_writes_and_records_nothing(cli, tmp_path: Path) -> None:
    folder = tmp_path / "partners"
    paths = write_partners(folder, 6)
    paths[4].write_text(
        re.sub(r"retention_months: \d+", "retention_months: lots", paths[4].read_text())
    )
    code, _, stderr = _generate(cli, folder, "--jobs", "2")
    assert code == 2 and "mini-0004.yaml" in stderr and "retention_months" in stderr, stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "reg.db").exists()


def test_skip_existing_resumes_a_partial_batch(cli, tmp_path: Path) -> None:
    folder = tmp_path / "partners"
    write_partners(folder, 3)
    assert _generate(cli, folder, "--jobs", "2")[0] == 0
    out = tmp_path / "out"
    kept = _sha(out / "mini-0000" / "mini.docx")
    for name in ("mini.docx", "mini.md"):
        (out / "mini-0001" / name).unlink()
    (out / "mini-0002" / "mini.md").unlink()
    code, stdout, stderr = _generate(cli, folder)
    assert code == 2 and "--force" in stderr
    code, stdout, stderr = _generate(cli, folder, "--skip-existing")
    assert code == 0, stderr
    assert "1 partner(s) skipped" in stdout and "2 agreement(s)" in stdout
    assert all(
        (out / f"mini-000{i}" / name).exists()
        for i in range(3)
        for name in ("mini.docx", "mini.md")
    )
    assert _sha(out / "mini-0000" / "mini.docx") == kept
    assert _recorded(tmp_path / "reg.db")[0] == 3
    code, _, stderr = _generate(cli, folder, "--skip-existing", "--force")
    assert code == 2 and "--skip-existing" in stderr


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_generate_kills_its_workers_and_leaves_a_resumable_batch(
    cli, tmp_path: Path
) -> None:
    folder = tmp_path / "partners"
    paths = write_partners(folder, 400)
    out, registry = tmp_path / "out", tmp_path / "reg.db"
    command = [
        sys.executable,
        "-m",
        "dsagen",
        "generate",
        str(folder),
        "--library",
        str(MINILIB),
        "--format",
        "docx",
        "--out",
        str(out),
        "--registry",
        str(registry),
        "--jobs",
        "2",
    ]
    parent = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert _wait(lambda: any(out.glob(".dsagen-staging-*/*.docx")), 120), "nothing rendered"
        workers = _children(parent.pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert workers, "expected worker processes"
    assert _wait(lambda: not any(_alive(pid) for pid in workers), 10), "workers outlived it"
    written = list(out.glob("*/mini.*"))
    assert not written, "an agreement reached the output folder before the batch was checked"
    assert list(out.glob(".dsagen-staging-*")), "the kill left its staging folder"
    for path in paths[6:]:  # resume a shorter batch: the point is what the kill left
        path.unlink()
    code, _stdout, stderr = cli(
        "generate",
        folder,
        "--library",
        MINILIB,
        "--format",
        "docx",
        "--out",
        out,
        "--registry",
        registry,
        "--skip-existing",
    )
    assert code == 0, stderr
    for index in range(6):
        assert all((out / f"mini-{index:04d}" / name).exists() for name in ("mini.docx",))
    recorded = _recorded(registry)[1]
    assert {_sha(p) for p in out.glob("*/mini.*")} <= recorded
    assert not list(out.glob(".dsagen-staging-*")), "the abandoned staging folder stayed"


@settings(max_examples=examples(200), deadline=None)
@given(count=st.integers(0, 400), jobs=st.integers(1, 8))
def test_work_is_cut_in_order_into_chunks_that_shrink_as_the_batch_runs_out(
    count: int, jobs: int
) -> None:
    """Every item once, in order; no chunk above CHUNK; with several workers the chunks never
    grow, and the last ones are single items, so no worker is left with a long tail alone."""
    items = list(range(count))
    work = chunks(items, jobs)
    assert [item for chunk in work for item in chunk] == items
    assert all(1 <= len(chunk) <= CHUNK for chunk in work)
    if jobs > 1 and work:
        sizes = [len(chunk) for chunk in work]
        assert sizes == sorted(sizes, reverse=True)
        assert sizes[-1] == 1
