"""The key-terms cover page: a template option that puts the negotiated values in one table."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DATA, MINILIB

KEY_TERMS = """key_terms:
  - label: Provider
    text: "{{ provider_name }}"
  - label: Retention
    text: "{{ retention_months | num_words }} months"
    clause: retention
  - label: Archive
    text: "kept for journals"
    when: reproducibility_archive
"""


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    template = root / "templates" / "mini.yaml"
    template.write_text(template.read_text() + KEY_TERMS)
    return root


def test_key_terms_page_lists_the_negotiated_values_before_the_standard_terms(
    library: Path, tmp_path: Path, cli
) -> None:
    code, _, err = cli(
        "generate",
        DATA / "partners" / "mini-partner.yaml",
        "--library",
        library,
        "-f",
        "docx,md,html",
        "-o",
        tmp_path / "out",
        "--no-record",
    )
    assert code == 0, err
    out = tmp_path / "out" / "mini-partner"
    markdown = (out / "mini.md").read_text()
    table = markdown[markdown.index("## Key Terms") :]
    assert table.index("## Key Terms") < table.index("{#retention}")
    assert "| Provider | Data & Co {{ 7\\*7 }} |  |" in table  # a value stays data
    assert "| Retention | forty-eight (48) months | [1](#retention) |" in table
    assert "Archive" not in markdown  # its condition is false for this partner
    with zipfile.ZipFile(out / "mini.docx") as package:
        document = package.read("word/document.xml").decode()
    start = document.index(">Key Terms<")
    key_terms = document[start : document.index("</w:tbl>", start)]
    assert "forty-eight (48) months" in key_terms and "REF _dsa_retention" in key_terms
    html = (out / "mini.html").read_text()
    assert "<th>Retention</th><td>forty-eight (48) months</td>" in html


def test_a_template_without_key_terms_has_no_such_page(tmp_path: Path, cli) -> None:
    code, _, err = cli(
        "generate",
        DATA / "partners" / "mini-partner.yaml",
        "--library",
        MINILIB,
        "-f",
        "md",
        "-o",
        tmp_path / "out",
        "--no-record",
    )
    assert code == 0, err
    assert "Key Terms" not in (tmp_path / "out" / "mini-partner" / "mini.md").read_text()


def test_a_key_term_naming_an_unknown_clause_is_one_line_exit_2(
    library: Path, tmp_path: Path, cli
) -> None:
    template = library / "templates" / "mini.yaml"
    template.write_text(template.read_text().replace("clause: retention", "clause: retension"))
    code, _, err = cli(
        "generate",
        DATA / "partners" / "mini-partner.yaml",
        "--library",
        library,
        "-f",
        "md",
        "-o",
        tmp_path / "out",
        "--no-record",
    )
    assert code == 2
    assert "mini.yaml" in err and "key_terms[1]" in err and "unknown clause 'retension'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
