"""The redline overlays our tracked changes on the partner's DOCX: accept-all must give exactly
the partner's document, reject-all exactly the standard, and no object may be lost on the way
(footnotes, hyperlinks, fields, images, comments, bookmarks, formatting, the partner's own
tracked changes). Views are read with dsagen's reader and with a small XML-level resolver
(tests/docx_edits.py); a few cases are checked by LibreOffice.
"""

from __future__ import annotations

import copy
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dsagen.read.docx import read_docx
from dsagen.report.redline_docx import render_redline
from tests.budget import examples
from tests.conftest import FIXTURES, ROOT, needs_soffice
from tests.docx_edits import (
    ANNOTATION_ID_ELEMENTS,
    DOCUMENT,
    EDIT_KINDS,
    PARTNER,
    PARTNER_DATE,
    Edit,
    Package,
    R,
    W,
    apply_edits,
    blank_row,
    body_paragraphs,
    drawing_run,
    edit_word,
    enrich,
    footnote_reference,
    hyperlink,
    mark_paragraph,
    mark_row,
    move_paragraph,
    note_texts,
    object_counts,
    paragraph,
    paragraph_texts,
    plain_runs,
    resolve,
    run,
    wrap_content,
)

OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"
OURS = "Redline Bot"
OUR_DATE = "2026-03-03T00:00:00Z"
ID_ELEMENTS = {W + tag for tag in ANNOTATION_ID_ELEMENTS}


@lru_cache(maxsize=1)
def plain_standard() -> bytes:
    from dsagen.assemble import assemble
    from dsagen.library import load_library
    from dsagen.partners import load_partner
    from dsagen.render.docx import render_docx

    library = load_library()
    partner = load_partner(ROOT / "examples" / "partners" / "gravy-uf.yaml", library)
    return render_docx(assemble(partner, library))


@lru_cache(maxsize=1)
def standard() -> bytes:
    """The gravy-uf agreement with every object kind added (see docx_edits.enrich)."""
    return enrich(plain_standard())


def redline(std: bytes, negotiated: bytes) -> bytes:
    return render_redline(std, negotiated, author=OURS, date=OUR_DATE)


def texts(document_views) -> list[str]:
    return [" ".join(p.text.split()) for p in document_views if p.text.strip()]


@lru_cache(maxsize=4)
def as_issued(std: bytes) -> tuple[list[str], dict[str, etree._Element]]:
    """The standard's texts (dsagen's reader) and resolved stories, worked out once per
    standard: most tests compare with the same one. Callers only read them."""
    return texts(read_docx(std).accepted), resolve(std, accept=True)


def assert_round_trip(std: bytes, negotiated: bytes) -> bytes:
    """Accept-all == the negotiated's accepted view, reject-all == the standard, for texts
    (dsagen's reader and the XML resolver, every story) and for object counts."""
    red = redline(std, negotiated)
    ours, theirs = read_docx(red), read_docx(negotiated)
    original_texts, original_resolved = as_issued(std)
    assert texts(ours.accepted) == texts(theirs.accepted)
    assert texts(ours.rejected) == original_texts
    for accept, source in ((True, negotiated), (False, std)):
        got = resolve(red, accept=accept)
        want = resolve(source, accept=True) if accept else original_resolved
        for part, root in want.items():
            view = "accepted" if accept else "rejected"
            if not part.endswith("notes.xml"):
                assert paragraph_texts(got[part]) == paragraph_texts(root), (view, part)
            assert object_counts(got[part]) == object_counts(root), (view, part)
        assert note_texts(got) == note_texts(want)
    return red


