"""The registry commands as a user runs them: generate records, ingest, the queries with
--json/--csv/--html, verify's exit code, and one-line errors (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import MINILIB
from tests.postgres_server import free_port
from tests.test_registry_fixtures import negotiate, write_partners

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server

THIRTY_SIX = "thirty-six (36)"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding three mini partner files; the registry defaults to it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DSAGEN_REGISTRY", raising=False)
    write_partners(tmp_path / "partners", 3, retention=[36, 48, 60])
    return tmp_path


def _generate(cli, *args):
    return cli(
        "generate",
        "partners",
        "--library",
        MINILIB,
        "--format",
        "docx",
        "--out",
        "out",
        "--jobs",
        "1",
        *args,
    )


def _one_line_error(code: int, stderr: str, expected: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: ") and expected in lines[-1], stderr


def test_generate_records_and_names_a_new_registry_once(cli, workspace: Path) -> None:
    code, _, stderr = _generate(cli)
    assert code == 0, stderr
    path = workspace / ".dsagen" / "registry.db"
    assert f"created registry database {path}" in stderr
    assert "recorded 3 new agreement(s) (0 already known)" in stderr
    code, _, stderr = _generate(cli, "--force")
    assert code == 0 and "created registry" not in stderr
    assert "recorded 0 new agreement(s) (3 already known)" in stderr


def test_generate_no_record_leaves_no_registry(cli, workspace: Path) -> None:
    code, _, stderr = _generate(cli, "--no-record")
    assert code == 0, stderr
    assert not (workspace / ".dsagen").exists()
    assert "registry" not in stderr


def test_a_bad_registry_fails_before_any_file_is_written(cli, workspace: Path) -> None:
    code, _, stderr = _generate(cli, "--registry", "mysql://me@db/registry")
    _one_line_error(code, stderr, "unsupported database 'mysql'")
    assert not (workspace / "out").exists()


def test_a_failed_generation_creates_no_registry(cli, workspace: Path) -> None:
    (workspace / "out").write_text("a file where the output folder should be")
    code, _, stderr = _generate(cli)
    _one_line_error(code, stderr, "expected an output folder, found a file")
    assert not (workspace / ".dsagen").exists()
    code, _, stderr = _generate(cli, "--registry", workspace / "missing" / "registry.db")
    _one_line_error(code, stderr, "folder does not exist")


def test_registry_from_the_environment(
    cli, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSAGEN_REGISTRY", str(workspace / "team.db"))
    assert _generate(cli)[0] == 0
    assert (workspace / "team.db").exists() and not (workspace / ".dsagen").exists()
    code, stdout, _ = cli("variants", "--json")
    assert code == 0 and len(json.loads(stdout)["partners"]) == 3


def test_ingest_and_every_query_from_the_command_line(cli, workspace: Path) -> None:
    assert _generate(cli)[0] == 0
    back = negotiate(
        workspace / "out/mini-0000/mini.docx",
        workspace / "back.docx",
        replace=((THIRTY_SIX, "sixty (60)"),),
        track=("Counsel", "2026-04-01T00:00:00Z"),
    )
    code, stdout, stderr = cli("ingest", "mini-0000", back, "--library", MINILIB)
    assert code == 0, stderr
    assert "version 1 recorded (received), compared with agreement #1" in stdout
    assert "retention_months: 36 → 60 (fallback)" in stdout
    code, stdout, _ = cli("ingest", "mini-0000", back)
    assert code == 0 and "already recorded as version 1" in stdout
    # The partner's copy is known, but it is not a file we issued.
    code, stdout, _ = cli("verify", back)
    assert code == 1 and "not a file we issued" in stdout and "version 1 received" in stdout
    code, stdout, _ = cli("verify", back, "--json")
    report = json.loads(stdout)
    assert code == 1 and report["identical"] and not report["issued"]

    code, stdout, _ = cli("variants")
    assert code == 0 and "mini-0002 (issued)" in stdout and "fallback" in stdout
    code, stdout, _ = cli("variants", "--json")
    matrix = json.loads(stdout)
    assert matrix["partners"][0]["cells"]["retention"]["kind"] == "fallback"
    code, stdout, _ = cli("variants", "--csv")
    rows = list(csv.DictReader(io.StringIO(stdout)))
    assert len(rows) == 9 and rows[0]["partner"] == "mini-0000"
    code, stdout, _ = cli("variants", "--clause", "retention")
    assert code == 0 and "retention_months: 60 × 2, 48 × 1" in stdout
    code, stdout, _ = cli("variants", "--clause", "retention", "--json")
    assert json.loads(stdout)["groups"][0]["count"] == 3
    code, stdout, _ = cli("variants", "--clause", "retention", "--csv")
    assert stdout.startswith("group,count,partners,text")

    code, stdout, _ = cli("history", "mini-0000")
    assert code == 0 and "received  version 1 back.docx" in stdout
    assert "“thirty-six” → “sixty”" in stdout
    code, stdout, _ = cli("history", "mini-0000", "--json")
    assert next(e["kind"] for e in json.loads(stdout)["events"]) == "issued"

    code, stdout, _ = cli("outdated", "--library", MINILIB)
    assert code == 0 and "today's clause versions" in stdout
    code, stdout, _ = cli("outdated", "--library", MINILIB, "--json")
    assert json.loads(stdout)["agreements"] == []

    code, stdout, _ = cli("state", "mini-0000", "executed")
    assert code == 0 and "received → executed" in stdout
    code, stdout, _ = cli("state", "2", "sent", "--json")
    assert json.loads(stdout) == {
        "agreement": 2,
        "partner": "mini-0001",
        "reference": "MINI-0001",
        "from": "draft",
        "to": "sent",
        "overridden": [],
    }

    code, stdout, _ = cli("export")
    assert code == 0 and json.loads(stdout)["partners"][0]["agreements"][0]["state"] == "executed"
    code, stdout, _ = cli("export", "--format", "csv")
    assert stdout.startswith("partner,agreement,agreement_state,record")
    code, _, stderr = cli("export", "--out", workspace / "registry.json")
    assert code == 0 and json.loads((workspace / "registry.json").read_text())["partners"]
    code, _, stderr = cli("export", "--out", workspace / "registry.json")
    _one_line_error(code, stderr, "already exists")


def test_verify_exits_0_for_our_file_and_1_for_a_changed_copy(cli, workspace: Path) -> None:
    assert _generate(cli)[0] == 0
    code, stdout, _ = cli("verify", "out/mini-0001/mini.docx")
    assert code == 0 and "byte-identical to the DOCX issued as agreement #2" in stdout
    changed = negotiate(
        workspace / "out/mini-0001/mini.docx",
        workspace / "changed.docx",
        replace=(("forty-eight (48)", "ninety (90)"),),
    )
    code, stdout, _ = cli("verify", changed)
    assert code == 1
    assert (
        "derives from agreement #2 (mini-0001, MINI-0001; found by document properties)" in stdout
    )
    assert "retention: modified" in stdout
    code, stdout, _ = cli("verify", changed, "--json")
    assert code == 1 and json.loads(stdout)["derived_from"]["agreement"] == 2


def test_variants_html_writes_the_heat_map_and_redlines(cli, workspace: Path) -> None:
    assert _generate(cli)[0] == 0
    code, _, stderr = cli("variants", "--html", "map.html")
    assert code == 0, stderr
    html = (workspace / "map.html").read_text()
    assert html.count('class="source-issued"') == 3
    assert '<tr id="p-mini-0001"' in html
    assert 'href="map_redlines/mini-0001.html#c-retention"' in html
    assert (workspace / "map_redlines" / "mini-0001.html").exists()
    code, _, stderr = cli("variants", "--html", "map.html")
    _one_line_error(code, stderr, "already exists; pass --force")
    assert cli("variants", "--html", "map.html", "--force")[0] == 0
    # a redline page already there (another map's, or edited by hand) is not overwritten either
    (workspace / "map.html").unlink()
    for old in (workspace / "map_redlines").iterdir():
        old.unlink()
    page = workspace / "map_redlines" / "mini-0002.html"
    page.write_text("my notes")
    code, _, stderr = cli("variants", "--html", "map.html")
    _one_line_error(code, stderr, "mini-0002.html: already exists; pass --force")
    assert page.read_text() == "my notes" and not (workspace / "map.html").exists()
    assert [p.name for p in (workspace / "map_redlines").iterdir()] == ["mini-0002.html"]


def test_read_only_commands_leave_an_empty_postgresql_database_empty(
    cli, postgres_server: str
) -> None:
    from sqlalchemy import create_engine, inspect

    from tests.test_registry_fixtures import new_postgres_database

    url = new_postgres_database(postgres_server)
    for args in (
        ("history", "mini-0000"),
        ("variants", "--json"),
        ("outdated",),
        ("export",),
        ("due",),
    ):
        code, _, stderr = cli(*args, "--registry", url)
        _one_line_error(code, stderr, "is empty (no dsagen tables yet)")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    engine.dispose()


def test_generate_records_into_an_empty_postgresql_database(
    cli, workspace: Path, postgres_server: str
) -> None:
    from tests.test_registry_fixtures import new_postgres_database

    url = new_postgres_database(postgres_server)
    code, _, stderr = _generate(cli, "--registry", url)
    assert code == 0, stderr
    code, stdout, stderr = cli("variants", "--json", "--registry", url)
    assert code == 0, stderr
    assert len(json.loads(stdout)["partners"]) == 3


def test_errors_are_one_line(cli, workspace: Path) -> None:
    code, _, stderr = cli("variants")
    _one_line_error(code, stderr, "no registry at")
    assert not (workspace / ".dsagen").exists()
    assert _generate(cli)[0] == 0
    (workspace / "notes.docx").write_text("plain text")
    cases = [
        (("ingest", "nobody", "notes.docx"), "unknown partner 'nobody'"),
        (("ingest", "mini-0000", "notes.docx"), "not a DOCX file"),
        (("ingest", "mini-0000", "missing.docx"), "no such file"),
        (("ingest", "mini-0000", "out/mini-0000/mini.docx", "--state", "signed"), "--state"),
        (("history", "nobody"), "unknown partner 'nobody'"),
        (("variants", "--clause", "nothing"), "no agreement has a clause or family 'nothing'"),
        (("state", "mini-0000", "signed"), "STATE: expected one of"),
        (("state", "#42", "sent"), "AGREEMENT: expected an agreement number"),
        (("verify", "partners/mini-0000.yaml"), "expected a DOCX or PDF"),
        (("export", "--format", "xml"), "'--format': 'xml' is not one of 'json', 'csv'"),
        (("variants", "--registry", "sqlite:///nowhere/registry.db"), "no registry at"),
        (
            ("variants", "--registry", f"postgresql://me@127.0.0.1:{free_port()}/registry"),
            "cannot connect to the registry at postgresql",
        ),
    ]
    for args, expected in cases:
        code, _, stderr = cli(*args)
        _one_line_error(code, stderr, expected)
