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

from dsagen.library import load_library
from dsagen.render.docx import deterministic_zip
from dsagen.review import compare_files
from tests.budget import examples
from tests.conftest import EXAMPLES, clause_blocks, mark_paragraph, partner_mark
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
    return [
        (clause, element)
        for clause, elements in clause_blocks(body).items()
        if clause not in ("preamble", "signatures")
        for element in elements[1:]
        if element.tag == W + "p"
        and len(_text(element).split()) >= 4
        and not any(True for _ in element.iter(W + "fldChar"))
    ]


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
    text = next(
        t for t in paragraph.iter(W + "t") if t.text and any(w.isalpha() for w in t.text.split())
    )
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
        other = draw(
            st.integers(0, count - 1).filter(
                lambda i, index=index: clauses[i] != clauses[index] and i not in indices
            )
        )
        tracked = kind != "move" and draw(st.booleans())
        edits.append(Edit(kind, index, other, tracked))
    return edits


def _words(clause: dict, side: str) -> str:
    return " ".join(" ".join(c[side].split()) for c in clause["changes"])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
            clause,
            edits,
        )
        if entry["status"] == "removed":
            continue
        assert " ".join(words.split()) in _words(entry, side), (
            clause,
            side,
            words,
            edits,
            entry["changes"],
        )
    for clause in report["clauses"]:
        if clause["status"] not in ("unchanged", "cosmetic"):
            assert clause["id"] in {c for c, _, _ in expected}, (clause["id"], edits)


@lru_cache(maxsize=1)
def _library():  # type: ignore[no-untyped-def]
    return load_library()


# -- every story: tables, headers, footnotes, objects -------------------------------------------

STORY_KINDS = (
    "header_text",
    "footnote_text",
    "new_footnote",
    "delete_footnote_ref",
    "cell_text",
    "insert_row",
    "delete_row",
    "add_image",
    "add_hyperlink",
    "bold_word",
    "replace_word",
    "delete_word",
)


@lru_cache(maxsize=1)
def _enriched() -> bytes:
    from tests.docx_edits import enrich

    return enrich(_standard())


def _entries(report: dict) -> list[dict]:
    return [c for c in report["clauses"] if c["status"] not in ("unchanged", "cosmetic")]


def _views(path) -> list[tuple[str, tuple]]:  # type: ignore[no-untyped-def]
    from dsagen.read.docx import read_docx

    document = read_docx(path)
    paragraphs = [
        *document.accepted,
        *(p for s in document.stories if s.present != "rejected" for p in s.accepted),
    ]
    return [(p.text, p.formats) for p in paragraphs]


def _accounted(edit, report: dict) -> bool:  # type: ignore[no-untyped-def]
    """Whether the report shows this edit where it was made."""
    entries = _entries(report)
    changes = [(c, change) for c in entries for change in c["changes"]]
    words = edit.text
    if edit.kind in ("header_text", "footnote_text"):
        story = "header" if edit.kind == "header_text" else "footnote"
        return any(c["story"] == story and words in change["negotiated"] for c, change in changes)
    if edit.kind == "new_footnote":
        return any(c["story"] == "footnote" and c["status"] == "added" for c in entries) and any(
            "[footnote]" in change["negotiated"] for _, change in changes
        )
    if edit.kind == "delete_footnote_ref":
        return any(c["story"] == "footnote" and c["status"] == "removed" for c in entries)
    if edit.kind in ("cell_text", "insert_row", "replace_word"):
        return any(words in change["negotiated"] for _, change in changes)
    if edit.kind == "delete_row":
        return any(change["op"] in ("delete", "replace") for c, change in changes)
    if edit.kind == "add_image":
        return any("[image" in change["negotiated"] for _, change in changes)
    if edit.kind == "add_hyperlink":
        return any(f"partner {words} terms" in change["negotiated"] for _, change in changes)
    if edit.kind == "bold_word":
        return any(
            change["op"] == "format" and "bold" in change.get("detail", "") for _, change in changes
        )
    return any(change["op"] in ("delete", "replace") for _, change in changes)  # delete_word


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(STORY_KINDS),
    target=st.integers(0, 40),
    word=st.integers(0, 8),
    tracked=st.booleans(),
)
def test_an_edit_in_any_story_is_reported_where_it_was_made(
    tmp_path_factory, kind: str, target: int, word: int, tracked: bool
) -> None:
    from tests.docx_edits import Edit, apply_edits

    edit = Edit(kind, target=target, word=word, tracked=tracked, text="Zebra")
    folder = tmp_path_factory.mktemp("story-edit")
    standard, returned = folder / "standard.docx", folder / "returned.docx"
    standard.write_bytes(_enriched())
    returned.write_bytes(apply_edits(_enriched(), [edit]))
    changed = [
        new for old, new in zip(_views(standard), _views(returned), strict=False) if old != new
    ]
    if not changed or all(text.startswith("Generated by dsagen") for text, _ in changed):
        return  # nothing to act on (a word already bold), or dsagen's own stamp (provenance)
    comparison, _, _ = compare_files(standard, returned, library=_library())
    report = comparison.to_json()
    assert _accounted(edit, report), (
        edit,
        [(c["story"], c["title"], c["changes"]) for c in _entries(report)],
    )
    if tracked and kind not in ("bold_word",):
        assert all(
            change["tracked"]
            for c in _entries(report)
            for change in c["changes"]
            if change["op"] != "format"
        ), (edit, _entries(report))
