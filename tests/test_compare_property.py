"""Property: whatever a partner does to the body of a generated agreement (word edits, paragraphs
inserted, deleted or moved between clauses, with tracking on or off), the report has a change
for every edit, in the clause where it was made, carrying the edited words."""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dsagen.compare.api import compare_files
from dsagen.library import load_library
from dsagen.render.docx import deterministic_zip
from tests.conftest import EXAMPLES, mark_paragraph, partner_mark
from tests.docx_edits import run as text_run

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTNER = EXAMPLES / "gravy-uf.yaml"


@lru_cache(maxsize=1)
def _standard() -> bytes:
    from dsagen.assemble import assemble
    from dsagen.partners import load_partner
    from dsagen.render.docx import render_docx

    library = load_library()
    return render_docx(assemble(load_partner(PARTNER, library), library))


def _text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(W + "t"))


def _body_paragraphs(body: etree._Element) -> list[tuple[str, etree._Element]]:
    """(clause id, paragraph) for every plain body paragraph of a numbered clause with text."""
    found: list[tuple[str, etree._Element]] = []
    clause = None
    for element in body:
        names = [b.get(W + "name", "") for b in element.iter(W + "bookmarkStart")]
        anchors = [n for n in names if n.startswith("_dsa_")]
        if anchors:
            clause = anchors[0].removeprefix("_dsa_").split("__")[0]
            continue
        if (element.tag == W + "p" and clause not in (None, "preamble", "signatures")
                and len(_text(element).split()) >= 4
                and not any(True for _ in element.iter(W + "fldChar"))):
            found.append((clause, element))
    return found


@dataclass(frozen=True)
class Edit:
    kind: str  # word | insert | delete | move
    target: int  # index into _body_paragraphs
    other: int  # move destination
    tracked: bool


def _delete(paragraph: etree._Element, tracked: bool) -> None:
    if not tracked:
        paragraph.getparent().remove(paragraph)
        return
    wrapper = partner_mark("del")
    for run in [c for c in paragraph if c.tag == W + "r"]:
        for text in run.iter(W + "t"):
            text.tag = W + "delText"
        wrapper.append(run)
    paragraph.append(wrapper)
    mark_paragraph(paragraph, "del")


def _insert_after(anchor: etree._Element, text: str, tracked: bool) -> etree._Element:
    paragraph = etree.Element(W + "p")
    style = anchor.find(W + "pPr")
    if style is not None:
        paragraph.append(copy.deepcopy(style))
        for rpr in paragraph.iter(W + "rPr"):
            rpr.getparent().remove(rpr)
    if tracked:
        wrapper = partner_mark("ins")
        wrapper.append(text_run(text))
        paragraph.append(wrapper)
        mark_paragraph(paragraph, "ins")
    else:
        paragraph.append(text_run(text))
    anchor.addnext(paragraph)
    return paragraph


def _replace_first_word(paragraph: etree._Element, word: str, tracked: bool) -> str:
    """Replace the first word of the paragraph's first text; returns the word replaced."""
    text = next(t for t in paragraph.iter(W + "t")
                if t.text and any(w.isalpha() for w in t.text.split()))
    old = next(w for w in text.text.split() if w.isalpha())
    if not tracked:
        text.text = text.text.replace(old, word, 1)
        return old
    run = text.getparent()
    before, rest = text.text.split(old, 1)
    deleted, inserted = partner_mark("del"), partner_mark("ins")
    deleted.append(text_run(old, deleted=True))
    inserted.append(text_run(word))
    if before:
        run.addprevious(text_run(before))
    run.addprevious(deleted)
    run.addprevious(inserted)
    text.text = rest
    return old


def _apply(edits: list[Edit]) -> tuple[bytes, list[tuple[str, str, str]]]:
    """The edited DOCX and, per edit, (clause id, 'standard' | 'negotiated', words)."""
    with zipfile.ZipFile(io.BytesIO(_standard())) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(W + "body")
    targets = _body_paragraphs(body)
    expected: list[tuple[str, str, str]] = []
    for number, edit in enumerate(edits):
        clause, paragraph = targets[edit.target]
        if edit.kind == "word":
            word = f"Zebra{number}"
            old = _replace_first_word(paragraph, word, edit.tracked)
            expected += [(clause, "negotiated", word), (clause, "standard", old)]
        elif edit.kind == "insert":
            text = f"The Recipient shall also walk the quokka{number} daily."
            _insert_after(paragraph, text, edit.tracked)
            expected.append((clause, "negotiated", f"quokka{number}"))
        elif edit.kind == "delete":
            words = " ".join(_text(paragraph).split()[:4])
            _delete(paragraph, edit.tracked)
            expected.append((clause, "standard", words))
        else:
            destination_clause, destination = targets[edit.other]
            words = " ".join(_text(paragraph).split()[:4])
            paragraph.getparent().remove(paragraph)
            destination.addnext(paragraph)
            expected += [(clause, "standard", words), (destination_clause, "negotiated", words)]
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return deterministic_zip(buffer.getvalue()), expected


@lru_cache(maxsize=1)
def _clauses_of_targets() -> tuple[str, ...]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(_standard())).read("word/document.xml"))
    return tuple(clause for clause, _ in _body_paragraphs(root.find(W + "body")))


@st.composite
def edit_scripts(draw: st.DrawFn) -> list[Edit]:
    """Up to four edits on distinct paragraphs; a paragraph moves to another clause (inside
    one clause, which of two swapped paragraphs 'moved' is a matter of reading)."""
    clauses = _clauses_of_targets()
    count = len(clauses)
    indices = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=4, unique=True))
    edits = []
    for index in indices:
        kind = draw(st.sampled_from(["word", "insert", "delete", "move"]))
        other = draw(st.integers(0, count - 1).filter(
            lambda i, index=index: clauses[i] != clauses[index] and i not in indices))
        tracked = kind != "move" and draw(st.booleans())
        edits.append(Edit(kind, index, other, tracked))
    return edits


def _words(clause: dict, side: str) -> str:
    return " ".join(" ".join(c[side].split()) for c in clause["changes"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edit_scripts())
def test_every_edit_is_reported_in_its_clause(tmp_path_factory, edits: list[Edit]) -> None:
    data, expected = _apply(edits)
    path = tmp_path_factory.mktemp("edited") / "returned.docx"
    path.write_bytes(data)
    comparison, _, _ = compare_files(PARTNER, path, library=_library())
    report = comparison.to_json()
    by_id = {c["id"]: c for c in report["clauses"] if c["story"] == "body"}
    for clause, side, words in expected:
        entry = by_id.get(clause)
        assert entry is not None and entry["status"] not in ("unchanged", "cosmetic"), (
            clause, edits)
        if entry["status"] == "removed":
            continue
        assert " ".join(words.split()) in _words(entry, side), (clause, side, words, edits,
                                                                 entry["changes"])
    for clause in report["clauses"]:
        if clause["status"] not in ("unchanged", "cosmetic"):
            assert clause["id"] in {c for c, _, _ in expected}, (clause["id"], edits)


@lru_cache(maxsize=1)
def _library():  # type: ignore[no-untyped-def]
    return load_library()
