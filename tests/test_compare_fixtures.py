"""`dsagen diff` on the external conformance pairs (Open-XML-PowerTools WC/CZ test files, see
``shared/fixtures/README.md``): the JSON report says what changed, and the redline round-trips
in LibreOffice (accept all == negotiated, reject all == standard; comparison.md §8.2)."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from dsagen.cli import app
from dsagen.compare.model import SEVERITIES, STATUSES
from dsagen.read.docx import ReadDocument, read_docx
from tests.conftest import FIXTURES, needs_soffice
from tests.docx_edits import ANNOTATION_ID_ELEMENTS

OXPT = FIXTURES / "open-xml-powertools" / "TestFiles"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"

#: The documented compare pairs: id -> (original = standard, revised = negotiated).
PAIRS = {
    "WC027-after-1": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-1.docx"),
    "WC027-after-2": ("WC/WC027-Twenty-Paras-Before.docx", "WC/WC027-Twenty-Paras-After-2.docx"),
    "WC006-delete-row": ("WC/WC006-Table.docx", "WC/WC006-Table-Delete-Row.docx"),
    # The reverse direction (upstream WC-1150): a row inserted in the middle of the table.
    "WC006-insert-row": ("WC/WC006-Table-Delete-Row.docx", "WC/WC006-Table.docx"),
    "WC004-large-mod": ("WC/WC004-Large.docx", "WC/WC004-Large-Mod.docx"),
    "CZ002-merges": ("CZ/CZ002-Multi-Paragraphs.docx", "CZ/CZ002-Multi-Paragraphs-Mod.docx"),
    "CZ003-insertions": ("CZ/CZ003-Multi-Paragraphs.docx", "CZ/CZ003-Multi-Paragraphs-Mod.docx"),
}
#: Pairs whose documents contain tables (row structure must survive accept/reject too).
TABLE_PAIRS = ["WC006-delete-row", "WC006-insert-row", "WC004-large-mod"]

ALL_FIXTURE_DOCX = sorted(FIXTURES.rglob("*.docx"))

REVISION_ELEMENTS = {"ins", "del", "moveFrom", "moveTo"}
MARK_REVISIONS = {W + tag for tag in REVISION_ELEMENTS}


def fixture(relative: str) -> Path:
    path = OXPT / relative
    if not path.exists():
        pytest.skip(f"conformance fixture not available: {path} (see shared/fixtures/README.md)")
    return path


def normalised(paragraphs: list[str]) -> list[str]:
    """Paragraph texts with empty paragraphs dropped and white space collapsed."""
    return [" ".join(p.split()) for p in paragraphs if p.strip()]


def view_texts(document: ReadDocument, view: str) -> list[str]:
    return normalised([p.text for p in getattr(document, view)])


def change_ops(clause: dict) -> list[tuple[str, str, str]]:
    return [(c["op"], c["standard"], c["negotiated"]) for c in clause["changes"]]


def all_changes(report: dict) -> list[dict]:
    return [change for clause in report["clauses"] for change in clause["changes"]]


# -- one CLI run per pair, shared by every test of the module --------------------------------


@dataclass
class DiffRun:
    exit_code: int
    report: dict
    stderr: str
    redline: Path
    standard: Path
    negotiated: Path


@pytest.fixture(scope="module")
def diff_pair(tmp_path_factory: pytest.TempPathFactory):
    """`dsagen diff STANDARD NEGOTIATED --json --redline F`, run once per pair."""
    runner = CliRunner()
    runs: dict[str, DiffRun] = {}

    def run(pair: str) -> DiffRun:
        if pair not in runs:
            standard, negotiated = (fixture(name) for name in PAIRS[pair])
            redline = tmp_path_factory.mktemp(pair) / "redline.docx"
            result = runner.invoke(
                app,
                ["diff", str(standard), str(negotiated), "--json", "--redline", str(redline)],
                catch_exceptions=False,
            )
            assert result.exit_code in (0, 1), result.stderr
            runs[pair] = DiffRun(
                result.exit_code,
                json.loads(result.stdout),
                result.stderr,
                redline,
                standard,
                negotiated,
            )
        return runs[pair]

    return run


# -- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ALL_FIXTURE_DOCX, ids=[p.relative_to(FIXTURES).as_posix() for p in ALL_FIXTURE_DOCX]
)
def test_every_fixture_docx_is_readable(path: Path) -> None:
    document = read_docx(path)
    assert view_texts(document, "accepted"), "no text read from a fixture with text"
    assert view_texts(document, "rejected")
    assert all(r.kind and r.id for r in document.revisions)


def test_fixture_set_is_complete() -> None:
    if not FIXTURES.exists():
        pytest.skip("shared/fixtures not available")
    assert len(ALL_FIXTURE_DOCX) == 19, "shared/fixtures/README.md documents 19 DOCX files"


# -- the JSON report ----------------------------------------------------------------------------


@pytest.mark.parametrize("pair", PAIRS)
def test_json_report_has_the_documented_shape(diff_pair, pair: str) -> None:
    run = diff_pair(pair)
    report = run.report
    assert report["standard"] == str(run.standard)
    assert report["negotiated"] == str(run.negotiated)
    assert set(report["summary"]) == set(STATUSES)
    assert all(isinstance(n, int) and n >= 0 for n in report["summary"].values())
    assert sum(report["summary"].values()) == len(report["clauses"]) > 0
    assert Counter(c["status"] for c in report["clauses"]) == {
        k: v for k, v in report["summary"].items() if v
    }
    for clause in report["clauses"]:
        assert {"id", "title", "status", "severity", "changes", "parameters"} <= set(clause)
        assert clause["status"] in STATUSES
        assert clause["severity"] is None or clause["severity"] in SEVERITIES
        assert isinstance(clause["parameters"], list)
        for change in clause["changes"]:
            assert set(change) == {"op", "standard", "negotiated", "tracked", "author", "date"}
            assert change["op"] in ("insert", "delete", "replace", "move")
            assert isinstance(change["tracked"], bool)
        if clause["status"] == "unchanged":
            assert clause["changes"] == []
        else:
            assert clause["changes"], f"{clause['status']} clause without changes"


@pytest.mark.parametrize("pair", PAIRS)
def test_exit_code_says_whether_a_substantive_deviation_was_found(diff_pair, pair: str) -> None:
    run = diff_pair(pair)
    substantive = [
        c for c in run.report["clauses"] if c["status"] in ("modified", "added", "removed", "moved")
    ]
    assert run.exit_code == (1 if substantive else 0)
    assert run.stderr == ""


def test_deleted_and_inserted_paragraphs_are_the_only_changes(diff_pair) -> None:
    report = diff_pair("WC027-after-1").report
    assert len(report["clauses"]) == 1, "documents without headings are one segment"
    (clause,) = report["clauses"]
    assert clause["status"] == "modified"
    assert change_ops(clause) == [("delete", "Three", ""), ("insert", "", "19.5")]
    assert report["revisions"] == 0
    assert all(not c["tracked"] for c in clause["changes"]), "no revisions in the inputs"


def test_case_only_edits_are_deviations(diff_pair) -> None:
    """In a contract a change of case can change meaning (a defined term losing its capitals),
    so it is a modification, never cosmetic."""
    run = diff_pair("WC027-after-2")
    (clause,) = run.report["clauses"]
    assert clause["status"] == "modified"
    assert sorted(change_ops(clause)) == [
        ("replace", "Nineteen", "NIneteen"),
        ("replace", "Three", "THree"),
    ]
    assert run.exit_code == 1


def test_one_word_changed_in_repeated_boilerplate_is_the_only_change(diff_pair) -> None:
    """WC004: three paragraphs repeat 33-34 times; aligners that pair by text alone report
    phantom moves among them (Docxodus: 13 revisions instead of 2)."""
    report = diff_pair("WC004-large-mod").report
    assert report["summary"]["moved"] == 0
    assert [(c["op"], c["standard"], c["negotiated"]) for c in all_changes(report)] == [
        ("replace", "Describe", "Show")
    ]
    changed = [c for c in report["clauses"] if c["status"] != "unchanged"]
    assert [c["status"] for c in changed] == ["modified"]


def test_deleted_table_row_is_reported_as_deleted_cell_texts(diff_pair) -> None:
    report = diff_pair("WC006-delete-row").report
    assert [(c["op"], c["standard"], c["negotiated"]) for c in all_changes(report)] == [
        ("delete", "333", ""),
        ("delete", "444", ""),
    ]


def test_inserted_table_row_is_reported_as_inserted_cell_texts(diff_pair) -> None:
    report = diff_pair("WC006-insert-row").report
    assert [(c["op"], c["standard"], c["negotiated"]) for c in all_changes(report)] == [
        ("insert", "", "333"),
        ("insert", "", "444"),
    ]


def test_partner_tracked_insertions_carry_their_author(diff_pair) -> None:
    report = diff_pair("CZ003-insertions").report
    changes = all_changes(report)
    assert [(c["op"], c["negotiated"]) for c in changes] == [("insert", "Yes,")] * 8
    assert all(c["tracked"] and c["author"] == "Eric White" and c["date"] for c in changes)
    assert report["untracked_changes"] == 0
    assert report["authors"] == ["Eric White"]


def test_partner_tracked_paragraph_merges_are_reported_as_tracked(diff_pair) -> None:
    """CZ002-Mod: the partner deleted three paragraph marks with tracking on (accept view
    "Video.When.You.To." + "For."). Those merges are the partner's tracked edits, not silent
    ones, so no change may be reported as untracked."""
    report = diff_pair("CZ002-merges").report
    assert report["revisions"] == 3 and report["authors"] == ["Eric White"]
    changes = all_changes(report)
    assert changes, "the merges must be reported"
    assert {"When.", "You.", "To."} <= {c["standard"] for c in changes}
    assert [(c["tracked"], c["author"]) for c in changes] == [(True, "Eric White")] * len(changes)
    assert report["untracked_changes"] == 0


# -- the redline DOCX: OOXML hygiene ---------------------------------------------------------


def _story_parts(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as package:
        return {
            name: etree.fromstring(package.read(name))
            for name in package.namelist()
            if name.startswith("word/")
            and name.endswith(".xml")
            and re.search(r"(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml$", name)
        }


@pytest.mark.parametrize("pair", PAIRS)
def test_redline_ids_are_unique_across_revisions_and_bookmarks(diff_pair, pair: str) -> None:
    parts = _story_parts(diff_pair(pair).redline)
    ids = [
        element.get(W + "id")
        for root in parts.values()
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag.startswith(W)
        and element.tag[len(W) :] in ANNOTATION_ID_ELEMENTS
        and element.get(W + "id") is not None
    ]
    assert ids, "a redline of a changed document has revisions"
    assert all(i.isdigit() for i in ids)
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicates == []


@pytest.mark.parametrize("pair", PAIRS)
def test_redline_revisions_follow_the_schema(diff_pair, pair: str) -> None:
    root = _story_parts(diff_pair(pair).redline)["word/document.xml"]
    revisions = [e for e in root.iter(*(W + t for t in REVISION_ELEMENTS))]
    assert revisions
    for revision in revisions:
        assert revision.get(W + "author"), "w:author is required (CT_TrackChange)"
    # Paragraph-mark revisions: w:pPr/w:rPr/(w:ins|w:del|...) first in w:rPr (CT_ParaRPr).
    for rpr in root.iterfind(f".//{W}pPr/{W}rPr"):
        marks = [i for i, child in enumerate(rpr) if child.tag in MARK_REVISIONS]
        assert marks in ([], [0]), etree.tostring(rpr).decode()
        followers = [c.tag for c in rpr.getparent()[rpr.getparent().index(rpr) + 1 :]]
        assert set(followers) <= {W + "sectPr", W + "pPrChange"}
    # Deleted text is w:delText (§17.3.3.7), never w:t under a w:del.
    for text in root.iter(W + "t"):
        innermost = next((a for a in text.iterancestors() if a.tag in MARK_REVISIONS), None)
        assert innermost is None or innermost.tag != W + "del", "w:t inside w:del"
    for kind in ("moveFrom", "moveTo"):
        starts = [e.get(W + "id") for e in root.iter(f"{W}{kind}RangeStart")]
        ends = [e.get(W + "id") for e in root.iter(f"{W}{kind}RangeEnd")]
        assert sorted(starts) == sorted(ends)


@pytest.mark.parametrize("pair", PAIRS)
def test_redline_views_round_trip_in_dsagens_reader(diff_pair, pair: str) -> None:
    """The cheap check (no LibreOffice): our own reader's views of the redline."""
    run = diff_pair(pair)
    redline = read_docx(run.redline)
    assert view_texts(redline, "accepted") == view_texts(read_docx(run.negotiated), "accepted")
    assert view_texts(redline, "rejected") == view_texts(read_docx(run.standard), "accepted")


