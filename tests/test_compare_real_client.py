"""Compare documents edited by a real client: LibreOffice opens a generated agreement, edits it
with change tracking on and off (UNO, tests/lo/uno_worker.py), saves DOCX; dsagen diff must find
exactly the edited clauses and parameters, and its redline must round-trip in LibreOffice."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, needs_soffice

pytestmark = needs_soffice()
PARTNER = EXAMPLES / "gravy-uf.yaml"


def _norm(paragraphs: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", p).strip() for p in paragraphs if p.strip()]


@pytest.fixture(scope="module")
def negotiated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The standard, and a copy edited partly with tracking on and partly silently."""
    from dsagen.assemble import assemble
    from dsagen.library import load_library
    from dsagen.partners import load_partner
    from dsagen.render.docx import render_docx
    from tests.lo import client

    folder = tmp_path_factory.mktemp("real-client")
    library = load_library()
    standard = folder / "standard.docx"
    standard.write_bytes(render_docx(assemble(load_partner(PARTNER, library), library)))
    tracked = folder / "tracked.docx"
    client.edit(
        standard,
        tracked,
        [
            {
                "op": "replace",
                "find": "thirty-six (36) months after the Effective Date",
                "replace": "sixty (60) months after the Effective Date",
            },
            {
                "op": "replace",
                "find": "within forty-eight (48) hours after the Recipient",
                "replace": "within ninety-six (96) hours after the Recipient",
            },
        ],
        track_changes=True,
        author="Partner Counsel",
    )
    both = folder / "negotiated.docx"
    client.edit(
        tracked,
        both,
        [
            {
                "op": "replace",
                "find": "At least thirty (30) days before submitting",
                "replace": "At least ten (10) days before submitting",
            },
            {
                "op": "insert_after",
                "find": "it does not renew automatically.",
                "text": "The Provider shall indemnify the Recipient against all "
                "third-party claims.",
            },
        ],
        track_changes=False,
    )
    return {"standard": standard, "tracked": tracked, "negotiated": both, "folder": folder}


def test_diff_finds_exactly_the_edited_clauses_and_parameters(cli, negotiated) -> None:
    code, stdout, _ = cli("diff", PARTNER, negotiated["negotiated"], "--json")
    assert code == 1
    report = json.loads(stdout)
    deviating = {c["id"]: c for c in report["clauses"] if c["status"] != "unchanged"}
    assert set(deviating) == {"retention", "breach", "publication", "term"}
    params = {p["name"]: p for c in report["clauses"] for p in c["parameters"]}
    assert set(params) == {"retention_months", "breach_notice_hours", "publication_review_days"}
    assert (params["retention_months"]["standard"], params["retention_months"]["negotiated"]) == (
        36,
        60,
    )
    assert params["retention_months"]["position"] == "fallback"
    assert params["breach_notice_hours"]["negotiated"] == 96
    assert params["publication_review_days"]["negotiated"] == 10
    assert deviating["term"]["severity"] == "approval"  # a new sentence, no parameter behind it
    # Tracked edits keep the partner's authorship; silent ones are flagged untracked.
    retention_changes = deviating["retention"]["changes"]
    assert retention_changes and all(
        c["tracked"] and c["author"] == "Partner Counsel" for c in retention_changes
    )
    assert deviating["publication"]["untracked"] and deviating["term"]["untracked"]
    assert not deviating["retention"]["untracked"]


def test_standard_docx_works_as_the_standard_too(cli, negotiated) -> None:
    code, stdout, _ = cli("diff", negotiated["standard"], negotiated["tracked"], "--json")
    assert code == 1
    report = json.loads(stdout)
    params = {p["name"]: p["negotiated"] for c in report["clauses"] for p in c["parameters"]}
    assert params == {"retention_months": 60, "breach_notice_hours": 96}


def test_redline_accepts_to_negotiated_and_rejects_to_standard(cli, negotiated) -> None:
    from tests.lo import client

    redline = negotiated["folder"] / "redline.docx"
    code, _, _ = cli(
        "diff",
        PARTNER,
        negotiated["negotiated"],
        "--redline",
        redline,
        "--author",
        "Contracts Team",
        "--date",
        "2026-05-01",
        "--force",
    )
    assert code == 1
    assert client.redline_count(redline) > 0
    assert _norm(client.accept_all(redline)) == _norm(client.accept_all(negotiated["negotiated"]))
    assert _norm(client.reject_all(redline)) == _norm(client.paragraphs(negotiated["standard"]))
    authors = {r["RedlineAuthor"] for r in client.redlines(redline)}
    assert authors == {"Partner Counsel", "Contracts Team"}


def test_unedited_roundtrip_through_libreoffice_is_not_a_deviation(cli, negotiated) -> None:
    from tests.lo import client

    saved = negotiated["folder"] / "roundtrip.docx"
    client.roundtrip(negotiated["standard"], saved)
    code, stdout, _ = cli("diff", PARTNER, saved, "--json")
    report = json.loads(stdout)
    assert code == 0, [c for c in report["clauses"] if c["status"] != "unchanged"]
    assert report["aligned_by"] == "anchors"
