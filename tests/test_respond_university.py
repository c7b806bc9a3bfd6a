"""A recipient answers a provider's draft: the university playbook (examples/playbooks/
university.yaml, `organisation.side: recipient`) drives `dsagen respond` on a copy the data
provider edited, partly with tracking on and partly silently."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from dsagen.compare.engine import compare
from dsagen.library import load_library
from dsagen.positions import rank
from dsagen.read.docx import read_docx
from dsagen.review import load_standard
from tests.conftest import EXAMPLES, ROOT, edit_body, partner_mark

PARTNER = EXAMPLES / "gravy-uf.yaml"
UNIVERSITY = ROOT / "examples" / "playbooks" / "university.yaml"
PROVIDER = "Waypoint Mobility Analytics, Inc."
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PRESERVE = "{http://www.w3.org/XML/1998/namespace}space"


def _replace(body: etree._Element, old: str, new: str, *, tracked: bool = False) -> None:
    """`old` rewritten inside the one w:t holding it, silently or as the provider's change."""
    for text in body.iter(W + "t"):
        if text.text and old in text.text:
            if not tracked:
                text.text = text.text.replace(old, new, 1)
                return
            before, _, after = text.text.partition(old)
            run = text.getparent()
            text.text = before
            deleted, inserted = partner_mark("del"), partner_mark("ins")
            text.set(PRESERVE, "preserve")
            for wrapper, chunk, tag in ((deleted, old, "delText"), (inserted, new, "t")):
                piece = etree.SubElement(etree.SubElement(wrapper, W + "r"), W + tag)
                piece.text = chunk
                piece.set(PRESERVE, "preserve")
            tail = etree.Element(W + "r")
            piece = etree.SubElement(tail, W + "t")
            piece.text = after
            piece.set(PRESERVE, "preserve")
            run.addnext(deleted)
            deleted.addnext(inserted)
            inserted.addnext(tail)
            return
    raise AssertionError(f"{old!r} not found")


@pytest.fixture(scope="module")
def reply(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from typer.testing import CliRunner

    from dsagen.cli import app

    library = load_library()
    standard = load_standard(PARTNER, library)

    def provider_edits(body: etree._Element) -> None:
        _replace(
            body,
            "At least thirty (30) days before submitting",
            "At least ninety (90) days before submitting",
        )  # silent, beyond our limit
        _replace(
            body,
            "thirty-six (36) months after the Effective Date",
            "twenty-four (24) months after the Effective Date",
            tracked=True,
        )
        _replace(
            body,
            "for the consequences of its own breach of this Agreement.",
            "for the consequences of its own breach of this Agreement. The Recipient "
            "shall indemnify the Provider against any claim arising from the Recipient's "
            "use of the Data.",
        )

    folder = tmp_path_factory.mktemp("university")
    returned = folder / "provider-draft.docx"
    returned.write_bytes(edit_body(standard.docx, provider_edits))
    result = CliRunner().invoke(
        app,
        [
            "respond",
            str(PARTNER),
            str(returned),
            "--out",
            str(folder / "reply.docx"),
            "--issues",
            str(folder / "issues.md"),
            "--playbook",
            str(UNIVERSITY),
            "--json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return {
        "data": json.loads(result.stdout),
        "docx": (folder / "reply.docx").read_bytes(),
        "issues": (folder / "issues.md").read_text(),
    }


def _issues(reply: dict) -> dict[str, dict]:
    return {
        i["subject"] if i["subject"] != "wording" else i["clause_id"]: i
        for i in reply["data"]["issues"]
    }


def test_the_university_answers_as_the_recipient_naming_the_provider(reply) -> None:
    data = reply["data"]
    assert data["organisation"] == {"name": "Office of Sponsored Programs", "side": "recipient"}
    assert data["partner"] == PROVIDER
    assert f"Office of Sponsored Programs (recipient) answering {PROVIDER}" in reply["issues"]


def test_the_university_positions_decide_the_responses(reply) -> None:
    issues = _issues(reply)
    review = issues["publication_review_days"]
    assert (review["position"], review["response"], review["proposed_value"]) == (
        "walk-away",
        "counter",
        45,
    )
    assert review["approver"] == "Associate Vice President for Research"
    assert issues["retention_months"]["position"] == "fallback"
    assert issues["retention_months"]["response"] == "accept"
    assert issues["liability"]["response"] == "reject"
    assert "cannot give an indemnity" in issues["liability"]["note"]


def test_the_reply_reads_as_the_university_proposes(reply) -> None:
    document = read_docx(reply["docx"])
    accepted = "\n".join(p.text for p in document.accepted)
    assert "At least forty-five (45) days before submitting" in accepted
    assert "twenty-four (24) months after the Effective Date" in accepted
    assert "The Recipient shall indemnify the Provider" not in accepted
    authors = {r.author for r in document.revisions}
    assert {PROVIDER, "Office of Sponsored Programs"} <= authors
    comments = [s for s in document.stories if s.kind == "comment"]
    assert comments and {c.author for c in comments} == {"Office of Sponsored Programs"}


def test_the_proposal_is_within_the_university_fallbacks_apart_from_escalations(reply) -> None:
    library = load_library(None, UNIVERSITY)
    standard = load_standard(PARTNER, library)
    proposal = compare(standard.document, read_docx(reply["docx"]), standard.context)
    escalated = {i["clause_id"] for i in reply["data"]["issues"] if i["response"] == "escalate"}
    graded = {
        c.id: c.severity
        for c in proposal.clauses
        if c.substantive and c.story == "body" and c.id not in escalated
    }
    assert all(rank(s) <= rank("fallback") for s in graded.values()), graded
