"""The shipped negotiated example reports what examples/negotiated/README.md says it does."""

from __future__ import annotations

import json

from tests.conftest import EXAMPLES, ROOT

NEGOTIATED = ROOT / "examples" / "negotiated" / "gravy-uf-v2.docx"


def test_shipped_negotiated_example_reports_the_documented_deviations(cli, tmp_path) -> None:
    code, stdout, _ = cli(
        "diff",
        EXAMPLES / "gravy-uf.yaml",
        NEGOTIATED,
        "--json",
        "--html",
        tmp_path / "report.html",
        "--redline",
        tmp_path / "redline.docx",
    )
    assert code == 1
    report = json.loads(stdout)
    by_id = {c["id"]: c for c in report["clauses"] if c["status"] != "unchanged"}
    assert set(by_id) - {None} == {"breach", "retention", "publication", "liability", "fees"}
    # The copy was issued by an earlier library release, before drafts said DRAFT in their
    # running header: only the cover's stamp and the header say so, both cosmetic.
    unnamed = [c for c in report["clauses"] if c["id"] is None and c["status"] != "unchanged"]
    assert [(c["title"], c["status"]) for c in unnamed] == [
        ("Front matter", "cosmetic"),
        ("header", "cosmetic"),
    ]
    params = {
        p["name"]: (p["standard"], p["negotiated"], p["position"])
        for c in report["clauses"]
        for p in c["parameters"]
    }
    assert params == {
        "breach_notice_hours": (48, 72, "fallback"),
        "retention_months": (36, 60, "fallback"),
        "publication_review_days": (30, 10, "walk-away"),
    }
    assert not by_id["retention"]["untracked"] and not by_id["breach"]["untracked"]
    assert all(
        ch["author"] == "Counsel, Gulf Coast State University"
        for ch in by_id["retention"]["changes"]
    )
    assert by_id["publication"]["untracked"] and by_id["liability"]["untracked"]
    # The Provider (a company) indemnifying a public university is allowed: approval, no rule.
    assert by_id["liability"]["severity"] == "approval" and not by_id["liability"]["rules"]
    # Quotation marks put around a word are punctuation, not quote style: a deviation.
    assert by_id["fees"]["status"] == "modified" and by_id["fees"]["severity"] == "approval"
    html = (tmp_path / "report.html").read_text()
    assert "publication_review_days" in html and "untracked" in html
    assert (tmp_path / "redline.docx").stat().st_size > 0
