"""`dsagen respond`: the counter-draft and the issues list for a returned copy.

Inputs are the example partner's agreement as the university returned it
(examples/negotiated/gravy-uf-v2.docx: two tracked fallbacks, a silent cut of the publication
review beyond walk-away, a silent indemnity, silent quotation marks) and agreements the tests
generate and edit at XML level.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from dsagen.compare.engine import compare
from dsagen.compare.model import SEVERITIES
from dsagen.read.docx import read_docx
from tests.conftest import EXAMPLES, ROOT

PARTNER = EXAMPLES / "gravy-uf.yaml"
RETURNED = ROOT / "examples" / "negotiated" / "gravy-uf-v2.docx"
UNIVERSITY = "The Board of Trustees of Gulf Coast State University"


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One run of `dsagen respond` on the example, every issues format written."""
    from typer.testing import CliRunner

    from dsagen.cli import app

    folder = tmp_path_factory.mktemp("respond")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "respond",
            str(PARTNER),
            str(RETURNED),
            "--out",
            str(folder / "v3.docx"),
            "--issues",
            str(folder / "issues.docx"),
            "--json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    for suffix in ("md", "html", "json"):
        again = runner.invoke(
            app,
            [
                "respond",
                str(PARTNER),
                str(RETURNED),
                "--out",
                str(folder / f"v3-{suffix}.docx"),
                "--issues",
                str(folder / f"issues.{suffix}"),
            ],
            catch_exceptions=False,
        )
        assert again.exit_code == 0, again.stderr
    return {
        "folder": folder,
        "data": json.loads(result.stdout),
        "docx": (folder / "v3.docx").read_bytes(),
    }


def _accepted(docx: bytes) -> list[str]:
    return [p.text for p in read_docx(docx).accepted]


def _by_subject(data: dict) -> dict[str, dict]:
    return {
        issue["subject"] if issue["subject"] != "wording" else issue["clause_id"]: issue
        for issue in data["issues"]
    }


def test_each_deviation_gets_the_playbook_response(answered) -> None:
    issues = _by_subject(answered["data"])
    assert issues["retention_months"]["response"] == "accept"
    assert issues["breach_notice_hours"]["response"] == "accept"
    review = issues["publication_review_days"]
    assert (review["response"], review["proposed_value"], review["position"]) == (
        "counter",
        15,
        "walk-away",
    )
    assert review["tracked"] is False and review["approver"] == "Vice President for Research"
    assert issues["liability"]["response"] == "escalate"
    assert issues["fees"]["response"] == "escalate"


def test_rows_name_the_clause_as_numbered_in_the_document(answered) -> None:
    issues = _by_subject(answered["data"])
    assert issues["publication_review_days"]["clause"] == "11.2"
    assert issues["retention_months"]["clause"] == "10.1"
    assert all(not re.fullmatch(r"[a-z_]+", i["clause"] or "") for i in answered["data"]["issues"])


def test_accept_all_of_the_counter_draft_is_our_proposal(answered) -> None:
    text = "\n".join(_accepted(answered["docx"]))
    assert "At least fifteen (15) days before submitting" in text  # our counter
    assert "sixty (60) months after the Effective Date" in text  # their fallback, accepted
    assert "seventy-two (72) hours" in text
    assert "The Provider shall indemnify the Recipient" in text  # escalated: kept as proposed


def test_reject_all_of_the_counter_draft_is_the_standard(answered) -> None:
    from dsagen.library import load_library
    from dsagen.review import load_standard

    standard = load_standard(PARTNER, load_library())
    rejected = [p.text for p in read_docx(answered["docx"]).rejected]
    assert "\n".join(rejected).count("thirty (30) days before submitting") == 1
    ours = [p.text for p in standard.document.accepted]
    differing = [t for t in rejected if t not in ours]
    assert differing == [], differing  # nothing but the standard (library stamp aside)


def test_the_proposal_grades_at_worst_fallback_apart_from_escalated_items(answered) -> None:
    from dsagen.library import load_library
    from dsagen.review import load_standard

    standard = load_standard(PARTNER, load_library())
    proposal = compare(standard.document, read_docx(answered["docx"]), standard.context)
    escalated = {i["clause_id"] for i in answered["data"]["issues"] if i["response"] == "escalate"}
    for clause in proposal.clauses:
        if clause.substantive and clause.story == "body" and clause.id not in escalated:
            assert SEVERITIES.index(clause.severity) <= SEVERITIES.index("fallback"), (
                clause.id,
                clause.severity,
                clause.notes,
            )


