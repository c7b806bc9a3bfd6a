"""The registry as a library, on SQLite and on a real PostgreSQL server: recording, ingesting,
the queries, lifecycle and a crash in the middle of a write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dsagen.errors import DocumentError, RegistryError
from dsagen.generate import generate
from dsagen.library import load_library
from dsagen.registry import ingest as ingest_module
from dsagen.registry import open_registry, queries
from dsagen.registry.export import export, export_rows
from dsagen.registry.history import history
from dsagen.registry.ingest import ingest
from dsagen.registry.lifecycle import set_state
from dsagen.registry.outdated import outdated
from dsagen.registry.record import record_generation
from dsagen.registry.schema import (
    agreement_clauses,
    agreements,
    documents,
    negotiated_clauses,
    negotiated_versions,
    state_changes,
)
from dsagen.registry.verify import verify
from dsagen.render.docx import render_docx
from tests.conftest import EXAMPLES, MINILIB
from tests.test_registry_fixtures import (
    generate_and_record,
    negotiate,
    write_partners,
)

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url

COUNSEL = ("Jane Counsel", "2026-04-01T09:30:00Z")
THIRTY_SIX = "thirty-six (36)"


def _docx(tmp_path: Path, partner: str) -> Path:
    return tmp_path / "out" / partner / "mini.docx"


def _setup(tmp_path: Path, url: str, count: int = 3, retention: list[int] | None = None) -> None:
    write_partners(tmp_path / "partners", count, retention=retention or [36])
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")


def _count(url: str, table) -> int:
    with open_registry(url) as registry, registry.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_generation_records_each_clause_with_version_variant_and_position(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 3, retention=[36, 48, 84])
    with open_registry(registry_url) as registry, registry.read() as conn:
        rows = conn.execute(
            select(agreement_clauses)
            .where(agreement_clauses.c.clause_id == "retention")
            .order_by(agreement_clauses.c.agreement_id)
        ).all()
        stored = conn.execute(select(func.count()).select_from(documents)).scalar_one()
    assert [(r.version, r.variant) for r in rows] == [("1.2.0", "standard")] * 3
    assert [r.position for r in rows] == ["standard", "fallback", "walk-away"]
    assert json.loads(rows[1].params) == {"retention_months": 48}
    assert "forty-eight (48) months" in rows[1].text
    assert stored == 3  # the issued DOCX bytes, which later ingests compare with


def test_recording_the_same_generation_twice_adds_nothing(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 2)
    results = generate(
        [tmp_path / "partners"],
        out_dir=tmp_path / "out",
        formats=("docx",),
        force=True,
        jobs=1,
        library_root=MINILIB,
    )
    with open_registry(registry_url) as registry:
        recorded = record_generation(registry, results, library_root=MINILIB)
    assert [r.new for r in recorded] == [False, False]
    assert _count(registry_url, agreements) == 2


def test_ingest_stores_text_status_severity_parameters_and_tracked_authors(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 1)
    copy = negotiate(
        _docx(tmp_path, "mini-0000"),
        tmp_path / "back.docx",
        replace=((THIRTY_SIX, "sixty (60)"),),
        track=COUNSEL,
    )
    with open_registry(registry_url) as registry:
        result = ingest(registry, "mini-0000", copy)
        with registry.read() as conn:
            row = conn.execute(
                select(negotiated_clauses).where(negotiated_clauses.c.clause_id == "retention")
            ).one()
            version = conn.execute(select(negotiated_versions)).one()
    assert (result.version, result.duplicate, result.worst_severity) == (1, False, "fallback")
    assert (row.status, row.severity, row.position) == ("modified", "fallback", "fallback")
    assert json.loads(row.param_values) == {"retention_months": 60}
    assert json.loads(row.parameters)[0]["negotiated"] == 60
    assert json.loads(row.authors) == ["Jane Counsel"]
    assert json.loads(row.dates) == ["2026-04-01T09:30:00Z"]
    assert "sixty (60) months" in row.text and THIRTY_SIX in row.standard_text
    assert not row.untracked
    assert (version.state, version.revisions, json.loads(version.authors)) == (
        "received",
        2,
        ["Jane Counsel"],
    )


def test_ingesting_the_same_file_twice_is_detected_not_duplicated(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 1)
    copy = negotiate(
        _docx(tmp_path, "mini-0000"), tmp_path / "back.docx", replace=((THIRTY_SIX, "sixty (60)"),)
    )
    with open_registry(registry_url) as registry:
        first = ingest(registry, "mini-0000", copy)
        second = ingest(registry, "mini-0000", copy)
    assert not first.duplicate and second.duplicate and second.version == first.version
    assert _count(registry_url, negotiated_versions) == 1


def test_ingest_errors_are_one_line_registry_or_document_errors(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 2)
    not_docx = tmp_path / "notes.docx"
    not_docx.write_text("not a zip")
    with open_registry(registry_url) as registry:
        with pytest.raises(RegistryError, match=r"unknown partner 'mini-0009'.*mini-0000"):
            ingest(registry, "mini-0009", _docx(tmp_path, "mini-0000"))
        with pytest.raises(DocumentError, match="not a DOCX file"):
            ingest(registry, "mini-0000", not_docx)
        with pytest.raises(DocumentError, match="no such file"):
            ingest(registry, "mini-0000", tmp_path / "missing.docx")
        with pytest.raises(RegistryError, match="--state"):
            ingest(registry, "mini-0000", _docx(tmp_path, "mini-0000"), state="draft")
        ingest(registry, "mini-0000", _docx(tmp_path, "mini-0000"))
        with pytest.raises(RegistryError, match="already ingested for partner 'mini-0000'"):
            ingest(registry, "mini-0001", _docx(tmp_path, "mini-0000"))


def test_crash_mid_ingest_leaves_the_registry_as_before(
    tmp_path: Path, registry_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup(tmp_path, registry_url, 1)
    copy = negotiate(
        _docx(tmp_path, "mini-0000"), tmp_path / "back.docx", replace=((THIRTY_SIX, "sixty (60)"),)
    )
    real = ingest_module._insert_negotiated_clauses

    def crash(conn, version_id, rows):
        real(conn, version_id, rows[:2])  # half the clauses are written, then it fails
        raise OSError("disk unplugged")

    monkeypatch.setattr(ingest_module, "_insert_negotiated_clauses", crash)
    before = {
        t.name: _count(registry_url, t)
        for t in (negotiated_versions, negotiated_clauses, documents, state_changes)
    }
    with open_registry(registry_url) as registry, pytest.raises(OSError):
        ingest(registry, "mini-0000", copy)
    after = {
        t.name: _count(registry_url, t)
        for t in (negotiated_versions, negotiated_clauses, documents, state_changes)
    }
    assert after == before
    with open_registry(registry_url) as registry, registry.read() as conn:
        assert conn.execute(select(agreements.c.state)).scalar_one() == "draft"
    monkeypatch.setattr(ingest_module, "_insert_negotiated_clauses", real)
    with open_registry(registry_url) as registry:
        assert ingest(registry, "mini-0000", copy).version == 1


def _four_partners(tmp_path: Path, url: str) -> None:
    """0: issued only (36), 1: fallback 60 tracked, 2: clause deleted, 3: walk-away 84 untracked
    plus a custom sentence in the preamble."""
    _setup(tmp_path, url, 4)
    edits = {
        "mini-0001": {"replace": ((THIRTY_SIX, "sixty (60)"),), "track": COUNSEL},
        "mini-0002": {"delete_clause": "retention"},
        "mini-0003": {
            "replace": ((THIRTY_SIX, "eighty-four (84)"),),
            "add_after": (
                "The Recipient wishes",
                "The Recipient may audit the Provider once a year.",
            ),
        },
    }
    with open_registry(url) as registry:
        for partner, edit in edits.items():
            copy = negotiate(_docx(tmp_path, partner), tmp_path / f"{partner}.docx", **edit)
            ingest(registry, partner, copy)


def test_the_matrix_columns_follow_the_clause_order_of_the_agreements(tmp_path: Path) -> None:
    """family_order finds each family's first position through the index, family by family:
    the same as reading every clause (and not the alphabetical order)."""
    url = str(tmp_path / "registry.db")
    results = generate([EXAMPLES], out_dir=tmp_path / "out", formats=("docx",), jobs=1)
    with open_registry(url, create=True) as registry:
        record_generation(registry, results)
        with registry.read() as conn:
            found = queries.family_order(conn)
            every_clause = dict(
                conn.execute(
                    select(agreement_clauses.c.family, func.min(agreement_clauses.c.seq)).group_by(
                        agreement_clauses.c.family
                    )
                ).all()
            )
        families = queries.variants_matrix(registry).families
    assert found == every_clause
    assert families != sorted(families)
    assert families == sorted(families, key=lambda f: (f == "other", found[f], f))


def test_variants_matrix_shows_standard_fallback_deviation_and_missing(
    tmp_path: Path, registry_url: str
) -> None:
    _four_partners(tmp_path, registry_url)
    with open_registry(registry_url) as registry:
        matrix = queries.variants_matrix(registry)
    data = matrix.to_json()
    assert data["families"] == ["parties", "retention", "signatures"]
    cells = {p["partner"]: {f: c["kind"] for f, c in p["cells"].items()} for p in data["partners"]}
    assert cells == {
        "mini-0000": {"parties": "standard", "retention": "standard", "signatures": "standard"},
        "mini-0001": {"parties": "standard", "retention": "fallback", "signatures": "standard"},
        "mini-0002": {"parties": "standard", "retention": "missing", "signatures": "standard"},
        "mini-0003": {"parties": "approval", "retention": "walk-away", "signatures": "standard"},
    }
    row = next(p for p in data["partners"] if p["partner"] == "mini-0001")
    assert row["cells"]["retention"]["label"] == "fallback: retention_months: 36 → 60"
    assert [p["source"] for p in data["partners"]] == [
        "issued",
        "negotiated",
        "negotiated",
        "negotiated",
    ]
    assert data["counts"]["retention"] == {
        "standard": 1,
        "fallback": 1,
        "missing": 1,
        "walk-away": 1,
    }
    assert json.loads(matrix.json_bytes()) == data  # the fast path writes the same document


def test_clause_variants_group_near_identical_wordings_and_count_parameter_values(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 7)
    edits = {
        "mini-0001": ((THIRTY_SIX, "sixty (60)"),),
        "mini-0002": ((THIRTY_SIX, "sixty (60)"),),
        "mini-0003": ((THIRTY_SIX, "eighty-four (84)"),),
        "mini-0004": (
            (
                "The Recipient shall keep the Data for no longer than thirty-six (36) "
                "months and shall then destroy it",
                "The Recipient may keep the Data "
                "for as long as its research programme continues and will afterwards "
                "consider whether to return it",
            ),
        ),
    }
    with open_registry(registry_url) as registry:
        for partner, replace in edits.items():
            ingest(
                registry,
                partner,
                negotiate(_docx(tmp_path, partner), tmp_path / f"{partner}.docx", replace=replace),
            )
        ingest(
            registry,
            "mini-0005",
            negotiate(
                _docx(tmp_path, "mini-0005"), tmp_path / "m5.docx", delete_clause="retention"
            ),
        )
        found = queries.clause_variants(registry, "retention").to_json()
    assert found["partners"] == 7
    assert [g["count"] for g in found["groups"]] == [5, 1]
    main, custom = found["groups"]
    assert len(main["wordings"]) == 3  # 36, 60 and 84 months: near-identical, one group
    assert [w["partners"] for w in main["wordings"]] == [
        ["mini-0001", "mini-0002"],
        ["mini-0000", "mini-0006"],
        ["mini-0003"],
    ]
    assert custom["partners"] == ["mini-0004"]
    assert found["missing"] == ["mini-0005"]
    values = {v["value"]: v["count"] for v in found["parameters"][0]["values"]}
    assert found["parameters"][0]["name"] == "retention_months"
    assert values == {36: 3, 60: 2, 84: 1}
    with open_registry(registry_url) as registry, pytest.raises(RegistryError, match="retention"):
        queries.clause_variants(registry, "retentoin")


def test_history_lists_versions_and_what_changed_between_them(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 1)
    first = negotiate(
        _docx(tmp_path, "mini-0000"),
        tmp_path / "v1.docx",
        replace=((THIRTY_SIX, "sixty (60)"),),
        track=COUNSEL,
    )
    second = negotiate(
        _docx(tmp_path, "mini-0000"),
        tmp_path / "v2.docx",
        replace=((THIRTY_SIX, "forty-eight (48)"),),
    )
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0000", first)
        ingest(registry, "mini-0000", second, state="executed")
        data = history(registry, "mini-0000")
        with pytest.raises(RegistryError, match="unknown partner"):
            history(registry, "nobody")
    kinds = [e["kind"] for e in data["events"]]
    assert kinds == ["issued", "state", "received", "state", "received", "state"]
    v1, v2 = [e for e in data["events"] if e["kind"] == "received"]
    assert v1["changes"] == [
        {
            "clause": "retention",
            "change": "modified",
            "position": ["standard", "fallback"],
            "text": [{"before": "thirty-six", "after": "sixty"}, {"before": "36", "after": "60"}],
        }
    ]
    assert v2["changes"][0]["text"] == [
        {"before": "sixty", "after": "forty-eight"},
        {"before": "60", "after": "48"},
    ]
    assert (v2["version"], v2["state"], v1["authors"]) == (2, "executed", ["Jane Counsel"])
    assert [e["to"] for e in data["events"] if e["kind"] == "state"] == [
        "draft",
        "received",
        "executed",
    ]


def _library_copy(
    tmp_path: Path, name: str, edit: tuple[str, str] | None = None, version: str | None = None
) -> Path:
    root = tmp_path / name
    shutil.copytree(MINILIB, root)
    clause = root / "clauses" / "retention.yaml"
    text = clause.read_text()
    if edit:
        text = text.replace(*edit)
    if version:
        text = text.replace("version: 1.2.0", f"version: {version}")
    clause.write_text(text)
    return root


def test_outdated_lists_agreements_on_older_clause_versions_with_what_changed(
    tmp_path: Path, registry_url: str
) -> None:
    old = _library_copy(tmp_path, "lib-then")
    new = _library_copy(
        tmp_path, "lib-now", ("shall then destroy it", "shall then securely erase it"), "1.3.0"
    )
    write_partners(tmp_path / "partners", 2, retention=[36, 60])
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out", library=old)
    with open_registry(registry_url) as registry:
        set_state(registry, "mini-0000", "executed")
        assert outdated(registry, load_library(old)) == []
        found = outdated(registry, load_library(new))
        executed_only = outdated(registry, load_library(new), ("executed",))
    assert [(a.partner, a.state) for a in found] == [
        ("mini-0000", "executed"),
        ("mini-0001", "draft"),
    ]
    clause = found[0].clauses[0]
    assert (clause.clause, clause.issued, clause.current) == ("retention", "1.2.0", "1.3.0")
    assert clause.changes == [{"before": "destroy", "after": "securely erase"}]
    assert found[1].clauses[0].changes == clause.changes  # one diff per clause version
    assert [a.partner for a in executed_only] == ["mini-0000"]


def test_verify_finds_identical_files_and_what_a_changed_copy_derives_from(
    tmp_path: Path, registry_url: str
) -> None:
    write_partners(tmp_path / "partners", 2)
    results = generate(
        [tmp_path / "partners"],
        out_dir=tmp_path / "out",
        formats=("docx", "pdf"),
        force=True,
        jobs=1,
        library_root=MINILIB,
    )
    with open_registry(registry_url, create=True) as registry:
        record_generation(registry, results, library_root=MINILIB)
    changed = negotiate(
        _docx(tmp_path, "mini-0001"),
        tmp_path / "changed.docx",
        replace=((THIRTY_SIX, "sixty (60)"),),
    )
    retitled = negotiate(
        _docx(tmp_path, "mini-0001"), tmp_path / "retitled.docx", title="Final version"
    )
    # A PDF made from the same partner file with one value changed, never recorded.
    forged = tmp_path / "forged"
    forged.mkdir()
    (forged / "mini-0001.yaml").write_text(
        (tmp_path / "partners" / "mini-0001.yaml")
        .read_text()
        .replace("retention_months: 36", "retention_months: 60")
    )
    generate(
        [forged], out_dir=tmp_path / "forged-out", formats=("pdf",), jobs=1, library_root=MINILIB
    )
    with open_registry(registry_url) as registry:
        same_pdf = verify(registry, tmp_path / "out" / "mini-0000" / "mini.pdf")
        same_docx = verify(registry, _docx(tmp_path, "mini-0001"))
        docx_copy = verify(registry, changed)
        repackaged = verify(registry, retitled)
        pdf_copy = verify(registry, tmp_path / "forged-out" / "mini-0001" / "mini.pdf")
        with pytest.raises(DocumentError, match="DOCX or PDF"):
            verify(registry, tmp_path / "partners" / "mini-0000.yaml")
    assert same_pdf.identical and same_pdf.match["format"] == "pdf"
    assert same_pdf.match["partner"] == "mini-0000"
    assert same_docx.identical and same_docx.match["agreement"] == 2
    assert not docx_copy.identical
    assert docx_copy.derived_from["agreement"] == 2
    assert docx_copy.derived_from["found_by"] == "document properties"
    assert [d["clause"] for d in docx_copy.differences] == ["retention"]
    assert {"before": "thirty-six", "after": "sixty"} in docx_copy.differences[0]["changes"]
    assert repackaged.differences[0]["status"] == "cosmetic"
    assert not pdf_copy.identical and pdf_copy.derived_from["agreement"] == 2
    assert pdf_copy.derived_from["found_by"] == "agreement reference in the text"
    assert [d["clause"] for d in pdf_copy.differences] == ["retention"]
    assert {"before": "thirty-six", "after": "sixty"} in pdf_copy.differences[0]["changes"]


def test_lifecycle_states_and_superseding(tmp_path: Path, registry_url: str) -> None:
    _setup(tmp_path, registry_url, 1)
    with open_registry(registry_url) as registry:
        assert set_state(registry, "mini-0000", "sent").previous == "draft"
        assert set_state(registry, "MINI-0000", "executed").state == "executed"
        with pytest.raises(RegistryError, match="STATE: expected one of"):
            set_state(registry, "1", "signed")
        with pytest.raises(RegistryError, match="AGREEMENT"):
            set_state(registry, "#99", "sent")
    # An amendment: the same partner with new terms; executing it supersedes the first.
    (tmp_path / "partners" / "mini-0000.yaml").write_text(
        (tmp_path / "partners" / "mini-0000.yaml")
        .read_text()
        .replace("retention_months: 36", "retention_months: 48")
    )
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    with open_registry(registry_url) as registry:
        set_state(registry, "mini-0000", "executed")
        with registry.read() as conn:
            states = conn.execute(
                select(agreements.c.id, agreements.c.state).order_by(agreements.c.id)
            ).all()
    assert [tuple(s) for s in states] == [(1, "superseded"), (2, "executed")]


def test_export_holds_the_whole_registry(tmp_path: Path, registry_url: str) -> None:
    _four_partners(tmp_path, registry_url)
    with open_registry(registry_url) as registry:
        data = export(registry)
    assert data["schema"] == "dsagen.registry/1"
    assert [p["partner"] for p in data["partners"]] == [f"mini-{i:04d}" for i in range(4)]
    first = data["partners"][1]["agreements"][0]
    assert first["parameters"]["retention_months"] == 36
    assert [c["clause_id"] for c in first["clauses"]] == ["preamble", "retention", "signatures"]
    assert first["negotiated"][0]["clauses"][2]["param_values"] == {"retention_months": 60}
    rows = export_rows(data)
    assert len(rows) == 4 * 3 + 3 * 4  # issued clauses + negotiated clauses (front matter too)
    assert {r["record"] for r in rows} == {"issued", "negotiated"}


def test_a_copy_of_an_earlier_agreement_is_compared_with_that_agreement(
    tmp_path: Path, registry_url: str
) -> None:
    _setup(tmp_path, registry_url, 1)
    sent = tmp_path / "sent.docx"
    sent.write_bytes(_docx(tmp_path, "mini-0000").read_bytes())
    (tmp_path / "partners" / "mini-0000.yaml").write_text(
        (tmp_path / "partners" / "mini-0000.yaml")
        .read_text()
        .replace("retention_months: 36", "retention_months: 48")
    )
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")  # a new draft
    back = negotiate(sent, tmp_path / "back.docx", replace=((THIRTY_SIX, "sixty (60)"),))
    with open_registry(registry_url) as registry:
        result = ingest(registry, "mini-0000", back)
    assert result.agreement_id == 1  # not the newer draft #2
    assert [d["clause"] for d in result.deviations] == ["retention"]


def test_a_pdf_only_generation_still_keeps_the_standard_docx(
    tmp_path: Path, registry_url: str
) -> None:
    write_partners(tmp_path / "partners", 1)
    results = generate(
        [tmp_path / "partners"],
        out_dir=tmp_path / "out",
        formats=("pdf",),
        jobs=1,
        library_root=MINILIB,
    )
    with open_registry(registry_url, create=True) as registry:
        record_generation(registry, results, library_root=MINILIB)
        docx = tmp_path / "rendered.docx"
        docx.write_bytes(render_docx(results[0].agreement))
        copy = negotiate(docx, tmp_path / "back.docx", replace=((THIRTY_SIX, "sixty (60)"),))
        assert ingest(registry, "mini-0000", copy).worst_severity == "fallback"
        assert verify(registry, docx).match["path"] is None  # kept, never written out


_REASONS = """
import json, sys
from pathlib import Path
from dsagen.assemble import assemble
from dsagen.generate import GeneratedAgreement
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.registry.record import issued_record
library = load_library()
out = []
for path in sys.argv[1:]:
    partner = load_partner(Path(path), library)
    result = GeneratedAgreement(partner.slug, partner.path, partner.template_id,
                                assemble(partner, library), ())
    out += [(c.clause_id, c.reasons) for c in issued_record(result, library, b"").clauses]
print(json.dumps(out))
"""


def test_the_reasons_recorded_for_a_clause_do_not_depend_on_the_hash_seed() -> None:
    """A clause's reasons are listed in the order of the parameters it uses, which was a
    set's order: two `generate` runs recorded the same agreement differently."""
    examples = [str(path) for path in sorted(EXAMPLES.glob("*.yaml"))]
    runs = [
        subprocess.run(
            [sys.executable, "-c", _REASONS, *examples],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    ]
    assert runs[0] == runs[1] == runs[2]
    assert any(len(reasons) >= 2 for _, reasons in json.loads(runs[0]))
