"""Integrity under real processes: two OS processes ingesting at once lose nothing, and a
process killed in the middle of a write leaves the registry as it was (and unlocked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from dsagen.registry import open_registry
from dsagen.registry.ingest import ingest
from dsagen.registry.schema import negotiated_clauses, negotiated_versions
from tests.conftest import MINILIB, ROOT
from tests.test_registry_fixtures import (
    generate_and_record,
    negotiate,
    write_partners,
)

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url

WORKER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    from dsagen.library import load_library
    from dsagen.registry import open_registry
    from dsagen.registry.ingest import ingest
    url, jobs, go = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
    library = load_library(Path(sys.argv[4]))
    with open_registry(url) as registry:
        Path(sys.argv[5]).touch()  # connected: waiting for the signal
        while not go.exists():
            time.sleep(0.002)
        for partner, file in jobs:
            ingest(registry, partner, Path(file), library=library)
""")

CRASHER = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from dsagen.registry import ingest, open_registry
    real = ingest._insert_negotiated_clauses
    def die(conn, version_id, rows):
        real(conn, version_id, rows[:2])
        os._exit(9)  # killed mid-transaction: no rollback, no cleanup
    ingest._insert_negotiated_clauses = die
    with open_registry(sys.argv[1]) as registry:
        ingest.ingest(registry, sys.argv[2], Path(sys.argv[3]))
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _counts(url: str) -> tuple[int, int]:
    with open_registry(url) as registry, registry.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(negotiated_versions)).scalar_one(),
            conn.execute(select(func.count()).select_from(negotiated_clauses)).scalar_one(),
        )


def _wait_until_ready(workers: list[subprocess.Popen[str]], ready: list[Path]) -> None:
    """Until both workers are connected and waiting (or one has stopped: its error is read
    below), however long starting them takes on a busy machine."""
    deadline = time.monotonic() + 240
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            return
        time.sleep(0.01)


def test_two_processes_ingesting_50_agreements_each_record_100_versions(
    tmp_path: Path, registry_url: str
) -> None:
    partners = 50
    write_partners(tmp_path / "partners", partners)
    results = generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    # Each process ingests one copy of every partner's agreement, so the two also race for
    # the same partners' version numbers, not only for the database lock.
    jobs: dict[str, list[tuple[str, str]]] = {"a": [], "b": []}
    for result in results:
        issued = Path(result.files[0].path)
        for side, words in (("a", "sixty (60)"), ("b", "forty-eight (48)")):
            copy = negotiate(
                issued,
                tmp_path / f"{result.partner}-{side}.docx",
                replace=(("thirty-six (36)", words),),
            )
            jobs[side].append((result.partner, str(copy)))
    go = tmp_path / "go"
    ready = {side: tmp_path / f"ready-{side}" for side in jobs}
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                registry_url,
                json.dumps(jobs[side]),
                str(go),
                str(MINILIB),
                str(ready[side]),
            ],
            env=_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        for side in ("a", "b")
    ]
    _wait_until_ready(workers, list(ready.values()))
    go.touch()
    for worker in workers:
        _, stderr = worker.communicate(timeout=240)
        assert worker.returncode == 0, stderr
    assert _counts(registry_url) == (100, 100 * 4)
    with open_registry(registry_url) as registry, registry.read() as conn:
        seqs = conn.execute(
            select(
                negotiated_versions.c.partner_id,
                func.count(),
                func.min(negotiated_versions.c.seq),
                func.max(negotiated_versions.c.seq),
            ).group_by(negotiated_versions.c.partner_id)
        ).all()
    assert len(seqs) == partners
    assert {tuple(row[1:]) for row in seqs} == {(2, 1, 2)}


def test_a_process_killed_mid_ingest_leaves_the_registry_as_before(
    tmp_path: Path, registry_url: str
) -> None:
    write_partners(tmp_path / "partners", 1)
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    copy = negotiate(
        tmp_path / "out/mini-0000/mini.docx",
        tmp_path / "back.docx",
        replace=(("thirty-six (36)", "sixty (60)"),),
    )
    crashed = subprocess.run(
        [sys.executable, "-c", CRASHER, registry_url, "mini-0000", str(copy)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert _counts(registry_url) == (0, 0)
    with open_registry(registry_url) as registry:  # not left locked: the next write succeeds
        assert ingest(registry, "mini-0000", copy).version == 1
    assert _counts(registry_url) == (1, 4)