def parts(docx: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        return {
            name: etree.fromstring(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".xml") or name.endswith(".rels")
        }


def revisions(root: etree._Element, author: str | None = None) -> list[etree._Element]:
    found = [
        e
        for e in root.iter(
            W + "ins", W + "del", W + "moveFrom", W + "moveTo", W + "rPrChange", W + "pPrChange"
        )
    ]
    return [e for e in found if author is None or e.get(W + "author") == author]


# -- layered edits: a silent edit, then a tracked edit of the same words ----------------------
#
# The partner's rejected view holds their silent edit, which is ours to mark; their tracked edit
# then sits on top of it. Text we mark inserted that they deleted must be written as our w:ins
# around their w:del (Word's nesting for "inserted by A, deleted by B"), or LibreOffice's
# accept-all brings the deleted text back.

#: silent edit _ tracked edit, on one word (or paragraph) of the partner's copy.
LAYER_KINDS = (
    "replace_replace",
    "replace_delete",
    "replace_delete_wider",
    "insert_delete",
    "delete_insert",
    "replace_append",
    "replace_bold",
    "bold_delete",
    "replace_move",
    "move_delete",
    "replace_paragraph_delete",
    "paragraph_insert_delete",
    "paragraph_insert_move",
    "move_paragraph_delete",
    "split_merge",
    "merge_split",
    "row_insert_delete",
)


@dataclass(frozen=True)
class Layer:
    """A silent edit then a tracked edit of the same place; ``target``/``word`` pick it."""

    kind: str
    target: int = 0
    word: int = 0
    other: int = 40


def apply_layers(docx: bytes, layers: list[Layer]) -> bytes:
    package = Package(docx)
    for layer in layers:
        if layer.kind in _PARAGRAPH_LAYERS:
            _PARAGRAPH_LAYERS[layer.kind](package, layer)
        else:
            _word_layer(package, layer)
    return package.to_bytes()


def _tracked(package: Package, tag: str, *runs: etree._Element) -> etree._Element:
    wrapper = package.revision(tag)
    for element in runs:
        wrapper.append(element)
    return wrapper


def _bold_rpr(rpr: etree._Element | None) -> etree._Element:
    bold = copy.deepcopy(rpr) if rpr is not None else etree.Element(W + "rPr")
    bold.insert(0, etree.Element(W + "b"))
    return bold


def _word_layer(package: Package, layer: Layer) -> None:
    runs = [r for p in body_paragraphs(package) for r in plain_runs(p)]
    if not runs:
        return
    target = runs[layer.target % len(runs)]
    rpr = target.find(W + "rPr")
    tokens = re.split(r"(\s+)", target.find(W + "t").text or "")
    words = [i for i, token in enumerate(tokens) if token.strip()]
    index = words[layer.word % len(words)]
    before, word, after = "".join(tokens[:index]), tokens[index], "".join(tokens[index + 1 :])
    deleted = lambda text, properties=rpr: _tracked(  # noqa: E731
        package, "del", run(text, properties, deleted=True)
    )
    inserted = lambda text: _tracked(package, "ins", run(text, rpr))  # noqa: E731
    wider = re.match(r"(\s+\S+)(.*)", after, re.DOTALL)
    if layer.kind == "replace_delete_wider" and wider:  # their deletion: NINE and the next word
        after = wider.group(2)
    middle = {
        # silently NINE for the word, then tracked NINE -> SEVEN
        "replace_replace": lambda: [deleted("NINE"), inserted("SEVEN")],
        "replace_delete": lambda: [deleted("NINE")],
        "replace_delete_wider": lambda: [deleted("NINE" + (wider.group(1) if wider else ""))],
        "insert_delete": lambda: [deleted("PROMPTLY "), run(word, rpr)],
        "delete_insert": lambda: [inserted("SEVEN")],
        "replace_append": lambda: [run("NINE", rpr), inserted(" SEVEN")],
        "replace_bold": lambda: [_tracked_bold(package, "NINE", rpr)],
        "bold_delete": lambda: [deleted(word, _bold_rpr(rpr))],
    }[layer.kind]()
    pieces = ([run(before, rpr)] if before else []) + middle + ([run(after, rpr)] if after else [])
    for piece in pieces:
        target.addprevious(piece)
    target.getparent().remove(target)


def _tracked_bold(package: Package, text: str, rpr: etree._Element | None) -> etree._Element:
    bold = run(text, _bold_rpr(rpr))
    change = package.revision("rPrChange")
    old = copy.deepcopy(rpr) if rpr is not None else etree.Element(W + "rPr")
    change.append(old)
    bold.find(W + "rPr").append(change)
    return bold


def _plain_paragraph(package: Package, index: int) -> etree._Element:
    """A body paragraph with an editable run of at least four words."""
    candidates = [
        p
        for p in body_paragraphs(package)
        if any(len(r.find(W + "t").text.split()) >= 4 for r in plain_runs(p))
    ]
    return candidates[index % len(candidates)]


def _replace_move(package: Package, layer: Layer) -> None:
    paragraphs = body_paragraphs(package)
    target = paragraphs[layer.target % len(paragraphs)]
    edit_word(
        package,
        plain_runs(target) or [],
        Edit("replace_word", 0, layer.word, text="NINE"),
        "replace",
    )
    move_paragraph(package, Edit("move_paragraph", layer.target, tracked=True, other=layer.other))


def _moved_silently(package: Package, layer: Layer) -> etree._Element | None:
    """A plain paragraph moved after another one with tracking off (None: nowhere to go)."""
    target = _plain_paragraph(package, layer.target)
    paragraphs = body_paragraphs(package)
    destination = paragraphs[layer.other % len(paragraphs)]
    if destination is target or target.getnext() is destination:
        return None
    destination.addnext(target)
    return target


def _move_delete(package: Package, layer: Layer) -> None:
    target = _moved_silently(package, layer)
    if target is None:
        return
    edit_word(
        package, plain_runs(target), Edit("delete_word", 0, layer.word, tracked=True), "delete"
    )


def _replace_paragraph_delete(package: Package, layer: Layer) -> None:
    target = _plain_paragraph(package, layer.target)
    edit_word(
        package, plain_runs(target), Edit("replace_word", 0, layer.word, text="NINE"), "replace"
    )
    wrap_content(package, target, "del")
    mark_paragraph(package, target, "del")


def _paragraph_insert_delete(package: Package, layer: Layer) -> None:
    paragraphs = body_paragraphs(package)
    anchor = paragraphs[layer.target % len(paragraphs)]
    new = paragraph("The Recipient shall also notify the Provider of any audit.")
    wrap_content(package, new, "del")
    mark_paragraph(package, new, "del")
    anchor.addnext(new)


def _paragraph_insert_move(package: Package, layer: Layer) -> None:
    paragraphs = body_paragraphs(package)
    anchor = paragraphs[layer.target % len(paragraphs)]
    new = paragraph("The Recipient shall also notify the Provider of any audit.")
    anchor.addnext(new)
    target = body_paragraphs(package).index(new)
    move_paragraph(package, Edit("move_paragraph", target, tracked=True, other=layer.other))


def _move_paragraph_delete(package: Package, layer: Layer) -> None:
    target = _moved_silently(package, layer)
    if target is None:
        return
    wrap_content(package, target, "del")
    mark_paragraph(package, target, "del")


def _row_insert_delete(package: Package, layer: Layer) -> None:
    rows = [
        row
        for row in package.body().iter(W + "tr")
        if row.find(W + "trPr") is None
        or not [c for c in row.find(W + "trPr") if etree.QName(c).localname in ("ins", "del")]
    ]
    if not rows:
        return
    source = rows[layer.target % len(rows)]
    new = blank_row(source, "silent")
    for cell_paragraph in new.iter(W + "p"):
        wrap_content(package, cell_paragraph, "del")
    source.addnext(new)
    mark_row(package, new, "del")


def _split_merge(package: Package, layer: Layer) -> None:
    """Silently split a paragraph before a word, then delete the new mark with tracking."""
    target = _plain_paragraph(package, layer.target)
    text_run = next(r for r in plain_runs(target) if len(r.find(W + "t").text.split()) >= 4)
    tokens = re.split(r"(\s+)", text_run.find(W + "t").text or "")
    words = [i for i, token in enumerate(tokens) if token.strip()][1:]
    index = words[layer.word % len(words)]
    first = etree.Element(W + "p")
    properties = target.find(W + "pPr")
    if properties is not None:
        first.append(copy.deepcopy(properties))
    for child in list(target):
        if child is text_run:
            break
        if child.tag != W + "pPr":
            first.append(child)
    rpr = text_run.find(W + "rPr")
    first.append(run("".join(tokens[:index]), rpr))
    text_run.find(W + "t").text = "".join(tokens[index:])
    mark_paragraph(package, first, "del")
    target.addprevious(first)


def _merge_split(package: Package, layer: Layer) -> None:
    """Silently join a paragraph to the next one, then split it again with tracking: the
    partner's inserted mark sits where the standard's mark was."""
    paragraphs = body_paragraphs(package)
    pairs = [(p, q) for p, q in itertools.pairwise(paragraphs) if p.getnext() is q]
    first, second = pairs[layer.target % len(pairs)]
    joined = etree.Element(W + "p")
    properties = first.find(W + "pPr")
    if properties is not None:
        joined.append(copy.deepcopy(properties))
    for child in list(second):
        if child.tag != W + "pPr":
            joined.append(child)
    mark_paragraph(package, first, "ins")
    second.addprevious(joined)
    second.getparent().remove(second)


_PARAGRAPH_LAYERS = {
    "replace_move": _replace_move,
    "move_delete": _move_delete,
    "replace_paragraph_delete": _replace_paragraph_delete,
    "paragraph_insert_delete": _paragraph_insert_delete,
    "split_merge": _split_merge,
    "merge_split": _merge_split,
    "paragraph_insert_move": _paragraph_insert_move,
    "move_paragraph_delete": _move_paragraph_delete,
    "row_insert_delete": _row_insert_delete,
}


# -- (a) round trip over random edit scripts ------------------------------------------------------

edits = st.builds(
    Edit,
    kind=st.sampled_from(EDIT_KINDS),
    target=st.integers(0, 300),
    word=st.integers(0, 40),
    tracked=st.booleans(),
    other=st.integers(0, 300),
    text=st.sampled_from(["amended", "promptly", "sixty", "not"]),
)
#: A silent edit with a tracked edit on top of it, on the same words or paragraph marks.
layered = st.builds(
    Layer,
    kind=st.sampled_from(LAYER_KINDS),
    target=st.integers(0, 300),
    word=st.integers(0, 40),
    other=st.integers(0, 300),
)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(edits, min_size=1, max_size=5), layers=st.lists(layered, max_size=2))
def test_accept_gives_the_negotiated_and_reject_the_standard(
    script: list[Edit], layers: list[Layer]
) -> None:
    assert_round_trip(standard(), apply_layers(apply_edits(standard(), script), layers))


