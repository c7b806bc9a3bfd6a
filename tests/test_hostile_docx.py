"""A returned copy crafted to crash dsagen (odd ids and levels, impossible symbol characters,
provenance JSON of the wrong shape) goes through every command that reads it — diff with all
its outputs, lint, verify, ingest — and gets a result or one clear error line (exit 2), never
an internal error (exit 3); and a run that writes several outputs writes all or none."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from dsagen.errors import DocumentError, OutputError
from dsagen.output import write_all
from dsagen.read.properties import json_property
from tests.conftest import DATA, EXAMPLES, MINILIB, run_cli
from tests.hostile_files import many_headers

PARTNER = EXAMPLES / "gravy-uf.yaml"
MINI_PARTNER = DATA / "partners" / "mini-partner.yaml"
Mutation = Callable[[dict[str, str]], None]


def _in_first_run(xml: str, insert: str) -> str:
    start = xml.index("<w:r>", xml.index("<w:body>") + 2000) + len("<w:r>")
    return xml[:start] + insert + xml[start:]


def _around_a_run(xml: str, before: str, after: str) -> str:
    start = xml.index("<w:r>", xml.index("<w:body>") + 2000)
    end = xml.index("</w:r>", start) + len("</w:r>")
    return xml[:start] + before + xml[start:end] + after + xml[end:]


def _numbered(xml: str, level: str, number: str) -> str:
    start = xml.index("<w:pPr>", xml.index("<w:body>") + 2000) + len("<w:pPr>")
    return (
        xml[:start] + f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{number}"/>'
        "</w:numPr>" + xml[start:]
    )


def _document(edit: Callable[[str], str]) -> Mutation:
    def mutate(parts: dict[str, str]) -> None:
        parts["word/document.xml"] = edit(parts["word/document.xml"])

    return mutate


def _property(name: str, value: str) -> Mutation:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;")

    def mutate(parts: dict[str, str]) -> None:
        pattern = rf'(name="{re.escape(name)}"><vt:lpwstr>).*?(</vt:lpwstr>)'
        parts["docProps/custom.xml"] = re.sub(
            pattern, lambda m: m[1] + escaped + m[2], parts["docProps/custom.xml"], flags=re.S
        )

    return mutate


ODD_NUMBERS = {"superscript-two": "\u00b2", "5000-digits": "9" * 5000, "arabic-indic": "\u0661"}
CASES: dict[str, Mutation] = {}
for label, number in ODD_NUMBERS.items():
    CASES[f"revision-id-{label}"] = _document(
        lambda xml, n=number: _around_a_run(
            xml, f'<w:ins w:id="{n}" w:author="P" w:date="2026-01-01T00:00:00Z">', "</w:ins>"
        )
    )
    CASES[f"ilvl-{label}"] = _document(lambda xml, n=number: _numbered(xml, n, "1"))
    CASES[f"numid-{label}"] = _document(lambda xml, n=number: _numbered(xml, "0", n))
    CASES[f"comment-id-{label}"] = _document(
        lambda xml, n=number: _in_first_run(xml, f'<w:commentReference w:id="{n}"/>')
    )
    CASES[f"footnote-id-{label}"] = _document(
        lambda xml, n=number: _in_first_run(xml, f'<w:footnoteReference w:id="{n}"/>')
    )
for char in ("110000", "FFFFFFFF", "D800", "DFFF", "0000", "001B", "zz", "\u00b2"):
    CASES[f"sym-{char}"] = _document(
        lambda xml, c=char: _in_first_run(xml, f'<w:sym w:font="Symbol" w:char="{c}"/>')
    )
SHAPES = {
    "list": "[1, 2, 3]",
    "text": '"x"',
    "null": "null",
    "number": "NaN",
    "deep": "[" * 50_000 + "]" * 50_000,
    "400-digits": '{"dsagen": ' + "9" * 400 + "}",
    "5000-digits": "9" * 5000,
    "wrong-members": '{"clauses": 5, "template": {"a": [1]}}',
    "not-json": "{",
}
for name in ("dsagen.manifest", "dsagen.params"):
    for label, value in SHAPES.items():
        CASES[f"{name}-{label}"] = _property(name, value)


def _generate(folder: Path, partner: Path, *library: object) -> tuple[Path, str]:
    """PARTNER's agreement, generated into FOLDER and recorded in a registry of its own."""
    registry = f"sqlite:///{folder / 'registry.db'}"
    result = run_cli(
        "generate", partner, *library, "--format", "docx", "--out", folder, "--registry", registry
    )
    assert result.exit_code == 0, result.stderr
    return next((folder / partner.stem).glob("*.docx")), registry


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The gravy-uf agreement, generated and recorded in a registry of its own."""
    return _generate(tmp_path_factory.mktemp("issued"), PARTNER)


@pytest.fixture(scope="module")
def issued_mini(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The small library's agreement (the same package parts as gravy-uf's: numbering, styles,
    custom properties; a tenth of the text), generated and recorded likewise."""
    return _generate(tmp_path_factory.mktemp("issued-mini"), MINI_PARTNER, "--library", MINILIB)


