"""A partner file crafted to pass `validate` and then break or slow `generate`, to display
differently from what it says, or to inject structure into the Markdown: `validate` checks
what `generate` needs, every limit is named in a one-line error (exit 2), and a partner value
stays one value wherever it is rendered."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from markdown_it import MarkdownIt

from tests.conftest import EXAMPLES
from tests.hostile_files import many_list_items

GRAVY = (EXAMPLES / "gravy-uf.yaml").read_text()


def _partner(tmp_path: Path, text: str, name: str = "gravy-uf") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(partner: Path, key: str) -> int:
    """The line of KEY in the partner file, as the error names it."""
    lines = partner.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(f"{key}:"))


def _with(key: str, value: str, text: str = GRAVY) -> str:
    """The partner text with the one-line value of `key` replaced (value as YAML source)."""
    replaced, count = re.subn(rf"^{key}: .*$", lambda _m: f"{key}: {value}", text, flags=re.M)
    assert count == 1, key
    return replaced


def _one_error(code: int, stderr: str) -> str:
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_250_character_recipient_name_validates_and_generates(cli, tmp_path: Path) -> None:
    name = "The Board of Trustees of " + "Very Long University Name " * 9
    name = name[:250].strip()
    partner = _partner(tmp_path, _with("recipient_name", name))
    code, _, stderr = cli("validate", partner)
    assert code == 0, stderr
    code, _, stderr = cli(
        "generate", partner, "--format", "docx", "--out", tmp_path / "out", "--no-record"
    )
    assert code == 0, stderr
    with zipfile.ZipFile(tmp_path / "out" / "gravy-uf" / "research-dsa.docx") as package:
        core = etree.fromstring(package.read("docProps/core.xml"))
        body = package.read("word/document.xml").decode()
    title = core.findtext("{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and len(title) <= 255 and title.endswith("…")
    assert name in body  # the agreement itself keeps the whole name


def test_a_name_over_the_one_line_limit_fails_validate_and_generate_alike(
    cli, tmp_path: Path
) -> None:
    partner = _partner(tmp_path, _with("recipient_name", "A" * 501))
    expected = (
        f"{partner}:{_line_of(partner, 'recipient_name')}, field 'recipient_name': "
        "expected text of at most 500 characters "
        "(the limit for one-line text), found 501"
    )
    assert _one_error(*cli("validate", partner)[::2]) == f"error: {expected}"
    code, _, stderr = cli("generate", partner, "--out", tmp_path / "out", "--no-record")
    assert _one_error(code, stderr) == f"error: {expected}"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("digits", "message"),
    [
        (
            60,
            "field 'term_months': expected a whole number from 1 to 120, found a number of more "
            "than 15 digits (the limit)",
        ),
        (5000, "expected a number of at most 100 characters, found one of 5,000"),
    ],
)
def test_integers_with_hundreds_of_digits_are_refused_by_validate_and_generate(
    cli, tmp_path: Path, digits: int, message: str
) -> None:
    partner = _partner(tmp_path, _with("term_months", "9" * digits))
    for command in (
        ("validate", partner),
        ("generate", partner, "--out", tmp_path / "out", "--no-record"),
    ):
        line = _one_error(*cli(*command)[::2])
        assert line.startswith(f"error: {partner}:") and line.endswith(message), line
    assert not (tmp_path / "out").exists()


def test_a_batch_is_validated_whole_before_the_first_byte_is_written(cli, tmp_path: Path) -> None:
    folder = tmp_path / "partners"
    folder.mkdir()
    _partner(folder, GRAVY, "a-good")
    _partner(folder, _with("term_months", "9" * 300), "b-bad")
    _partner(
        folder,
        GRAVY.replace("agreement_reference: DSA-2026-014", "agreement_reference: DSA-2026-015"),
        "c-good",
    )
    code, _, stderr = cli("generate", folder, "--out", tmp_path / "out", "--no-record")
    assert code == 2 and "b-bad.yaml" in stderr
    assert not (tmp_path / "out").exists()


def test_150000_list_items_are_refused_naming_the_limit(cli, tmp_path: Path) -> None:
    text = many_list_items(GRAVY, count=150_000)
    assert len(text.encode()) < 2_000_000  # under the file-size limit: the count must stop it
    partner = _partner(tmp_path, text)
    line = _one_error(*cli("validate", partner)[::2])
    assert "too many values: more than 20,000 in one file (the limit)" in line


def test_one_list_over_its_limit_is_refused_naming_the_field(cli, tmp_path: Path) -> None:
    partner = _partner(tmp_path, many_list_items(GRAVY, count=300))
    line = _one_error(*cli("validate", partner)[::2])
    assert (
        "field 'research_questions': expected at most 200 items (the limit for one list), "
        "found 303" in line
    )  # the file's own 3 questions and 300 more


def test_lists_within_their_own_limits_are_refused_when_they_add_up(cli, tmp_path: Path) -> None:
    fields = "".join(f"      - field {n}\n" for n in range(190))
    datasets = "".join(
        f"  - name: Set {n}\n    description: set {n}\n    fields:\n{fields}    period: 2024\n"
        for n in range(6)
    )
    text = re.sub(r"^datasets:\n(?:  .*\n)+", "datasets:\n" + datasets, GRAVY, flags=re.M)
    line = _one_error(*cli("validate", _partner(tmp_path, text))[::2])
    assert (
        "expected at most 1,000 list items in all lists together (the limit for one "
        "partner file), found 1,1" in line
    )


def test_text_within_each_limit_is_refused_when_it_adds_up(cli, tmp_path: Path) -> None:
    questions = "".join(f"  - {n:03} " + "x" * 495 + "\n" for n in range(197))
    text = GRAVY.replace("research_questions:\n", "research_questions:\n" + questions)
    text = re.sub(
        r"^research_purpose: >-\n(?:  .*\n)+", f"research_purpose: {'y' * 9000}\n", text, flags=re.M
    )
    line = _one_error(*cli("validate", _partner(tmp_path, text))[::2])
    assert (
        "expected at most 100,000 characters of text in all values together (the limit "
        "for one partner file)" in line
    )


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
        ("\u200b", "U+200B (ZERO WIDTH SPACE)"),
        ("\u200d", "U+200D (ZERO WIDTH JOINER)"),
        ("\ufeff", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)"),
    ],
)
def test_invisible_and_direction_changing_characters_are_refused(
    cli, tmp_path: Path, char: str, name: str
) -> None:
    partner = _partner(tmp_path, _with("recipient_name", f"USD {char}000,01"))
    line = _one_error(*cli("validate", partner)[::2])
    assert line == (
        f"error: {partner}:{_line_of(partner, 'recipient_name')}, field 'recipient_name': "
        "expected text without "
        f"invisible or direction-changing characters, found {name} at character 5"
    )


def test_an_invisible_character_in_a_list_item_names_the_item(cli, tmp_path: Path) -> None:
    text = GRAVY.replace("research_questions:\n", "research_questions:\n  - one\n  - t\u200bwo\n")
    line = _one_error(*cli("validate", _partner(tmp_path, text))[::2])
    assert "field 'research_questions[1]'" in line and "U+200B" in line


INJECTED_NAME = (
    '"Evil Corp\\n# Owned\\n\\n- item one\\n1. item two\\n> quoted [link](http://x.example) &amp;"'
)
INJECTED_PURPOSE = (
    '"studying\\n\\n# Injected heading\\n\\n* a list\\n\\n[a link](http://x.example)"'
)


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The agreement for a partner whose name and purpose carry Markdown structure."""
    from typer.testing import CliRunner

    from dsagen.cli import app

    folder = tmp_path_factory.mktemp("injected")
    text = _with("recipient_name", INJECTED_NAME)
    text = re.sub(
        r"^research_purpose: >-\n(?:  .*\n)+",
        f"research_purpose: {INJECTED_PURPOSE}\n",
        text,
        flags=re.M,
    )
    partner = _partner(folder, text)
    result = CliRunner().invoke(
        app,
        [
            "generate",
            str(partner),
            "--format",
            "md,html,docx",
            "--out",
            str(folder / "out"),
            "--no-record",
        ],
    )
    assert result.exit_code == 0, result.stderr
    return folder / "out" / "gravy-uf"