@pytest.mark.parametrize("kind", EDIT_KINDS)
@pytest.mark.parametrize("tracked", [False, True], ids=["silent", "tracked"])
def test_every_edit_kind_round_trips(kind: str, tracked: bool) -> None:
    script = [Edit(kind, target=5, word=2, tracked=tracked, other=40)]
    assert_round_trip(standard(), apply_edits(standard(), script))


# -- (b) targeted ---------------------------------------------------------------------


def _relationship(std: bytes, suffix: str) -> str:
    rels = Package(std).xml("word/_rels/document.xml.rels")
    return next(r.get("Id") for r in rels if r.get("Type").endswith("/" + suffix))


def _object_paragraph(std: bytes) -> etree._Element:
    """One paragraph holding a bookmark, a bold run, a footnote reference, a hyperlink, a REF
    field to the bookmark and an image, around plain text that will be edited."""
    element = paragraph("The Recipient shall keep the data secure at all times. ")
    start = etree.SubElement(element, W + "bookmarkStart")
    start.set(W + "id", "777")
    start.set(W + "name", "keep_secure")
    element.append(run("Strictly", etree.fromstring(f'<w:rPr xmlns:w="{W[1:-1]}"><w:b/></w:rPr>')))
    etree.SubElement(element, W + "bookmarkEnd").set(W + "id", "777")
    element.append(footnote_reference("1"))
    element.append(hyperlink(_relationship(std, "hyperlink"), "the guide"))
    for kind, instruction in (
        ("begin", None),
        (None, " REF keep_secure \\h "),
        ("separate", None),
        (None, None),
        ("end", None),
    ):
        field_run = etree.SubElement(element, W + "r")
        if kind:
            etree.SubElement(field_run, W + "fldChar").set(W + "fldCharType", kind)
        elif instruction:
            etree.SubElement(field_run, W + "instrText").text = instruction
        else:
            etree.SubElement(field_run, W + "t").text = "Strictly"
    element.append(drawing_run(_relationship(std, "image"), 99))
    element.append(run(" and report every incident."))
    return element