def test_silent_edits_are_tracked_under_the_partners_name_and_ours_under_our_name(answered) -> None:
    document = read_docx(answered["docx"])
    by_author: dict[str, set[str]] = {}
    for revision in document.revisions:
        by_author.setdefault(revision.author or "", set()).add(revision.text)
    assert "ten" in by_author[UNIVERSITY] and "10" in by_author[UNIVERSITY]  # silent, theirs
    theirs = by_author["Counsel, Gulf Coast State University"]  # tracked by them, kept
    assert any("sixty (60) months" in text for text in theirs)
    assert {"fifteen", "15"} <= by_author["Office of General Counsel"]  # our counter


def test_every_decision_has_a_comment_by_our_organisation(answered) -> None:
    comments = [s for s in read_docx(answered["docx"]).stories if s.kind == "comment"]
    assert len(comments) == len(answered["data"]["issues"])
    assert {c.author for c in comments} == {"Office of General Counsel"}
    review = next(c for c in comments if "publication_review_days" in c.accepted[0].text)
    text = "\n".join(p.text for p in review.accepted)
    assert "Beyond walk-away" in text and "Vice President for Research" in text
    assert "We propose: counter with 15" in text
    assert review.anchored_text == "fifteen (15"  # the changed words, not the paragraph


def test_the_comments_part_is_related_and_declared(answered) -> None:
    with zipfile.ZipFile(io.BytesIO(answered["docx"])) as package:
        types = package.read("[Content_Types].xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
        assert "word/comments.xml" in package.namelist()
    assert "wordprocessingml.comments+xml" in types and "comments.xml" in rels


def test_the_issues_list_in_every_format_says_the_same(answered) -> None:
    folder = answered["folder"]
    data = json.loads((folder / "issues.json").read_text())
    assert data["schema"] == "dsagen.issues/1" and data == answered["data"]
    assert data["summary"] == {
        "accept": 2,
        "counter": 1,
        "reject": 0,
        "escalate": 3,
        "issues": 6,
        "untracked": 3,
    }
    markdown = (folder / "issues.md").read_text()
    html = (folder / "issues.html").read_text()
    for text in (markdown, html):
        assert "11.2 Publication of Results" in text and "Vice President for Research" in text
    assert "<table>" in html and "| Clause | Their change |" in markdown
    document = read_docx((folder / "issues.docx").read_bytes())
    assert any("counter with 15" in p.text for p in document.accepted)
    with zipfile.ZipFile(folder / "issues.docx") as package:
        assert b'w:orient="landscape"' in package.read("word/document.xml")


def test_the_same_inputs_give_the_same_bytes(cli, tmp_path: Path, answered) -> None:
    for name in ("a", "b"):
        code, _, stderr = cli(
            "respond",
            PARTNER,
            RETURNED,
            "--out",
            tmp_path / f"{name}.docx",
            "--issues",
            tmp_path / f"{name}.docx.issues.docx",
        )
        assert code == 0, stderr
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    assert (tmp_path / "a.docx").read_bytes() == answered["docx"]
    assert (tmp_path / "a.docx.issues.docx").read_bytes() == (
        tmp_path / "b.docx.issues.docx"
    ).read_bytes()


def test_author_and_date_come_from_the_flags(cli, tmp_path: Path) -> None:
    target = tmp_path / "v3.docx"
    code, _, stderr = cli(
        "respond",
        PARTNER,
        RETURNED,
        "--out",
        target,
        "--author",
        "A. Lawyer",
        "--date",
        "2026-12-01",
    )
    assert code == 0, stderr
    document = read_docx(target.read_bytes())
    comments = [s for s in document.stories if s.kind == "comment"]
    assert {(c.author, (c.date or "")[:10]) for c in comments} == {("A. Lawyer", "2026-12-01")}
    assert any(
        r.author == "A. Lawyer" and r.date == "2026-12-01T00:00:00Z" for r in document.revisions
    )


def test_a_reject_response_restores_the_standard_wording(cli, tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    text = (
        (ROOT / "playbook.yaml")
        .read_text()
        .replace(
            "  liability:\n",
            "  liability:\n    response: {approval: reject, note: We give no indemnity.}\n",
            1,
        )
    )
    playbook.write_text(text)
    target = tmp_path / "v3.docx"
    code, stdout, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", target, "--playbook", playbook, "--json"
    )
    assert code == 0, stderr
    liability = _by_subject(json.loads(stdout))["liability"]
    assert liability["response"] == "reject" and liability["note"] == "We give no indemnity."
    accepted = "\n".join(_accepted(target.read_bytes()))
    assert "The Provider shall indemnify the Recipient" not in accepted
    assert "No Party gives any indemnity under this Agreement." in accepted
    struck = [
        r
        for r in read_docx(target.read_bytes()).revisions
        if r.kind == "delete" and "indemnify the Recipient" in r.text
    ]
    assert struck and struck[0].author == "Office of General Counsel"


def test_outputs_are_never_overwritten_without_force(cli, tmp_path: Path) -> None:
    target = tmp_path / "v3.docx"
    target.write_bytes(b"keep me")
    code, _, stderr = cli("respond", PARTNER, RETURNED, "--out", target)
    assert code == 2 and "--force" in stderr and target.read_bytes() == b"keep me"
    code, _, stderr = cli("respond", PARTNER, RETURNED, "--out", target, "--force")
    assert code == 0, stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ("--issues", "issues.txt"),
            "--issues: expected a file ending in .docx, .md, .html, .json",
        ),
        (("--date", "yesterday"), "--date: expected YYYY-MM-DD or an ISO time, found 'yesterday'"),
    ],
)
def test_bad_options_are_one_line_errors(
    cli, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    fixed = [str(tmp_path / a) if a.endswith(".txt") else a for a in args]
    code, _, stderr = cli("respond", PARTNER, RETURNED, "--out", tmp_path / "v3.docx", *fixed)
    assert code == 2 and message in stderr and "Traceback" not in stderr
    assert not (tmp_path / "v3.docx").exists()


def test_a_returned_file_that_is_not_a_docx_is_refused(cli, tmp_path: Path) -> None:
    bogus = tmp_path / "returned.docx"
    bogus.write_text("not a zip")
    code, _, stderr = cli("respond", PARTNER, bogus, "--out", tmp_path / "v3.docx")
    assert code == 2 and "returned.docx" in stderr and "Traceback" not in stderr


def test_diff_redline_comments_each_deviation_unless_told_not_to(cli, tmp_path: Path) -> None:
    commented, plain = tmp_path / "commented.docx", tmp_path / "plain.docx"
    code, _, stderr = cli("diff", PARTNER, RETURNED, "--redline", commented)
    assert code == 1, stderr
    code, _, stderr = cli("diff", PARTNER, RETURNED, "--redline", plain, "--no-comments")
    assert code == 1, stderr
    comments = [s for s in read_docx(commented.read_bytes()).stories if s.kind == "comment"]
    texts = ["\n".join(p.text for p in c.accepted) for c in comments]
    assert any(
        "Beyond walk-away: publication_review_days" in t
        and "Approver: Vice President for Research" in t
        for t in texts
    )
    assert any("Playbook: Any shorter retention is acceptable." in t for t in texts)
    assert not any("We propose" in t for t in texts)
    assert not [s for s in read_docx(plain.read_bytes()).stories if s.kind == "comment"]
    assert _accepted(commented.read_bytes()) == _accepted(plain.read_bytes())


def test_diff_reports_numbers_untracked_changes_and_approvers(cli, tmp_path: Path) -> None:
    code, stdout, _ = cli("diff", PARTNER, RETURNED, "--html", tmp_path / "report.html")
    assert code == 1
    flat = " ".join(stdout.split())
    _, report, _ = cli("diff", PARTNER, RETURNED, "--json")
    untracked = json.loads(report)["untracked_changes"]
    assert untracked >= 3 and f"{untracked} untracked change(s)" in flat
    assert re.search(r"│ 11\.2\b", stdout) and "[publication]" not in flat
    html = (tmp_path / "report.html").read_text()
    assert "Approver: <strong>Vice President for Research</strong>" in html
    assert "<th>untracked changes</th>" in html and "11.2 Publication of Results" in html


def test_the_issues_schema_is_documented_field_by_field(answered) -> None:
    doc = (ROOT / "docs" / "issues-json.md").read_text()
    issue = answered["data"]["issues"][0]
    for key in answered["data"]:
        assert f"`{key}`" in doc or f"`{key}`, " in doc or f", `{key}`" in doc, key
    for key in issue:
        assert f"`issues[].{key}`" in doc or f", `{key}`" in doc, key


def test_make_demo_writes_the_counter_draft_and_issues_list(cli, tmp_path: Path) -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"\$\(BIN\)/dsagen (respond .*?--force)\n", makefile.replace("\\\n", " "))
    assert recipe is not None
    args = recipe.group(1).split()
    assert "out/gravy-uf/counter-draft.docx" in args and "out/gravy-uf/issues.docx" in args
    moved = [
        str(tmp_path / a)
        if a.startswith("out/")
        else str(ROOT / a)
        if a.startswith("examples/")
        else a
        for a in args[1:]
    ]
    code, _, stderr = cli("respond", *moved)
    assert code == 0, stderr
    written = tmp_path / "out" / "gravy-uf"
    assert read_docx((written / "counter-draft.docx").read_bytes()).revisions
    assert any(
        "counter with 15" in p.text
        for p in read_docx((written / "issues.docx").read_bytes()).accepted
    )


