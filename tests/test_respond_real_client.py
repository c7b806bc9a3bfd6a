"""The counter-draft in a real client: LibreOffice opens it, accepting every change gives our
proposal, rejecting every change gives the standard, our comments are there under our name, and
the proposal LibreOffice accepted grades at worst `fallback` apart from the escalated items."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dsagen.positions import rank
from dsagen.read.docx import read_docx
from tests.conftest import EXAMPLES, ROOT, needs_soffice

pytestmark = needs_soffice()
PARTNER = EXAMPLES / "gravy-uf.yaml"
RETURNED = ROOT / "examples" / "negotiated" / "gravy-uf-v2.docx"


def _norm(paragraphs: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", p).strip() for p in paragraphs if p.strip()]


@pytest.fixture(scope="module")
def counter_draft(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from typer.testing import CliRunner

    from dsagen.cli import app
    from dsagen.library import load_library
    from dsagen.review import load_standard

    folder = tmp_path_factory.mktemp("respond-real-client")
    draft = folder / "v3.docx"
    result = CliRunner().invoke(
        app,
        ["respond", str(PARTNER), str(RETURNED), "--out", str(draft), "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    standard = folder / "standard.docx"
    standard.write_bytes(load_standard(PARTNER, load_library()).docx)
    return {
        "draft": draft,
        "standard": standard,
        "folder": folder,
        "issues": json.loads(result.stdout)["issues"],
    }


def test_libreoffice_opens_the_counter_draft_with_both_sides_changes(counter_draft) -> None:
    from tests.lo import client

    redlines = client.redlines(counter_draft["draft"])
    authors = {r["RedlineAuthor"] for r in redlines}
    assert {
        "Office of General Counsel",
        "Counsel, Gulf Coast State University",
        "The Board of Trustees of Gulf Coast State University",
    } <= authors


def test_accept_all_in_libreoffice_gives_the_proposal(counter_draft) -> None:
    from tests.lo import client

    accepted = _norm(
        client.accept_all(counter_draft["draft"], counter_draft["folder"] / "accepted.docx")
    )
    ours = _norm([p.text for p in read_docx(counter_draft["draft"].read_bytes()).accepted])
    assert accepted == ours
    text = "\n".join(accepted)
    assert "At least fifteen (15) days before submitting" in text
    assert "sixty (60) months after the Effective Date" in text


def test_reject_all_in_libreoffice_gives_the_standard(counter_draft) -> None:
    from tests.lo import client

    assert _norm(client.reject_all(counter_draft["draft"])) == _norm(
        client.paragraphs(counter_draft["standard"])
    )


def test_the_comments_are_there_with_their_authors(counter_draft) -> None:
    from tests.lo import client

    comments = client.stories(counter_draft["draft"])["comments"]
    assert len(comments) == len(counter_draft["issues"])
    assert {c["author"] for c in comments} == {"Office of General Counsel"}
    review = next(c for c in comments if "publication_review_days" in c["content"])
    assert "We propose: counter with 15" in review["content"]
    assert "15" in review["anchor"] and "submitting" not in review["anchor"]


def test_the_proposal_libreoffice_accepted_grades_at_worst_fallback(cli, counter_draft) -> None:
    from tests.lo import client

    accepted = counter_draft["folder"] / "accepted-for-grading.docx"
    client.accept_all(counter_draft["draft"], accepted)
    code, stdout, stderr = cli("diff", PARTNER, accepted, "--json")
    assert code in (0, 1), stderr
    escalated = {i["clause_id"] for i in counter_draft["issues"] if i["response"] == "escalate"}
    graded = {
        c["id"]: c["severity"]
        for c in json.loads(stdout)["clauses"]
        if c["status"] not in ("unchanged", "cosmetic")
        and c["story"] == "body"
        and c["id"] not in escalated
    }
    assert graded and all(rank(s) <= rank("fallback") for s in graded.values()), graded
    assert graded.get("publication") == "fallback"


def test_the_issues_list_opens_in_libreoffice(cli, counter_draft, tmp_path: Path) -> None:
    from tests.lo import client

    issues = tmp_path / "issues.docx"
    code, _, stderr = cli(
        "respond", PARTNER, RETURNED, "--out", tmp_path / "v3.docx", "--issues", issues
    )
    assert code == 0, stderr
    text = "\n".join(client.paragraphs(issues))
    assert "Publication of Results" in text and "counter with 15" in text


def test_a_restored_clause_reads_back_in_libreoffice(cli, tmp_path: Path) -> None:
    from dsagen.library import load_library
    from dsagen.review import load_standard
    from tests.conftest import clause_blocks, edit_body
    from tests.lo import client

    standard = load_standard(PARTNER, load_library())

    def strike(body) -> None:
        for element in clause_blocks(body)["ethics"]:
            body.remove(element)

    returned = tmp_path / "returned.docx"
    returned.write_bytes(edit_body(standard.docx, strike))
    draft = tmp_path / "v3.docx"
    code, _, stderr = cli("respond", PARTNER, returned, "--out", draft)
    assert code == 0, stderr
    ours = [p.text for p in read_docx(draft.read_bytes()).accepted]
    assert _norm(client.accept_all(draft)) == _norm(ours)
    reference = tmp_path / "standard.docx"
    reference.write_bytes(standard.docx)
    assert _norm(client.reject_all(draft)) == _norm(client.paragraphs(reference))
