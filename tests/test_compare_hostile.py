"""A returned copy is hostile input: mutated XML (odd ids and values, stray revision and
field elements, removed elements) never makes `diff` or its redline fail with anything but a
clear DsagenError (exit 2), whatever the mutation."""

from __future__ import annotations

import io
import random
import zipfile
from functools import lru_cache

import pytest
from lxml import etree

from dsagen.errors import DsagenError
from dsagen.library import load_library
from dsagen.report.redline_docx import render_redline
from dsagen.review import compare_files
from tests.docx_edits import enrich
from tests.test_compare_property import _standard

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
VALUES = [
    "",
    "\u00b2",
    "9" * 5000,
    "-1",
    "FFFFFF",
    "background1",
    "0",
    "REF",
    "x" * 300,
    " REF _dsa_fees__1_1_0__standard \\h ",
    " PAGEREF nowhere ",
    "1",
    "\u202e",
]
ATTRIBUTES = [
    W + "val",
    W + "id",
    W + "name",
    W + "author",
    W + "fldCharType",
    W + "themeColor",
    W + "char",
    R_ID,
]
TAGS = [
    "vanish",
    "color",
    "sz",
    "w",
    "rStyle",
    "instrText",
    "fldChar",
    "hyperlink",
    "footnoteReference",
    "bookmarkStart",
    "del",
    "ins",
    "moveFrom",
    "moveTo",
    "rPrChange",
    "t",
    "drawing",
    "commentRangeStart",
    "sym",
    "numPr",
    "ilvl",
]


@lru_cache(maxsize=1)
def _issued() -> bytes:
    return enrich(_standard())


def _mutated(seed: int) -> bytes:
    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(_issued())) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    elements = list(root.iter())
    for _ in range(rng.randint(1, 8)):
        element = rng.choice(elements)
        roll = rng.random()
        if roll < 0.4:
            element.set(rng.choice(ATTRIBUTES), rng.choice(VALUES))
        elif roll < 0.75:
            child = etree.SubElement(element, W + rng.choice(TAGS))
            child.set(rng.choice(ATTRIBUTES), rng.choice(VALUES))
            if rng.random() < 0.5:
                child.text = rng.choice(VALUES)
        elif element.getparent() is not None and element.getparent().getparent() is not None:
            element.getparent().remove(element)
    parts["word/document.xml"] = etree.tostring(root)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("seed", range(100))
def test_a_mutated_copy_is_compared_or_refused_never_crashes(tmp_path, seed: int) -> None:
    standard, returned = tmp_path / "standard.docx", tmp_path / "returned.docx"
    standard.write_bytes(_issued())
    returned.write_bytes(_mutated(seed))
    try:
        comparison, issued, _ = compare_files(standard, returned, library=load_library())
    except DsagenError:
        return
    comparison.to_json()
    render_redline(issued.docx, returned.read_bytes())
