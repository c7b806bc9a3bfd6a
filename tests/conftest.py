"""Shared test helpers: paths, a CLI runner, and the --update-golden switch."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from dsagen.cli import app

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINILIB = DATA / "minilib"
EXAMPLES = ROOT / "examples" / "partners"
FIXTURES = ROOT.parent / "shared" / "fixtures"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from the current output (review the diff!).")


@pytest.fixture(autouse=True)
def _private_registry(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`dsagen generate` records into a registry by default; tests never touch the checkout's."""
    if "DSAGEN_REGISTRY" not in os.environ:
        path = tmp_path_factory.mktemp("registry") / "registry.db"
        monkeypatch.setenv("DSAGEN_REGISTRY", f"sqlite:///{path}")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def cli():
    """Invoke the dsagen CLI in-process; returns (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


@pytest.fixture
def mini_partner(tmp_path: Path) -> Path:
    """A writable copy of the mini partner file."""
    target = tmp_path / "mini-partner.yaml"
    shutil.copy(DATA / "partners" / "mini-partner.yaml", target)
    return target


def needs_soffice():
    from tests.lo.client import soffice_available

    return pytest.mark.skipif(not soffice_available(),
                              reason="LibreOffice (soffice + python3-uno) not installed; "
                              "`make test` installs it on Debian")


def edit_body(docx: bytes, change: Callable[[etree._Element], None]) -> bytes:
    """A DOCX whose w:body has been edited in place by `change` (a silent edit, as a partner
    who turned tracking off would make), zipped deterministically."""
    from dsagen.render.docx import deterministic_zip

    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    change(root.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}body"))
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return deterministic_zip(buffer.getvalue())