def test_partner_revisions_keep_author_and_date_in_the_redline(diff_pair) -> None:
    """The partner's own revisions are carried over verbatim: same count, authors and dates."""
    run = diff_pair("CZ003-insertions")

    def stamps(path: Path) -> list[tuple[str | None, str | None]]:
        root = _story_parts(path)["word/document.xml"]
        return sorted((i.get(W + "author"), i.get(W + "date")) for i in root.iter(W + "ins"))

    theirs = stamps(run.negotiated)
    assert len(theirs) == 8 and {author for author, _ in theirs} == {"Eric White"}
    assert stamps(run.redline) == theirs


# -- the redline in a real client ---------------------------------------------------------------


@needs_soffice()
@pytest.mark.parametrize("pair", PAIRS)
def test_redline_accepts_to_the_negotiated_and_rejects_to_the_standard(
    diff_pair, pair: str
) -> None:
    from tests.lo import client

    run = diff_pair(pair)
    assert normalised(client.accept_all(run.redline)) == normalised(
        client.accept_all(run.negotiated)
    )
    # The standard side has no revisions: its raw paragraphs are its text.
    assert normalised(client.reject_all(run.redline)) == normalised(client.paragraphs(run.standard))


def _table_rows(docx_path: Path) -> list[int]:
    with zipfile.ZipFile(docx_path) as package:
        root = etree.fromstring(package.read("word/document.xml"))
    return [len(table.findall(W + "tr")) for table in root.iter(W + "tbl")]


@needs_soffice()
@pytest.mark.parametrize("pair", TABLE_PAIRS)
def test_redline_table_rows_accept_and_reject_like_the_inputs(
    diff_pair, pair: str, tmp_path: Path
) -> None:
    """Text equality ignores empty paragraphs, so a deleted row left behind empty would pass
    it; the row count must round-trip too (comparison.md §4.6: w:trPr/w:del)."""
    from tests.lo import client

    run = diff_pair(pair)
    accepted, rejected = tmp_path / "accepted.docx", tmp_path / "rejected.docx"
    client.accept_all(run.redline, accepted)
    client.reject_all(run.redline, rejected)
    assert _table_rows(rejected) == _table_rows(run.standard)
    assert _table_rows(accepted) == _table_rows(run.negotiated)
