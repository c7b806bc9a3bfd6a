"""Revision-aware DOCX reading: accept/reject views, revisions, anchors and properties.

Real Word files come from the shared conformance fixtures (Open-XML-PowerTools test files, see
``shared/fixtures/README.md``); small synthetic documents pin down one OOXML feature each.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from dsagen.read import REVISION_KINDS, ReadDocument, read_docx

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W_NS}


def fixture(relative: str) -> Path:
    path = OXPT / relative if not relative.startswith("emrosenf-fc") else FIXTURES / relative
    if not path.exists():
        pytest.skip(f"conformance fixture not available: {path} (see shared/fixtures/README.md)")
    return path


def texts(paragraphs) -> list[str]:
    """Text of the non-empty paragraphs: the fixtures' baselines differ in empty paragraphs."""
    return [p.text for p in paragraphs if p.text]


def fixture_xml(relative: str, part: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(fixture(relative)) as archive:
        return etree.fromstring(archive.read(part))


# -- a tiny factory for single-feature documents -----------------------------------------------

DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<w:document xmlns:w="{W_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math">'
    "<w:body>{body}<w:sectPr/></w:body></w:document>"
)
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_docx(body: str, *, parts: dict[str, str] | None = None) -> bytes:
    """A minimal DOCX with ``body``; ``parts`` adds e.g. headers (related automatically)."""
    parts = parts or {}
    relationships = "".join(
        # word/header1.xml is related with type .../header, word/comments.xml with .../comments
        f'<Relationship Id="rId{n}" Type="{OFFICE_RELS}/{re.match("[a-z]+", name[5:])[0]}" '
        f'Target="{name[5:]}"/>'
        for n, name in enumerate(parts, start=1)
        if name.startswith("word/")
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS_NS}"><Relationship Id="rId1" '
            f'Type="{OFFICE_RELS}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", DOCUMENT.format(body=body))
        archive.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="{RELS_NS}">{relationships}</Relationships>',
        )
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def read_body(body: str, **kwargs) -> ReadDocument:
    return read_docx(make_docx(body, **kwargs), name="synthetic.docx")


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def deleted(text: str, rid: int) -> str:
    return (
        f'<w:del w:id="{rid}" w:author="Partner" w:date="2026-01-10T09:00:00Z">'
        f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>'
    )


def inserted(text: str, rid: int) -> str:
    return f'<w:ins w:id="{rid}" w:author="Partner">{run(text)}</w:ins>'


def para(content: str, ppr: str = "") -> str:
    return f"<w:p>{'<w:pPr>' + ppr + '</w:pPr>' if ppr else ''}{content}</w:p>"


# -- the conformance fixtures ------------------------------------------------------------------


ALL_FIXTURES = sorted(FIXTURES.rglob("*.docx")) if FIXTURES.exists() else []


@pytest.mark.skipif(not ALL_FIXTURES, reason=f"no conformance fixtures under {FIXTURES}")
@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.name)
def test_every_fixture_loads_with_both_views(path: Path) -> None:
    document = read_docx(path)
    assert document.path == str(path)
    assert texts(document.accepted) and texts(document.rejected)
    assert all(revision.kind in REVISION_KINDS for revision in document.revisions)


def test_deleted_paragraph_marks_join_the_next_paragraph_on_accept() -> None:
    document = read_docx(fixture("CZ/CZ002-Multi-Paragraphs-Mod.docx"))
    assert texts(document.accepted) == ["Video.When.You.To.", "For."]
    merged = next(p for p in document.accepted if p.text == "Video.When.You.To.")
    assert merged.sources == (0, 1, 2, 3)


def test_reject_view_of_deleted_paragraph_marks_is_the_base_document() -> None:
    base = read_docx(fixture("CZ/CZ002-Multi-Paragraphs.docx"))
    document = read_docx(fixture("CZ/CZ002-Multi-Paragraphs-Mod.docx"))
    assert texts(document.rejected) == texts(base.accepted)
    marks = [r for r in document.revisions if r.kind == "paragraph_delete"]
    assert [(r.id, r.paragraph, r.author) for r in marks] == [
        ("0", 0, "Eric White"),
        ("1", 1, "Eric White"),
        ("2", 2, "Eric White"),
    ]
    assert marks[0].date == "2017-05-15T07:05:00Z"


