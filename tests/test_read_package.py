"""Opening untrusted DOCX packages: every hostile or broken input is a one-line DocumentError."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from dsagen.errors import DocumentError
from dsagen.read import open_docx, read_docx
from dsagen.read import package as package_module

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = (
    f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}"><w:body>'
    "<w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>"
)
FIXTURE = (
    Path(__file__).resolve().parents[2]
    / "shared/fixtures/open-xml-powertools/TestFiles/CZ/CZ002-Multi-Paragraphs.docx"
)


def zip_bytes(members: dict[str, bytes | str], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def docx_bytes(document: str = DOCUMENT, **extra: bytes | str) -> bytes:
    return zip_bytes({"word/document.xml": document, **extra})


def refused(source, match: str) -> DocumentError:
    """Assert that reading ``source`` fails with a one-line DocumentError (how fast is for
    bench/, never a test: a busy machine would fail it)."""
    with pytest.raises(DocumentError, match=match) as caught:
        read_docx(source, name=None if isinstance(source, Path) else "partner.docx")
    message = str(caught.value)
    assert "\n" not in message and message
    return caught.value


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~1.4 MB file whose word/document.xml inflates to 300 MB of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    return path


def test_a_valid_package_exposes_parts_lazily_and_parses_xml() -> None:
    package = open_docx(docx_bytes(**{"docProps/core.xml": "<x/>"}), name="ok.docx")
    assert package.label == "ok.docx"
    assert set(package.parts) == {"word/document.xml", "docProps/core.xml"}
    assert "word/document.xml" in package.parts
    assert package.parts["docProps/core.xml"] == b"<x/>"
    assert package.xml("word/document.xml").tag == f"{{{W_NS}}}document"


def test_zip_bomb_is_refused_before_inflating(zip_bomb: Path) -> None:
    error = refused(zip_bomb, "zip bomb suspected")
    assert str(error).startswith(str(zip_bomb))


def test_highly_compressed_member_is_refused_by_ratio() -> None:
    bomb = docx_bytes(**{"word/media/image1.png": bytes(5 * 1024 * 1024)})
    refused(bomb, r"zip bomb suspected: member word/media/image1.png compresses \d+:1")


def test_member_lying_about_its_size_cannot_inflate_past_the_header() -> None:
    honest = zip_bytes({"word/document.xml": DOCUMENT + " " * 100_000}, level=9)
    # Shrink the declared uncompressed size in both headers: the data inflates to more.
    declared = struct.pack("<I", 1000)
    real = struct.pack("<I", len(DOCUMENT) + 100_000)
    lying = honest.replace(real, declared)
    assert lying != honest
    refused(lying, "corrupt DOCX package|zip bomb suspected|malformed XML")


def test_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package_module, "MAX_MEMBERS", 5)
    members = {f"word/media/{n}.bin": b"x" for n in range(6)}
    refused(docx_bytes(**members), r"zip bomb suspected: 7 members \(limit 5\)")


def test_oversized_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(package_module, "MAX_FILE_BYTES", 100)
    path = tmp_path / "big.docx"
    path.write_bytes(docx_bytes())
    refused(path, "file too large")


def test_doctype_with_external_entity_is_refused() -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    error = refused(docx_bytes(xxe), "unsafe XML in word/document.xml: a DOCTYPE")
    assert "root:" not in str(error)


def test_billion_laughs_is_refused_without_expanding() -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p>'
        "</w:body></w:document>"
    )
    refused(docx_bytes(laughs), "DOCTYPE")


def test_utf16_doctype_is_refused() -> None:
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///x">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body/></w:document>'
    )
    refused(docx_bytes(xxe.encode("utf-16")), "DOCTYPE")


def test_plain_text_file_is_not_a_docx(tmp_path: Path) -> None:
    path = tmp_path / "agreement.docx"
    path.write_text("This Data Sharing Agreement is made between...\n")
    error = refused(path, "not a DOCX file: expected a ZIP")
    assert str(error).endswith("found plain text")


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"", "an empty file"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"{\\rtf1\\ansi}", "an RTF document"),
        (b"<html><body>", "an HTML page"),
        (b"hello world\xff", "binary data starting with 68 65 6c 6c"),
        (("CONFIDENTIALITY" + "\u00a7" * 300).encode(), "plain text"),  # a character cut at 512
        (b"\x00\x01\x02\x03binary", "binary data starting with 00 01 02 03"),
    ],
)
def test_other_formats_are_named_in_the_error(content: bytes, found: str) -> None:
    error = refused(content, "not a DOCX file")
    assert str(error).endswith(found)


def test_encrypted_or_legacy_doc_is_recognised_by_its_ole_signature() -> None:
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    refused(ole, r"^partner\.docx: encrypted or legacy \.doc file")


def test_zip_without_a_word_document_is_refused() -> None:
    refused(zip_bytes({"hello.txt": "hi"}), "no word/document.xml, found a ZIP archive")
    workbook = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>"})
    refused(workbook, "found an Excel workbook")


def test_truncated_download_is_refused() -> None:
    if not FIXTURE.exists():
        pytest.skip(f"conformance fixture not available: {FIXTURE}")
    data = FIXTURE.read_bytes()
    refused(data[: len(data) // 2], "corrupt or truncated DOCX")


def test_damaged_member_data_is_refused() -> None:
    data = bytearray(docx_bytes(DOCUMENT * 20))
    start = data.index(b"word/document.xml") + len("word/document.xml")
    data[start + 10 : start + 40] = bytes(30)
    refused(bytes(data), "corrupt DOCX package: cannot read member word/document.xml")


def test_malformed_xml_names_the_part_and_line() -> None:
    broken = f'<?xml version="1.0"?>\n<w:document xmlns:w="{W_NS}">\n<w:body><w:p></w:body>'
    refused(docx_bytes(broken), r"malformed XML in word/document.xml at line 3: ")


def test_wrong_root_element_is_refused() -> None:
    refused(docx_bytes("<html/>"), "not a WordprocessingML document")


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/passwd", "word/../../evil", "C:/x.xml"])
def test_member_names_escaping_the_package_are_refused(name: str) -> None:
    refused(docx_bytes(**{name: "x"}), "unsafe member name")


def test_encrypted_zip_member_is_refused() -> None:
    data = bytearray(docx_bytes(**{"word/secret.xml": "gibberish"}))
    # Set the "encrypted" flag (bit 0) in the member's central-directory entry.
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)
    data[entry + 8] |= 0x1
    refused(bytes(data), "encrypted ZIP member word/secret.xml")


def test_missing_file_and_directory_are_refused(tmp_path: Path) -> None:
    refused(tmp_path / "absent.docx", "no such file")
    refused(tmp_path, "found a directory")
