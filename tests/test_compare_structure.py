"""Structural deviations: moved, deleted and inserted clauses, and documents whose anchors were
lost (third-party paper), aligned by headings, numbers and text."""

from __future__ import annotations

import copy
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from dsagen.assemble import assemble
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from tests.conftest import EXAMPLES, edit_body, needs_soffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARTNER = EXAMPLES / "linkedin-econ.yaml"


def _standard() -> bytes:
    library = load_library()
    return render_docx(assemble(load_partner(PARTNER, library), library))


def _clauses(body: etree._Element) -> dict[str, list[etree._Element]]:
    """Anchored clause id -> its block of body elements (heading to next heading)."""
    blocks: dict[str, list[etree._Element]] = {}
    current = None
    for element in body:
        starts = element.findall(f".//{W}bookmarkStart")
        names = [s.get(W + "name") for s in starts if s.get(W + "name", "").startswith("_dsa_")]
        if names:
            current = names[0].split("__")[0].removeprefix("_dsa_")
            blocks[current] = []
        if current and element.tag != W + "sectPr":
            blocks[current].append(element)
    return blocks


def _move_and_delete(body: etree._Element) -> None:
    blocks = _clauses(body)
    for element in blocks["fees"]:
        body.remove(element)
    moved = blocks["breach"]
    target = blocks["term"][-1]
    for element in reversed(moved):
        body.remove(element)
        target.addnext(element)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("structure")
    standard = _standard()
    paths = {"folder": folder, "standard": folder / "standard.docx", "moved": folder / "moved.docx"}
    paths["standard"].write_bytes(standard)
    paths["moved"].write_bytes(edit_body(standard, _move_and_delete))
    return paths


def test_moved_and_deleted_clauses_are_classified(cli, files) -> None:
    code, stdout, _ = cli("diff", PARTNER, files["moved"], "--json")
    assert code == 1
    report = json.loads(stdout)
    status = {c["id"]: c["status"] for c in report["clauses"]}
    assert status["breach"] == "moved" and status["fees"] == "removed"
    assert report["summary"]["moved"] == 1 and report["summary"]["removed"] == 1
    assert report["summary"]["modified"] == 0
    breach = next(c for c in report["clauses"] if c["id"] == "breach")
    assert breach["changes"][0]["op"] == "move" and breach["severity"] == "standard"


@needs_soffice()
def test_redline_of_a_move_uses_move_markup_and_round_trips(cli, files) -> None:
    from tests.lo import client

    redline = files["folder"] / "moved-redline.docx"
    assert cli("diff", files["standard"], files["moved"], "--redline", redline, "--force")[0] == 1
    with zipfile.ZipFile(redline) as package:
        xml = package.read("word/document.xml").decode()
    assert "w:moveFrom " in xml and "w:moveTo " in xml
    names_from = re.findall(r'moveFromRangeStart[^>]*w:name="([^"]+)"', xml)
    names_to = re.findall(r'moveToRangeStart[^>]*w:name="([^"]+)"', xml)
    assert names_from and names_from == names_to
    ids = re.findall(
        r"<w:(?:ins|del|moveFrom|moveTo|bookmarkStart|moveFromRangeStart|"
        r'moveToRangeStart) [^>]*w:id="(\d+)"',
        xml,
    )
    assert len(ids) == len(set(ids)), "revision and bookmark ids must be unique"

    def norm(paragraphs: list[str]) -> list[str]:
        return [" ".join(p.split()) for p in paragraphs if p.strip()]

    assert norm(client.accept_all(redline)) == norm(client.paragraphs(files["moved"]))
    assert norm(client.reject_all(redline)) == norm(client.paragraphs(files["standard"]))


def _third_party_copy(standard: bytes) -> bytes:
    """The same agreement as a partner's own paper: no bookmarks, no dsagen styles, typed
    numbers in headings, one clause renumbered away by an inserted clause."""
    source = docx.Document(io.BytesIO(standard))
    paper = docx.Document()
    number = 0
    for paragraph in source.paragraphs:
        text = paragraph.text
        if not text.strip():
            continue
        style = paragraph.style.style_id if paragraph.style is not None else ""
        if style == "DsaHeading":
            number += 1
            if text == "Fees":
                paper.add_heading("7A. Audit Rights", level=1)
                paper.add_paragraph(
                    "The Provider may audit the Recipient's compliance once a "
                    "year on reasonable notice."
                )
            paper.add_heading(f"{number}. {text}", level=1)
        elif style == "DsaUnnumberedHeading":
            paper.add_heading(text, level=1)
        else:
            paper.add_paragraph(
                text.replace(
                    "thirty (30) days before submitting", "sixty (60) days before submitting"
                )
            )
    buffer = io.BytesIO()
    paper.save(buffer)
    return buffer.getvalue()


