"""Body text alignment is the template's choice, the same in every output; the cover page of the
PDF and HTML is the DOCX's (centred, the partner's date style)."""

from __future__ import annotations

import io
import shutil
import zipfile
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from dsagen.assemble import Agreement, assemble
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from dsagen.render.html import render_html
from dsagen.textfilters import long_date
from tests.conftest import EXAMPLES, MINILIB, ROOT

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY_STYLES = {"DsaClause", "DsaItem", "DsaSubItem", "DsaBody", "DsaRecital", "DsaSchedule"}


def _library_with(tmp_path: Path, alignment: str | None) -> Path:
    """The mini library, its template asking for `alignment` (or nothing)."""
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    if alignment is not None:
        template = root / "templates" / "mini.yaml"
        template.write_text(template.read_text() + f"alignment: {alignment}\n")
    return root


def _mini_agreement(tmp_path: Path, alignment: str | None) -> Agreement:
    library = load_library(_library_with(tmp_path, alignment))
    partner = load_partner(ROOT / "tests" / "data" / "partners" / "mini-partner.yaml", library)
    return assemble(partner, library)


def _style_alignments(docx: bytes) -> dict[str, str]:
    """Each paragraph style's w:jc ('' for none: Word's left)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        styles = etree.fromstring(package.read("word/styles.xml"))
    out = {}
    for style in styles.iter(W + "style"):
        jc = style.find(f"{W}pPr/{W}jc")
        out[style.get(W + "styleId")] = "" if jc is None else jc.get(W + "val")
    return out


@pytest.mark.parametrize(
    ("alignment", "jc", "justified_class"),
    [(None, "", False), ("left", "", False), ("justified", "both", True)],
)
def test_the_template_chooses_the_body_alignment_of_docx_and_html(
    tmp_path: Path, alignment: str | None, jc: str, justified_class: bool
) -> None:
    agreement = _mini_agreement(tmp_path, alignment)
    styles = _style_alignments(render_docx(agreement))
    assert {styles[name] for name in BODY_STYLES} == {jc}
    assert styles["DsaCover"] == styles["DsaTitle"] == "center"  # the cover is centred either way
    assert ('<body class="justified">' in render_html(agreement)) is justified_class


def test_justified_and_ragged_docx_differ_only_in_their_styles(tmp_path: Path) -> None:
    left = render_docx(_mini_agreement(tmp_path / "a", "left"))
    justified = render_docx(_mini_agreement(tmp_path / "b", "justified"))
    with zipfile.ZipFile(io.BytesIO(left)) as a, zipfile.ZipFile(io.BytesIO(justified)) as b:
        differing = {n for n in a.namelist() if a.read(n) != b.read(n)}
    assert differing <= {"word/styles.xml", "docProps/custom.xml"}
    assert "word/styles.xml" in differing


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("centre", "field 'alignment': expected one of left, justified, found 'centre'"),
        ("[left]", "field 'alignment': expected one of left, justified, found ['left']"),
    ],
)
def test_an_unknown_alignment_is_refused_naming_file_line_and_field(
    tmp_path: Path, value: str, expected: str
) -> None:
    from dsagen.errors import LibraryError

    root = _library_with(tmp_path, value)
    with pytest.raises(LibraryError) as caught:
        load_library(root)
    message = str(caught.value)
    assert message.startswith(f"{root / 'templates' / 'mini.yaml'}:8, ")
    assert expected in message


def test_an_unknown_template_key_names_the_key_meant(tmp_path: Path) -> None:
    from dsagen.errors import LibraryError

    root = _library_with(tmp_path, None)
    template = root / "templates" / "mini.yaml"
    template.write_text(template.read_text() + "alignmnet: justified\n")
    with pytest.raises(LibraryError) as caught:
        load_library(root)
    message = str(caught.value)
    assert message.startswith(f"{template}:8, field 'alignmnet'")
    assert "did you mean 'alignment'" in message


@cache
def _us_agreement() -> Agreement:
    library = load_library()
    for path in sorted(EXAMPLES.glob("*.yaml")):
        agreement = assemble(load_partner(path, library), library)
        if agreement.locale == "en-US" and agreement.effective_date:
            return agreement
    raise AssertionError("no en-US example with an effective date")


def test_the_html_cover_prints_the_date_as_the_docx_does() -> None:
    agreement = _us_agreement()
    date = long_date(agreement.effective_date, "en-US")
    assert date[0].isalpha()  # "July 1, 2026", not "1 July 2026"
    assert f"Effective Date: {date}" in render_html(agreement)
    with zipfile.ZipFile(io.BytesIO(render_docx(agreement))) as package:
        assert f"Effective Date: {date}".encode() in package.read("word/document.xml")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_pdf_cover_is_centred_as_the_docx_cover_is() -> None:
    from dsagen.render.pdf import render_pdf
    from tests.pdf_pages import page_texts

    cover = page_texts(render_pdf(_us_agreement()))[0]
    lines = {line.strip(): line for line in cover.splitlines() if line.strip()}
    for short in ("between", "and"):
        indent = len(lines[short]) - len(lines[short].lstrip())
        assert indent > 30, (short, indent)  # centred on a 6.5in line, not at its left edge
