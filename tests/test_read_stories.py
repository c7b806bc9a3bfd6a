"""The reader beyond the body's plain text: anchors per view, stories, objects, emphasis, and
hostile values. Every document is built here from a few lines of WordprocessingML."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from dsagen.read.docx import ReadDocument, Story, read_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = {
    "w": W_NS,
    "r": OFFICE_RELS,
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
CLAUSE_A = "_dsa_retention__1_0_0__standard"
CLAUSE_B = "_dsa_audit__1_0_0__standard"


# -- factories ---------------------------------------------------------------------------------


def make_docx(body: str, *, parts: dict[str, str] | None = None, sect: str = "") -> bytes:
    """A DOCX with ``body`` (its final w:sectPr holds ``sect``) and extra parts under word/.

    Each part is related from the document with Id ``r_<file stem>`` (``r_header1``) and the
    type named by the file stem's letters (header, footer, footnotes, endnotes, comments).
    """
    parts = parts or {}
    relationships = "".join(
        f'<Relationship Id="r_{Path(name).stem}" '
        f'Type="{OFFICE_RELS}/{re.match("[a-z]+", Path(name).stem)[0]}" Target="{name}"/>'
        for name in parts
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document {XMLNS}><w:body>{body}'
        f"<w:sectPr>{sect}</w:sectPr></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS_NS}"><Relationship Id="rId1" '
            f'Type="{OFFICE_RELS}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr("word/document.xml", document)
        archive.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="{RELS_NS}">{relationships}</Relationships>',
        )
        for name, content in parts.items():
            archive.writestr(f"word/{name}", content)
    return buffer.getvalue()


def read(body: str, **kwargs: object) -> ReadDocument:
    return read_docx(make_docx(body, **kwargs), name="synthetic.docx")  # type: ignore[arg-type]


def story_part(root: str, content: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:{root} {XMLNS}>{content}</w:{root}>'


def run(text: str, rpr: str = "") -> str:
    props = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{text}</w:t></w:r>'


def inserted(content: str, rid: int) -> str:
    return f'<w:ins w:id="{rid}" w:author="Partner" w:date="2026-02-01T10:00:00Z">{content}</w:ins>'


def deleted(content: str, rid: int) -> str:
    return f'<w:del w:id="{rid}" w:author="Partner" w:date="2026-02-01T10:00:00Z">{content}</w:del>'


def deleted_run(text: str) -> str:
    return f'<w:r><w:delText xml:space="preserve">{text}</w:delText></w:r>'


def para(content: str, *, style: str = "", mark: str = "", props: str = "") -> str:
    """A paragraph; ``props`` is raw w:pPr content placed after the style."""
    props = (
        (f'<w:pStyle w:val="{style}"/>' if style else "")
        + props
        + (f"<w:rPr>{mark}</w:rPr>" if mark else "")
    )
    return f"<w:p>{'<w:pPr>' + props + '</w:pPr>' if props else ''}{content}</w:p>"


def bookmark(name: str, bid: int) -> str:
    return f'<w:bookmarkStart w:id="{bid}" w:name="{name}"/><w:bookmarkEnd w:id="{bid}"/>'


def deleted_mark(rid: int) -> str:
    return f'<w:del w:id="{rid}" w:author="Partner"/>'


def texts(paragraphs) -> list[str]:
    return [p.text for p in paragraphs if p.text]


def stories(document: ReadDocument, kind: str) -> list[Story]:
    return [story for story in document.stories if story.kind == kind]


# -- 1. anchors belong to the paragraph where they stand in each view ------------------------


def test_struck_clause_leaves_the_next_heading_with_only_its_own_anchor() -> None:
    body = (
        para(bookmark(CLAUSE_A, 1) + deleted(deleted_run("Retention"), 2), style="Heading1",
             mark=deleted_mark(3))
        + para(deleted(deleted_run("Data is kept for one year."), 4), mark=deleted_mark(5))
        + para(bookmark(CLAUSE_B, 6) + run("Audit"), style="Heading1")
        + para(run("The Provider may audit."))
    )  # fmt: skip
    document = read(body)
    heading = document.accepted[0]
    assert (heading.text, heading.style, heading.sources) == ("Audit", "Heading1", (0, 1, 2))
    assert heading.bookmarks == (CLAUSE_B,)
    assert heading.dropped_bookmarks == (CLAUSE_A,)
    assert [(p.text, p.bookmarks) for p in document.rejected] == [
        ("Retention", (CLAUSE_A,)),
        ("Data is kept for one year.", ()),
        ("Audit", (CLAUSE_B,)),
        ("The Provider may audit.", ()),
    ]


def test_a_merged_paragraph_with_visible_text_keeps_its_anchor_first() -> None:
    body = para(
        bookmark(CLAUSE_A, 1) + run("Retention ") + deleted(deleted_run("and deletion"), 2),
        mark=deleted_mark(3),
    ) + para(bookmark(CLAUSE_B, 4) + run("of data"))
    (merged,) = read(body).accepted
    assert merged.text == "Retention of data"
    assert (merged.bookmarks, merged.dropped_bookmarks) == ((CLAUSE_A, CLAUSE_B), ())


def test_bookmarks_inside_tracked_content_belong_to_one_view() -> None:
    body = para(
        run("Keep ")
        + deleted(bookmark("_old_anchor", 1) + deleted_run("old"), 2)
        + inserted(bookmark("_new_anchor", 3) + run("new"), 4)
    )
    document = read(body)
    assert document.accepted[0].bookmarks == ("_new_anchor",)
    assert document.rejected[0].bookmarks == ("_old_anchor",)


# -- 2. stories ----------------------------------------------------------------------------------


def header(content: str) -> str:
    return story_part("hdr", content)


def test_headers_and_footers_are_named_by_their_section_references() -> None:
    first_section = (
        '<w:sectPr><w:headerReference w:type="default" r:id="r_header1"/>'
        '<w:headerReference w:type="first" r:id="r_header2"/>'
        '<w:footerReference w:type="default" r:id="r_footer1"/></w:sectPr>'
    )
    body = para(run("Section one"), props=first_section) + para(run("Section two"))
    parts = {
        "header1.xml": header(
            para(run("Draft ") + deleted(deleted_run("v1"), 40) + inserted(run("v2"), 41))
        ),
        "header2.xml": header(para(run("Cover"))),
        "header3.xml": header(para(run("Annex"))),
        "footer1.xml": story_part("ftr", para(run("Page"))),
    }
    document = read(body, parts=parts, sect='<w:headerReference r:id="r_header3"/>')
    assert [(s.key, s.label, texts(s.accepted), s.anchor) for s in document.stories] == [
        ("header:default", "header", ["Draft v2"], None),
        ("header:first", "first-page header", ["Cover"], None),
        ("header:default:2", "header (section 2)", ["Annex"], None),
        ("footer:default", "footer", ["Page"], None),
    ]
    default = document.stories[0]
    assert texts(default.rejected) == ["Draft v1"]
    assert default.accepted[0].tracked == ((6, 8, "41"),)
    assert default.accepted[0].part == "word/header1.xml"
    assert [(r.part, r.kind, r.text) for r in document.revisions] == [
        ("word/header1.xml", "delete", "v1"),
        ("word/header1.xml", "insert", "v2"),
    ]
    assert document.headers == ("Draft v2", "Cover", "Annex")  # unchanged: related part order


def note_reference(note_id: int, kind: str = "footnote") -> str:
    return f'<w:r><w:{kind}Reference w:id="{note_id}"/></w:r>'


def notes_part(kind: str, notes: dict[int, str]) -> str:
    separators = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
        f"</w:r></w:p></w:{kind}>"
    )
    body = "".join(
        f'<w:{kind} w:id="{note_id}"><w:p><w:r><w:{kind}Ref/></w:r>{content}</w:p></w:{kind}>'
        for note_id, content in notes.items()
    )
    return story_part(f"{kind}s", separators + body)


def test_footnotes_are_numbered_by_reference_order_and_know_their_view() -> None:
    body = (
        para(run("Inserted note") + inserted(note_reference(3), 10))
        + para(run("Old note") + note_reference(2))
        + para(run("Struck note") + deleted(note_reference(4), 11))
    )
    parts = {
        "footnotes.xml": notes_part(
            "footnote",
            {
                2: run(" Existing."),
                3: inserted(run(" Added by the partner."), 20),
                4: run(" Removed."),
            },
        )
    }
    document = read(body, parts=parts)
    assert [(s.key, s.label, texts(s.accepted), s.anchor, s.present) for s in document.stories] == [
        ("footnote:1", "footnote 1", [" Added by the partner."], 0, "accepted"),
        ("footnote:2", "footnote 2", [" Existing."], 1, "both"),
        ("footnote:3", "footnote 3", [" Removed."], 2, "rejected"),
    ]
    assert texts(document.accepted) == [
        "Inserted note[footnote]",
        "Old note[footnote]",
        "Struck note",
    ]
    assert texts(document.rejected)[2] == "Struck note[footnote]"
    inside = [r for r in document.revisions if r.part == "word/footnotes.xml"]
    # numbered like part_root.iter(w:p): two separator paragraphs, then notes 2, 3, 4
    assert [(r.kind, r.text, r.paragraph) for r in inside] == [
        ("insert", " Added by the partner.", 3)
    ]


def test_endnotes_read_like_footnotes() -> None:
    body = para(run("See") + note_reference(1, "endnote"))
    parts = {"endnotes.xml": notes_part("endnote", {1: run(" The end.")})}
    document = read(body, parts=parts)
    ((key, label, accepted),) = [(s.key, s.label, texts(s.accepted)) for s in document.stories]
    assert (key, label, accepted) == ("endnote:1", "endnote 1", [" The end."])
    assert texts(document.accepted) == ["See[endnote]"]


def test_a_comment_has_author_date_anchor_and_anchored_text() -> None:
    body = (
        para(run("Preamble."))
        + para(run("The Recipient ") + '<w:commentRangeStart w:id="7"/>' + run("shall delete"))
        + para(
            run(" all copies")
            + deleted(deleted_run(" promptly"), 8)
            + '<w:commentRangeEnd w:id="7"/>'
            + '<w:r><w:commentReference w:id="7"/></w:r>'
            + run(".")
        )
    )
    comments = story_part(
        "comments",
        '<w:comment w:id="7" w:author="Jane Roe" w:date="2026-02-02T09:30:00Z" w:initials="JR">'
        + para(run("Too strict: ") + inserted(run("we need 90 days"), 30))
        + "</w:comment>",
    )
    document = read(body, parts={"comments.xml": comments})
    (comment,) = stories(document, "comment")
    assert (comment.key, comment.label, comment.author, comment.date, comment.anchor) == (
        "comment:7",
        "comment by Jane Roe",
        "Jane Roe",
        "2026-02-02T09:30:00Z",
        1,
    )
    assert comment.anchored_text == "shall delete\n all copies"
    assert texts(comment.accepted) == ["Too strict: we need 90 days"]
    assert texts(comment.rejected) == ["Too strict: "]
    assert [(r.part, r.kind, r.text) for r in document.revisions][-1] == (
        "word/comments.xml",
        "insert",
        "we need 90 days",
    )
    assert texts(document.accepted) == ["Preamble.", "The Recipient shall delete", " all copies."]


def text_box(text: str) -> str:
    drawing = (
        '<w:drawing><wp:anchor><wp:docPr id="1" name="Text Box 1"/><a:graphic><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        f"<wps:txbx><w:txbxContent>{para(run(text))}</w:txbxContent></wps:txbx>"
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>"
    )
    vml = (
        '<w:pict><v:shape id="Text Box 1"><v:textbox>'
        f"<w:txbxContent>{para(run(text))}</w:txbxContent></v:textbox></v:shape></w:pict>"
    )
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps">'
        f"{drawing}</mc:Choice><mc:Fallback>{vml}</mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_a_text_box_with_a_fallback_copy_is_read_once() -> None:
    body = (
        para(run("Before ") + text_box("Boxed ") + run("after."))
        + para(run("Next") + inserted(text_box("Added box"), 5))
        + para(run("Last"))
    )
    document = read(body)
    assert texts(document.accepted) == ["Before [text box]after.", "Next[text box]", "Last"]
    assert texts(document.rejected) == ["Before [text box]after.", "Next", "Last"]
    boxes = stories(document, "textbox")
    assert [(s.key, s.label, texts(s.accepted), s.anchor, s.present) for s in boxes] == [
        ("textbox:1", "text box 1", ["Boxed "], 0, "both"),
        ("textbox:2", "text box 2", ["Added box"], 3, "accepted"),
    ]
    # part_root.iter(w:p) counts both copies of each box: body numbering is unchanged.
    assert boxes[0].accepted[0].sources == (1,)
    assert boxes[1].accepted[0].sources == (4,)
    assert [p.sources for p in document.accepted] == [(0,), (3,), (6,)]


def test_vml_text_boxes_and_text_boxes_in_headers_are_stories_too() -> None:
    vml = (
        '<w:r><w:pict><v:shape id="Box"><v:textbox><w:txbxContent>'
        + para(run("Legacy ") + deleted(deleted_run("box"), 3))
        + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    parts = {"header1.xml": header(para(run("Logo") + text_box("In header")))}
    document = read(para(run("Body") + vml), parts=parts,
                    sect='<w:headerReference w:type="default" r:id="r_header1"/>')  # fmt: skip
    assert texts(document.accepted) == ["Body[text box]"]
    assert document.headers == ("Logo[text box]",)
    boxes = [(s.key, texts(s.accepted), texts(s.rejected), s.anchor) for s in stories(
        document, "textbox")]  # fmt: skip
    assert boxes == [
        ("textbox:1", ["Legacy "], ["Legacy box"], 0),
        ("textbox:2", ["In header"], ["In header"], None),
    ]
    assert [(r.part, r.kind, r.paragraph) for r in document.revisions] == [
        ("word/document.xml", "delete", 1)
    ]


# -- 3. objects as tokens --------------------------------------------------------------------


def picture(embed: str = "rId9", **doc_pr: str) -> str:
    attributes = " ".join(f'{name}="{value}"' for name, value in doc_pr.items())
    return (
        f'<w:r><w:drawing><wp:inline><wp:docPr id="3" {attributes}/><a:graphic>'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:pic><pic:blipFill><a:blip r:embed="{embed}"/></pic:blipFill></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


@pytest.mark.parametrize(
    ("doc_pr", "token"),
    [
        ({"name": "Picture 1", "descr": "University\n  logo"}, "[image: University logo]"),
        ({"name": "Picture 1", "title": "Crest"}, "[image: Crest]"),
        ({"name": "Picture 1"}, "[image]"),  # a generated name says nothing; it is renumbered
        ({}, "[image]"),
    ],
)
def test_an_image_reads_as_a_token_with_its_alt_text(doc_pr: dict[str, str], token: str) -> None:
    document = read(para(run("Logo: ") + picture(**doc_pr)))
    assert texts(document.accepted) == texts(document.rejected) == [f"Logo: {token}"]


def test_an_image_token_carries_a_fingerprint_of_its_picture() -> None:
    """An image swapped for another under the same generated name is a change of text."""

    def token(png: str) -> str:
        document = read(
            para(picture("r_image1", name="Picture 1")), parts={"media/image1.png": png}
        )
        (text,) = texts(document.accepted)
        return text

    first, same, other = token("PNG-bytes-1"), token("PNG-bytes-1"), token("PNG-bytes-2")
    assert re.fullmatch(r"\[image [0-9a-f]{6}\]", first)
    assert first == same != other


def test_objects_stand_in_the_view_where_they_are() -> None:
    chart = (
        '<w:r><w:drawing><wp:inline><wp:docPr id="4" name="Chart 1"/><a:graphic><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="rId5"/>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )
    ole = '<w:r><w:object><v:shape><v:imagedata r:id="rId6"/></v:shape></w:object></w:r>'
    vml_image = '<w:r><w:pict><v:shape alt="Seal"><v:imagedata r:id="rId7"/></v:shape></w:pict>'
    vml_image += "</w:r>"
    body = para(
        run("A")
        + inserted(picture(descr="New"), 1)
        + deleted(picture(descr="Old"), 2)
        + chart
        + ole
        + vml_image
    )
    document = read(body)
    assert texts(document.accepted) == ["A[image: New][chart][object][image: Seal]"]
    assert texts(document.rejected) == ["A[image: Old][chart][object][image: Seal]"]
    assert [(r.kind, r.text) for r in document.revisions] == [
        ("insert", "[image: New]"),
        ("delete", "[image: Old]"),
    ]


def test_hyperlinks_content_controls_smart_tags_and_field_results_are_read() -> None:
    body = (
        '<w:sdt><w:sdtPr><w:alias w:val="Party"/></w:sdtPr><w:sdtContent>'
        + para('<w:hyperlink r:id="rId3">' + run("Example University") + "</w:hyperlink>")
        + "</w:sdtContent></w:sdt>"
        + para(
            '<w:smartTag w:uri="urn:x" w:element="place"><w:smartTagPr/>'
            + run("Leeds")
            + "</w:smartTag>"
            + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            + '<w:r><w:instrText> HYPERLINK "https://example.org" </w:instrText></w:r>'
            + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + run(" website")
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            + '<w:fldSimple w:instr=" NUMPAGES ">'
            + run(" 12")
            + "</w:fldSimple>"
        )
    )
    document = read(body)
    assert texts(document.accepted) == ["Example University", "Leeds website 12"]
    assert texts(document.rejected) == texts(document.accepted)


def test_equations_keep_their_text() -> None:
    body = para(run("Fee ") + "<m:oMath><m:r><m:t>x+1</m:t></m:r></m:oMath>")
    assert texts(read(body).accepted) == ["Fee x+1"]


# -- 4. emphasis per view --------------------------------------------------------------------


def test_a_tracked_bold_is_bold_when_accepted_and_plain_when_rejected() -> None:
    change = '<w:rPrChange w:id="7" w:author="e" w:date="2026-01-01"><w:rPr/></w:rPrChange>'
    body = para(run("A ") + run("plain", f"<w:b/>{change}") + run(" word."))
    document = read(body)
    assert document.accepted[0].formats == ((2, 7, "b"),)
    assert document.rejected[0].formats == ()
    assert [r.kind for r in document.revisions] == ["format"]


def test_a_tracked_change_of_emphasis_keeps_the_old_flags_in_the_rejected_view() -> None:
    change = (
        '<w:rPrChange w:id="7" w:author="e"><w:rPr><w:i/><w:u w:val="single"/></w:rPr>'
        "</w:rPrChange>"
    )
    document = read(para(run("term", f"<w:b/>{change}")))
    assert document.accepted[0].formats == ((0, 4, "b"),)
    assert document.rejected[0].formats == ((0, 4, "i+u"),)


def test_silent_emphasis_is_the_same_in_both_views_and_adjacent_runs_merge() -> None:
    body = para(
        run("Plain ")
        + run("Defined", '<w:u w:val="single"/><w:b/><w:highlight w:val="yellow"/>')
        + run(" Term", '<w:b w:val="1"/><w:u w:val="single"/><w:highlight w:val="yellow"/>')
        + run(" off", '<w:b w:val="0"/><w:i w:val="false"/><w:u w:val="none"/>')
        + run(" caps", "<w:smallCaps/><w:strike/><w:caps/><w:dstrike/><w:bCs/>")
    )
    document = read(body)
    expected = ((6, 18, "b+u+highlight"), (22, 27, "strike+dstrike+caps+smallCaps"))
    assert document.accepted[0].formats == document.rejected[0].formats == expected


def test_emphasis_of_tracked_text_follows_the_view_it_stands_in() -> None:
    body = para(
        deleted("<w:r><w:rPr><w:b/></w:rPr><w:delText>old</w:delText></w:r>", 1)
        + inserted(run("new", "<w:i/>"), 2)
    )
    document = read(body)
    assert (document.accepted[0].text, document.accepted[0].formats) == ("new", ((0, 3, "i"),))
    assert (document.rejected[0].text, document.rejected[0].formats) == ("old", ((0, 3, "b"),))


# -- 5. hostile values -----------------------------------------------------------------------


def test_hostile_ids_levels_and_symbols_never_raise() -> None:
    huge = "9" * 5000
    symbols = ("D800", "0000", "001B", "110000", "²", "F" * 5000, "zz", "", "2022")
    body = (
        para(
            run("Item")
            + f'<w:bookmarkStart w:id="²" w:name="b1"/><w:bookmarkEnd w:id="{huge}"/>'
            + f'<w:ins w:id="{huge}" w:author="P">{run(" x")}</w:ins>',
            props='<w:numPr><w:ilvl w:val="²"/><w:numId w:val="3"/></w:numPr>',
        )
        + para("".join(f'<w:r><w:sym w:font="Symbol" w:char="{code}"/></w:r>' for code in symbols))
        + para(run("ok"), props=f'<w:numPr><w:ilvl w:val="{huge}"/><w:numId w:val="3"/></w:numPr>')
    )
    document = read(body)
    listed, symbols, long_level = document.accepted
    assert (listed.text, listed.num_id, listed.level) == ("Item x", "3", 0)
    assert symbols.text == "\u2022"
    assert long_level.level == 0
    assert document.max_id == 0
    assert not any(ch < " " and ch not in "\t\n" for p in document.accepted for ch in p.text)


def test_hostile_part_names_sort_without_raising() -> None:
    parts = {"header².xml": header(para(run("odd"))), "header1.xml": header(para(run("one")))}
    data = make_docx(para(run("Body")), parts=parts)
    assert read_docx(data).headers == ("one", "odd")


# -- fixtures and dsagen's own documents ---------------------------------------------------------


FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"


def fixture(relative: str) -> Path:
    path = OXPT / relative
    if not path.exists():
        pytest.skip(f"conformance fixture not available: {path} (see shared/fixtures/README.md)")
    return path


def test_fixture_sections_name_their_headers_and_keep_the_revision_count() -> None:
    document = read_docx(fixture("RP/RP001-Tracked-Revisions-01.docx"))
    assert [s.key for s in document.stories] == [
        "header:even",
        "header:default",
        "header:default:2",
        "footer:default",
    ]
    assert len(document.revisions) == 286
    assert texts(stories(document, "header")[1].accepted) == ["Head1"]


def test_dsagen_documents_read_without_object_tokens() -> None:
    from dsagen.assemble import assemble
    from dsagen.library import load_library
    from dsagen.partners import load_partner
    from dsagen.render.docx import render_docx

    root = Path(__file__).resolve().parents[1]
    library = load_library(root)
    partner = sorted((root / "examples" / "partners").glob("*.yaml"))[0]
    document = read_docx(render_docx(assemble(load_partner(partner, library), library)))
    tokens = re.compile(r"\[(image|chart|object|text box|footnote|endnote)\b")
    every = [*document.accepted, *(p for s in document.stories for p in s.accepted)]
    assert not [p.text for p in every if tokens.search(p.text)]
    assert {s.kind for s in document.stories} <= {"header", "footer"}
    assert all(not p.dropped_bookmarks for p in document.accepted)