def test_document_without_anchors_is_aligned_by_headings(cli, files) -> None:
    third = files["folder"] / "third-party.docx"
    third.write_bytes(_third_party_copy(files["standard"].read_bytes()))
    code, stdout, _ = cli("diff", PARTNER, third, "--json")
    report = json.loads(stdout)
    assert report["aligned_by"] == "headings"
    # The copy leaves the signature table out, so the signature block differs too; its text was
    # retyped without the bold of the defined terms and without our header and footer, which
    # are reported as such (format changes; header and footer removed).
    changed = {
        c["title"]: c
        for c in report["clauses"]
        if c["status"] not in ("unchanged", "cosmetic")
        and c["title"] != "Signatures"
        and c["story"] == "body"
        and any(ch["op"] != "format" for ch in c["changes"])
    }
    assert set(changed) == {"Publication of Results", "Audit Rights"}, changed.keys()
    stories = {c["story"]: c["status"] for c in report["clauses"] if c["story"] != "body"}
    assert stories == {"header": "removed", "footer": "removed"}
    assert any(
        ch["op"] == "format" and ch["detail"] == "bold removed"
        for c in report["clauses"]
        for ch in c["changes"]
    )
    assert changed["Audit Rights"]["status"] == "added"
    publication = changed["Publication of Results"]
    assert publication["parameters"][0]["name"] == "publication_review_days"
    assert publication["parameters"][0]["negotiated"] == 60
    assert code == 1


def test_repeated_boilerplate_does_not_create_phantom_moves(cli, files, tmp_path) -> None:
    """Two clauses whose text is identical must not be paired crosswise."""
    standard = files["standard"].read_bytes()

    def duplicate_paragraph(body: etree._Element) -> None:
        blocks = _clauses(body)
        for clause in ("fees", "general"):
            blocks[clause][-1].addnext(copy.deepcopy(blocks["fees"][1]))

    edited = tmp_path / "boiler.docx"
    edited.write_bytes(edit_body(standard, duplicate_paragraph))
    report = json.loads(cli("diff", files["standard"], edited, "--json")[1])
    moved = [c for c in report["clauses"] if c["status"] == "moved"]
    assert not moved
    assert {c["id"] for c in report["clauses"] if c["status"] == "modified"} == {"fees", "general"}


def _merge_and_split(body: etree._Element) -> None:
    blocks = _clauses(body)
    body.remove(blocks["fees"][0])  # fees' heading gone: its text joins governing law
    heading = copy.deepcopy(blocks["publication"][0])
    for bookmark in heading.findall(f"{W}bookmarkStart") + heading.findall(f"{W}bookmarkEnd"):
        heading.remove(bookmark)
    for text in heading.iter(W + "t"):
        text.text = ""
    heading.find(f".//{W}t").text = "Review Procedure"
    blocks["publication"][3].addprevious(heading)  # publication split in two


def test_merged_and_split_clauses_are_compared_as_one_unit(cli, files, tmp_path) -> None:
    edited = tmp_path / "merged.docx"
    edited.write_bytes(edit_body(files["standard"].read_bytes(), _merge_and_split))
    code, stdout, _ = cli("diff", files["standard"], edited, "--json")
    report = json.loads(stdout)
    by_title = {c["title"]: c for c in report["clauses"]}
    assert by_title["Fees"]["status"] == "moved"
    assert "merged into 'Governing Law and Disputes'" in by_title["Fees"]["notes"][0]
    assert by_title["Review Procedure"]["status"] == "moved"
    assert "split out of 'Publication of Results'" in by_title["Review Procedure"]["notes"][0]
    changes = [ch for c in report["clauses"] for ch in c["changes"] if ch["op"] != "move"]
    assert sorted((ch["op"], ch["standard"] or ch["negotiated"]) for ch in changes) == [
        ("delete", "Fees"),
        ("insert", "Review Procedure"),
    ]
    assert code == 1