def _with_paragraph(std: bytes, element: etree._Element, after: int = 10) -> bytes:
    package = Package(std)
    body_paragraphs(package)[after].addnext(copy.deepcopy(element))
    return package.to_bytes()


def _edit_text(docx: bytes, old: str, new: str) -> bytes:
    package = Package(docx)
    for text in package.body().iter(W + "t"):
        if text.text and old in text.text:
            text.text = text.text.replace(old, new, 1)
            break
    else:
        raise AssertionError(f"{old!r} not found")
    return package.to_bytes()


def test_objects_in_a_rewritten_paragraph_survive_in_both_views() -> None:
    std = _with_paragraph(standard(), _object_paragraph(standard()))
    negotiated = _edit_text(
        _edit_text(std, "data secure", "data safe"), "report every", "promptly report each"
    )
    red = assert_round_trip(std, negotiated)
    body = parts(red)[DOCUMENT]
    rewritten = next(
        p
        for p in body.iter(W + "p")
        if any((t.text or "").startswith("The Recipient shall keep") for t in p.iter(W + "t"))
    )
    assert [t.text for t in rewritten.iter(W + "delText")] == ["secure", "every"]
    inserted = ["".join(t.text for t in i.iter(W + "t")) for i in rewritten.iter(W + "ins")]
    assert inserted == ["safe", "promptly ", "each"]
    for accept in (True, False):
        view = resolve(red, accept=accept)[DOCUMENT]
        paragraph_view = next(
            p
            for p in view.iter(W + "p")
            if "keep the data" in "".join(t.text or "" for t in p.iter(W + "t"))
        )
        counts = object_counts(paragraph_view)
        assert counts == {
            "footnote references": 1,
            "hyperlinks": 1,
            "fields": 1,
            "images": 1,
            "comments": 0,
        }
        assert [b.get(W + "name") for b in paragraph_view.iter(W + "bookmarkStart")] == [
            "keep_secure"
        ]
        bold = [r for r in paragraph_view.iter(W + "r") if r.find(f"{W}rPr/{W}b") is not None]
        assert ["".join(t.text for t in r.iter(W + "t")) for r in bold] == ["Strictly"]
        assert [i.text for i in paragraph_view.iter(W + "instrText")] == [" REF keep_secure \\h "]


