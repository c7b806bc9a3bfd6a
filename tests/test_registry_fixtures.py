"""Shared pieces of the registry tests (no tests here): a throwaway PostgreSQL server on
loopback, registry URLs for both backends, mini-library partners, and negotiated copies made by
editing a DOCX's XML the way a partner's word processor would."""

from __future__ import annotations

import copy
import io
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from dsagen.generate import GeneratedAgreement, generate
from dsagen.registry import open_registry
from dsagen.registry.record import record_generation
from dsagen.report.redline_docx import make_run
from tests.conftest import DATA, MINILIB

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
PG_MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
    "'postgresql' package (`make test` does, via scripts/system-deps.sh test)"
)


# ------------------------------------------------------------------------------- PostgreSQL


def _pg_bindir() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").exists() else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class _Server:
    url: str
    stop: list[str]
    base: Path


def _start_postgres() -> _Server:
    """A private PostgreSQL cluster on 127.0.0.1 (a free port). As root the server runs as the
    'postgres' user (PostgreSQL refuses root) via runuser."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip(PG_MISSING)
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser to start PostgreSQL as 'postgres'")
        prefix = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="dsagen-pg-"))
    if prefix:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o700)
    data, log = base / "data", base / "server.log"
    port = _free_port()
    stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        started = subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
        if started.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
            pytest.fail(f"PostgreSQL did not start on 127.0.0.1:{port}:\n{tail}")
    except BaseException:
        _stop_postgres(_Server("", stop, base))
        raise
    return _Server(f"postgresql://postgres@127.0.0.1:{port}", stop, base)


def _stop_postgres(server: _Server) -> None:
    if (server.base / "data" / "postmaster.pid").exists():
        subprocess.run(server.stop, capture_output=True, timeout=60)
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL (no database) of a PostgreSQL server for this test session, stopped and
    deleted at the end. Test modules load this file with `pytest_plugins`, so the server is
    started once, not once per module."""
    server = _start_postgres()
    try:
        yield server.url
    finally:
        _stop_postgres(server)


_database_numbers = itertools.count(1)


def new_postgres_database(server: str) -> str:
    import psycopg

    name = f"dsagen_test_{os.getpid()}_{next(_database_numbers)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


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