def test_partner_values_create_no_markdown_structure(injected: Path) -> None:
    tokens = MarkdownIt("commonmark").parse((injected / "research-dsa.md").read_text())
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert not any("Owned" in h or "Injected" in h for h in headings), headings
    assert not any(
        t.type in ("bullet_list_open", "ordered_list_open", "blockquote_open") for t in tokens
    )
    links = [
        child.attrGet("href")
        for t in tokens
        if t.type == "inline"
        for child in t.children or []
        if child.type == "link_open"
    ]
    assert all(str(href).startswith("#") for href in links), links  # only clause references
    text = "".join(t.content for t in tokens if t.type == "inline")
    assert "Evil Corp # Owned - item one 1. item two" in text
    assert "&amp;" in text  # shown as typed, not decoded to "&"


def test_partner_values_create_no_html_or_docx_structure(injected: Path) -> None:
    html = (injected / "research-dsa.html").read_text()
    assert "<h1>Owned" not in html and "<h1># Owned" not in html and "<li>item" not in html
    assert 'href="http://x.example"' not in html
    with zipfile.ZipFile(injected / "research-dsa.docx") as package:
        root = etree.fromstring(package.read("word/document.xml"))
        relationships = package.read("word/_rels/document.xml.rels").decode()
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paragraphs = ["".join(t.text or "" for t in p.iter(w + "t")) for p in root.iter(w + "p")]
    assert not any(p.strip().startswith("# Owned") for p in paragraphs)
    assert any("Evil Corp # Owned - item one 1. item two" in p for p in paragraphs)
    assert "x.example" not in relationships  # no hyperlink made from the value
