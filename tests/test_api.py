"""The documented library API (docs/api.md): what `import dsagen` offers, used as a program
would use it, and cheap to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dsagen
from tests.conftest import DATA, MINILIB, ROOT


def test_every_documented_name_is_exported_and_every_export_documented() -> None:
    documented = (ROOT / "docs" / "api.md").read_text()
    for name in dsagen.__all__:
        if name != "__version__":
            assert f"`{name}" in documented, f"{name} is exported but not in docs/api.md"


def test_importing_dsagen_loads_none_of_the_heavy_libraries() -> None:
    code = (
        "import sys, dsagen; heavy = [m for m in ('weasyprint', 'sqlalchemy', 'rich', "
        "'typer', 'lxml', 'jinja2', 'docx', 'dsagen.library') if m in sys.modules]; "
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "[]"


def test_generate_then_compare_through_the_api(tmp_path: Path) -> None:
    partner = tmp_path / "mini-partner.yaml"
    partner.write_text((DATA / "partners" / "mini-partner.yaml").read_text())
    library = dsagen.load_library(MINILIB)
    prepared = dsagen.prepare([partner], library=library)
    results = dsagen.generate_agreements(
        [partner],
        out_dir=tmp_path / "out",
        formats=("docx",),
        library_root=MINILIB,
        prepared=prepared,
    )
    docx = Path(results[0].files[0].path)
    comparison, _, _ = dsagen.compare_files(docx, docx, library=library)
    assert not comparison.fails("any")
    assert comparison.to_json()["summary"]["modified"] == 0


def test_generated_agreements_carry_their_whole_text(tmp_path: Path) -> None:
    """The CLI's results leave the agreement's text behind (it prints only where each went);
    a library caller gets the agreement as assembled."""
    partner = tmp_path / "mini-partner.yaml"
    partner.write_text((DATA / "partners" / "mini-partner.yaml").read_text())
    library = dsagen.load_library(MINILIB)
    [result] = dsagen.generate_agreements(
        [partner], out_dir=tmp_path / "out", formats=("docx",), library_root=MINILIB
    )
    [prepared] = dsagen.prepare([partner], library=library)
    assert result.agreement.sections == prepared.agreement.sections
    assert result.agreement.sections
