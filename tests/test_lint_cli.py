"""`dsagen lint` as a user runs it, and the two places lint is wired in: `dsagen generate`
refuses agreements with lint errors, `dsagen diff` marks rule-breaking changes walk-away."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from dsagen.generate import LintErrorsFound, generate
from dsagen.library import load_library
from dsagen.lint import load_profiles
from tests.conftest import EXAMPLES, MINILIB, ROOT
from tests.test_lint_profiles import (
    delete_paragraph,
    edited_docx,
    partner_variant,
    replace_text,
)

FINDING_KEYS = {
    "rule",
    "profile",
    "severity",
    "citation",
    "element",
    "clause",
    "other_clause",
    "parameter",
    "found",
    "required",
    "line",
}


@pytest.fixture
def no_reidentification(tmp_path: Path) -> Path:
    """The HIPAA example's issued DOCX with the no-re-identification sentence deleted."""
    return edited_docx(
        tmp_path,
        EXAMPLES / "yoda-clinical.yaml",
        "yoda-returned",
        delete_paragraph("not identify the information or contact"),
    )


def test_the_example_partners_lint_clean(cli) -> None:
    code, stdout, _ = cli("lint", EXAMPLES)
    assert code == 0
    assert "8 file(s): 0 error(s), 0 warning(s)" in stdout
    for regime in ("ferpa", "hipaa_lds", "gdpr", "cdla_open_data", "public_institution"):
        assert regime in stdout


def test_json_findings_name_rule_citation_clause_parameter_found_required_severity(
    cli, tmp_path: Path
) -> None:
    path = partner_variant(tmp_path, "district-aims", "no-period", drop=("ferpa_destruction_days",))
    code, stdout, _ = cli("lint", path, "--json")
    assert code == 1
    report = json.loads(stdout)
    assert report["schema"] == "dsagen.lint/1"
    assert report["summary"]["error"] == 1
    [file] = report["files"]
    assert (file["path"], file["kind"], file["template"]) == (str(path), "partner", "research-dsa")
    assert file["profiles"] == ["ferpa", "public_institution"]
    [error] = [f for f in file["findings"] if f["severity"] == "error"]
    assert set(error) == FINDING_KEYS
    assert error["rule"] == "ferpa.destruction"
    assert error["citation"] == "34 CFR 99.31(a)(6)(iii)(C)(4)"
    assert (error["clause"], error["parameter"]) == ("ferpa", "ferpa_destruction_days")
    assert error["found"] and error["required"]
    assert all(f["severity"] == "info" for f in file["findings"] if f is not error)


def test_terminal_table_shows_rule_citation_found_and_required(cli, tmp_path: Path) -> None:
    path = partner_variant(tmp_path, "district-aims", "follow-up", {"follow_up_studies": True})
    code, stdout, _ = cli("lint", path)
    assert code == 1
    for text in (
        "ferpa.use_limited",
        "34 CFR 99.31(a)(6)(iii)(C)(2)",
        "parameter",
        "follow_up_studies = true",
        "required:",
        "1 error(s)",
    ):
        assert text in stdout


def test_negotiated_docx_is_linted_through_its_provenance(cli, no_reidentification) -> None:
    code, stdout, _ = cli("lint", no_reidentification, "--json")
    assert code == 1
    [file] = json.loads(stdout)["files"]
    assert file["kind"] == "document" and file["profiles"] == ["hipaa_lds"]
    assert [f["rule"] for f in file["findings"]] == ["hipaa_lds.no_reidentification"]
    assert file["findings"][0]["citation"] == "45 CFR 164.514(e)(4)(ii)(C)(5)"


def test_a_folder_mixes_partner_files_and_documents(
    cli, tmp_path: Path, no_reidentification
) -> None:
    (tmp_path / "yoda-clinical.yaml").write_bytes((EXAMPLES / "yoda-clinical.yaml").read_bytes())
    code, stdout, _ = cli("lint", tmp_path, "--json")
    assert code == 1
    kinds = {Path(f["path"]).name: f["kind"] for f in json.loads(stdout)["files"]}
    assert kinds == {"yoda-clinical.yaml": "partner", "yoda-returned.docx": "document"}


def test_a_docx_without_provenance_needs_the_standard(
    cli, tmp_path: Path, no_reidentification
) -> None:
    stripped = tmp_path / "third-party.docx"
    with zipfile.ZipFile(no_reidentification) as source, zipfile.ZipFile(stripped, "w") as out:
        for item in source.infolist():
            if item.filename != "docProps/custom.xml":
                out.writestr(item, source.read(item.filename))
    code, _, stderr = cli("lint", stripped)
    assert code == 2 and "--standard" in stderr and str(stripped) in stderr
    code, stdout, _ = cli("lint", stripped, "--standard", EXAMPLES / "yoda-clinical.yaml", "--json")
    assert code == 1
    [file] = json.loads(stdout)["files"]
    assert {f["rule"] for f in file["findings"] if f["severity"] == "error"} == {
        "hipaa_lds.no_reidentification"
    }


