"""Shared test helpers: paths, a CLI runner, and the --update-golden switch."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings
from lxml import etree
from typer.testing import CliRunner

from dsagen.cli import app
from tests.docx_edits import place_paragraph_mark

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
MINILIB = DATA / "minilib"
EXAMPLES = ROOT / "examples" / "partners"
FIXTURES = ROOT.parent / "shared" / "fixtures"


# CI explores the same examples on every run (a failure there is reproducible, never luck);
# locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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


# -- partner edits made with tracking on, at XML level ------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTNER_AUTHOR, PARTNER_DATE = "Partner Counsel", "2026-11-20T10:00:00Z"
_revision_ids = iter(range(9000, 10**9))


def partner_mark(tag: str) -> etree._Element:
    """A revision element (w:ins, w:del, ...) by the partner, with a fresh id."""
    element = etree.Element(W + tag)
    element.set(W + "id", str(next(_revision_ids)))
    element.set(W + "author", PARTNER_AUTHOR)
    element.set(W + "date", PARTNER_DATE)
    return element


def mark_paragraph(paragraph: etree._Element, tag: str) -> None:
    """The paragraph's mark inserted or deleted by the partner (first child of w:pPr/w:rPr)."""
    place_paragraph_mark(paragraph, partner_mark(tag))


def strike_tracked(paragraph: etree._Element) -> None:
    """Every run of the paragraph, and its mark, deleted by the partner with tracking on."""
    deleted = partner_mark("del")
    runs = [c for c in paragraph if c.tag == W + "r"]
    if runs:
        runs[0].addprevious(deleted)
    for run in runs:
        for text in run.iter(W + "t"):
            text.tag = W + "delText"
        for instruction in run.iter(W + "instrText"):
            instruction.tag = W + "delInstrText"
        deleted.append(run)
    mark_paragraph(paragraph, "del")


def clause_blocks(body: etree._Element) -> dict[str, list[etree._Element]]:
    """Clause id -> its block of body elements (anchored heading to the next), as generated."""
    blocks: dict[str, list[etree._Element]] = {}
    current = None
    for element in body:
        names = [b.get(W + "name", "") for b in element.iter(W + "bookmarkStart")]
        anchors = [n for n in names if n.startswith("_dsa_")]
        if anchors:
            current = anchors[0].removeprefix("_dsa_").split("__")[0]
            blocks[current] = []
        if current is not None and element.tag != W + "sectPr":
            blocks[current].append(element)
    return blocks
