"""Open an untrusted DOCX (an OPC ZIP package) without letting it hurt the process.

A partner's file is hostile input until proven otherwise: it may be a legacy or encrypted .doc,
a truncated download, a ZIP bomb, or XML carrying a DOCTYPE (external entities, billion laughs).
``open_docx`` checks the container up front and every part again as it is read, and turns each
failure into a one-line :class:`~dsagen.errors.DocumentError`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TypeVar, cast

from lxml import etree

from dsagen.errors import DocumentError
from dsagen.limits import (
    MAX_FILE_BYTES,
    MAX_MEMBERS,
    MAX_RATIO,
    MAX_TOTAL_UNCOMPRESSED,
    MAX_XML_BYTES,
    MB,
    RATIO_MIN_SIZE,
)

#: The part every WordprocessingML package must contain.
MAIN_PART = "word/document.xml"

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_READ_CHUNK = 1024 * 1024
# What zipfile/zlib raise on damaged, truncated or exotic archives (NotImplementedError: an
# unsupported compression method; RuntimeError: an encrypted member).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)

PathOrBytes = str | Path | bytes | bytearray | memoryview
T = TypeVar("T")


def _safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )


class _LazyParts(Mapping[str, bytes]):
    """Read-only ``name -> bytes`` view over the package; a member is decompressed on first use."""

    def __init__(self, package: DocxPackage) -> None:
        self._package = package

    def __getitem__(self, name: str) -> bytes:
        return self._package.read(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._package.names)

    def __len__(self) -> int:
        return len(self._package.names)

    def __contains__(self, name: object) -> bool:
        return name in self._package._infos


class DocxPackage:
    """An opened, validated DOCX package. Members are read (bounded) and cached on demand."""

    def __init__(self, label: str, archive: zipfile.ZipFile) -> None:
        self.label = label
        self._archive = archive
        self._infos: dict[str, zipfile.ZipInfo] = {i.filename: i for i in archive.infolist()}
        self.names: tuple[str, ...] = tuple(self._infos)
        self._cache: dict[str, bytes] = {}
        self._bytes_read = 0
        self._xml_charged: set[str] = set()
        self._xml_bytes = 0
        self.parts: Mapping[str, bytes] = _LazyParts(self)

    def error(self, message: str) -> DocumentError:
        return DocumentError(message, path=self.label)

    def has(self, name: str) -> bool:
        return name in self._infos

    def read(self, name: str) -> bytes:
        """The member's bytes; never more than its declared size or the package budget."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        info = self._infos.get(name)
        if info is None:
            raise KeyError(name)
        # Bounded read: a header that lies about the size cannot make us inflate more than the
        # declared size (zipfile also stops there) nor more than what is left of the budget.
        limit = min(info.file_size, MAX_TOTAL_UNCOMPRESSED - self._bytes_read)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._archive.open(info) as member:
                while True:
                    chunk = member.read(min(_READ_CHUNK, limit + 1 - size))
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise self.error(
                            f"zip bomb suspected: member {name} inflates beyond "
                            f"{limit} bytes (declared {info.file_size})"
                        )
                    chunks.append(chunk)
        except _ZIP_ERRORS as exc:
            raise self.error(
                f"corrupt DOCX package: cannot read member {name} ({_one_line(exc)})"
            ) from None
        data = b"".join(chunks)
        self._bytes_read += size
        self._cache[name] = data
        return data

    def xml(self, name: str) -> etree._Element:
        """Parse a member as XML safely; DOCTYPEs are refused, malformed XML names part and line."""
        if name not in self._infos:
            raise self.error(f"part {name} is missing from the package")
        self.reserve_xml([name])
        return parse_xml(self.read(name), part=name, label=self.label)

    def derived(self, name: str, derive: Callable[[etree._Element], T]) -> T:
        """`derive(the part parsed)`, for a part that documents share byte for byte (every copy
        of an agreement carries its template's styles, Word's run to hundreds of KB): worked
        out once per distinct part in this process. The part is read and charged to the XML
        budget as any part is; `derive` must return what no caller changes."""
        if name not in self._infos:
            return derive(self.xml(name))  # raises the missing-part error
        self.reserve_xml([name])
        data = self.read(name)
        try:
            return cast(T, _derived(derive, data))
        except DocumentError:
            self.xml(name)  # raises the same error, naming this document
            raise

    def reserve_xml(self, names: list[str]) -> None:
        """Charge these parts' declared sizes (what a read may inflate to) to the package's XML
        budget; refuse, before parsing any of them, when all parts together exceed it."""
        new = {name for name in names if name in self._infos} - self._xml_charged
        total = self._xml_bytes + sum(self._infos[name].file_size for name in new)
        if total > MAX_XML_BYTES:
            raise self.error(
                f"too much XML: the parts to read add up to {total / MB:.1f} MB uncompressed "
                f"(limit: {MAX_XML_BYTES // MB} MB for all parts together)"
            )
        self._xml_charged |= new
        self._xml_bytes = total


def parse_xml(data: bytes, *, part: str, label: str) -> etree._Element:
    """Parse one package part with entity expansion, DTD loading and network access off."""
    if _has_doctype(data):
        raise DocumentError(
            f"unsafe XML in {part}: a DOCTYPE declaration is not allowed in a DOCX part "
            "(possible external-entity or entity-expansion attack)",
            path=label,
        )
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise DocumentError(
            f"malformed XML in {part} at line {line}: {_one_line(exc.msg or str(exc))}",
            path=label,
        ) from None
    if root is None:
        raise DocumentError(f"malformed XML in {part}: empty document", path=label)
    if root.getroottree().docinfo.doctype:
        raise DocumentError(
            f"unsafe XML in {part}: DOCTYPE declarations are not allowed", path=label
        )
    return root