def test_negotiated_values_are_placed_on_the_playbook(cli, tmp_path: Path) -> None:
    negotiated = edited_docx(
        tmp_path,
        EXAMPLES / "gravy-uf.yaml",
        "gravy-returned",
        replace_text(
            "thirty-six (36) months after the Effective Date",
            "eighty-four (84) months after the Effective Date",
        ),
    )
    code, stdout, _ = cli("lint", negotiated, "--json")
    assert code == 0  # outside the playbook is a warning, not an error
    [file] = json.loads(stdout)["files"]
    [finding] = file["findings"]
    assert (finding["rule"], finding["severity"]) == ("playbook.retention_months", "warning")
    assert "negotiated retention_months = 84 (issued 36)" in finding["found"]
    assert "walk-away" in finding["found"] and "playbook.yaml:" in finding["citation"]


def test_playbook_warnings_name_the_approver(cli, tmp_path: Path) -> None:
    path = partner_variant(tmp_path, "gravy-uf", "slow-breach", {"breach_notice_hours": 96})
    code, stdout, _ = cli("lint", path, "--profile", "playbook", "--json")
    assert code == 0
    [file] = json.loads(stdout)["files"]
    assert file["profiles"] == []
    [warning] = [f for f in file["findings"] if f["severity"] == "warning"]
    assert warning["rule"] == "playbook.breach_notice_hours"
    assert "needs approval by Chief Privacy Officer" in warning["found"]
    assert warning["line"] and "playbook.yaml" in warning["citation"]


def test_fail_on_warning_makes_terms_outside_the_playbook_fail(cli, tmp_path: Path) -> None:
    path = partner_variant(
        tmp_path, "gravy-uf", "vetoed", {"provider_veto": True}, drop=("acknowledgement_text",)
    )  # not used under a veto
    assert cli("lint", path)[0] == 0
    assert cli("lint", path, "--fail-on", "warning")[0] == 1
    assert cli("lint", EXAMPLES / "gravy-uf.yaml", "--fail-on", "warning")[0] == 0
    code, _, stderr = cli("lint", path, "--fail-on", "walkaway")
    assert code == 2 and "--fail-on" in stderr


def test_generate_names_terms_beyond_walk_away(cli, tmp_path: Path) -> None:
    path = partner_variant(
        tmp_path, "gravy-uf", "vetoed", {"provider_veto": True}, drop=("acknowledgement_text",)
    )  # not used under a veto
    code, stdout, stderr = cli(
        "generate", path, "--out", tmp_path / "out", "--format", "md", "--no-record"
    )
    assert code == 0 and (tmp_path / "out" / "vetoed" / "research-dsa.md").exists()
    assert "provider_veto = true: beyond the walk-away limit" in " ".join(stderr.split())
    assert "outside the playbook" in stdout
    code, stdout, _ = cli(
        "generate",
        path,
        "--out",
        tmp_path / "out",
        "--format",
        "md",
        "--no-record",
        "--force",
        "--json",
    )
    [result] = json.loads(stdout)
    assert any("provider_veto" in w for w in result["warnings"])
    _, stdout, stderr = cli(
        "generate",
        EXAMPLES / "gravy-uf.yaml",
        "--out",
        tmp_path / "std",
        "--format",
        "md",
        "--no-record",
    )
    assert "warning" not in stderr and "outside the playbook" not in stdout


def test_profile_option_applies_a_profile_the_parameters_do_not_call_for(cli) -> None:
    code, stdout, _ = cli("lint", EXAMPLES / "linkedin-econ.yaml", "--profile", "ferpa", "--json")
    assert code == 1
    [file] = json.loads(stdout)["files"]
    assert file["profiles"] == ["ferpa"]
    assert [f["rule"] for f in file["findings"]] == ["ferpa.agreement"]


