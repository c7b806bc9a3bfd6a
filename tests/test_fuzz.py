"""Acceptance fuzz test (issue 10): generated agreements and partner files, mutated as an
attacker would (XML attributes, elements and text, raw bytes of the package and of its parts;
YAML values, lines and bytes), go through every command that reads them — validate, generate,
diff with all its outputs, lint, ingest — and each run exits 0, 1 or 2, never 3, within a time
and a memory bound; a run writing several outputs leaves all of them or none.

Runs on the small test library so that a few hundred runs take seconds; hypothesis explores new
mutations locally and the same ones under CI (tests/conftest.py).
"""

from __future__ import annotations

import io
import json
import resource
import signal
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.budget import examples
from tests.conftest import DATA, MINILIB, run_cli

PARTNER_TEXT = (DATA / "partners" / "mini-partner.yaml").read_text()
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: Seconds one command may take on a mutated input (a real one takes a tenth of that).
COMMAND_SECONDS = 30
#: Growth of the test process's peak memory allowed over a whole fuzz test.
MEMORY_GROWTH_KB = 1024 * 1024

HOSTILE_VALUES = [
    "",
    "\u00b2",
    "9" * 5000,
    "-1",
    "0",
    "FFFFFFFF",
    "D800",
    "DFFF",
    "0000",
    "001B",
    "110000",
    "\u202e",
    "\u200b",
    "x" * 300,
    "[1, 2]",
    "[" * 300,
    "null",
    "NaN",
    '{"clauses": 5, "template": ["x"]}',
    '{"dsagen": ' + "9" * 400 + "}",
    " REF _x \\h ",
    "../../../etc/passwd",
    "background1",
    "auto",
]
ATTRIBUTES = [
    W + "val",
    W + "id",
    W + "char",
    W + "ilvl",
    W + "numId",
    W + "author",
    W + "name",
    W + "fldCharType",
    "name",
    "Target",
    "TargetMode",
    "Type",
    "pid",
]
TAGS = [
    "ins",
    "del",
    "moveFrom",
    "moveTo",
    "rPrChange",
    "sym",
    "numPr",
    "ilvl",
    "numId",
    "footnoteReference",
    "commentReference",
    "bookmarkStart",
    "fldChar",
    "instrText",
    "hyperlink",
    "vanish",
    "t",
    "tab",
    "br",
    "tbl",
    "tr",
    "tc",
    "p",
    "r",
    "sectPr",
    "headerReference",
    "pPrChange",
    "trPr",
    "cellIns",
]
PARTS = [
    "word/document.xml",
    "docProps/custom.xml",
    "docProps/core.xml",
    "word/styles.xml",
    "word/numbering.xml",
    "word/_rels/document.xml.rels",
    "[Content_Types].xml",
    "word/settings.xml",
]
YAML_VALUES = [
    '"Evil\\n# Heading\\n- item [x](http://x.example)"',
    '"USD \\u202e000,01"',
    '"A\\u200bB"',
    "9" * 60,
    "9" * 5000,
    ".inf",
    ".nan",
    "-0",
    "[1, 2, 3]",
    "{a: 1}",
    "&a [*a]",
    "!!python/object/apply:os.system [echo]",
    "null",
    "~",
    "2026-02-30",
    '"{{ 7*7 }}"',
    '"{% raw %}"',
    "x" * 600,
    "[" + "[" * 200,
    "true",
    '"\\ud800"',
    '"\\x00\\x1b"',
    "|\n  multi\n  # line\n  - item",
    "[" + ", ".join(["q"] * 300) + "]",
    "*undefined",
]

xml_edit = st.one_of(
    st.tuples(
        st.just("attribute"),
        st.integers(0, 10**6),
        st.sampled_from(ATTRIBUTES),
        st.sampled_from(HOSTILE_VALUES),
    ),
    st.tuples(
        st.just("child"),
        st.integers(0, 10**6),
        st.sampled_from(TAGS),
        st.sampled_from(ATTRIBUTES),
        st.sampled_from(HOSTILE_VALUES),
    ),
    st.tuples(st.just("text"), st.integers(0, 10**6), st.sampled_from(HOSTILE_VALUES)),
    st.tuples(st.just("remove"), st.integers(0, 10**6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10**6)),
)
byte_edit = st.tuples(
    st.sampled_from(["flip", "truncate", "insert"]),
    st.integers(0, 10**7),
    st.binary(min_size=1, max_size=8),
)
docx_mutation = st.one_of(
    st.tuples(
        st.just("xml"),
        st.lists(st.tuples(st.sampled_from(PARTS), xml_edit), min_size=1, max_size=6),
    ),
    st.tuples(st.just("part-bytes"), st.sampled_from(PARTS), byte_edit),
    st.tuples(st.just("package-bytes"), byte_edit),
)
yaml_mutation = st.lists(
    st.one_of(
        st.tuples(st.just("value"), st.integers(0, 1000), st.sampled_from(YAML_VALUES)),
        st.tuples(st.just("remove"), st.integers(0, 1000)),
        st.tuples(st.just("duplicate"), st.integers(0, 1000)),
        st.tuples(st.just("bytes"), byte_edit),
    ),
    min_size=1,
    max_size=4,
)


def _edit_bytes(data: bytes, edit: tuple[str, int, bytes]) -> bytes:
    kind, where, payload = edit
    at = where % max(len(data), 1)
    if kind == "flip":
        return data[:at] + bytes(b ^ 0xFF for b in payload[:1]) + data[at + 1 :]
    if kind == "truncate":
        return data[:at]
    return data[:at] + payload + data[at:]