@needs_soffice()
def test_redline_of_merge_and_split_round_trips(cli, files, tmp_path) -> None:
    from tests.lo import client

    edited = tmp_path / "merged.docx"
    edited.write_bytes(edit_body(files["standard"].read_bytes(), _merge_and_split))
    redline = tmp_path / "merged-redline.docx"
    assert cli("diff", files["standard"], edited, "--redline", redline)[0] == 1

    def norm(paragraphs: list[str]) -> list[str]:
        return [" ".join(p.split()) for p in paragraphs if p.strip()]

    assert norm(client.accept_all(redline)) == norm(client.paragraphs(edited))
    assert norm(client.reject_all(redline)) == norm(client.paragraphs(files["standard"]))


def test_an_amount_with_separators_is_diffed_as_one_number(cli, files, tmp_path) -> None:
    def cut_cap(body: etree._Element) -> None:
        for text in body.iter(W + "t"):
            if text.text and "USD 50,000" in text.text:
                text.text = text.text.replace("USD 50,000", "USD 5,000")
                return
        raise AssertionError("no USD 50,000 in the standard")

    negotiated = tmp_path / "cap.docx"
    negotiated.write_bytes(edit_body(files["standard"].read_bytes(), cut_cap))
    code, stdout, _ = cli("diff", PARTNER, negotiated, "--json")
    assert code == 1
    changes = [
        (c["standard"], c["negotiated"])
        for clause in json.loads(stdout)["clauses"]
        for c in clause["changes"]
    ]
    assert ("50,000", "5,000") in changes and ("50", "5") not in changes


def test_a_copy_issued_to_another_partner_is_flagged(cli, tmp_path) -> None:
    other = EXAMPLES / "meta-social.yaml"
    code, _, _ = cli("generate", other, "--out", tmp_path, "--format", "docx", "--no-record")
    assert code == 0
    code, stdout, _ = cli("diff", PARTNER, tmp_path / "meta-social" / "research-dsa.docx", "--json")
    warnings = json.loads(stdout)["warnings"]
    assert len(warnings) == 1 and "issued for partner 'meta-social'" in warnings[0]
    code, stdout, _ = cli("diff", PARTNER, tmp_path / "meta-social" / "research-dsa.docx")
    assert "warning:" in stdout and "right files" in stdout
    _, stdout, _ = cli("diff", PARTNER, _write_standard(tmp_path), "--json")
    assert json.loads(stdout)["warnings"] == []


def _write_standard(folder: Path) -> Path:
    path = folder / "own.docx"
    path.write_bytes(_standard())
    return path


def test_deleting_a_clause_that_carries_a_walk_away_obligation_is_walk_away(
    cli, files, tmp_path
) -> None:
    def drop(clause_id: str):
        def change(body: etree._Element) -> None:
            for element in _clauses(body)[clause_id]:
                body.remove(element)

        return change

    standard = files["standard"].read_bytes()
    for clause_id, expected in (("ethics", "walk-away"), ("fees", "approval")):
        negotiated = tmp_path / f"no-{clause_id}.docx"
        negotiated.write_bytes(edit_body(standard, drop(clause_id)))
        _code, stdout, _ = cli("diff", PARTNER, negotiated, "--json")
        [clause] = [c for c in json.loads(stdout)["clauses"] if c["id"] == clause_id]
        assert (clause["status"], clause["severity"]) == ("removed", expected)
    assert any(
        "irb_approval_required" in note
        for note in next(
            c
            for c in json.loads(cli("diff", PARTNER, tmp_path / "no-ethics.docx", "--json")[1])[
                "clauses"
            ]
            if c["id"] == "ethics"
        )["notes"]
    )


def test_a_redline_drawn_in_a_second_process_is_the_same_file(
    cli, files, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsagen import forked
    from dsagen.cli import diff

    drawings: list[forked.Forked] = []

    class Recorded(forked.Forked):
        def result(self) -> bytes:
            drawings.append(self)
            return super().result()

    monkeypatch.setattr(forked, "Forked", Recorded)
    here, apart = files["folder"] / "here.docx", files["folder"] / "apart.docx"
    assert cli("diff", files["standard"], files["moved"], "--redline", here, "--force")[0] == 1
    monkeypatch.setattr(diff, "REDLINE_APART_FROM", 0)
    assert cli("diff", files["standard"], files["moved"], "--redline", apart, "--force")[0] == 1
    assert [drawing.apart for drawing in drawings] == [False, sys.platform.startswith("linux")]
    assert apart.read_bytes() == here.read_bytes()