@pytest.mark.parametrize(
    "args,message",
    [
        (("lint",), "expected PATH"),
        (("lint", EXAMPLES, "--profile", "fepra"), "did you mean 'ferpa'"),
        (("lint", ROOT / "README.md"), "expected a partner YAML"),
        (("lint", ROOT / "no-such-folder"), "no such file or folder"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli, args, message) -> None:
    code, stdout, stderr = cli(*args)
    assert code == 2 and message in stderr and "Traceback" not in stderr + stdout


def test_a_missing_value_no_rule_requires_is_bad_input_as_for_validate(cli, tmp_path: Path) -> None:
    path = partner_variant(tmp_path, "district-aims", "anonymous", drop=("provider_name",))
    code, _, stderr = cli("lint", path)
    assert code == 2 and "missing required parameter 'provider_name'" in stderr


def test_rules_lists_every_rule_with_its_citation(cli) -> None:
    profiles = load_profiles(load_library())
    code, stdout, _ = cli("lint", "--rules")
    assert code == 0
    words = set(stdout.split())
    for profile in profiles:
        for rule in profile.rules:
            assert rule.id in words
            assert set(rule.citation.split()) <= words, rule.citation
    code, stdout, _ = cli("lint", "--rules", "--json")
    listed = [r for p in json.loads(stdout) for r in p["rules"]]
    assert len(listed) == sum(len(p.rules) for p in profiles) >= 25
    assert all(r["citation"].strip() and r["element"].strip() for r in listed)
    code, stdout, _ = cli("lint", "--rules", "--profile", "gdpr", "--json")
    assert [p["profile"] for p in json.loads(stdout)] == ["gdpr"]


def test_generate_refuses_an_agreement_with_lint_errors_unless_allowed(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # any registry the command opens stays here
    path = partner_variant(tmp_path, "district-aims", "commercial", {"commercial_use": True})
    out = tmp_path / "out"
    code, _, stderr = cli("generate", path, "--format", "md", "--out", out)
    assert code == 1
    assert "ferpa.use_limited (34 CFR 99.31(a)(6)(iii)(C)(2))" in stderr
    assert "--allow-lint-errors" in stderr and str(path) in stderr
    assert not out.exists()
    code, _, stderr = cli("generate", path, "--format", "md", "--out", out, "--allow-lint-errors")
    assert code == 0, stderr
    assert (out / "commercial" / "research-dsa.md").exists()


def test_generate_refuses_in_the_library_too(tmp_path: Path) -> None:
    path = partner_variant(
        tmp_path, "gravy-uf", "indemnity", {"variants": {"liability": "standard"}}
    )
    with pytest.raises(LintErrorsFound, match=r"public_institution.no_indemnity") as caught:
        generate([path], out_dir=tmp_path / "out", formats=("md",), jobs=1)
    assert caught.value.exit_code == 1
    done = generate(
        [path], out_dir=tmp_path / "out", formats=("md",), jobs=1, allow_lint_errors=True
    )
    assert [r.partner for r in done] == ["indemnity"]


def test_diff_marks_the_rule_breaking_change_walk_away_and_names_the_rule(
    cli, no_reidentification
) -> None:
    code, stdout, _ = cli("diff", EXAMPLES / "yoda-clinical.yaml", no_reidentification, "--json")
    assert code == 1
    report = json.loads(stdout)
    assert report["worst_severity"] == "walk-away"
    [changed] = [c for c in report["clauses"] if c["status"] != "unchanged"]
    assert (changed["id"], changed["severity"]) == ("hipaa_lds", "walk-away")
    [rule] = changed["rules"]
    assert rule["rule"] == "hipaa_lds.no_reidentification"
    assert rule["citation"] == "45 CFR 164.514(e)(4)(ii)(C)(5)"
    code, stdout, _ = cli(
        "diff", EXAMPLES / "yoda-clinical.yaml", no_reidentification, "--fail-on", "walk-away"
    )
    assert code == 1 and "breaks" in stdout and "Worst position: walk-away" in stdout


def test_diff_of_a_change_that_keeps_the_law_adds_no_rule(cli, tmp_path: Path) -> None:
    negotiated = edited_docx(
        tmp_path,
        EXAMPLES / "district-aims.yaml",
        "district-returned",
        replace_text(
            "within thirty (30) days after the earlier", "within sixty (60) days after the earlier"
        ),
    )
    _code, stdout, _ = cli("diff", EXAMPLES / "district-aims.yaml", negotiated, "--json")
    clauses = json.loads(stdout)["clauses"]
    assert all(c["rules"] == [] for c in clauses)
    [ferpa] = [c for c in clauses if c["id"] == "ferpa"]
    assert ferpa["severity"] == "fallback"
    assert ferpa["parameters"][0]["name"] == "ferpa_destruction_days"


def test_a_library_without_rules_lints_the_playbook_only(cli, mini_partner: Path) -> None:
    code, stdout, _ = cli("lint", mini_partner, "--library", MINILIB, "--json")
    assert code == 0
    [file] = json.loads(stdout)["files"]
    assert file["profiles"] == []
    assert [f["rule"] for f in file["findings"]] == ["playbook.retention_months"]


def test_make_demo_shows_the_lint_summary() -> None:
    makefile = (ROOT / "Makefile").read_text()
    demo = makefile.split("\ndemo:")[1].split("\n\n")[0]
    assert "dsagen lint examples/partners/" in demo


def test_lint_output_is_deterministic(cli) -> None:
    first = cli("lint", EXAMPLES, "--json")[1]
    assert cli("lint", EXAMPLES, "--json")[1] == first
    assert io.StringIO(first).read().startswith("{")