def test_a_paragraph_deleted_with_its_objects_keeps_them_in_the_rejected_view() -> None:
    std = _with_paragraph(standard(), _object_paragraph(standard()))
    package = Package(std)
    victim = next(
        p
        for p in package.body().iter(W + "p")
        if "keep the data" in "".join(t.text or "" for t in p.iter(W + "t"))
    )
    victim.getparent().remove(victim)
    red = assert_round_trip(std, package.to_bytes())
    rejected = resolve(red, accept=False)[DOCUMENT]
    assert "keep_secure" in [b.get(W + "name") for b in rejected.iter(W + "bookmarkStart")]
    media = [n for n in zipfile.ZipFile(io.BytesIO(red)).namelist() if n.startswith("word/media")]
    assert media == ["word/media/image1.png"]


def test_an_inserted_paragraph_is_an_insertion_never_a_move() -> None:
    package = Package(standard())
    paragraphs = body_paragraphs(package)
    paragraphs[30].addnext(copy.deepcopy(paragraphs[21]))  # a duplicate of existing text
    paragraphs[40].addnext(paragraph("A wholly new obligation of the Recipient applies."))
    red = assert_round_trip(standard(), package.to_bytes())
    body = parts(red)[DOCUMENT]
    assert not list(body.iter(W + "moveTo", W + "moveFrom", W + "moveToRangeStart"))
    marks = [p for p in body.iter(W + "p") if p.find(f"{W}pPr/{W}rPr/{W}ins") is not None]
    assert len(marks) == 2


def test_a_silent_move_is_written_as_a_move_and_an_edit_inside_it_is_marked() -> None:
    package = Package(standard())
    paragraphs = body_paragraphs(package)
    moved = paragraphs[25]
    moved_text = "".join(t.text or "" for t in moved.iter(W + "t"))
    paragraphs[60].addnext(moved)
    first = next(t for t in moved.iter(W + "t") if t.text and len(t.text.split()) > 4)
    words = first.text.split(" ")
    words[2] = "PROMPTLY"
    first.text = " ".join(words)
    red = assert_round_trip(standard(), package.to_bytes())
    body = parts(red)[DOCUMENT]
    starts = {kind: list(body.iter(W + kind + "RangeStart")) for kind in ("moveFrom", "moveTo")}
    assert len(starts["moveFrom"]) == len(starts["moveTo"]) == 1
    assert starts["moveFrom"][0].get(W + "name") == starts["moveTo"][0].get(W + "name")
    for kind, (start,) in starts.items():
        ends = [e.get(W + "id") for e in body.iter(W + kind + "RangeEnd")]
        assert ends == [start.get(W + "id")] and start.get(W + "author") == OURS
    source = starts["moveFrom"][0].getparent()
    assert "".join(t.text or "" for t in source.iter(W + "t")) == moved_text
    destination = starts["moveTo"][0].getparent()
    assert ["".join(t.text for t in i.iter(W + "t")) for i in destination.iter(W + "ins")] == [
        "PROMPTLY"
    ]
    assert len(list(destination.iter(W + "delText"))) == 1


def test_partner_tracked_changes_keep_their_author_and_date() -> None:
    script = [
        Edit("replace_word", 3, 2, True),
        Edit("insert_paragraph", 10, tracked=True),
        Edit("delete_paragraph", 30, tracked=True),
        Edit("bold_word", 8, 1, True),
        Edit("move_paragraph", 12, tracked=True, other=50),
        Edit("delete_row", 1, tracked=True),
        Edit("replace_word", 20, 3, False),
    ]
    negotiated = apply_edits(standard(), script)
    theirs = {
        (e.tag, e.get(W + "id"), e.get(W + "author"), e.get(W + "date"))
        for e in revisions(parts(negotiated)[DOCUMENT])
    }
    red = assert_round_trip(standard(), negotiated)
    body = parts(red)[DOCUMENT]
    kept = {
        (e.tag, e.get(W + "id"), e.get(W + "author"), e.get(W + "date"))
        for e in revisions(body, PARTNER)
    }
    assert theirs <= kept and {a for _, _, a, _ in theirs} == {PARTNER}
    assert {e.get(W + "date") for e in revisions(body, PARTNER)} == {PARTNER_DATE}
    assert revisions(body, OURS), "the silent word edit is ours"