def test_tracked_insertions_are_in_the_accept_view_only() -> None:
    base = read_docx(fixture("CZ/CZ003-Multi-Paragraphs.docx"))
    document = read_docx(fixture("CZ/CZ003-Multi-Paragraphs-Mod.docx"))
    assert texts(document.rejected) == texts(base.accepted)
    inserts = [r for r in document.revisions if r.kind == "insert"]
    assert len(inserts) == 8 and len(document.revisions) == 8
    assert {r.text for r in inserts} == {"Yes, "}
    tracked = [p for p in document.accepted if p.tracked]
    assert len(tracked) == 8
    for paragraph in tracked:
        ((start, end, revision_id),) = paragraph.tracked
        assert paragraph.text[start:end] == "Yes, " and start == 0
        assert revision_id in {r.id for r in inserts}
    untracked = [p.text for p in document.accepted if p.text and not p.tracked]
    assert untracked and not any(text.startswith("Yes, ") for text in untracked)


def test_move_views_match_the_powertools_baselines() -> None:
    document = read_docx(fixture("RP/RP015-MoveFrom-MoveTo.docx"))
    accepted = read_docx(fixture("RP/RP015-MoveFrom-MoveTo-Accepted.docx"))
    rejected = read_docx(fixture("RP/RP015-MoveFrom-MoveTo-Rejected.docx"))
    assert texts(document.accepted) == texts(accepted.accepted)
    assert texts(document.rejected) == texts(rejected.accepted)
    assert texts(document.accepted)[1:3] == [
        "You can also type a keyword.",
        "When you click Online Video.",
    ]


def test_moves_carry_the_name_that_pairs_source_and_destination() -> None:
    document = read_docx(fixture("RP/RP015-MoveFrom-MoveTo.docx"))
    kinds = {r.kind: r for r in document.revisions}
    assert set(kinds) == {"paragraph_delete", "move_from", "paragraph_insert", "move_to"}
    assert kinds["move_from"].move_name == kinds["move_to"].move_name == "move478160808"
    assert kinds["move_from"].text == kinds["move_to"].text == "When you click Online Video."
    assert kinds["paragraph_delete"].move_name == "move478160808"
    assert document.max_id == 6


def test_realistic_redline_accept_view_matches_the_powertools_baseline() -> None:
    document = read_docx(fixture("RP/RP001-Tracked-Revisions-01.docx"))
    baseline = read_docx(fixture("RP/RP001-Tracked-Revisions-01-Accepted.docx"))
    assert texts(document.accepted) == texts(baseline.accepted)
    assert not baseline.revisions


def test_realistic_redline_reports_one_revision_per_revision_element() -> None:
    root = fixture_xml("RP/RP001-Tracked-Revisions-01.docx")
    document = read_docx(fixture("RP/RP001-Tracked-Revisions-01.docx"))

    def count(xpath: str) -> int:
        return len(root.xpath(xpath, namespaces=NS))

    in_text = "[not(parent::w:rPr or parent::w:trPr or parent::w:numPr)]"
    expected = {
        "insert": count(f"//w:ins{in_text}"),
        "delete": count(f"//w:del{in_text}"),
        "move_from": count(f"//w:moveFrom{in_text}"),
        "move_to": count(f"//w:moveTo{in_text}"),
        "paragraph_insert": count("//w:pPr/w:rPr/w:ins | //w:pPr/w:rPr/w:moveTo"),
        "paragraph_delete": count("//w:pPr/w:rPr/w:del | //w:pPr/w:rPr/w:moveFrom"),
        "table_row_insert": count("//w:trPr/w:ins"),
        "table_row_delete": count("//w:trPr/w:del"),
        "paragraph_format": count("//w:pPrChange"),
        "table_format": count(
            "//w:trPrChange | //w:tcPrChange | //w:tblPrChange | //w:tblPrExChange"
            " | //w:tblGridChange"
        ),
    }
    # The README's census: 138 w:ins, 111 w:del, 15 moves each way.
    assert count("//w:ins") == 138 and count("//w:del") == 111
    assert expected["insert"] + expected["paragraph_insert"] + expected["table_row_insert"] == 138
    assert expected["move_from"] == expected["move_to"] == 15
    assert Counter(r.kind for r in document.revisions) == Counter(
        {kind: n for kind, n in expected.items() if n}
    )
    assert len({r.id for r in document.revisions}) == len(document.revisions)
    assert {r.date for r in document.revisions} == {None}
    assert {r.author for r in document.revisions if r.kind != "table_format"} == {"Author"}
    assert {r.move_name for r in document.revisions if r.kind.startswith("move")} == {
        "move424225406"
    }
    assert document.max_id == 289


