"""Acceptance of generation on the shipped examples: real structure, real clients, real text."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from functools import cache
from pathlib import Path

import docx
import pytest

from dsagen.assemble import Agreement, assemble
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from dsagen.render.markdown import render_markdown
from dsagen.render.pdf import render_pdf
from tests.conftest import EXAMPLES, needs_soffice
from tests.pdf_pages import short_lines

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
pytestmark = pytest.mark.skipif(not EXAMPLE_FILES, reason="no examples/partners yet")


@cache
def _agreement(path: Path) -> Agreement:
    library = load_library()
    return assemble(load_partner(path, library), library)


@cache
def _docx(path: Path) -> bytes:
    return render_docx(_agreement(path))


def test_there_are_at_least_six_examples_covering_every_template() -> None:
    assert len(EXAMPLE_FILES) >= 6
    templates = {_agreement(p).template_id for p in EXAMPLE_FILES}
    assert {"research-dsa", "mutual-nda", "data-license"} <= templates


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_docx_opens_with_every_clause_anchored(path: Path, tmp_path: Path) -> None:
    agreement = _agreement(path)
    target = tmp_path / "a.docx"
    target.write_bytes(_docx(path))
    document = docx.Document(str(target))
    body = document.element.body
    start = docx.oxml.ns.qn("w:bookmarkStart")
    names = {b.get(docx.oxml.ns.qn("w:name")) for b in body.iter(start)}
    for section in agreement.sections:
        assert section.anchor in names, section.clause_id
    texts = "\n".join(p.text for p in document.paragraphs)
    for section in agreement.sections:
        assert section.title in texts
    assert agreement.recipient_name in texts and agreement.provider_name in texts


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_docx_is_byte_identical_when_generated_twice(path: Path) -> None:
    assert render_docx(_agreement(path)) == _docx(path)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_docx_records_provenance_in_core_properties(path: Path, tmp_path: Path) -> None:
    agreement = _agreement(path)
    target = tmp_path / "a.docx"
    target.write_bytes(_docx(path))
    props = docx.Document(str(target)).core_properties
    assert props.category == agreement.template_id
    assert props.subject == agreement.partner
    assert props.version == agreement.library_version
    assert props.identifier == f"sha256:{agreement.params_digest}"


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_numbering_is_automatic_from_numbering_xml(path: Path) -> None:
    with zipfile.ZipFile(__import__("io").BytesIO(_docx(path))) as package:
        document = package.read("word/document.xml").decode()
        numbering = package.read("word/numbering.xml").decode()
    assert "w:abstractNum" in numbering
    headings = _agreement(path).sections
    numbered = [s for s in headings if s.number is not None]
    # No typed clause numbers: the heading text starts with the title, not "3."
    for section in numbered:
        assert f">{section.number}. {section.title}<" not in document


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_rendered_text_matches_golden(path: Path, golden) -> None:
    golden(f"{path.stem}.md", render_markdown(_agreement(path)))


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_pdf_has_every_title_the_partner_values_and_page_numbers(
    path: Path, tmp_path: Path
) -> None:
    agreement = _agreement(path)
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(render_pdf(agreement))
    text = re.sub(r"\s+", " ", _pdftotext(pdf))
    for section in agreement.sections:
        assert section.title.upper() in text.upper(), section.title
    for value in (agreement.provider_name, agreement.recipient_name, agreement.reference):
        assert value in text
    pages = int(re.search(r"Page \d+ of (\d+)", text).group(1))  # type: ignore[union-attr]
    assert pages >= 2 and f"Page {pages} of {pages}" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "Liberation" in fonts and " no " not in fonts.split("\n", 2)[-1].split("yes")[0]
    assert short_lines(pdf.read_bytes()) == []  # no word stranded (tests/test_pdf_lines.py)


@needs_soffice()
def test_libreoffice_converts_every_example_to_pdf(tmp_path: Path) -> None:
    from tests.lo import client

    sources = []
    for path in EXAMPLE_FILES:
        sources.append(tmp_path / f"{path.stem}.docx")
        sources[-1].write_bytes(_docx(path))
    pdfs = client.convert_all(sources, "pdf", tmp_path / "pdf")  # one soffice start for all
    for path, pdf in zip(EXAMPLE_FILES, pdfs, strict=True):
        text = _pdftotext(pdf)
        agreement = _agreement(path)
        assert agreement.recipient_name.split()[0] in text
        numbered = [s for s in agreement.sections if s.number is not None]
        # LibreOffice computes the numbers from numbering.xml: "3. TITLE" appears.
        assert re.search(
            rf"{numbered[-1].number}\.\s+{re.escape(numbered[-1].title.upper()[:12])}", text.upper()
        ), path.stem


def test_switches_change_every_sentence_that_depends_on_them(tmp_path: Path) -> None:
    """Commercial use, a provider veto and no IRB: no sentence elsewhere may still say otherwise."""
    text = (EXAMPLES / "gravy-uf.yaml").read_text()
    for name, value in (
        ("commercial_use", "true"),
        ("provider_veto", "true"),
        ("irb_approval_required", "false"),
    ):
        text, count = re.subn(rf"(?m)^{name}:.*$", f"{name}: {value}", text)
        assert count == 1, name
    partner = tmp_path / "switched.yaml"
    partner.write_text(text)
    library = load_library()
    body = render_markdown(assemble(load_partner(partner, library), library))
    body = " ".join(body.split())
    assert "non-commercial research described" not in body
    assert "non-commercial academic research" not in body
    assert "whatever their content" not in body
    assert "freedom to publish" not in body and "no role in the design" not in body
    assert "prior written consent" in body