def test_a_silent_bold_is_a_formatting_revision_with_the_old_properties() -> None:
    red = assert_round_trip(standard(), apply_edits(standard(), [Edit("bold_word", 4, 1)]))
    changes = revisions(parts(red)[DOCUMENT], OURS)
    assert [c.tag for c in changes] == [W + "rPrChange"]
    change = changes[0]
    assert change.getparent()[-1] is change, "w:rPrChange is the last child of w:rPr"
    assert change.getparent().find(W + "b") is not None
    assert change.find(f"{W}rPr/{W}b") is None


def test_a_silent_style_change_is_a_paragraph_property_revision() -> None:
    package = Package(standard())
    target = body_paragraphs(package)[40]
    style = target.find(f"{W}pPr/{W}pStyle")
    old = style.get(W + "val")
    style.set(W + "val", "DsaNote")
    red = assert_round_trip(standard(), package.to_bytes())
    (change,) = revisions(parts(red)[DOCUMENT], OURS)
    assert change.tag == W + "pPrChange" and change.getparent()[-1] is change
    assert change.find(f"{W}pPr/{W}pStyle").get(W + "val") == old


def test_ids_are_unique_across_revisions_bookmarks_and_comments() -> None:
    script = [Edit(kind, 7 * n, n, n % 2 == 0, 13 * n) for n, kind in enumerate(EDIT_KINDS)]
    red = assert_round_trip(standard(), apply_edits(standard(), script))
    ids: list[str] = []
    for name, root in parts(red).items():
        ids += [
            e.get(W + "id") for e in root.iter(*ID_ELEMENTS) if not name.endswith("comments.xml")
        ]
        ids += [e.get(W + "id") for e in root.iter(W + "comment")]
    commented = {
        e.get(W + "id") for root in parts(red).values() for e in root.iter(W + "commentRangeStart")
    }
    ids = [i for i in ids if i not in commented] + sorted(commented)
    assert len(ids) == len(set(ids))


def test_two_runs_give_identical_bytes() -> None:
    negotiated = apply_edits(
        standard(),
        [Edit("delete_footnote_ref", 1), Edit("add_image", 9), Edit("move_paragraph", 4, other=70)],
    )
    assert redline(standard(), negotiated) == redline(standard(), negotiated)


def test_trackrevisions_is_switched_on_in_schema_order() -> None:
    red = redline(standard(), apply_edits(standard(), [Edit("replace_word", 2, 2)]))
    settings_root = parts(red)["word/settings.xml"]
    tags = [etree.QName(c).localname for c in settings_root]
    assert "trackRevisions" in tags
    assert (
        tags.index("trackRevisions") < tags.index("defaultTabStop")
        if ("defaultTabStop" in tags)
        else True
    )


def test_a_deleted_image_brings_its_media_part_relationship_and_content_type() -> None:
    package = Package(standard())
    drawing = next(package.body().iter(W + "drawing"))
    drawing.getparent().getparent().remove(drawing.getparent())
    rels = package.xml("word/_rels/document.xml.rels")
    for rel in list(rels):
        if rel.get("Type").endswith("/image"):
            rels.remove(rel)
    del package.parts["word/media/image1.png"]
    red = assert_round_trip(standard(), package.to_bytes())
    everything = parts(red)
    blip = next(e for e in everything[DOCUMENT].iter() if e.get(R + "embed"))
    rel = next(
        r
        for r in everything["word/_rels/document.xml.rels"]
        if r.get("Id") == blip.get(R + "embed")
    )
    media = "word/" + rel.get("Target")
    assert media in zipfile.ZipFile(io.BytesIO(red)).namelist()
    types = everything["[Content_Types].xml"]
    assert any(d.get("Extension") == "png" for d in types)


def test_nested_table_cell_edits_round_trip() -> None:
    negotiated = _edit_text(standard(), "Nested cell two text", "Nested cell two amended text")
    red = assert_round_trip(standard(), negotiated)
    inner = [t for t in parts(red)[DOCUMENT].iter(W + "tbl") if t.getparent().tag == W + "tc"]
    assert [i.text for i in inner[0].iter(W + "delText")] == [] and any(
        "amended" in (t.text or "") for i in inner[0].iter(W + "ins") for t in i.iter(W + "t")
    )


def test_a_whole_table_deleted_is_every_row_deleted() -> None:
    package = Package(standard())
    table = next(
        t
        for t in package.body().iter(W + "tbl")
        if "Data field" in "".join(x.text or "" for x in t.iter(W + "t"))
    )
    table.getparent().remove(table)
    red = assert_round_trip(standard(), package.to_bytes())
    restored = next(
        t
        for t in parts(red)[DOCUMENT].iter(W + "tbl")
        if "Data field" in "".join(x.text or "" for x in t.iter(W + "delText"))
    )
    assert all(r.find(f"{W}trPr/{W}del") is not None for r in restored.iter(W + "tr"))