def _mutated(issued: Path, mutation: Mutation) -> bytes:
    with zipfile.ZipFile(issued) as package:
        raw = {name: package.read(name) for name in package.namelist()}
    texts = {name: raw[name].decode() for name in ("word/document.xml", "docProps/custom.xml")}
    mutation(texts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in raw.items():
            package.writestr(name, texts[name].encode() if name in texts else data)
    return buffer.getvalue()


def _assert_handled(code: int, stderr: str) -> None:
    assert code in (0, 1, 2), stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    if code == 2:
        assert len(stderr.strip().splitlines()) == 1, stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_crafted_copy_gets_a_result_or_one_error_line_from_every_command(
    cli,
    tmp_path: Path,
    issued: tuple[Path, str],
    issued_mini: tuple[Path, str],
    case: str,
) -> None:
    # Crafted XML reads alike in any agreement, so it is tried on the small library's; what a
    # copy says of itself (dsagen.* properties) is linted against the shipped library's rules.
    reads_provenance = case.startswith("dsagen.")
    partner, library = (PARTNER, ()) if reads_provenance else (MINI_PARTNER, ("--library", MINILIB))
    standard, registry = issued if reads_provenance else issued_mini
    returned = tmp_path / "returned.docx"
    returned.write_bytes(_mutated(standard, CASES[case]))
    outputs = [tmp_path / "report.json", tmp_path / "report.html", tmp_path / "redline.docx"]
    code, _, stderr = cli(
        "diff",
        partner,
        returned,
        *library,
        "--json-file",
        outputs[0],
        "--html",
        outputs[1],
        "--redline",
        outputs[2],
    )
    _assert_handled(code, stderr)
    written = [path.exists() for path in outputs]
    assert all(written) if code in (0, 1) else not any(written), (code, written)
    commands = [("ingest", partner.stem, returned, *library, "--registry", registry)]
    if reads_provenance:  # the commands that read what a copy says of itself
        commands += [("lint", returned), ("verify", returned, "--registry", registry)]
    for command in commands:
        code, _, stderr = cli(*command)
        _assert_handled(code, stderr)


def test_a_diff_whose_last_output_fails_writes_none_of_them(
    cli, tmp_path: Path, issued: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dsagen.report.redline_docx as redline_docx

    def refuse(*_args: object, **_kwargs: object) -> bytes:
        raise DocumentError("cannot write this redline", path="returned.docx")

    monkeypatch.setattr(redline_docx, "render_redline", refuse)
    standard, _ = issued
    json_file, html, redline = (tmp_path / name for name in ("r.json", "r.html", "r.docx"))
    code, _, stderr = cli(
        "diff", PARTNER, standard, "--json-file", json_file, "--html", html, "--redline", redline
    )
    assert code == 2 and "cannot write this redline" in stderr
    assert not json_file.exists() and not html.exists() and not redline.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def test_a_failed_rename_puts_back_what_was_already_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.html"
    first.write_bytes(b"old a")
    real_replace = __import__("os").replace
    calls = []

    def failing_second(source: str, target: object) -> None:
        calls.append(target)
        if Path(str(target)) == second:
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr("dsagen.output.os.replace", failing_second)
    with pytest.raises(OutputError, match=r"b\.html: cannot write"):
        write_all([(first, b"new a"), (second, b"new b")], force=True)
    assert first.read_bytes() == b"old a" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_an_existing_output_stops_the_run_before_anything_is_written(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.html"
    second.write_bytes(b"keep")
    with pytest.raises(OutputError, match="already exists"):
        write_all([(first, b"a"), (second, b"b")], force=False)
    assert not first.exists() and second.read_bytes() == b"keep"


@pytest.mark.parametrize(
    "value",
    [v for k, v in SHAPES.items() if k != "wrong-members"],
    ids=[k for k in SHAPES if k != "wrong-members"],
)
def test_provenance_json_that_is_no_mapping_reads_as_absent(value: str) -> None:
    assert json_property({"dsagen.manifest": value}, "dsagen.manifest") is None


def test_provenance_json_as_dsagen_writes_it_reads_as_a_mapping() -> None:
    text = '{"clauses": ["a@1.0.0#standard"], "dsagen": 1, "template": "research-dsa"}'
    assert json_property({"m": text}, "m") == {
        "clauses": ["a@1.0.0#standard"],
        "dsagen": 1,
        "template": "research-dsa",
    }


def test_150_amplifying_headers_are_refused_naming_the_limit(
    tmp_path: Path, issued: tuple[Path, str]
) -> None:
    """486 KB on disk, 144 MB of header XML: refused before any header is parsed. Run as a
    user would, in a process of its own, under a memory and CPU bound far above what the
    refusal needs (about 1 s, 60 MB; bench/hostile.py measures it) and far below what reading
    every header took (82 s, 2.6 GB)."""
    import resource
    import subprocess
    import sys

    attack = tmp_path / "headers.docx"
    attack.write_bytes(many_headers(issued[0].read_bytes()))
    assert attack.stat().st_size < 600_000

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        resource.setrlimit(resource.RLIMIT_CPU, (60, 60))

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dsagen",
            "diff",
            str(PARTNER),
            str(attack),
            "--json-file",
            str(tmp_path / "report.json"),
        ],
        capture_output=True,
        text=True,
        preexec_fn=bounded,
        timeout=600,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        f"error: {attack}: too much XML: the parts to read add up to 13"
    ), result.stderr
    assert "(limit: 10 MB for all parts together)" in result.stderr
    assert not (tmp_path / "report.json").exists()


def test_a_document_with_more_text_than_the_limit_is_refused(
    issued: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import dsagen.read.docx as reader

    monkeypatch.setattr(reader, "MAX_DOCUMENT_CHARS", 1_000)
    with pytest.raises(
        DocumentError,
        match=r"too much text: [0-9,]+ characters in all parts "
        r"together \(limit: 1,000\)",
    ):
        reader.read_docx(issued[0])


@pytest.mark.parametrize(
    ("inserted", "shown", "named"),
    [
        (
            "\u202e{word}\u202c",
            "<U+202E>{word}<U+202C>",
            "U+202C (POP DIRECTIONAL FORMATTING), U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        ("{word}\u200b", "{word}<U+200B>", "U+200B (ZERO WIDTH SPACE)"),
    ],
)
def test_invisible_characters_in_a_returned_copy_are_a_deviation(
    cli, tmp_path: Path, issued: tuple[Path, str], inserted: str, shown: str, named: str
) -> None:
    word = "described"  # in "Data" means the data described in clause 3

    def hide(xml: str) -> str:
        start = xml.index(f" {word} ", xml.index("<w:body>")) + 1
        return xml[:start] + inserted.format(word=word) + xml[start + len(word) :]

    returned = tmp_path / "returned.docx"
    returned.write_bytes(_mutated(issued[0], _document(hide)))
    code, stdout, stderr = cli("diff", PARTNER, returned, "--json")
    assert code == 1, stderr
    changes = [
        (clause["severity"], change)
        for clause in json.loads(stdout)["clauses"]
        for change in clause["changes"]
        if change["op"] == "format"
    ]
    assert [
        (severity, change["negotiated"], change["detail"].split(":")[0])
        for severity, change in changes
    ] == [("approval", shown.format(word=word), f"inserted with {named}")]