@pytest.mark.parametrize("tracked", [True, False])
def test_a_deleted_clause_the_playbook_needs_is_restored_as_our_insertion(
    cli, tmp_path: Path, tracked: bool
) -> None:
    from dsagen.library import load_library
    from dsagen.review import load_standard
    from tests.conftest import clause_blocks, edit_body, strike_tracked

    standard = load_standard(PARTNER, load_library())
    standard_texts = [p.text for p in standard.document.accepted]  # ethics included

    def strike(body) -> None:
        for element in clause_blocks(body)["ethics"]:
            if tracked:
                strike_tracked(element)
            else:
                body.remove(element)

    returned = tmp_path / "returned.docx"
    returned.write_bytes(edit_body(standard.docx, strike))
    target = tmp_path / "v3.docx"
    code, stdout, stderr = cli("respond", PARTNER, returned, "--out", target, "--json")
    assert code == 0, stderr
    issue = _by_subject(json.loads(stdout))["ethics"]
    assert (issue["position"], issue["response"]) == ("walk-away", "reject")
    assert issue["proposal"] == "reject: restore the deleted clause"
    document = read_docx(target.read_bytes())
    accepted = [p.text for p in document.accepted]
    assert [t for t in standard_texts if t not in accepted] == []  # the whole standard is back
    assert [p.text for p in document.rejected] == standard_texts  # reject all: the standard
    restored = [r for r in document.revisions if r.author == "Office of General Counsel"]
    assert restored and all(r.kind in ("insert", "paragraph_insert") for r in restored)


