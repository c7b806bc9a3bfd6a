"""dsagen diff never reports less than the partner did: edits made to a generated agreement at
XML level, tracked and untracked, each reported completely, in the right clause, with nothing
invented (the real-client versions of these cases live in test_compare_real_client_edits.py)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from dsagen.assemble import assemble
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from tests.conftest import (
    EXAMPLES,
    ROOT,
    clause_blocks,
    edit_body,
    mark_paragraph,
    partner_mark,
    strike_tracked,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
PARTNER = EXAMPLES / "gravy-uf.yaml"
AUTHOR = "Partner Counsel"


@pytest.fixture(scope="module")
def standard() -> bytes:
    library = load_library()
    return render_docx(assemble(load_partner(PARTNER, library), library))


def _replace_text(
    body: etree._Element, old: str, new: str, *, tracked: bool = False, count: int = 1
) -> None:
    """Replace `old` inside one w:t (silently, or as the partner's w:del + w:ins)."""
    done = 0
    for text in list(body.iter(W + "t")):
        if done >= count or not text.text or old not in text.text:
            continue
        if not tracked:
            text.text = text.text.replace(old, new, 1)
        else:
            run = text.getparent()
            before, _, after = text.text.partition(old)
            pieces = []
            for chunk, kind in ((before, None), (old, "del"), (new, "ins"), (after, None)):
                if not chunk:
                    continue
                clone = copy.deepcopy(run)
                for child in list(clone):
                    if child.tag != W + "rPr":
                        clone.remove(child)
                piece = etree.SubElement(clone, W + ("delText" if kind == "del" else "t"))
                piece.text = chunk
                piece.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                if kind is None:
                    pieces.append(clone)
                else:
                    wrapper = partner_mark(kind)
                    wrapper.append(clone)
                    pieces.append(wrapper)
            for piece in pieces:
                run.addprevious(piece)
            run.getparent().remove(run)
        done += 1
    assert done == count, f"{old!r} found {done} times"


def _set_retention(body: etree._Element, months_in_words: str) -> None:
    """The retention period of clause 9 ('thirty-six (36)' as issued) rewritten silently."""
    _replace_text(
        body,
        "thirty-six (36) months after the Effective Date and",
        f"{months_in_words} months after the Effective Date and",
    )


def _report(cli, tmp_path: Path, data: bytes, *extra: str) -> tuple[int, dict]:
    path = tmp_path / "returned.docx"
    path.write_bytes(data)
    code, stdout, stderr = cli("diff", PARTNER, path, "--json", *extra)
    assert code in (0, 1), stderr
    return code, json.loads(stdout)


def _deviating(report: dict) -> dict[str | None, dict]:
    return {
        c["id"] if c["story"] == "body" else c["story"]: c
        for c in report["clauses"]
        if c["status"] not in ("unchanged",)
    }


def _edited(standard: bytes, change: Callable[[etree._Element], None]) -> bytes:
    return edit_body(standard, change)


# -- a struck clause keeps its own identity ----------------------------------------------------


@pytest.mark.parametrize("tracked", [True, False])
def test_a_struck_clause_is_removed_and_nothing_else_moves(
    cli, tmp_path, standard, tracked
) -> None:
    def strike(body: etree._Element) -> None:
        for element in clause_blocks(body)["ethics"]:
            if tracked:
                strike_tracked(element)
            else:
                body.remove(element)

    code, report = _report(cli, tmp_path, _edited(standard, strike))
    deviating = _deviating(report)
    assert set(deviating) == {"ethics"}, {k: v["status"] for k, v in deviating.items()}
    ethics = deviating["ethics"]
    assert ethics["status"] == "removed" and ethics["severity"] == "walk-away"
    assert not any(c["parameters"] for c in report["clauses"])
    assert all(change["tracked"] is tracked for change in ethics["changes"])
    if tracked:
        assert ethics["changes"][0]["author"] == AUTHOR
    walk_away_code, _ = _report(cli, tmp_path, _edited(standard, strike), "--fail-on", "walk-away")
    assert code == walk_away_code == 1


def test_cross_references_the_client_refreshed_are_not_deviations(cli, tmp_path, standard) -> None:
    """Deleting clause 8 makes a client renumber every REF field after it (18 -> 17)."""

    def strike_and_refresh(body: etree._Element) -> None:
        for element in clause_blocks(body)["ethics"]:
            body.remove(element)
        for instruction in body.iter(W + "instrText"):
            if not instruction.text or "REF" not in instruction.text:
                continue
            run = instruction.getparent()
            result = run.getnext().getnext()  # separate, then the cached number
            for text in result.iter(W + "t"):
                if text.text and text.text.isdigit() and int(text.text) > 8:
                    text.text = str(int(text.text) - 1)

    _, report = _report(cli, tmp_path, _edited(standard, strike_and_refresh))
    assert set(_deviating(report)) == {"ethics"}


# -- what is cosmetic, narrowly -----------------------------------------------------------------


@pytest.mark.parametrize(
    "old,new",
    [
        ("Authorised Researcher", "authorised researcher"),
        ("without undue delay and in any event", "without undue delay, and in any event"),
    ],
)
def test_case_and_punctuation_changes_are_modifications(cli, tmp_path, standard, old, new) -> None:
    data = render = _edited(standard, lambda body: _replace_text(body, old, new))
    code, report = _report(cli, tmp_path, data)
    deviating = _deviating(report)
    assert len(deviating) == 1
    (clause,) = deviating.values()
    assert clause["status"] == "modified" and clause["severity"] in ("approval", "walk-away")
    assert code == 1
    assert render


def test_quote_style_and_white_space_stay_cosmetic(cli, tmp_path, standard) -> None:
    def restyle(body: etree._Element) -> None:
        _replace_text(body, 'months (the "', "months (the \u201c")
        _replace_text(body, "continues for", "continues  for")

    code, report = _report(cli, tmp_path, _edited(standard, restyle))
    deviating = _deviating(report)
    assert {k: v["status"] for k, v in deviating.items()} == {"term": "cosmetic"}
    assert code == 0


# -- parameters read across clauses -------------------------------------------------------------


def test_a_value_changed_in_one_clause_only_is_an_inconsistency(cli, tmp_path, standard) -> None:
    def notice(body: etree._Element) -> None:
        for text in body.iter(W + "t"):
            if text.text and "Security Incident without undue delay" in "".join(
                t.text or "" for t in text.getparent().getparent().iter(W + "t")
            ):
                text.text = text.text.replace("forty-eight (48)", "seventy-two (72)")

    _, report = _report(cli, tmp_path, _edited(standard, notice))
    breach = _deviating(report)["breach"]
    assert [p["name"] for p in breach["parameters"]] == ["breach_notice_hours"]
    assert breach["parameters"][0]["position"] == "fallback"
    assert breach["severity"] == "approval", "a fallback that leaves clause 5 at 48 hours"
    (found,) = report["inconsistencies"]
    assert found["parameter"] == "breach_notice_hours"
    assert (found["value"], found["other_value"]) == (72, 48)
    assert "clause 7" in found["clause"] and "clause 5" in found["other_clause"]


def test_a_concession_the_term_caps_is_noted(cli, tmp_path, standard) -> None:
    def retention(body: etree._Element) -> None:
        _set_retention(body, "forty-eight (48)")

    _, report = _report(cli, tmp_path, _edited(standard, retention))
    clause = _deviating(report)["retention"]
    assert clause["parameters"][0]["negotiated"] == 48
    assert any("no effect beyond term_months 36" in note for note in clause["notes"])


# -- refusals only for what is really unrelated ---------------------------------------------------


def test_unrelated_documents_are_refused_with_what_was_measured(cli, tmp_path) -> None:
    from docx import Document

    document = Document()
    for line in ("Shopping list", "Apples and pears", "Bread from the bakery"):
        document.add_paragraph(line)
    path = tmp_path / "other.docx"
    document.save(str(path))
    code, _, stderr = cli("diff", PARTNER, path)
    assert code == 2
    assert re.search(
        r"0 of \d+ standard clauses .* vocabulary, and no table shape or heading", stderr
    )


def test_a_copy_sharing_the_headings_but_little_text_is_compared(cli, tmp_path) -> None:
    from docx import Document

    library = load_library()
    agreement = assemble(load_partner(PARTNER, library), library)
    document = Document()
    for section in agreement.sections:
        document.add_heading(section.title, level=1)
        document.add_paragraph("Intentionally left blank.")
    path = tmp_path / "skeleton.docx"
    document.save(str(path))
    code, stdout, stderr = cli("diff", PARTNER, path, "--json")
    assert code == 1, stderr
    assert json.loads(stdout)["summary"]["modified"] > 5


def test_baseline_warning_names_the_clauses_changed_since_issue(cli, tmp_path, standard) -> None:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(standard)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    custom = parts["docProps/custom.xml"].decode()
    issued = re.search(r"retention@([0-9.]+)", custom).group(1)  # type: ignore[union-attr]
    custom = re.sub(r"retention@[0-9.]+", "retention@0.9.0", custom)
    parts["docProps/custom.xml"] = custom.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    _, report = _report(cli, tmp_path, buffer.getvalue())
    assert any(f"retention 0.9.0 -> {issued}" in warning for warning in report["warnings"])


# -- every story, objects and emphasis, edited without a client ---------------------------------


def _edit_parts(docx: bytes, change: Callable[[dict[str, bytes]], None]) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    change(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return buffer.getvalue()


def test_a_silent_header_edit_is_reported_as_the_header(cli, tmp_path, standard) -> None:
    def header(parts: dict[str, bytes]) -> None:
        name = next(n for n in parts if re.fullmatch(r"word/header\d*\.xml", n))
        parts[name] = parts[name].replace(b"DSA-2026-014", b"DSA-2026-099")

    code, report = _report(cli, tmp_path, _edit_parts(standard, header))
    deviating = _deviating(report)
    assert set(deviating) == {"header"}
    entry = deviating["header"]
    assert entry["status"] == "modified" and entry["location"] == "header"
    assert [(c["standard"], c["negotiated"]) for c in entry["changes"]] == [("014", "099")]
    assert code == 1


def test_an_image_added_to_a_clause_is_a_change_of_that_clause(cli, tmp_path, standard) -> None:
    drawing = (
        '<w:r xmlns:w="{w}" xmlns:wp="{wp}" xmlns:a="{a}"><w:drawing><wp:inline>'
        '<wp:extent cx="10" cy="10"/><wp:docPr id="77" name="Picture 1" descr="signed map"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/'
        'picture"/></a:graphic></wp:inline></w:drawing></w:r>'
    ).format(
        w=W_NS,
        wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
        a="http://schemas.openxmlformats.org/drawingml/2006/main",
    )

    def add_image(body: etree._Element) -> None:
        paragraph = clause_blocks(body)["security"][1]
        paragraph.append(etree.fromstring(drawing))

    code, report = _report(cli, tmp_path, _edited(standard, add_image))
    deviating = _deviating(report)
    assert set(deviating) == {"security"}
    assert [(c["op"], c["negotiated"]) for c in deviating["security"]["changes"]] == [
        ("insert", "[image: signed map]")
    ]
    assert code == 1


def test_silent_bold_is_a_format_change_needing_approval(cli, tmp_path, standard) -> None:
    def embolden(body: etree._Element) -> None:
        paragraph = clause_blocks(body)["publication"][1]
        run = paragraph.find(W + "r")
        rpr = run.find(W + "rPr")
        if rpr is None:
            rpr = etree.Element(W + "rPr")
            run.insert(0, rpr)
        etree.SubElement(rpr, W + "b")

    code, report = _report(cli, tmp_path, _edited(standard, embolden))
    clause = _deviating(report)["publication"]
    assert clause["status"] == "modified" and clause["severity"] == "approval"
    (change,) = clause["changes"]
    assert change["op"] == "format" and change["detail"] == "bold added"
    assert not change["tracked"]
    assert code == 1


@pytest.mark.parametrize("rename", ["drop", "copy"])
def test_a_clause_whose_anchor_a_client_renamed_or_dropped_is_still_itself(
    cli, tmp_path, standard, rename
) -> None:
    def touch(body: etree._Element) -> None:
        heading = clause_blocks(body)["retention"][0]
        start = next(
            b
            for b in heading.iter(W + "bookmarkStart")
            if b.get(W + "name", "").startswith("_dsa_retention")
        )
        if rename == "drop":
            start.getparent().remove(start)
        else:
            start.set(W + "name", start.get(W + "name") + "_Copy_1")
        _set_retention(body, "sixty (60)")

    _, report = _report(cli, tmp_path, _edited(standard, touch))
    deviating = _deviating(report)
    assert set(deviating) == {"retention"}, deviating.keys()
    retention = deviating["retention"]
    assert retention["status"] == "modified"
    assert retention["alignment"] == ("anchor" if rename == "copy" else "similarity")
    assert retention["parameters"][0]["negotiated"] == 60


def test_an_edit_inside_a_moved_clause_is_reported_with_the_move(cli, tmp_path, standard) -> None:
    def move_and_edit(body: etree._Element) -> None:
        blocks = clause_blocks(body)
        target = blocks["fees"][-1]
        for element in reversed(blocks["retention"]):
            body.remove(element)
            target.addnext(element)
        _set_retention(body, "sixty (60)")

    code, report = _report(cli, tmp_path, _edited(standard, move_and_edit))
    deviating = _deviating(report)
    assert set(deviating) == {"retention"}, deviating.keys()
    retention = deviating["retention"]
    assert retention["status"] == "moved"
    ops = [c["op"] for c in retention["changes"]]
    assert ops[0] == "move" and set(ops[1:]) == {"replace"}, retention["changes"]
    assert retention["parameters"][0]["negotiated"] == 60
    assert code == 1


# -- the baseline is the file we issued, when the registry kept it -------------------------------


def test_a_copy_is_compared_with_the_docx_issued_for_its_reference(
    cli, tmp_path, monkeypatch
) -> None:
    code, _, stderr = cli("generate", PARTNER, "--out", tmp_path / "out", "--format", "docx")
    assert code == 0, stderr
    (issued,) = (tmp_path / "out").rglob("*.docx")
    # Since issue, our own partner file moved retention to 48 months; the partner changed
    # nothing. Only the issued file tells those apart.
    partner = tmp_path / "gravy-uf.yaml"
    text = PARTNER.read_text()
    assert "retention_months: 36" in text
    partner.write_text(text.replace("retention_months: 36", "retention_months: 48"))
    # A later issue under the same reference is not the file this copy came from.
    code, _, stderr = cli("generate", partner, "--out", tmp_path / "reissued", "--format", "docx")
    assert code == 0, stderr
    code, stdout, _ = cli("diff", partner, issued, "--json")
    report = json.loads(stdout)
    assert code == 0 and report["summary"]["modified"] == 0
    assert "from the registry" in report["baseline"]
    monkeypatch.setenv("DSAGEN_REGISTRY", f"sqlite:///{tmp_path / 'empty.db'}")
    code, stdout, _ = cli("diff", partner, issued, "--json")
    report = json.loads(stdout)
    assert code == 1 and "no issued DOCX" in report["baseline"]
    assert _deviating(report)["retention"]["parameters"][0]["negotiated"] == 36


def test_a_diff_with_no_registry_there_never_loads_the_database_layer(
    cli, tmp_path, monkeypatch
) -> None:
    """SQLAlchemy takes a fifth of a second to load: a diff where no registry is named and none
    is in the working folder, or where the SQLite file named is not there, asks nothing of
    one, so it never loads it."""
    code, _, stderr = cli(
        "generate", PARTNER, "--out", tmp_path / "out", "--format", "docx", "--no-record"
    )
    assert code == 0, stderr
    (issued,) = (tmp_path / "out").rglob("*.docx")
    script = (
        "import runpy, sys\n"
        "sys.argv = ['dsagen', 'diff', sys.argv[1], sys.argv[1], '--json']\n"
        "try:\n"
        "    runpy.run_module('dsagen', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    print(done.code, 'sqlalchemy' in sys.modules, file=sys.stderr)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    for named in (None, str(tmp_path / "absent.db"), f"sqlite:///{tmp_path / 'absent.db'}"):
        if named is None:  # none named, none in the working folder
            monkeypatch.delenv("DSAGEN_REGISTRY", raising=False)
        else:  # an SQLite file named that is not there
            monkeypatch.setenv("DSAGEN_REGISTRY", named)
        done = subprocess.run(
            [sys.executable, "-c", script, str(issued)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.stderr.split()[-2:] == ["0", "False"], (named, done.stderr)
    assert not (tmp_path / ".dsagen" / "registry.db").exists()
    assert not (tmp_path / "absent.db").exists()


def _linked_document(url: str) -> bytes:
    import io
    import zipfile

    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W_NS}" xmlns:r="{rels}">'
        "<w:body><w:p><w:r><w:t>Privacy Policy</w:t></w:r></w:p>"
        '<w:p><w:r><w:t xml:space="preserve">The Recipient shall follow </w:t></w:r>'
        '<w:hyperlink r:id="rIdLink"><w:r><w:t>the published policy</w:t></w:r></w:hyperlink>'
        '<w:r><w:t xml:space="preserve"> at all times.</w:t></w:r></w:p></w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            (
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxml'
                'formats-officedocument.wordprocessingml.document.main+xml"/></Types>'
            ),
        )
        package.writestr(
            "_rels/.rels",
            (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rels}/officeDocument" Target="word/document.xml"/>'
                "</Relationships>"
            ),
        )
        package.writestr(
            "word/_rels/document.xml.rels",
            (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rIdLink" Type="{rels}/hyperlink" Target="{url}" '
                'TargetMode="External"/></Relationships>'
            ),
        )
        package.writestr("word/document.xml", document)
    return buffer.getvalue()


def test_a_link_pointed_elsewhere_is_a_change(cli, tmp_path) -> None:
    standard, returned = tmp_path / "standard.docx", tmp_path / "returned.docx"
    standard.write_bytes(_linked_document("https://provider.example/privacy"))
    returned.write_bytes(_linked_document("https://elsewhere.example/terms"))
    code, stdout, _ = cli("diff", standard, returned, "--json")
    report = json.loads(stdout)
    (change,) = [c for clause in report["clauses"] for c in clause["changes"]]
    assert change["op"] == "format" and change["negotiated"] == "the published policy"
    assert change["detail"] == (
        "link to https://elsewhere.example/terms added; "
        "link to https://provider.example/privacy removed"
    )
    assert code == 1


def test_a_deleted_signature_block_needs_approval(cli, tmp_path, standard) -> None:
    """The signature table is laid out outside the clause's text: its deletion can never be
    explained by parameters."""

    def drop_table(body: etree._Element) -> None:
        for element in clause_blocks(body)["signatures"]:
            if element.tag == W + "tbl":
                body.remove(element)

    code, report = _report(cli, tmp_path, _edited(standard, drop_table))
    signatures = _deviating(report)["signatures"]
    assert signatures["status"] == "modified" and signatures["severity"] == "approval"
    assert code == 1


def test_partner_text_in_square_brackets_is_shown_as_written(tmp_path, standard) -> None:
    """A returned copy's '[/]' or '[bold]' is words for the terminal, never markup."""
    import io

    from rich.console import Console

    from dsagen.report.terminal import print_comparison
    from dsagen.review import compare_files

    added = "See [/] and [bold]x[/bold] at USD [to be confirmed]."

    def bracketed(body: etree._Element) -> None:
        paragraph = clause_blocks(body)["fees"][1]
        text = next(t for t in paragraph.iter(W + "t") if t.text)
        text.text += " " + added

    path = tmp_path / "returned.docx"
    path.write_bytes(_edited(standard, bracketed))
    comparison, _, _ = compare_files(PARTNER, path)
    screen = io.StringIO()
    print_comparison(comparison, Console(file=screen, width=400, color_system=None))
    assert added in screen.getvalue()


def test_a_switch_that_renders_nothing_in_this_template_is_never_recovered(cli, tmp_path) -> None:
    """acme-nda has no prohibited-uses or publication clause: renaming a party must not
    'recover' commercial_use or provider_veto (they render the same whatever their value)."""
    library = load_library()
    nda = EXAMPLES / "acme-nda.yaml"
    issued = render_docx(assemble(load_partner(nda, library), library))

    def rename(body: etree._Element) -> None:
        text = next(
            t for t in body.iter(W + "t") if t.text and "Prairie Lakes University, an" in t.text
        )
        text.text = text.text.replace("Prairie Lakes University, an", "Prairie Lakes College, an")

    path = tmp_path / "returned.docx"
    path.write_bytes(_edited(issued, rename))
    code, stdout, _ = cli("diff", nda, path, "--json")
    report = json.loads(stdout)
    names = {p["name"] for c in report["clauses"] for p in c["parameters"]}
    assert names == {"recipient_name"}
    assert report["worst_severity"] == "approval" and code == 1


@pytest.mark.parametrize(
    "hiding,detail",
    [
        ("<w:vanish/>", "hidden text (neither shown nor printed) added"),
        ('<w:color w:val="FFFFFF"/>', "white text (invisible on the page) added"),
        ('<w:sz w:val="2"/>', "text too small to read added"),
    ],
)
def test_words_hidden_from_the_reader_are_reported(cli, tmp_path, standard, hiding, detail) -> None:
    """'shall not use' with 'not' hidden reads 'shall use': the words are there, unseen."""

    def hide_not(body: etree._Element) -> None:
        text = next(t for t in body.iter(W + "t") if t.text and " shall not use " in t.text)
        before, after = text.text.split(" not", 1)
        run = text.getparent()
        text.text = before
        hidden = etree.fromstring(
            f'<w:r xmlns:w="{W_NS}"><w:rPr>{hiding}</w:rPr><w:t xml:space="preserve"> not</w:t>'
            f"</w:r>"
        )
        rest = copy.deepcopy(run)
        rest.find(W + "t").text = after
        run.addnext(hidden)
        hidden.addnext(rest)

    code, report = _report(cli, tmp_path, _edited(standard, hide_not))
    (clause,) = _deviating(report).values()
    assert clause["status"] == "modified" and clause["severity"] == "approval"
    assert [(c["op"], c["negotiated"], c["detail"]) for c in clause["changes"]] == [
        ("format", "not", detail)
    ]
    assert code == 1


def test_emphasis_lost_inside_a_tracked_insertion_is_the_partners_tracked_change(
    cli, tmp_path, standard
) -> None:
    def retype_term(body: etree._Element) -> None:
        paragraph = clause_blocks(body)["term"][1]
        bold = next(
            r
            for r in paragraph.iter(W + "r")
            if r.find(f"{W}rPr/{W}b") is not None
            and "".join(t.text or "" for t in r.iter(W + "t")) == "Term"
        )
        deleted, inserted = partner_mark("del"), partner_mark("ins")
        bold.addprevious(deleted)
        deleted.addnext(inserted)
        deleted.append(bold)
        bold.find(W + "t").tag = W + "delText"
        plain = etree.SubElement(etree.SubElement(inserted, W + "r"), W + "t")
        plain.text = "Term"

    _, report = _report(cli, tmp_path, _edited(standard, retype_term))
    term = _deviating(report)["term"]
    assert [(c["op"], c["detail"], c["tracked"], c["author"]) for c in term["changes"]] == [
        ("format", "bold removed", True, AUTHOR)
    ]
    assert not term["untracked"]


def _reference_fields(body: etree._Element) -> list[tuple[etree._Element, etree._Element]]:
    """(instruction, cached result text) of every REF field in the body."""
    found = []
    for instruction in body.iter(W + "instrText"):
        if instruction.text and "REF" in instruction.text:
            result = instruction.getparent().getnext().getnext()
            found.append((instruction, result.find(W + "t")))
    return found


def test_a_stale_cross_reference_result_is_no_deviation(cli, tmp_path, standard) -> None:
    """A client recomputes a field's result whenever it likes (LibreOffice leaves some stale
    after a move): what counts is the bookmark it refers to."""

    def scramble(body: etree._Element) -> None:
        for _, result in _reference_fields(body):
            result.text = str(int(result.text) + 5)

    code, report = _report(cli, tmp_path, _edited(standard, scramble))
    assert _deviating(report) == {} and code == 0


def test_a_cross_reference_pointed_at_another_clause_is_reported(cli, tmp_path, standard) -> None:
    def retarget(body: etree._Element) -> None:
        instruction, _ = next(
            (i, r) for i, r in _reference_fields(body) if "_dsa_general" in i.text
        )
        fees = next(
            b.get(W + "name")
            for b in body.iter(W + "bookmarkStart")
            if b.get(W + "name", "").startswith("_dsa_fees")
        )
        instruction.text = re.sub(r"_dsa_general\S*", fees, instruction.text)

    code, report = _report(cli, tmp_path, _edited(standard, retarget))
    (clause,) = _deviating(report).values()
    # The cached result still reads general's number (a client would show fees' number on its
    # next update).
    general = str(
        assemble(load_partner(PARTNER, load_library()), load_library()).section("general").number
    )
    assert [(c["op"], c["negotiated"], c["detail"]) for c in clause["changes"]] == [
        ("format", general, "cross-reference to fees added; cross-reference to general removed")
    ]
    assert clause["severity"] == "approval" and code == 1


@pytest.mark.parametrize("swap", [False, True])
def test_bookmarks_swapped_between_clauses_cannot_hide_a_change(
    cli, tmp_path, standard, swap
) -> None:
    """Bookmarks are the partner's to move: a clause is still known by its heading and text."""

    def edit(body: etree._Element) -> None:
        _set_retention(body, "seventy-two (72)")
        if swap:
            starts = {
                b.get(W + "name", "").split("__")[0]: b for b in body.iter(W + "bookmarkStart")
            }
            retention, publication = starts["_dsa_retention"], starts["_dsa_publication"]
            names = retention.get(W + "name"), publication.get(W + "name")
            retention.set(W + "name", names[1])
            publication.set(W + "name", names[0])

    code, report = _report(cli, tmp_path, _edited(standard, edit), "--fail-on", "walk-away")
    deviating = _deviating(report)
    assert set(deviating) == {"retention"}
    assert deviating["retention"]["parameters"][0]["negotiated"] == 72
    assert deviating["retention"]["severity"] == "walk-away" and code == 1
    assert any("bookmarks stand on other clauses" in w for w in report["warnings"]) is swap


@pytest.mark.parametrize(
    "how", ["character style", "paragraph style", "near-white", "background colour", "squeezed"]
)
def test_words_hidden_through_a_style_or_a_colour_are_reported(
    cli, tmp_path, standard, how
) -> None:
    """Hiding a sentence by a style (or in the page's colour) removes it from the printed
    agreement as surely as w:vanish on the run."""
    sentence = "Results are not subject to this clause"

    def edit(parts: dict[str, bytes]) -> None:
        styles = etree.fromstring(parts["word/styles.xml"])
        quiet = etree.fromstring(
            f'<w:style xmlns:w="{W_NS}" w:type="character" w:styleId="Quiet"><w:name '
            'w:val="Quiet"/><w:rPr><w:vanish/></w:rPr></w:style>'
        )
        styles.append(quiet)
        parts["word/styles.xml"] = etree.tostring(styles)
        root = etree.fromstring(parts["word/document.xml"])
        paragraph = next(
            p
            for p in root.iter(W + "p")
            if sentence in "".join(t.text or "" for t in p.iter(W + "t"))
        )
        if how == "paragraph style":
            styles.append(
                etree.fromstring(
                    f'<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="Unseen"><w:name '
                    'w:val="Unseen"/><w:basedOn w:val="Normal"/><w:rPr><w:vanish/></w:rPr>'
                    "</w:style>"
                )
            )
            parts["word/styles.xml"] = etree.tostring(styles)
            paragraph.find(f"{W}pPr/{W}pStyle").set(W + "val", "Unseen")
        else:
            setting = {
                "character style": '<w:rStyle w:val="Quiet"/>',
                "near-white": '<w:color w:val="FEFEFE"/>',
                "background colour": '<w:color w:val="000000" w:themeColor="background1"/>',
                "squeezed": '<w:w w:val="1"/>',
            }[how]
            for run in paragraph.iter(W + "r"):
                rpr = run.find(W + "rPr")
                if rpr is None:
                    rpr = etree.SubElement(run, W + "rPr")
                    run.insert(0, rpr)
                rpr.insert(0, etree.fromstring(setting.replace("/>", f' xmlns:w="{W_NS}"/>')))
        parts["word/document.xml"] = etree.tostring(root)

    code, report = _report(cli, tmp_path, _edit_parts(standard, edit))
    (clause,) = _deviating(report).values()
    assert clause["id"] == "retention" and clause["severity"] == "approval"
    details = {c["detail"] for c in clause["changes"] if c["op"] == "format"}
    assert details and all(
        ("hidden" in d) or ("white" in d) or ("too small" in d) for d in details
    ), details
    assert code == 1


def test_a_sentence_inserted_as_hidden_text_says_so(cli, tmp_path, standard) -> None:
    def insert_hidden(body: etree._Element) -> None:
        paragraph = clause_blocks(body)["retention"][1]
        paragraph.append(
            etree.fromstring(
                f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vanish/></w:rPr><w:t xml:space="preserve"> The '
                "Recipient may keep one copy of the Data indefinitely.</w:t></w:r>"
            )
        )

    code, report = _report(cli, tmp_path, _edited(standard, insert_hidden))
    retention = _deviating(report)["retention"]
    kinds = [(c["op"], c.get("detail", "")) for c in retention["changes"]]
    assert ("insert", "") in kinds
    assert ("format", "inserted as hidden text (neither shown nor printed)") in kinds
    assert code == 1


def test_a_footnote_marker_is_no_part_of_a_value(cli, tmp_path, standard) -> None:
    def mark_fee(body: etree._Element) -> None:
        text = next(t for t in body.iter(W + "t") if t.text and "in advance" in t.text)
        run = text.getparent()
        before, after = text.text.split("in advance", 1)
        text.text = before + "in advance"
        reference = etree.fromstring(f'<w:r xmlns:w="{W_NS}"><w:footnoteReference w:id="7"/></w:r>')
        run.addnext(reference)
        rest = copy.deepcopy(run)
        rest.find(W + "t").text = after
        reference.addnext(rest)

    _, report = _report(cli, tmp_path, _edited(standard, mark_fee))
    assert not any(c["parameters"] for c in report["clauses"])
    (clause,) = _deviating(report).values()
    assert [(c["op"], c["negotiated"]) for c in clause["changes"]] == [("insert", "[footnote]")]


def test_a_second_copy_of_a_clause_with_another_value_is_an_inconsistency(
    cli, tmp_path, standard
) -> None:
    def duplicate_fees(body: etree._Element) -> None:
        block = clause_blocks(body)["fees"]
        copies = [copy.deepcopy(element) for element in block]
        for start in (b for c in copies for b in c.iter(W + "bookmarkStart")):
            start.set(W + "name", start.get(W + "name") + "_Copy_1")
        for text in (t for c in copies for t in c.iter(W + "t")):
            if text.text and "USD 6,000" in text.text:
                text.text = text.text.replace("USD 6,000", "USD 60,000")
        anchor = block[-1]
        for element in copies:
            anchor.addnext(element)
            anchor = element

    code, report = _report(cli, tmp_path, _edited(standard, duplicate_fees))
    added = [c for c in report["clauses"] if c["status"] == "added"]
    assert len(added) == 1 and any("second copy of clause" in n for n in added[0]["notes"])
    (found,) = report["inconsistencies"]
    assert found["parameter"] == "fee" and code == 1


@pytest.mark.parametrize("tracked", [True, False])
def test_a_clause_split_in_two_is_tracked_when_the_new_heading_was(
    cli, tmp_path, standard, tracked
) -> None:
    def split_fees(body: etree._Element) -> None:
        block = clause_blocks(body)["fees"]
        heading = copy.deepcopy(block[0])
        for start in list(heading.iter(W + "bookmarkStart")) + list(
            heading.iter(W + "bookmarkEnd")
        ):
            start.getparent().remove(start)
        runs = [r for r in heading if r.tag == W + "r"]
        runs[0].find(W + "t").text = "Invoicing and Payment"
        for extra in runs[1:]:
            heading.remove(extra)
        if tracked:
            inserted = partner_mark("ins")
            runs[0].addprevious(inserted)
            inserted.append(runs[0])
            mark_paragraph(heading, "ins")
        block[-1].addprevious(heading)

    code, report = _report(cli, tmp_path, _edited(standard, split_fees))
    folded = [c for c in report["clauses"] if c["alignment"] == "folded"]
    assert [c["title"] for c in folded] == ["Invoicing and Payment"]
    assert folded[0]["changes"][0]["tracked"] is tracked
    assert (report["untracked_changes"] == 0) is tracked
    assert code == 1


def test_words_and_figures_that_disagree_are_named(cli, tmp_path, standard) -> None:
    def half_edit(body: etree._Element) -> None:
        _replace_text(
            body,
            "forty-eight (48) hours after the Recipient",
            "forty-eight (72) hours after the Recipient",
        )

    _, report = _report(cli, tmp_path, _edited(standard, half_edit))
    breach = _deviating(report)["breach"]
    assert breach["severity"] == "approval"
    assert "words and figures disagree: forty-eight (72)" in breach["notes"]


@pytest.mark.parametrize("change_retention", [False, True])
def test_a_clause_merged_into_its_neighbour_keeps_its_own_terms(
    cli, tmp_path, standard, change_retention
) -> None:
    """Removing the Retention heading merges it into Ethics: Ethics' terms are not re-read
    from Retention's words, and a change to Retention's own terms is still reported."""

    def merge(body: etree._Element) -> None:
        body.remove(clause_blocks(body)["retention"][0])
        if change_retention:
            _set_retention(body, "sixty (60)")

    code, report = _report(cli, tmp_path, _edited(standard, merge))
    parameters = {p["name"]: p["negotiated"] for c in report["clauses"] for p in c["parameters"]}
    assert parameters == ({"retention_months": 60} if change_retention else {})
    merged = [c for c in report["clauses"] if c["alignment"] == "folded"]
    assert [c["id"] for c in merged] == ["retention"]
    assert code == 1
