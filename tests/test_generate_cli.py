"""`dsagen generate` / `validate` / `new-partner` as a user runs them (mini library)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import docx
import pytest

from tests.conftest import MINILIB


def _generate(cli, *args):
    return cli("generate", *args, "--library", MINILIB)


def test_generate_writes_docx_and_pdf(cli, mini_partner: Path, tmp_path: Path) -> None:
    code, stdout, _ = _generate(cli, mini_partner, "--out", tmp_path / "out", "--jobs", "1")
    assert code == 0, stdout
    assert (tmp_path / "out/mini-partner/mini.docx").stat().st_size > 0
    assert (tmp_path / "out/mini-partner/mini.pdf").read_bytes().startswith(b"%PDF")


def test_existing_output_is_not_overwritten_without_force(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _generate(cli, mini_partner, "--out", out, "--format", "md")[0] == 0
    target = out / "mini-partner/mini.md"
    target.write_text("counsel's edits")
    code, _, stderr = _generate(cli, mini_partner, "--out", out, "--format", "md")
    assert code == 2 and "already exists; pass --force" in stderr
    assert target.read_text() == "counsel's edits"
    assert _generate(cli, mini_partner, "--out", out, "--format", "md", "--force")[0] == 0
    assert target.read_text() != "counsel's edits"


def test_bad_partner_in_a_batch_writes_nothing(cli, mini_partner: Path, tmp_path: Path) -> None:
    folder = mini_partner.parent
    (folder / "zz-bad.yaml").write_text(mini_partner.read_text() + "retention_months: 0\n")
    out = tmp_path / "out"
    code, _, stderr = _generate(cli, folder, "--out", out)
    assert code == 2
    assert "zz-bad.yaml" in stderr and "retention_months" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_output_folder_is_reported(cli, mini_partner: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    code, _, stderr = _generate(cli, mini_partner, "--out", locked)
    assert code == 2 and "not writable" in stderr


def test_output_folder_that_is_a_file_is_reported(cli, mini_partner: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    code, _, stderr = _generate(cli, mini_partner, "--out", blocker, "--format", "md")
    assert code == 2 and stderr.startswith("error:")
    assert "expected an output folder, found a file" in stderr


def test_unknown_format_is_reported(cli, mini_partner: Path, tmp_path: Path) -> None:
    code, _, stderr = _generate(cli, mini_partner, "--out", tmp_path, "--format", "docx,rtf")
    assert code == 2 and "--format" in stderr and "rtf" in stderr


def test_missing_input_is_reported(cli, tmp_path: Path) -> None:
    code, _, stderr = _generate(cli, tmp_path / "nope.yaml", "--out", tmp_path)
    assert code == 2 and "nope.yaml" in stderr and "no such file" in stderr


def test_generating_twice_gives_identical_docx(cli, mini_partner: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert _generate(cli, mini_partner, "--out", tmp_path / name, "--format", "docx")[0] == 0
    first = (tmp_path / "a/mini-partner/mini.docx").read_bytes()
    assert first == (tmp_path / "b/mini-partner/mini.docx").read_bytes()


def test_template_code_in_partner_values_stays_literal(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    assert _generate(cli, mini_partner, "--out", tmp_path, "--format", "md")[0] == 0
    text = (tmp_path / "mini-partner/mini.md").read_text()
    assert "Data & Co {{ 7\\*7 }}" in text and "49" not in text


def test_markdown_shows_markup_in_partner_values_literally(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    mini_partner.write_text(
        mini_partner.read_text().replace(
            "Data & Co {{ 7*7 }}", "<script>alert(1)</script> [site](javascript:alert(1)) _x_"
        )
    )
    assert _generate(cli, mini_partner, "--out", tmp_path, "--format", "md")[0] == 0
    text = (tmp_path / "mini-partner/mini.md").read_text()
    assert "<script>" not in text and "[site](" not in text and " _x_" not in text
    assert "\\<script\\>alert(1)\\</script\\> \\[site\\](javascript:alert(1)) \\_x\\_" in text


def test_docx_numbering_comes_from_numbering_xml(cli, mini_partner: Path, tmp_path: Path) -> None:
    assert _generate(cli, mini_partner, "--out", tmp_path, "--format", "docx")[0] == 0
    path = tmp_path / "mini-partner/mini.docx"
    with zipfile.ZipFile(path) as package:
        numbering = package.read("word/numbering.xml").decode()
        styles = package.read("word/styles.xml").decode()
    assert 'w:lvlText w:val="%1.%2"' in numbering and 'w:numFmt w:val="lowerLetter"' in numbering
    assert "w:numPr" in styles
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert not any(t.startswith(("1.1 ", "(a) ")) for t in texts), "numbers must not be typed"


def test_validate_writes_nothing(cli, mini_partner: Path, tmp_path: Path) -> None:
    before = sorted(os.listdir(mini_partner.parent))
    code, stdout, _ = cli("validate", mini_partner, "--library", MINILIB)
    assert code == 0 and "valid for mini" in stdout
    assert sorted(os.listdir(mini_partner.parent)) == before


def test_new_partner_scaffold_lists_every_parameter(cli, tmp_path: Path) -> None:
    code, _, _ = cli(
        "new-partner", "acme", "--template", "mini", "--out", tmp_path, "--library", MINILIB
    )
    assert code == 0
    text = (tmp_path / "acme.yaml").read_text()
    for name in ("agreement_reference", "retention_months", "signatories"):
        assert f"\n{name}:" in text
    assert "# Months the Recipient may keep the Data." in text
    assert "walk-away above 60" in text
    code, _, stderr = cli("validate", tmp_path / "acme.yaml", "--library", MINILIB)
    # Every required value is left empty (examples only in comments), and all are named at once.
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert code == 2 and len(errors) >= 3
    for name in ("agreement_reference", "provider_name", "recipient_name"):
        assert any(f"field '{name}': expected text, found nothing" in e for e in errors)


def test_validate_reports_every_bad_file_and_every_bad_field(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    good = mini_partner.read_text()
    folder = tmp_path / "partners"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(good)
    (folder / "b-bad.yaml").write_text(
        good.replace("retention_months: 48", "retention_months: lots\nretention_monts: 48")
    )
    (folder / "c-bad.yaml").write_text(good.replace("2026-03-01", "2026-02-30"))
    code, stdout, stderr = cli("validate", folder, "--library", MINILIB)
    assert code == 2
    assert "a-good.yaml: valid for mini" in stdout
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert any(
        "b-bad.yaml:6, field 'retention_months'" in e and "found 'lots'" in e for e in errors
    )
    assert any("b-bad.yaml:7, field 'retention_monts'" in e for e in errors)
    assert any("c-bad.yaml:3, field 'effective_date'" in e for e in errors)
    assert "3 error(s) in 2 of 3 file(s)" in stderr
    code, _, stderr = _generate(cli, folder, "--out", tmp_path / "out", "--format", "md")
    assert code == 2 and stderr.count("error:") == 3 and not (tmp_path / "out").exists()


def test_clauses_show_prints_playbook(cli) -> None:
    code, stdout, _ = cli("clauses", "show", "retention", "--library", MINILIB, "--json")
    assert code == 0
    shown = json.loads(stdout)
    assert any(p.get("walk_away") == "above 60" for p in shown["params"])


def test_unknown_clause_is_reported(cli) -> None:
    code, _, stderr = cli("clauses", "show", "retension", "--library", MINILIB)
    assert code == 2 and "did you mean 'retention'" in stderr


def test_jinja_syntax_error_in_a_clause_names_file_and_line(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    import shutil

    library = tmp_path / "lib"
    shutil.copytree(MINILIB, library)
    clause = library / "clauses" / "retention.yaml"
    clause.write_text(
        clause.read_text().replace(
            "{{ retention_months | num_words }}", "{{ retention_months | num_words }"
        )
    )
    code, _, stderr = cli("validate", mini_partner, "--library", library)
    assert code == 2
    assert "retention.yaml:" in stderr and "Jinja syntax error" in stderr
    assert "variants.standard.text" in stderr


def test_validate_refuses_two_files_with_the_same_output_name(
    cli, mini_partner: Path, tmp_path: Path
) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "twin.yaml").write_text(mini_partner.read_text())
    code, stdout, stderr = cli("validate", tmp_path / "a", tmp_path / "b", "--library", MINILIB)
    assert code == 2 and "a/twin.yaml: valid for mini" in stdout
    assert "b/twin.yaml: same output name as" in stderr
    code, _, stderr = _generate(cli, tmp_path / "a", tmp_path / "b", "--out", tmp_path / "out")
    assert code == 2 and "same output name" in stderr
