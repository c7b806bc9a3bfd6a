"""The LibreOffice real-client harness (tests/lo) against a real soffice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

try:
    from tests.lo import client as lo
except ModuleNotFoundError:  # plain `pytest`: tests/ itself is on sys.path, not the repo root
    from lo import client as lo  # type: ignore[no-redef]

pytestmark = pytest.mark.skipif(
    not lo.soffice_available(),
    reason=f"real-client tests need LibreOffice: {lo.unavailable_reason()}",
)

ORIGINAL = [
    "1. Definitions apply throughout this agreement.",
    "2. The retention period is 36 months from the effective date.",
    "3. Data must be deleted at the end of the term.",
    "4. Notices are given in writing.",
    "Party",
    "Role",
    "University",
    "Provider",
    "Signed by both parties.",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = docx.Document()
    for text in ORIGINAL[:4]:
        d.add_paragraph(text)
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ORIGINAL[4:8], strict=True):
        cell.text = text
    p = d.add_paragraph(ORIGINAL[8])
    p._p.insert(1, parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="1" w:name="dsa_signature"/>'))
    p._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="1"/>'))
    path = tmp_path_factory.mktemp("lo") / "sample.docx"
    d.save(str(path))
    return path


EDITS = [
    {"op": "replace", "find": "36 months", "replace": "60 months"},
    {"op": "insert_after", "find": "deleted at the end", "text": "Copies are destroyed."},
    {"op": "insert_paragraph_after", "find": "4. Notices", "text": "5. Audit rights apply."},
    {"op": "delete_paragraph", "find": "1. Definitions"},
    {"op": "delete_text", "find": " in writing"},
]
EDITED = [
    "2. The retention period is 60 months from the effective date.",
    "3. Data must be deleted at the end of the term. Copies are destroyed.",
    "4. Notices are given.",
    "5. Audit rights apply.",
    *ORIGINAL[4:],
]


def document_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode()


def test_paragraphs_and_bookmarks(sample: Path) -> None:
    assert lo.paragraphs(sample) == ORIGINAL
    assert lo.redline_count(sample) == 0
    assert lo.bookmarks(sample) == ["dsa_signature"]


def test_convert_pdf_and_txt(sample: Path, tmp_path: Path) -> None:
    pdf = lo.convert(sample, "pdf", tmp_path)
    assert pdf == tmp_path / "sample.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    txt = lo.convert(sample, "txt", tmp_path)
    lines = [line for line in txt.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    assert lines == ORIGINAL


def test_edit_with_tracking(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "tracked.docx"
    lo.edit(sample, out, EDITS, track_changes=True, author="Partner Counsel")
    # replace = del + ins; insert_after, insert_paragraph_after = ins; delete_* = del
    assert lo.redline_count(out) == 6
    changes = lo.redlines(out)
    assert {c["RedlineAuthor"] for c in changes} == {"Partner Counsel"}
    assert ("Delete", "36 months") in {(c["RedlineType"], c["text"]) for c in changes}
    assert ("Insert", "60 months") in {(c["RedlineType"], c["text"]) for c in changes}
    # Unresolved view keeps both sides; accept/reject resolve them.
    raw = lo.paragraphs(out)
    assert "2. The retention period is 36 months60 months from the effective date." in raw
    assert "1. Definitions apply throughout this agreement." in raw
    assert lo.accept_all(out) == EDITED
    assert lo.reject_all(out) == ORIGINAL
    xml = document_xml(out)
    assert '<w:del w:id="' in xml and 'w:author="Partner Counsel"' in xml
    assert "<w:delText>36 months</w:delText>" in xml
    assert "<w:t>60 months</w:t>" in xml


def test_edit_without_tracking(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "silent.docx"
    lo.edit(sample, out, EDITS, track_changes=False)
    assert lo.redline_count(out) == 0
    assert lo.paragraphs(out) == EDITED
    assert lo.accept_all(out) == lo.reject_all(out) == EDITED
    assert "<w:ins " not in document_xml(out)


def test_accept_all_can_save(sample: Path, tmp_path: Path) -> None:
    tracked, accepted = tmp_path / "t.docx", tmp_path / "a.docx"
    lo.edit(sample, tracked, EDITS[:1], track_changes=True, author="Someone Else")
    assert {c["RedlineAuthor"] for c in lo.redlines(tracked)} == {"Someone Else"}
    lo.accept_all(tracked, accepted)
    assert lo.redline_count(tracked) == 2  # source untouched
    assert lo.redline_count(accepted) == 0
    assert lo.paragraphs(accepted)[1] == EDITED[0]


def test_delete_paragraph_next_to_table_keeps_table(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "del.docx"
    lo.edit(sample, out, [{"op": "delete_paragraph", "find": "Signed by"}], track_changes=True)
    assert lo.accept_all(out) == ORIGINAL[:-1]


def test_roundtrip_keeps_text_and_bookmark(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "rt.docx"
    lo.roundtrip(sample, out)
    assert lo.paragraphs(out) == ORIGINAL
    assert 'w:name="dsa_signature"' in document_xml(out)


def test_errors_are_clear(sample: Path, tmp_path: Path) -> None:
    with pytest.raises(lo.LibreOfficeError, match=r"text not found.*no such words"):
        lo.edit(
            sample,
            tmp_path / "x.docx",
            [{"op": "replace", "find": "no such words", "replace": "x"}],
            track_changes=True,
        )
    with pytest.raises(lo.LibreOfficeError, match="no such file"):
        lo.paragraphs(tmp_path / "missing.docx")
    # The office survives a failed request.
    assert lo.redline_count(sample) == 0