def test_the_partners_comment_is_carried_over() -> None:
    red = assert_round_trip(standard(), apply_edits(standard(), [Edit("replace_word", 6, 1)]))
    everything = parts(red)
    assert [c.get(W + "id") for c in everything["word/comments.xml"]] == ["900"]
    assert [r.get(W + "id") for r in everything[DOCUMENT].iter(W + "commentReference")] == ["900"]


PAIRS = {
    "WC027-after-1": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-1.docx"),
    "WC027-after-2": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-2.docx"),
    "WC006-delete-row": ("WC/WC006-Table.docx", "WC/WC006-Table-Delete-Row.docx"),
    "WC006-insert-row": ("WC/WC006-Table-Delete-Row.docx", "WC/WC006-Table.docx"),
    "CZ002-merges": ("CZ/CZ002-Multi-Paragraphs.docx", "CZ/CZ002-Multi-Paragraphs-Mod.docx"),
    "CZ003-insertions": ("CZ/CZ003-Multi-Paragraphs.docx", "CZ/CZ003-Multi-Paragraphs-Mod.docx"),
    "RP015-moved": ("RP/RP015-MoveFrom-MoveTo-Rejected.docx", "RP/RP015-MoveFrom-MoveTo.docx"),
}


@pytest.mark.parametrize("pair", PAIRS)
def test_fixture_pairs_round_trip(pair: str) -> None:
    paths = [OXPT / name for name in PAIRS[pair]]
    if not all(p.exists() for p in paths):
        pytest.skip("conformance fixtures not available (see shared/fixtures/README.md)")
    std, negotiated = (p.read_bytes() for p in paths)
    red = assert_round_trip(std, negotiated)
    if pair == "WC006-delete-row":
        rows = list(parts(red)[DOCUMENT].iter(W + "tr"))
        assert [r.find(f"{W}trPr/{W}del") is not None for r in rows] == [False, True, False]


# -- (c) a real client ---------------------------------------------------------------------


def _normalised(paragraphs: list[str]) -> list[str]:
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


@lru_cache(maxsize=1)
def _libreoffice_standard() -> tuple[str, ...]:
    """The standard's paragraphs as LibreOffice reads them, once for every test here."""
    import tempfile

    from tests.lo import client

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "standard.docx"
        path.write_bytes(standard())
        return tuple(_normalised(client.paragraphs(path)))


LIBREOFFICE_SCRIPTS = {
    "silent": [
        Edit("replace_word", 3, 2),
        Edit("delete_paragraph", 22),
        Edit("insert_paragraph", 40),
        Edit("move_paragraph", 10, other=60),
        Edit("bold_word", 30, 1),
        Edit("delete_row", 1),
        Edit("add_image", 12),
        Edit("add_hyperlink", 14),
        Edit("delete_footnote_ref", 0),
    ],
    "mixed": [
        Edit("replace_word", 3, 2, True),
        Edit("delete_paragraph", 22, tracked=True),
        Edit("insert_paragraph", 40),
        Edit("move_paragraph", 10, tracked=True, other=60),
        Edit("cell_text", 2, 1),
        Edit("new_footnote", 5, tracked=True),
        Edit("delete_word", 50, 3),
    ],
}


@needs_soffice()
@pytest.mark.parametrize("script", LIBREOFFICE_SCRIPTS)
def test_libreoffice_accepts_to_the_negotiated_and_rejects_to_the_standard(
    script: str, tmp_path: Path
) -> None:
    from tests.lo import client

    negotiated_path, red_path = tmp_path / "negotiated.docx", tmp_path / "redline.docx"
    negotiated_path.write_bytes(apply_edits(standard(), LIBREOFFICE_SCRIPTS[script]))
    red_path.write_bytes(redline(standard(), negotiated_path.read_bytes()))
    assert _normalised(client.accept_all(red_path)) == _normalised(
        client.accept_all(negotiated_path)
    )
    assert tuple(_normalised(client.reject_all(red_path))) == _libreoffice_standard()


def test_a_silent_edit_inside_the_partners_own_move_is_marked_inside_the_move() -> None:
    moved = apply_edits(standard(), [Edit("move_paragraph", 12, tracked=True, other=50)])
    package = Package(moved)
    text = next(
        t
        for m in package.body().iter(W + "moveTo")
        for t in m.iter(W + "t")
        if len((t.text or "").split()) > 3
    )
    words = text.text.split(" ")
    words[1] = "SILENTLY"
    text.text = " ".join(words)
    red = assert_round_trip(standard(), package.to_bytes())
    body = parts(red)[DOCUMENT]
    ours = revisions(body, OURS)
    assert sorted(etree.QName(e).localname for e in ours) == ["del", "ins"]
    assert all(e.getparent().tag == W + "moveTo" for e in ours), "nested in the partner's move"
    assert ["".join(t.text for t in e.iter(W + "t")) for e in ours if e.tag == W + "ins"] == [
        "SILENTLY"
    ]
    partner_moves = [e for e in revisions(body, PARTNER) if e.tag == W + "moveTo"]
    assert partner_moves and all(e.get(W + "date") == PARTNER_DATE for e in partner_moves)


