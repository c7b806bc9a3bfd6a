"""The JSON reports are stable schemas (docs/compare-json.md, docs/lint.md): the shipped
examples' reports are kept in tests/golden/ and any change in them is reviewed like code
(`make golden` rewrites them on purpose)."""

from __future__ import annotations

import json

import pytest

from dsagen import __version__
from tests.conftest import ROOT

NEGOTIATED = "examples/negotiated/gravy-uf-v2.docx"


def stable(stdout: str) -> str:
    """The report indented for review, the dsagen version (stamped into every agreement, so
    seen as a cosmetic change) written as {version}, so a release does not rewrite goldens."""
    text = json.dumps(json.loads(stdout), indent=2, ensure_ascii=False) + "\n"
    return text.replace(f'"{__version__}"', '"{version}"')


@pytest.fixture
def in_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository, so reports name files by relative paths."""
    monkeypatch.chdir(ROOT)


@pytest.mark.usefixtures("in_checkout")
def test_compare_json_of_the_shipped_negotiated_copy(cli, golden) -> None:
    code, stdout, stderr = cli("diff", "examples/partners/gravy-uf.yaml", NEGOTIATED, "--json")
    assert code == 1, stderr
    golden("compare-gravy-uf-v2.json", stable(stdout))


@pytest.mark.usefixtures("in_checkout")
def test_lint_json_of_the_example_partners(cli, golden) -> None:
    code, stdout, stderr = cli("lint", "examples/partners/", "--json", "--verbose")
    assert code == 0, stderr
    golden("lint-examples.json", stable(stdout))


@pytest.mark.usefixtures("in_checkout")
def test_lint_json_of_the_shipped_negotiated_copy(cli, golden) -> None:
    code, stdout, stderr = cli("lint", NEGOTIATED, "--json", "--verbose")
    assert code in (0, 1), stderr
    golden("lint-gravy-uf-v2.json", stable(stdout))


@pytest.mark.usefixtures("in_checkout")
def test_issues_json_of_the_response_to_the_shipped_negotiated_copy(cli, golden, tmp_path) -> None:
    code, stdout, stderr = cli(
        "respond",
        "examples/partners/gravy-uf.yaml",
        NEGOTIATED,
        "--out",
        tmp_path / "counter.docx",
        "--json",
        "--date",
        "2026-11-20",
    )
    assert code in (0, 1), stderr
    golden("issues-gravy-uf-v2.json", stable(stdout.replace(str(tmp_path), "{out}")))
