"""Shared pieces of the registry tests (no tests here): a throwaway PostgreSQL server on
loopback, registry URLs for both backends, mini-library partners, and negotiated copies made by
editing a DOCX's XML the way a partner's word processor would."""

from __future__ import annotations

import copy
import io
import itertools
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from dsagen.generate import GeneratedAgreement, generate
from dsagen.registry import open_registry
from dsagen.registry.record import record_generation
from dsagen.report.redline_docx import make_run
from tests.conftest import DATA, MINILIB
from tests.postgres_server import (
    PostgresDidNotStart,
    PostgresUnavailable,
    start_postgres,
    stop_postgres,
)
from tests.postgres_server import new_database as new_postgres_database

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


# ------------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL (no database) of a PostgreSQL server for this test session, stopped and
    deleted at the end. Test modules load this file with `pytest_plugins`, so the server is
    started once, not once per module."""
    try:
        server = start_postgres()
    except PostgresUnavailable as reason:
        pytest.skip(str(reason))
    except PostgresDidNotStart as failure:
        pytest.fail(str(failure))
    try:
        yield server.url
    finally:
        stop_postgres(server)


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty registry on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "registry.db")
    return new_postgres_database(request.getfixturevalue("postgres_server"))


# ---------------------------------------------------------------------------- mini partners


def write_partners(
    folder: Path, count: int, *, retention: list[int] | None = None, start: int = 0
) -> list[Path]:
    """`count` copies of the mini partner (mini-0000.yaml ...), retention months cycling."""
    folder.mkdir(parents=True, exist_ok=True)
    source = (DATA / "partners" / "mini-partner.yaml").read_text()
    months = retention or [36]
    paths = []
    for index in range(start, start + count):
        text = (
            source.replace("MINI-001", f"MINI-{index:04d}")
            .replace("State University", f"University {index}")
            .replace("retention_months: 48", f"retention_months: {months[index % len(months)]}")
        )
        path = folder / f"mini-{index:04d}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def generate_and_record(
    url: str, folder: Path, out: Path, library: Path = MINILIB
) -> list[GeneratedAgreement]:
    results = generate(
        [folder], out_dir=out, formats=("docx",), force=True, jobs=1, library_root=library
    )
    with open_registry(url, create=True) as registry:
        record_generation(registry, results, library_root=library)
    return results


# ------------------------------------------------------------------------ negotiated copies


def _text_of(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(W + "t"))


def _run(template: etree._Element, text: str, deleted: bool = False) -> etree._Element:
    return make_run(text, template.find(W + "rPr"), deleted)


_revision_ids = itertools.count(9000)


def _revision(tag: str, author: str, date: str) -> etree._Element:
    element = etree.Element(W + tag)
    element.set(W + "id", str(next(_revision_ids)))
    element.set(W + "author", author)
    element.set(W + "date", date)
    return element


def _replace(root: etree._Element, old: str, new: str, track: tuple[str, str] | None) -> None:
    for node in root.iter(W + "t"):
        if node.text and old in node.text:
            run = node.getparent()
            before, _, after = node.text.partition(old)
            pieces: list[etree._Element] = []
            if before:
                pieces.append(_run(run, before))
            if track:
                deletion = _revision("del", *track)
                deletion.append(_run(run, old, deleted=True))
                insertion = _revision("ins", *track)
                insertion.append(_run(run, new))
                pieces += [deletion, insertion]
            else:
                pieces.append(_run(run, new))
            if after:
                pieces.append(_run(run, after))
            parent = run.getparent()
            index = parent.index(run)
            parent.remove(run)
            for offset, piece in enumerate(pieces):
                parent.insert(index + offset, piece)
            return
    raise AssertionError(f"text {old!r} not found in the document")


def _clause_paragraphs(body: etree._Element, clause_id: str) -> list[etree._Element]:
    paragraphs = list(body.iter(W + "p"))
    found: list[etree._Element] = []
    inside = False
    for paragraph in paragraphs:
        names = [b.get(W + "name", "") for b in paragraph.iter(W + "bookmarkStart")]
        if any(n.startswith("_dsa_") for n in names):
            inside = any(n.startswith(f"_dsa_{clause_id}__") for n in names)
        if inside:
            found.append(paragraph)
    return found


def negotiate(
    source: Path,
    target: Path,
    *,
    replace: tuple[tuple[str, str], ...] = (),
    delete_clause: str | None = None,
    add_after: tuple[str, str] | None = None,
    track: tuple[str, str] | None = None,
    title: str | None = None,
) -> Path:
    """A negotiated copy of `source`: words replaced (tracked when `track` = (author, date)),
    a clause deleted, a paragraph added after one containing some text, or a new core title
    (which changes the bytes and nothing else)."""
    with zipfile.ZipFile(source) as package:
        parts = {info.filename: package.read(info.filename) for info in package.infolist()}
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(W + "body")
    for old, new in replace:
        _replace(root, old, new, track)
    if delete_clause:
        for paragraph in _clause_paragraphs(body, delete_clause):
            paragraph.getparent().remove(paragraph)
    if add_after:
        anchor_text, text = add_after
        anchor = next(p for p in body.iter(W + "p") if anchor_text in _text_of(p))
        paragraph = copy.deepcopy(anchor)
        for child in list(paragraph):
            if child.tag != W + "pPr":
                paragraph.remove(child)
        run = _run(anchor.find(f".//{W}r"), text)
        if track:
            insertion = _revision("ins", *track)
            insertion.append(run)
            paragraph.append(insertion)
        else:
            paragraph.append(run)
        anchor.addnext(paragraph)
    parts["word/document.xml"] = etree.tostring(
        root, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    if title is not None:
        core = etree.fromstring(parts["docProps/core.xml"])
        for node in core.iter("{http://purl.org/dc/elements/1.1/}title"):
            node.text = title
        parts["docProps/core.xml"] = etree.tostring(
            core, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
    target.write_bytes(buffer.getvalue())
    return target