def test_tracked_table_rows_leave_the_other_view() -> None:
    document = read_docx(fixture("RP/RP001-Tracked-Revisions-01.docx"))
    accepted = {index for p in document.accepted for index in p.sources}
    rejected = {index for p in document.rejected for index in p.sources}
    rows = [r for r in document.revisions if r.kind.startswith("table_row")]
    assert len(rows) == 20
    for row in rows:  # ``paragraph`` is the row's first cell paragraph
        if row.kind == "table_row_delete":
            assert row.paragraph not in accepted and row.paragraph in rejected
        else:
            assert row.paragraph in accepted and row.paragraph not in rejected
    assert "Name of the preparations\nNo. of  injections\nPurpose" in {r.text for r in rows}


def test_numbering_change_is_a_paragraph_format_revision_and_reject_restores_numbering() -> None:
    document = read_docx(fixture("FA/RevTracking/017-NumberingChange.docx"))
    assert [r.kind for r in document.revisions] == ["paragraph_format"] * 3
    assert [r.paragraph for r in document.revisions] == [1, 2, 3]
    listed_accept = [(p.style, p.num_id, p.level) for p in document.accepted if p.num_id]
    listed_reject = [(p.style, p.num_id, p.level) for p in document.rejected if p.num_id]
    assert listed_accept == [("ListParagraph", "2", 0)] * 3
    assert listed_reject == [("ListParagraph", "1", 0)] * 3
    assert texts(document.accepted) == texts(document.rejected)


def test_bold_added_after_is_a_clean_compare_input_without_tracked_revisions() -> None:
    # The fixture README's "one formatting revision" is what a *comparer* must find between
    # bold_added_before and bold_added_after; the file itself contains no w:rPrChange.
    before = read_docx(fixture("emrosenf-fc/TestFiles/FC/bold_added_before.docx"))
    after = read_docx(fixture("emrosenf-fc/TestFiles/FC/bold_added_after.docx"))
    assert texts(after.accepted) == texts(before.accepted) == ["This sentence has a plain word."]
    assert after.revisions == ()
    assert after.core_properties["creator"] == "python-docx"


def test_run_formatting_change_is_a_format_revision_with_the_run_text() -> None:
    document = read_body(
        para(
            run("This sentence has a ")
            + '<w:r><w:rPr><w:b/><w:rPrChange w:id="7" w:author="e" w:date="2020-02-08T05:11:00Z">'
            "<w:rPr/></w:rPrChange></w:rPr><w:t>plain</w:t></w:r>" + run(" word.")
        )
    )
    (revision,) = document.revisions
    assert (revision.kind, revision.id, revision.text, revision.paragraph) == (
        "format",
        "7",
        "plain",
        0,
    )
    assert (
        texts(document.accepted) == texts(document.rejected) == ["This sentence has a plain word."]
    )


