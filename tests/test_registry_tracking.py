"""Tracking agreements: approvals and the lifecycle, forgetting a mistaken ingest, the audit
trail, the dates that come due (with an iCalendar file read back), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from dsagen.errors import RegistryError
from dsagen.library import load_library
from dsagen.registry import open_registry
from dsagen.registry.approvals import approve
from dsagen.registry.due import due
from dsagen.registry.forget import forget
from dsagen.registry.history import history
from dsagen.registry.ingest import ingest
from dsagen.registry.lifecycle import set_state
from dsagen.registry.schema import blobs, documents, negotiated_versions
from tests.conftest import MINILIB
from tests.test_registry_fixtures import generate_and_record, negotiate, write_partners

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url

THIRTY_SIX = "thirty-six (36)"
WALK_AWAY = {
    "replace": ((THIRTY_SIX, "eighty-four (84)"),),
    "add_after": ("The Recipient wishes", "The Recipient may audit the Provider once a year."),
}


def _setup(tmp_path: Path, url: str, count: int = 1) -> None:
    write_partners(tmp_path / "partners", count, retention=[36])
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")


def _copy(tmp_path: Path, name: str, partner: str = "mini-0000", **edit) -> Path:
    return negotiate(tmp_path / "out" / partner / "mini.docx", tmp_path / name, **edit)


def test_executed_is_refused_until_every_deviation_above_fallback_is_approved(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url)
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0000", _copy(tmp_path, "back.docx", **WALK_AWAY))
        with pytest.raises(
            RegistryError,
            match=r"cannot be executed: 2 deviation\(s\) above "
            r"fallback have no approval: .*retention \(walk-away\)",
        ):
            set_state(registry, "mini-0000", "executed")
        current, approved = approve(
            registry, "mini-0000", clause="retention", by="Dana Lee", note="board waiver 2026-11"
        )
        assert [d.clause for d in approved] == ["retention"]
        assert len(current.pending) == 1
        with pytest.raises(RegistryError, match="1 deviation"):
            set_state(registry, "mini-0000", "executed")
        with pytest.raises(RegistryError, match="already approved by Dana Lee"):
            approve(registry, "mini-0000", clause="retention", by="Sam")
        approve(registry, "mini-0000", by="Sam Ortiz")  # every one still pending
        change = set_state(registry, "mini-0000", "executed")
        assert (change.previous, change.state, change.overridden) == ("received", "executed", ())
        events = history(registry, "mini-0000")["events"]
    approvals = [e for e in events if e["kind"] == "approval"]
    assert [(e["clause"], e["position"], e["by"], e["version"]) for e in approvals] == [
        ("retention", "walk-away", "Dana Lee", 1),
        ("preamble", "approval", "Sam Ortiz", 1),
    ]
    assert approvals[0]["note"] == "board waiver 2026-11"


def test_an_approval_belongs_to_the_copy_it_was_given_for(tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    _setup(tmp_path, url)
    with open_registry(url) as registry:
        ingest(registry, "mini-0000", _copy(tmp_path, "v1.docx", **WALK_AWAY))
        approve(registry, "mini-0000", by="Dana Lee")
        ingest(
            registry,
            "mini-0000",
            _copy(tmp_path, "v2.docx", replace=((THIRTY_SIX, "ninety (90)"),)),
        )
        with pytest.raises(RegistryError, match=r"retention \(walk-away\)"):
            set_state(registry, "mini-0000", "executed")


def test_force_executes_with_a_reason_recorded_as_an_override(cli, tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    _setup(tmp_path, url)
    back = _copy(tmp_path, "back.docx", **WALK_AWAY)
    assert cli("ingest", "mini-0000", back, "--registry", url)[0] == 0
    code, _, stderr = cli("state", "mini-0000", "executed", "--registry", url)
    assert code == 2 and "dsagen approve mini-0000 --clause ID --by NAME" in stderr
    code, _, stderr = cli("state", "mini-0000", "executed", "--force", "--registry", url)
    assert code == 2 and "--force: give the reason with --note" in stderr
    code, stdout, stderr = cli(
        "state",
        "mini-0000",
        "executed",
        "--force",
        "--by",
        "Dana Lee",
        "--note",
        "signed by the provost before review",
        "--registry",
        url,
    )
    assert code == 0, stderr
    assert "received → executed" in stdout and "executed without approval of" in stderr
    code, stdout, _ = cli("history", "mini-0000", "--registry", url)
    assert "override  agreement #1 executed without approval of" in stdout
    assert "by Dana Lee (signed by the provost before review)" in stdout


def test_approve_from_the_command_line(cli, tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    _setup(tmp_path, url)
    assert (
        cli("ingest", "mini-0000", _copy(tmp_path, "b.docx", **WALK_AWAY), "--registry", url)[0]
        == 0
    )
    code, _, stderr = cli(
        "approve", "mini-0000", "--clause", "retentoin", "--by", "Dana", "--registry", url
    )
    assert code == 2 and "those are: preamble (approval), retention (walk-away)" in stderr
    code, stdout, _ = cli(
        "approve", "mini-0000", "--clause", "retention", "--by", "Dana Lee", "--registry", url
    )
    assert code == 0 and "retention (walk-away) approved by Dana Lee" in stdout
    assert "1 deviation(s) still await approval: preamble" in stdout
    code, stdout, _ = cli("approve", "mini-0000", "--by", "Dana Lee", "--json", "--registry", url)
    assert [d["clause"] for d in json.loads(stdout)["approved"]] == ["preamble"]
    code, _, stderr = cli("approve", "mini-0000", "--by", "Dana Lee", "--registry", url)
    assert code == 2 and "nothing awaits approval" in stderr
    code, stdout, _ = cli("history", "mini-0000", "--registry", url)
    assert "approved  retention (walk-away) of agreement #1, version 1 by Dana Lee" in stdout


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        (("sent", "draft"), "sent → draft goes back in the lifecycle"),
        (("terminated",), "only an executed agreement can be terminated"),
        (("superseded", "sent"), "the agreement is superseded"),
        (("sent", "executed", "terminated", "executed"), "the agreement is terminated"),
    ],
)
def test_the_lifecycle_goes_forward_unless_reopened(
    tmp_path: Path, moves: tuple[str, ...], message: str
) -> None:
    url = str(tmp_path / "registry.db")
    _setup(tmp_path, url)
    with open_registry(url) as registry:
        for state in moves[:-1]:
            set_state(registry, "mini-0000", state)
        with pytest.raises(RegistryError, match=message):
            set_state(registry, "mini-0000", moves[-1])
        change = set_state(registry, "mini-0000", moves[-1], "partner asked", reopen=True)
        assert change.state == moves[-1]
        events = history(registry, "mini-0000")["events"]
    assert events[-1]["note"] == "reopened: partner asked"


def test_forget_removes_the_copy_restores_the_state_and_is_recorded(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 2)
    first = _copy(tmp_path, "v1.docx", replace=((THIRTY_SIX, "sixty (60)"),))
    wrong = _copy(tmp_path, "wrong.docx", partner="mini-0001", **WALK_AWAY)
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0000", first)
        set_state(registry, "mini-0000", "executed", "signed as received", force=True)
        ingest(registry, "mini-0000", wrong, force=True)  # the wrong partner's: refused without
        with registry.read() as conn:
            kept = conn.execute(select(func.count()).select_from(blobs)).scalar_one()
        done = forget(registry, "mini-0000", 2, note="belongs to mini-0001", by="Dana Lee")
        assert done.state == ("received", "executed")
        with registry.read() as conn:
            versions = conn.execute(select(negotiated_versions.c.seq)).scalars().all()
            files = conn.execute(select(documents.c.sha256)).scalars().all()
            left = conn.execute(select(func.count()).select_from(blobs)).scalar_one()
        events = history(registry, "mini-0000")["events"]
        with pytest.raises(RegistryError, match="no negotiated version 2; recorded: 1"):
            forget(registry, "mini-0000", 2)
        again = ingest(registry, "mini-0001", wrong)  # the right partner now
    assert versions == [1] and done.sha256 not in files
    assert left < kept  # the wrong file's own text is gone, shared pieces stay
    gone = [e for e in events if e["kind"] == "forget"]
    assert gone[0]["file"] == "wrong.docx" and gone[0]["by"] == "Dana Lee"
    assert gone[0]["note"] == "belongs to mini-0001" and gone[0]["state"] == "received"
    assert [e["version"] for e in events if e["kind"] == "received"] == [1]
    restored = [e for e in events if e["kind"] == "state"][-1]
    assert (restored["from"], restored["to"]) == ("received", "executed")
    assert restored["note"] == "version 2 (wrong.docx) forgotten"
    assert (again.version, again.duplicate) == (1, False)


def test_a_copy_with_unapproved_deviations_is_not_ingested_as_executed(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url)
    walk_away = _copy(tmp_path, "walk-away.docx", **WALK_AWAY)
    with open_registry(registry_url) as registry:
        with pytest.raises(RegistryError, match=r"as executed: \d+ deviation.*retention \(walk"):
            ingest(registry, "mini-0000", walk_away, state="executed")
        with registry.read() as conn:  # the whole transaction rolled back
            assert conn.execute(select(negotiated_versions.c.seq)).scalars().all() == []
        ingest(registry, "mini-0000", walk_away)  # as received, then approve, then execute
        approve(registry, "mini-0000", by="Dana Lee")
        assert set_state(registry, "mini-0000", "executed").state == "executed"


def test_the_audit_trail_cannot_be_edited_even_with_sql(tmp_path: Path, registry_url: str) -> None:
    _setup(tmp_path, registry_url)
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0000", _copy(tmp_path, "back.docx", **WALK_AWAY))
        approve(registry, "mini-0000", by="Dana Lee")
        for statement in (
            "UPDATE approvals SET approved_by = 'someone else'",
            "DELETE FROM approvals",
        ):
            with pytest.raises(RegistryError, match="append-only"):
                registry.write(lambda conn, sql=statement: conn.execute(text(sql)))
        assert [
            e["by"] for e in history(registry, "mini-0000")["events"] if e["kind"] == "approval"
        ] == ["Dana Lee", "Dana Lee"]


# ---------------------------------------------------------------------------------- due


def _library_with_deadlines(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    clause = root / "clauses" / "retention.yaml"
    clause.write_text(
        clause.read_text().replace(
            "\nvariants:\n",
            """