def _edit_xml(data: bytes, edit: tuple[Any, ...]) -> bytes:
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return data
    elements = list(root.iter())
    element = elements[edit[1] % len(elements)]
    if edit[0] == "attribute":
        element.set(edit[2], edit[3])
    elif edit[0] == "child":
        etree.SubElement(element, W + edit[2]).set(edit[3], edit[4])
    elif edit[0] == "text":
        element.text = edit[2]
    elif element.getparent() is not None:
        if edit[0] == "remove":
            element.getparent().remove(element)
        else:
            element.addnext(etree.fromstring(etree.tostring(element)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _mutate_docx(issued: bytes, mutation: tuple[Any, ...]) -> bytes:
    if mutation[0] == "package-bytes":
        return _edit_bytes(issued, mutation[1])
    with zipfile.ZipFile(io.BytesIO(issued)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    if mutation[0] == "part-bytes":
        name = mutation[1]
        if name in parts:
            parts[name] = _edit_bytes(parts[name], mutation[2])
    else:
        for name, edit in mutation[1]:
            if name in parts:
                parts[name] = _edit_xml(parts[name], edit)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _mutate_yaml(text: str, mutation: list[tuple[Any, ...]]) -> bytes:
    data = text.encode()
    for edit in mutation:
        lines = data.decode("utf-8", "replace").splitlines()
        index = edit[1] % len(lines) if edit[0] != "bytes" and lines else 0
        if edit[0] == "value" and lines:
            key, colon, _ = lines[index].partition(":")
            lines[index] = f"{key}: {edit[2]}" if colon else f"{lines[index]} {edit[2]}"
        elif edit[0] == "remove" and lines:
            del lines[index]
        elif edit[0] == "duplicate" and lines:
            lines.insert(index, lines[index])
        if edit[0] == "bytes":
            data = _edit_bytes(data, edit[1])
        else:
            data = ("\n".join(lines) + "\n").encode()
    return data


class Overtime(Exception):
    """A command ran past COMMAND_SECONDS."""


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    def expire(_signum: int, _frame: object) -> None:
        raise Overtime(f"a command ran more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(*args: object) -> tuple[int, str]:
    with _deadline(COMMAND_SECONDS):
        result = run_cli(*args)
    assert result.exit_code in (0, 1, 2), (args, result.stderr)
    assert "internal error" not in result.stderr, (args, result.stderr)
    return result.exit_code, result.stderr


@contextmanager
def _memory_bound() -> Iterator[None]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < MEMORY_GROWTH_KB, f"peak memory grew by {grown // 1024} MB"


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path, str]:
    """A generated agreement (the small library), its partner file, and the registry that
    recorded it."""
    folder = tmp_path_factory.mktemp("fuzz")
    partner = folder / "mini-partner.yaml"
    partner.write_text(PARTNER_TEXT)
    registry = f"sqlite:///{folder / 'registry.db'}"
    result = run_cli(
        "generate",
        partner,
        "--library",
        MINILIB,
        "--format",
        "docx",
        "--out",
        folder / "out",
        "--registry",
        registry,
        catch_exceptions=True,
    )
    assert result.exit_code == 0, result.stderr
    return (folder / "out" / "mini-partner" / "mini.docx").read_bytes(), partner, registry


FUZZ = settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(mutation=docx_mutation)
def test_a_mutated_returned_copy_never_crashes_a_command(
    issued: tuple[bytes, Path, str], mutation: tuple[Any, ...]
) -> None:
    docx, partner, registry = issued
    with tempfile.TemporaryDirectory() as folder, _memory_bound():
        work = Path(folder)
        returned = work / "returned.docx"
        returned.write_bytes(_mutate_docx(docx, mutation))
        outputs = [work / "report.json", work / "report.html", work / "redline.docx"]
        code, stderr = _run(
            "diff",
            partner,
            returned,
            "--library",
            MINILIB,
            "--json-file",
            outputs[0],
            "--html",
            outputs[1],
            "--redline",
            outputs[2],
        )
        written = [path.exists() for path in outputs]
        assert all(written) if code in (0, 1) else not any(written), (code, written, stderr)
        if code in (0, 1):
            json.loads(outputs[0].read_text())
        _run("lint", returned, "--library", MINILIB)
        _run("ingest", "mini-partner", returned, "--library", MINILIB, "--registry", registry)


@FUZZ
@given(mutation=yaml_mutation)
def test_a_mutated_partner_file_never_crashes_a_command(
    issued: tuple[bytes, Path, str], mutation: list[tuple[Any, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as folder, _memory_bound():
        work = Path(folder)
        partner = work / "mini-partner.yaml"
        partner.write_bytes(_mutate_yaml(PARTNER_TEXT, mutation))
        valid, _ = _run("validate", partner, "--library", MINILIB)
        out = work / "out"
        code, stderr = _run(
            "generate",
            partner,
            "--library",
            MINILIB,
            "--format",
            "docx,md,html",
            "--out",
            out,
            "--no-record",
        )
        # validate checks everything generate needs: they agree (generate may still refuse a
        # valid file for a legal requirement it breaks, exit 1, writing nothing)
        assert (code in (0, 1)) if valid == 0 else code == 2, (valid, code, stderr)
        written = sorted(p.suffix for p in out.rglob("*") if p.is_file()) if out.exists() else []
        assert written == ([".docx", ".html", ".md"] if code == 0 else []), (code, written)
        _run("lint", partner, "--library", MINILIB)
