"""`dsagen diff` given hostile or broken input: exit code 2, one `error:` line on stderr, no
traceback; plus the output and --fail-on rules of the command. (How fast a refusal is belongs
to bench/, not to a test.)"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest

from tests.conftest import DATA, FIXTURES, MINILIB

PARTNER = DATA / "partners" / "mini-partner.yaml"
OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"
WC027_BEFORE = OXPT / "WC" / "WC027-Twenty-Paras-Before.docx"
WC027_AFTER = OXPT / "WC" / "WC027-Twenty-Paras-After-1.docx"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

XXE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>
"""
BILLION_LAUGHS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE w:document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>
"""
CORE_XXE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE cp:coreProperties [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>&xxe;</dc:creator></cp:coreProperties>
"""


# -- small DOCX builders -------------------------------------------------------------------------


def docx_bytes(*paragraphs: str, headings: tuple[str, ...] = ()) -> bytes:
    """A real (python-docx) DOCX: optional Heading 1 titles, each followed by its paragraph."""
    document = docx.Document()
    for index, text in enumerate(paragraphs):
        if index < len(headings):
            document.add_heading(headings[index], level=1)
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_parts(
    base: bytes,
    replace: dict[str, bytes | str] | None = None,
    extra: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """`base` with some members replaced, and raw extra members appended (duplicates allowed)."""
    replace = replace or {}
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = replace.get(item.filename, source.read(item.filename))
            target.writestr(item.filename, data.encode() if isinstance(data, str) else data)
        for name, data in extra or []:
            target.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(path: Path, megabytes: int = 300) -> Path:
    """A DOCX whose one extra member inflates ~1000:1 to `megabytes` MB of zeros (~0.3 MB)."""
    base = docx_bytes("The Recipient shall delete the data.")
    path.write_bytes(base)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        with package.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(chunk)
    return path


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    target = tmp_path / name
    target.write_bytes(data)
    return target


# -- running the command -------------------------------------------------------------------------


def diff(cli, standard: Path, negotiated: Path, *args: str) -> tuple[int, str, str]:
    return cli("diff", standard, negotiated, "--library", MINILIB, *args)


def assert_refused(result: tuple[int, str, str], *phrases: str) -> str:
    """Exit 2, exactly one `error:` line on stderr, nothing on stdout, no traceback."""
    code, stdout, stderr = result
    assert code == 2, (code, stdout, stderr)
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert "Traceback" not in stderr + stdout
    assert stdout == ""
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def needs(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"conformance fixture not available: {path}")
    return path


# -- not a DOCX ----------------------------------------------------------------------------------

NOT_DOCX = {
    "text-renamed": (b"Data Sharing Agreement\nThe Recipient shall...\n", "plain text"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    "ole-encrypted": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "encrypted or legacy"),
    "empty-file": (b"", "empty file"),
}


@pytest.mark.parametrize("kind", NOT_DOCX)
def test_file_that_is_not_a_docx_is_refused(cli, tmp_path: Path, kind: str) -> None:
    data, phrase = NOT_DOCX[kind]
    negotiated = write(tmp_path, "agreement.docx", data)
    line = assert_refused(diff(cli, PARTNER, negotiated), phrase)
    assert str(negotiated) in line


def test_truncated_download_is_refused(cli, tmp_path: Path) -> None:
    whole = docx_bytes("The Recipient shall delete the data.")
    negotiated = write(tmp_path, "agreement.docx", whole[: len(whole) // 2])
    assert_refused(diff(cli, PARTNER, negotiated), "corrupt or truncated")


def test_zip_bomb_is_refused_without_inflating_it(cli, tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "agreement.docx")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert_refused(diff(cli, PARTNER, bomb), "zip bomb")


@pytest.mark.parametrize("kind", ["external-entity", "billion-laughs", "utf16-external-entity"])
def test_document_xml_with_a_doctype_is_refused(cli, tmp_path: Path, kind: str) -> None:
    xml = {
        "external-entity": XXE.encode(),
        "billion-laughs": BILLION_LAUGHS.encode(),
        "utf16-external-entity": XXE.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode(
            "utf-16"
        ),
    }[kind]
    negotiated = write(
        tmp_path,
        "agreement.docx",
        with_parts(docx_bytes("The Recipient shall delete the data."), {"word/document.xml": xml}),
    )
    line = assert_refused(diff(cli, PARTNER, negotiated), "unsafe XML", "word/document.xml")
    assert "root:" not in line


def test_doctype_in_the_core_properties_is_refused(cli, tmp_path: Path) -> None:
    negotiated = write(
        tmp_path,
        "agreement.docx",
        with_parts(
            docx_bytes("The Recipient shall delete the data."), {"docProps/core.xml": CORE_XXE}
        ),
    )
    assert_refused(diff(cli, PARTNER, negotiated), "unsafe XML", "docProps/core.xml")


def test_zip_without_a_word_document_is_refused(cli, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.xml", "<workbook/>")
    negotiated = write(tmp_path, "agreement.docx", buffer.getvalue())
    assert_refused(diff(cli, PARTNER, negotiated), "not a Word document", "Excel")


def test_malformed_document_xml_is_refused(cli, tmp_path: Path) -> None:
    negotiated = write(
        tmp_path,
        "agreement.docx",
        with_parts(
            docx_bytes("The Recipient shall delete the data."),
            {"word/document.xml": f'<w:document xmlns:w="{W_NS}"><w:body><w:p>'},
        ),
    )
    assert_refused(diff(cli, PARTNER, negotiated), "malformed XML in word/document.xml")


# -- a DOCX with nothing to compare --------------------------------------------------------------


@pytest.mark.parametrize("paragraphs", [(), ("", "   ")], ids=["no-paragraphs", "blank"])
def test_document_without_text_is_refused(cli, tmp_path: Path, paragraphs: tuple[str, ...]) -> None:
    negotiated = write(tmp_path, "agreement.docx", docx_bytes(*paragraphs))
    assert_refused(diff(cli, PARTNER, negotiated), "empty document")


RECIPE = (
    "Mix the flour, eggs and milk into a smooth batter and rest it for an hour.",
    "Fry thin pancakes in butter until golden and serve them warm with maple syrup.",
)


@pytest.mark.parametrize(
    "standard, headings",
    [
        (PARTNER, ("Batter", "Cooking")),
        (OXPT / "WC" / "WC004-Large.docx", ("Batter", "Cooking")),
        (PARTNER, ()),
        (WC027_BEFORE, ()),
    ],
    ids=["generated-vs-headed", "fixture-vs-headed", "generated-vs-plain", "fixture-vs-plain"],
)
def test_unrelated_documents_are_refused(
    cli, tmp_path: Path, standard: Path, headings: tuple[str, ...]
) -> None:
    """A recipe is not a negotiated version of the standard, whether or not it has headings:
    comparing them would report every word as a deviation and write a meaningless redline."""
    negotiated = write(tmp_path, "recipe.docx", docx_bytes(*RECIPE, headings=headings))
    assert_refused(diff(cli, needs(standard), negotiated), "unrelated")


def test_missing_negotiated_file_is_refused(cli, tmp_path: Path) -> None:
    missing = tmp_path / "agreement.docx"
    assert_refused(diff(cli, PARTNER, missing), str(missing), "no such file")


def test_missing_standard_file_is_refused(cli, tmp_path: Path) -> None:
    missing = tmp_path / "issued.docx"
    assert_refused(diff(cli, missing, needs(WC027_AFTER)), str(missing), "no such file")


def test_folder_given_as_the_negotiated_file_is_refused(cli, tmp_path: Path) -> None:
    assert_refused(diff(cli, PARTNER, tmp_path), "directory")


# -- what the message itself contains -----------------------------------------------------------


def test_file_name_with_brackets_is_reported_verbatim(cli, tmp_path: Path) -> None:
    """Square brackets are common in file names ("Contract [final].docx"); the error line must
    name the file the user gave, not a version with "[final]" eaten as console markup."""
    negotiated = write(tmp_path, "Contract [final].docx", b"not a zip")
    assert_refused(diff(cli, PARTNER, negotiated), "Contract [final].docx")


def test_hostile_member_name_cannot_break_the_error_message(cli, tmp_path: Path) -> None:
    """A member name is chosen by whoever made the file; echoed in the error, a name like
    "[/x]" must not crash the error printer (rich MarkupError -> traceback, exit 1)."""
    negotiated = write(
        tmp_path,
        "agreement.docx",
        with_parts(docx_bytes("The Recipient shall delete the data."), extra=[("../[/x]", b"x")]),
    )
    assert_refused(diff(cli, PARTNER, negotiated), "unsafe member name", "[/x]")


def test_unparsable_modified_date_in_the_negotiated_file_does_not_block_the_redline(
    cli, tmp_path: Path
) -> None:
    """The redline's revision date defaults to the negotiated file's dcterms:modified. That
    value comes from the partner's file: if it is garbage, the redline should still be written
    (falling back to a fixed date) instead of failing with an error about --date, a flag the
    user never passed."""
    source = needs(WC027_AFTER)
    core = zipfile.ZipFile(source).read("docProps/core.xml").decode()
    start = core.index("<dcterms:modified")
    start = core.index(">", start) + 1
    end = core.index("</dcterms:modified>")
    negotiated = write(
        tmp_path,
        "agreement.docx",
        with_parts(
            source.read_bytes(), {"docProps/core.xml": core[:start] + "last Tuesday" + core[end:]}
        ),
    )
    redline = tmp_path / "redline.docx"
    code, _, stderr = diff(cli, needs(WC027_BEFORE), negotiated, "--redline", str(redline))
    assert "--date" not in stderr
    assert code == 1 and redline.exists()


# -- outputs and --fail-on -----------------------------------------------------------------------


@pytest.mark.parametrize("option", ["--redline", "--json-file", "--html"])
def test_existing_output_is_left_untouched_without_force(cli, tmp_path: Path, option: str) -> None:
    target = write(tmp_path, "report.out", b"counsel's notes")
    line = assert_refused(
        diff(cli, needs(WC027_BEFORE), needs(WC027_AFTER), option, str(target)),
        "already exists",
        "--force",
    )
    assert str(target) in line
    assert target.read_bytes() == b"counsel's notes"


def test_existing_output_is_replaced_with_force(cli, tmp_path: Path) -> None:
    target = write(tmp_path, "redline.docx", b"counsel's notes")
    code, _, stderr = diff(
        cli, needs(WC027_BEFORE), needs(WC027_AFTER), "--redline", str(target), "--force"
    )
    assert code == 1, stderr
    assert zipfile.is_zipfile(target)


@pytest.mark.parametrize("value", ["walkaway", "high", ""])
def test_unknown_fail_on_value_is_refused(cli, tmp_path: Path, value: str) -> None:
    redline = tmp_path / "redline.docx"
    assert_refused(
        diff(
            cli,
            needs(WC027_BEFORE),
            needs(WC027_AFTER),
            "--fail-on",
            value,
            "--redline",
            str(redline),
        ),
        "--fail-on",
        "walk-away",
    )
    assert not redline.exists(), "nothing is written before the arguments are checked"


@pytest.mark.parametrize(
    "fail_on, expected", [(None, 1), ("any", 1), ("fallback", 1), ("approval", 1), ("walk-away", 0)]
)
def test_fail_on_threshold_decides_the_exit_code(cli, fail_on: str | None, expected: int) -> None:
    """WC027 After-1 has only an approval-level deviation (text changed, no library clause)."""
    args = ("--json",) + (("--fail-on", fail_on) if fail_on else ())
    code, stdout, stderr = diff(cli, needs(WC027_BEFORE), needs(WC027_AFTER), *args)
    assert stderr == ""
    assert json.loads(stdout)["worst_severity"] == "approval"
    assert code == expected