deadlines:
  - id: retention_end
    name: Retention End Date
    date: effective_date + retention_months months
    owed_by: recipient
  - id: certificate_due
    name: Certificate of destruction due
    date: retention_end + 30 days
    owed_by: recipient
    description: Signed by an officer.
variants:
""",
            1,
        )
    )
    return root


def test_due_lists_each_executed_agreements_dates_and_writes_a_calendar(
    cli, tmp_path: Path
) -> None:
    from icalendar import Calendar

    url = str(tmp_path / "registry.db")
    library = _library_with_deadlines(tmp_path)
    write_partners(tmp_path / "partners", 3, retention=[36])
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")
    with open_registry(url) as registry:
        # partner 1 renegotiated retention to 48 months in the copy it signed
        ingest(
            registry,
            "mini-0001",
            _copy(
                tmp_path, "b.docx", partner="mini-0001", replace=((THIRTY_SIX, "forty-eight (48)"),)
            ),
            state="executed",
        )
        set_state(registry, "mini-0000", "sent")
        set_state(registry, "mini-0000", "executed")
        found = due(registry, load_library(library), today=dt.date(2026, 1, 1))
    assert [(d.partner, d.deadline, d.date) for d in found] == [
        ("mini-0000", "retention_end", dt.date(2029, 3, 1)),
        ("mini-0000", "certificate_due", dt.date(2029, 3, 31)),
        ("mini-0001", "retention_end", dt.date(2030, 3, 1)),
        ("mini-0001", "certificate_due", dt.date(2030, 3, 31)),
    ]  # mini-0002: not executed

    code, stdout, _ = cli(
        "due",
        "--within",
        "90d",
        "--today",
        "2029-01-15",
        "--json",
        "--library",
        library,
        "--registry",
        url,
    )
    assert code == 0
    assert [d["date"] for d in json.loads(stdout)["dates"]] == ["2029-03-01", "2029-03-31"]
    code, stdout, _ = cli(
        "due", "--within", "1m", "--today", "2029-02-01", "--library", library, "--registry", url
    )
    assert "Retention End Date" in stdout and "Certificate" not in stdout
    code, stdout, _ = cli("due", "--csv", "--library", library, "--registry", url)
    assert stdout.splitlines()[0].startswith("date,partner,partner_name,agreement")
    assert len(stdout.splitlines()) == 5
    code, _, stderr = cli("due", "--within", "soon", "--registry", url)
    assert code == 2 and "expected a number of days" in stderr

    target = tmp_path / "due.ics"
    code, _, stderr = cli(
        "due", "--ics", target, "--today", "2026-01-01", "--library", library, "--registry", url
    )
    assert code == 0 and "wrote" in stderr
    calendar = Calendar.from_ical(target.read_bytes())
    events = sorted(
        (e.decoded("dtstart"), str(e["summary"]), str(e["uid"])) for e in calendar.walk("VEVENT")
    )
    assert events == [
        (
            dt.date(2029, 3, 1),
            "Retention End Date: University 0",
            "mini-0000-1-retention_end@dsagen",
        ),
        (
            dt.date(2029, 3, 31),
            "Certificate of destruction due: University 0",
            "mini-0000-1-certificate_due@dsagen",
        ),
        (
            dt.date(2030, 3, 1),
            "Retention End Date: University 1",
            "mini-0001-2-retention_end@dsagen",
        ),
        (
            dt.date(2030, 3, 31),
            "Certificate of destruction due: University 1",
            "mini-0001-2-certificate_due@dsagen",
        ),
    ]
    code, _, stderr = cli("due", "--ics", target, "--library", library, "--registry", url)
    assert code == 2 and "already exists" in stderr


def test_the_shipped_library_gives_term_retention_and_certificate_dates() -> None:
    from dsagen.registry.due import agreement_dates

    library = load_library()
    values = {
        "effective_date": "2026-03-01",
        "term_months": 36,
        "retention_months": 48,
        "erasure_days": 30,
        "certificate_of_destruction": True,
        "termination_notice_days": 60,
        "reproducibility_archive": False,
        "archive_years": 5,
    }
    dates = {d.id: day for _, d, day in agreement_dates(library, ["term", "retention"], values)}
    assert dates == {
        "term_end": dt.date(2029, 3, 1),
        "extension_notice": dt.date(2028, 12, 31),
        "retention_end": dt.date(2029, 3, 1),  # the earlier of 48 months and Term
        "destruction_due": dt.date(2029, 3, 31),
        "destruction_certificate_due": dt.date(2029, 3, 31),
        "backups_overwritten": dt.date(2029, 5, 30),
    }