def test_untracked_paragraph_edits_show_in_plain_text() -> None:
    before = texts(read_docx(fixture("WC/WC027-Twenty-Paras-Before.docx")).accepted)
    after = texts(read_docx(fixture("WC/WC027-Twenty-Paras-After-1.docx")).accepted)
    opcodes = [op for op in difflib.SequenceMatcher(a=before, b=after).get_opcodes()]
    changes = [(tag, before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in opcodes]
    assert [c for c in changes if c[0] != "equal"] == [
        ("delete", ["Three"], []),
        ("insert", [], ["19.5"]),
    ]
    assert after[after.index("19.5") + 1] == "Twenty"


def test_case_only_edits_differ_only_in_case() -> None:
    before = texts(read_docx(fixture("WC/WC027-Twenty-Paras-Before.docx")).accepted)
    after = texts(read_docx(fixture("WC/WC027-Twenty-Paras-After-2.docx")).accepted)
    assert [(b, a) for b, a in zip(before, after, strict=True) if a != b] == [
        ("Three", "THree"),
        ("Nineteen", "NIneteen"),
    ]
    assert [a.casefold() for a in after] == [b.casefold() for b in before]


def test_table_cells_carry_table_row_and_cell_coordinates() -> None:
    table = read_docx(fixture("WC/WC006-Table.docx"))
    cells = [(p.text, p.table) for p in table.accepted if p.table]
    assert cells == [
        ("111", (0, 0, 0)),
        ("222", (0, 0, 1)),
        ("333", (0, 1, 0)),
        ("444", (0, 1, 1)),
        ("555", (0, 2, 0)),
        ("666", (0, 2, 1)),
    ]
    deleted_row = read_docx(fixture("WC/WC006-Table-Delete-Row.docx"))
    assert texts(deleted_row.accepted) == ["111", "222", "555", "666"]


def test_large_fixture_headers_footers_and_custom_properties_are_read() -> None:
    document = read_docx(fixture("WC/WC004-Large.docx"))
    assert len(texts(document.accepted)) > 200
    assert len(document.headers) == 1 and len(document.footers) == 1
    assert isinstance(document.custom_properties, dict)


# -- single-feature synthetic documents --------------------------------------------------------


def test_insertion_then_deletion_by_another_author_is_in_neither_view() -> None:
    body = para(
        run("Keep ")
        + '<w:ins w:id="1" w:author="A">'
        + run("added ")
        + '<w:del w:id="2" w:author="B"><w:r><w:delText>and removed </w:delText></w:r></w:del>'
        + "</w:ins>"
        + run("end.")
    )
    document = read_body(body)
    assert texts(document.accepted) == ["Keep added end."]
    assert texts(document.rejected) == ["Keep end."]
    assert [(r.kind, r.text) for r in document.revisions] == [
        ("insert", "added and removed "),
        ("delete", "and removed "),
    ]
    assert document.accepted[0].tracked == ((5, 11, "1"),)


def test_reject_view_restores_deleted_text_with_tracked_spans() -> None:
    body = para(run("notify within ") + deleted("72", 12) + inserted("96", 13) + run(" hours."))
    document = read_body(body)
    (accepted,) = document.accepted
    (rejected,) = document.rejected
    assert accepted.text == "notify within 96 hours."
    assert rejected.text == "notify within 72 hours."
    assert accepted.tracked == ((14, 16, "13"),)
    assert rejected.tracked == ((14, 16, "12"),)


def test_fields_keep_results_and_drop_instructions_in_both_views() -> None:
    body = para(
        run("See ")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> REF _Ref1 \\h </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("clause 4")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + run(" and ")
        + '<w:fldSimple w:instr=" PAGE ">'
        + run("7")
        + "</w:fldSimple>"
        + '<w:del w:id="3" w:author="P"><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + "<w:r><w:delInstrText> DATE </w:delInstrText></w:r>"
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + "<w:r><w:delText>today</w:delText></w:r>"
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:del>'
        + run(".")
    )
    document = read_body(body)
    assert texts(document.accepted) == ["See clause 4 and 7."]
    assert texts(document.rejected) == ["See clause 4 and 7today."]


def test_containers_are_transparent_and_tabs_breaks_are_normalised() -> None:
    body = (
        '<w:sdt><w:sdtPr><w:tag w:val="clause"/><w:placeholder><w:docPart w:val="x"/>'
        "</w:placeholder></w:sdtPr><w:sdtContent>"
        + para(
            '<w:hyperlink r:id="rId9">' + run("link") + "</w:hyperlink>"
            "<w:r><w:tab/><w:t>a</w:t><w:br/><w:t>b</w:t><w:cr/></w:r>"
            '<w:smartTag w:uri="u" w:element="e"><w:smartTagPr/>' + run("tag") + "</w:smartTag>"
            '<w:customXml w:element="party"><w:customXmlPr/>' + run(" X") + "</w:customXml>"
            "<w:sdt><w:sdtPr><w:alias w:val='inline'/></w:sdtPr><w:sdtContent>"
            + inserted(" Y", 4)
            + "</w:sdtContent></w:sdt>"
            "<w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>textbox</w:t></w:r></w:p>"
            "</w:txbxContent></w:drawing></w:r>"
        )
        + "</w:sdtContent></w:sdt>"
        + para(run("after"))
    )
    document = read_body(body)
    assert texts(document.accepted) == ["link\ta\nb\ntag X Y[text box]", "after"]
    assert texts(document.rejected) == ["link\ta\nb\ntag X[text box]", "after"]
    # The text box is a story of its own, numbered like part_root.iter(w:p) ...
    (box,) = document.stories
    assert (box.key, box.anchor, texts(box.accepted), box.accepted[0].sources) == (
        "textbox:1",
        0,
        ["textbox"],
        (1,),
    )
    # ... so the body paragraph after it keeps its index.
    assert document.accepted[1].sources == (2,)


def test_inserted_and_deleted_table_rows_leave_the_other_view() -> None:
    def row(text: str, change: str = "") -> str:
        props = f"<w:trPr>{change}</w:trPr>" if change else ""
        return f"<w:tr>{props}<w:tc>{para(run(text))}</w:tc></w:tr>"

    body = (
        "<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>"
        + row("kept")
        + row("new row", '<w:ins w:id="5" w:author="P"/>')
        + row("old row", '<w:del w:id="6" w:author="P"/>')
        + "</w:tbl>"
    )
    document = read_body(body)
    assert [(p.text, p.table) for p in document.accepted] == [
        ("kept", (0, 0, 0)),
        ("new row", (0, 1, 0)),
    ]
    assert [(p.text, p.table) for p in document.rejected] == [
        ("kept", (0, 0, 0)),
        ("old row", (0, 2, 0)),
    ]
    assert [(r.kind, r.text, r.paragraph) for r in document.revisions] == [
        ("table_row_insert", "new row", 1),
        ("table_row_delete", "old row", 2),
    ]


def test_inserted_paragraph_disappears_in_the_reject_view_and_merges_forward() -> None:
    inserted_mark = '<w:rPr><w:ins w:id="1" w:author="P"/></w:rPr>'
    body = (
        para(run("First"))
        + para(inserted("Inserted clause.", 2), inserted_mark)
        + para(run("Second"), '<w:pStyle w:val="Heading1"/>')
    )
    document = read_body(body)
    assert texts(document.accepted) == ["First", "Inserted clause.", "Second"]
    assert [(p.text, p.sources, p.style) for p in document.rejected] == [
        ("First", (0,), None),
        ("Second", (1, 2), "Heading1"),
    ]
    assert [r.kind for r in document.revisions] == ["paragraph_insert", "insert"]


def test_deleted_mark_never_merges_across_a_table_cell() -> None:
    deleted_mark = '<w:rPr><w:del w:id="1" w:author="P"/></w:rPr>'
    body = (
        "<w:tbl><w:tr><w:tc>"
        + para(run("cell one"), deleted_mark)
        + "</w:tc><w:tc>"
        + para(run("cell two"))
        + "</w:tc></w:tr></w:tbl>"
        + para(run("body"))
    )
    document = read_body(body)
    assert [(p.text, p.table) for p in document.accepted] == [
        ("cell one", (0, 0, 0)),
        ("cell two", (0, 0, 1)),
        ("body", None),
    ]


def test_merged_paragraph_offsets_tracked_spans_and_keeps_bookmarks() -> None:
    deleted_mark = '<w:rPr><w:del w:id="1" w:author="P"/></w:rPr>'
    body = (
        '<w:bookmarkStart w:id="20" w:name="_dsa_clause_1"/>'
        + para(run("Alpha ") + inserted("beta", 2), deleted_mark)
        + '<w:bookmarkEnd w:id="20"/>'
        + para(
            '<w:bookmarkStart w:id="21" w:name="_dsa_clause_2"/>'
            + run(" gamma ")
            + inserted("delta", 3)
        )
    )
    document = read_body(body)
    (merged,) = document.accepted
    assert merged.text == "Alpha beta gamma delta"
    assert merged.tracked == ((6, 10, "2"), (17, 22, "3"))
    assert merged.bookmarks == ("_dsa_clause_1", "_dsa_clause_2")
    assert [p.bookmarks for p in document.rejected] == [("_dsa_clause_1",), ("_dsa_clause_2",)]
    assert document.max_id == 21


def test_numbering_and_style_come_from_direct_paragraph_properties() -> None:
    body = para(
        run("Item"),
        '<w:pStyle w:val="ListNumber"/><w:numPr><w:ilvl w:val="2"/><w:numId w:val="5"/>'
        '<w:ins w:id="9" w:author="P"/></w:numPr>',
    )
    document = read_body(body)
    (accepted,) = document.accepted
    (rejected,) = document.rejected
    assert (accepted.style, accepted.num_id, accepted.level) == ("ListNumber", "5", 2)
    assert (rejected.style, rejected.num_id, rejected.level) == ("ListNumber", None, None)
    assert [r.kind for r in document.revisions] == ["paragraph_format"]


def test_headers_footers_properties_and_max_id_across_story_parts() -> None:
    header = (
        f'<w:hdr xmlns:w="{W_NS}"><w:p>{run("Draft ")}'
        f'<w:del w:id="40" w:author="P"><w:r><w:delText>v1</w:delText></w:r></w:del>'
        f"{inserted('v2', 41)}</w:p></w:hdr>"
    )
    footer = f'<w:ftr xmlns:w="{W_NS}"><w:p>{run("Page")}</w:p></w:ftr>'
    comments = (
        f'<w:comments xmlns:w="{W_NS}"><w:comment w:id="900" w:author="P">'
        f"<w:p>{run('note')}</w:p></w:comment></w:comments>"
    )
    core = (
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>DSA with Example University</dc:title><dc:creator>dsagen</dc:creator>"
        "<cp:keywords></cp:keywords></cp:coreProperties>"
    )
    custom = (
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
        'name="dsagen.template"><vt:lpwstr>dsa-standard@3</vt:lpwstr></property></Properties>'
    )
    document = read_body(
        para(run("Body") + inserted("!", 3)),
        parts={
            "word/header1.xml": header,
            "word/footer1.xml": footer,
            "word/comments.xml": comments,
            "docProps/core.xml": core,
            "docProps/custom.xml": custom,
        },
    )
    assert document.headers == ("Draft v2",)
    assert document.footers == ("Page",)
    assert document.core_properties == {"title": "DSA with Example University", "creator": "dsagen"}
    assert document.custom_properties == {"dsagen.template": "dsa-standard@3"}
    assert document.max_id == 900
    assert [(r.part, r.kind) for r in document.revisions] == [
        ("word/document.xml", "insert"),
        ("word/header1.xml", "delete"),
        ("word/header1.xml", "insert"),
    ]


def test_an_1800_paragraph_agreement_is_read_whole() -> None:
    """Every paragraph and revision of a long agreement (its speed: bench/diff.py)."""

    def paragraph(n: int) -> str:
        words = " ".join(f"w{n}x{k}" for k in range(48))  # varied text, as in a real agreement
        return (
            '<w:p><w:pPr><w:pStyle w:val="Body"/><w:rPr><w:lang w:val="en-GB"/></w:rPr></w:pPr>'
            f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{words} </w:t></w:r>'
            + inserted("inserted", 3 * n + 1)
            + deleted("deleted", 3 * n + 2)
            + f'<w:bookmarkStart w:id="{3 * n + 3}" w:name="_dsa_{n}"/>'
            f'<w:bookmarkEnd w:id="{3 * n + 3}"/></w:p>'
        )

    data = make_docx("".join(paragraph(n) for n in range(1800)))
    document = read_docx(data)
    assert len(document.accepted) == 1800 and len(document.revisions) == 3600