@pytest.mark.parametrize(
    "old,new,deleted,inserted",
    [
        (
            "thirty-six (36) months after",
            "thirteen (13) months after",
            ["thirty-six", "36"],
            ["thirteen", "13"],
        ),
        (
            "thirty-six (36) months after the",
            "thirty-six (36) months following the",
            ["after"],
            ["following"],
        ),
    ],
)
def test_a_word_changed_in_a_long_paragraph_is_marked_as_whole_words(
    old, new, deleted, inserted
) -> None:
    """The text two paragraphs share is set aside first; what is left is still diffed word by
    word ('thirty-six' -> 'thirteen', never 'y-six' -> 'een')."""
    std = plain_standard()
    red = assert_round_trip(std, _edit_text(std, old, new))
    body = parts(red)[DOCUMENT]
    assert ["".join(t.text for t in d.iter(W + "delText")) for d in body.iter(W + "del")] == (
        deleted
    )
    assert ["".join(t.text for t in i.iter(W + "t")) for i in body.iter(W + "ins")] == inserted


@pytest.mark.parametrize("kind", LAYER_KINDS)
def test_a_tracked_edit_over_a_silent_edit_round_trips(kind: str) -> None:
    assert_round_trip(standard(), apply_layers(standard(), [Layer(kind, 7, 2)]))


def _fees_with(silent: str, tracked: str) -> bytes:
    """The partner's copy with USD 6,000 silently changed to `silent`, then to `tracked` with
    tracking on."""
    package = Package(plain_standard())
    text = next(t for t in package.body().iter(W + "t") if t.text and "USD 6,000" in t.text)
    target = text.getparent()
    rpr = target.find(W + "rPr")
    before, _, after = text.text.partition("6,000")
    for piece in (
        run(before, rpr),
        _tracked(package, "del", run(silent, rpr, deleted=True)),
        _tracked(package, "ins", run(tracked, rpr)),
        run(after, rpr),
    ):
        target.addprevious(piece)
    target.getparent().remove(target)
    return package.to_bytes()


def test_words_we_insert_that_the_partner_deleted_are_our_insertion_around_their_deletion() -> None:
    red = assert_round_trip(plain_standard(), _fees_with("9,000", "7,000"))
    body = parts(red)[DOCUMENT]
    (theirs,) = [d for d in revisions(body, PARTNER) if d.tag == W + "del"]
    assert "".join(t.text for t in theirs.iter(W + "delText")) == "9,000"
    outer = theirs.getparent()
    assert outer.tag == W + "ins" and outer.get(W + "author") == OURS
    assert not [e for e in theirs.iter(W + "ins", W + "moveTo")], "nothing of ours inside"
    (ours_deleted,) = [d for d in revisions(body, OURS) if d.tag == W + "del"]
    assert "".join(t.text for t in ours_deleted.iter(W + "delText")) == "6,000"


@needs_soffice()
@pytest.mark.parametrize("kind", LAYER_KINDS)
def test_libreoffice_resolves_a_tracked_edit_over_a_silent_edit(kind: str, tmp_path: Path) -> None:
    from tests.lo import client

    negotiated_path, red_path = tmp_path / "negotiated.docx", tmp_path / "redline.docx"
    negotiated_path.write_bytes(apply_layers(standard(), [Layer(kind, 7, 2)]))
    red_path.write_bytes(redline(standard(), negotiated_path.read_bytes()))
    assert _normalised(client.accept_all(red_path)) == _normalised(
        client.accept_all(negotiated_path)
    )
    assert tuple(_normalised(client.reject_all(red_path))) == _libreoffice_standard()


def test_a_commented_paragraph_deleted_silently_comes_back_with_its_comment() -> None:
    """The partner deleted the paragraph holding the standard's comment without tracking (the
    comment stays in their comments part, anchored nowhere): reject-all shows it again."""
    std = standard()
    package = Package(std)
    commented = next(
        p for p in package.body().iter(W + "p") if p.find(f".//{W}commentReference") is not None
    )
    commented.getparent().remove(commented)
    negotiated = package.to_bytes()
    red = assert_round_trip(std, negotiated)
    assert object_counts(resolve(red, accept=False)[DOCUMENT])["comments"] == 1
    assert object_counts(resolve(red, accept=True)[DOCUMENT])["comments"] == 0
