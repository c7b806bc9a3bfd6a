"""Shared test helpers: paths, a CLI runner, and the --update-golden switch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
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