@lru_cache(maxsize=16)
def _derived(derive: Callable[[etree._Element], object], data: bytes) -> object:
    return derive(parse_xml(data, part="a shared part", label="a shared part"))


def _has_doctype(data: bytes) -> bool:
    head = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            head = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return False  # the parser will reject it as malformed
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def open_docx(source: PathOrBytes, *, name: str | None = None) -> DocxPackage:
    """Open and validate a DOCX from a path or bytes; raise DocumentError if it is unsafe.

    ``name`` labels the document in error messages (defaults to the path, or ``<bytes>``).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        label = name or "<bytes>"
        if len(data) > MAX_FILE_BYTES:
            raise DocumentError(_too_large(), path=label)
    else:
        label = name or str(source)
        data = read_document_bytes(Path(source), label)

    _check_signature(data, label)
    _check_declared_member_count(data, label)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS as exc:
        raise DocumentError(
            f"corrupt or truncated DOCX: the ZIP package cannot be opened ({_one_line(exc)})",
            path=label,
        ) from None
    _check_members(archive, label)
    package = DocxPackage(label, archive)
    if not package.has(MAIN_PART):
        raise DocumentError(_missing_main_part(package.names), path=label)
    return package


def read_document_bytes(path: Path, label: str | None = None) -> bytes:
    """Bytes of an input document, size-limited, with one-line errors (missing, folder...)."""
    label = label or str(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise DocumentError("no such file", path=label) from None
    except IsADirectoryError:
        raise DocumentError("expected a document file, found a directory", path=label) from None
    except OSError as exc:
        raise DocumentError(f"cannot read file ({exc.strerror or exc})", path=label) from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(_too_large(), path=label)
    return data


def _too_large() -> str:
    return f"file too large: a document may be at most {MAX_FILE_BYTES // MB} MB"


def _check_signature(data: bytes, label: str) -> None:
    if data.startswith(OLE_SIGNATURE[:4]):
        raise DocumentError(
            "encrypted or legacy .doc file (OLE compound document): save it from Word as an "
            "unprotected .docx and try again",
            path=label,
        )
    if not data.startswith(b"PK"):
        raise DocumentError(
            "not a DOCX file: expected a ZIP (Office Open XML) package, found " + _describe(data),
            path=label,
        )


def _describe(data: bytes) -> str:
    """Name what a non-ZIP file most likely is, for the error message."""
    if not data:
        return "an empty file"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = head[:64].lower()
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head.startswith(b"{\\rtf"):
        return "an RTF document"
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        if b"pkg:package" in data[:4096]:
            return "a Word XML (flat OPC) document"
        return "an XML file"
    sample = data[:512]
    try:
        text: str | None = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A character cut in two by the end of the sample (not of the file) is still text.
        cut = exc.reason == "unexpected end of data" and len(data) > len(sample)
        text = sample[: exc.start].decode("utf-8") if cut else None
    if text is not None and all(ch.isprintable() or ch in "\r\n\t" for ch in text):
        return "plain text"
    return "binary data starting with " + data[:4].hex(" ")


def _check_declared_member_count(data: bytes, label: str) -> None:
    """Refuse a huge central directory before zipfile spends time and memory parsing it."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return  # zipfile reports the damage
    declared = int.from_bytes(data[end + 10 : end + 12], "little")
    if declared != 0xFFFF and declared > MAX_MEMBERS:
        raise DocumentError(
            f"zip bomb suspected: {declared} members (limit {MAX_MEMBERS})", path=label
        )


def _check_members(archive: zipfile.ZipFile, label: str) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise DocumentError(
            f"zip bomb suspected: {len(infos)} members (limit {MAX_MEMBERS})", path=label
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        member = info.filename
        if _unsafe_member_name(member):
            raise DocumentError(f"unsafe member name in package: {member!r}", path=label)
        if member in seen:
            raise DocumentError(f"duplicate member in package: {member!r}", path=label)
        seen.add(member)
        if info.flag_bits & 0x1:
            raise DocumentError(
                f"encrypted ZIP member {member}: save the document without a password",
                path=label,
            )
        total += info.file_size
        if total > MAX_TOTAL_UNCOMPRESSED:
            raise DocumentError(
                "zip bomb suspected: members declare more than "
                f"{MAX_TOTAL_UNCOMPRESSED // MB} MB uncompressed",
                path=label,
            )
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise DocumentError(
                f"zip bomb suspected: member {member} compresses {ratio}:1 (limit {MAX_RATIO}:1)",
                path=label,
            )


def _unsafe_member_name(member: str) -> bool:
    if not member or "\x00" in member:
        return True
    normalised = member.replace("\\", "/")
    if normalised.startswith("/") or (len(normalised) > 1 and normalised[1] == ":"):
        return True
    return any(segment == ".." for segment in PurePosixPath(normalised).parts)


def _missing_main_part(names: tuple[str, ...]) -> str:
    if any(n.startswith("xl/") for n in names):
        found = "an Excel workbook (xl/)"
    elif any(n.startswith("ppt/") for n in names):
        found = "a PowerPoint presentation (ppt/)"
    elif "[Content_Types].xml" in names:
        found = "an Office package without a Word document"
    else:
        found = f"a ZIP archive with {len(names)} member(s)"
    return f"not a Word document: the package has no {MAIN_PART}, found {found}"


def _one_line(value: object) -> str:
    return " ".join(str(value).split())