def test_a_bad_playbook_given_to_respond_is_one_line_naming_file_line_and_field(
    cli, tmp_path: Path
) -> None:
    playbook = tmp_path / "ours.yaml"
    playbook.write_text(
        "organisation: {name: Us, side: recipient}\nclauses:\n  liability:\n"
        "    response: {variant: capped}\n"
    )
    code, _, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", tmp_path / "v3.docx", "--playbook", playbook
    )
    assert code == 2 and "Traceback" not in stderr
    assert (
        f"{playbook}:4, field 'clauses.liability.response.variant': unknown variant "
        "'capped' of clause 'liability'"
    ) in " ".join(stderr.split())
    missing = tmp_path / "missing.yaml"
    code, _, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", tmp_path / "v3.docx", "--playbook", missing
    )
    assert code == 2 and "expected a playbook file, found nothing there" in stderr
    assert not (tmp_path / "v3.docx").exists()


def test_a_copy_returned_unchanged_needs_no_answer(cli, tmp_path: Path) -> None:
    from dsagen.library import load_library
    from dsagen.review import load_standard

    unchanged = tmp_path / "unchanged.docx"
    unchanged.write_bytes(load_standard(PARTNER, load_library()).docx)
    code, stdout, stderr = cli("respond", PARTNER, unchanged, "--out", tmp_path / "v3.docx")
    assert code == 0, stderr
    assert "0 issue(s); 0 untracked" in stdout and "nothing to answer" in stdout
    document = read_docx((tmp_path / "v3.docx").read_bytes())
    assert not document.revisions and not [s for s in document.stories if s.kind == "comment"]


def test_a_clause_countered_with_a_named_variant_reads_as_that_variant(cli, tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    playbook.write_text(
        (ROOT / "playbook.yaml")
        .read_text()
        .replace(
            "  liability:\n",
            "  liability:\n    response: {approval: counter, variant: standard}\n",
            1,
        )
    )
    target = tmp_path / "v3.docx"
    code, stdout, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", target, "--playbook", playbook, "--json"
    )
    assert code == 0, stderr
    liability = _by_subject(json.loads(stdout))["liability"]
    assert (liability["response"], liability["proposed_value"]) == ("counter", "standard")
    accepted = "\n".join(_accepted(target.read_bytes()))
    assert 'Each Party (the "Indemnifying Party") shall indemnify the other Party' in accepted
    assert "The Provider shall indemnify the Recipient" not in accepted


def test_a_counter_value_named_by_the_playbook_is_proposed(cli, tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.yaml"
    text = (ROOT / "playbook.yaml").read_text()
    anchor = "    publication_review_days:\n"
    assert anchor in text
    playbook.write_text(text.replace(anchor, anchor + "      response: {counter: 20}\n", 1))
    target = tmp_path / "v3.docx"
    code, stdout, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", target, "--playbook", playbook, "--json"
    )
    assert code == 0, stderr
    review = _by_subject(json.loads(stdout))["publication_review_days"]
    assert (review["response"], review["proposed_value"]) == ("counter", 20)
    assert review["proposal"] == "counter with 20"
    assert "At least twenty (20) days before submitting" in "\n".join(
        _accepted(target.read_bytes())
    )
