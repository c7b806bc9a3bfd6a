"""One review path: the same returned copy gets the same grades from `diff`, `lint` and `ingest`;
ingest checks that a copy is the named partner's; a copy's own properties only point to what
was issued, and dsagen's signature on them shows when they were edited."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import edit_body
from tests.test_lint_profiles import (
    delete_paragraph,
    insert_paragraph_after,
    issued_docx,
    partner_variant,
    replace_text,
)

NO_CONTACT = "not identify the information or contact"
NO_INDEMNITY = "No Party gives any indemnity under this Agreement."
INDEMNITY = (
    "The Recipient shall indemnify the Provider against all claims arising from the "
    "Recipient's use of the Data."
)
BROKEN = {"hipaa_lds.no_reidentification", "public_institution.no_indemnity"}


def _public_hipaa_partner(folder: Path, name: str = "bayou-health") -> Path:
    """A public university receiving a HIPAA limited data set (its own State's law and courts
    govern, so the example's governing law and venue are left out: they would not apply)."""
    return partner_variant(
        folder,
        "yoda-clinical",
        name,
        {
            "institution_type": "public_university",
            "recipient_state": "Louisiana",
            "recipient_entity": "a public university of the State of Louisiana",
        },
        drop=("governing_law", "venue"),
    )


def _generate(cli, partner: Path, out: Path) -> bytes:
    """`dsagen generate` as a user runs it (recording into the test's registry)."""
    code, _, stderr = cli("generate", partner, "--out", out, "--format", "docx")
    assert code == 0, stderr
    [docx] = (out / partner.stem).glob("*.docx")
    return docx.read_bytes()


def _hipaa_and_indemnity(issued: bytes) -> bytes:
    """The copy of the brief: the no-re-identification item deleted, an indemnity given by the
    public university added (a partner editing without tracking)."""

    def change(body: etree._Element) -> None:
        delete_paragraph(NO_CONTACT)(body)
        insert_paragraph_after(NO_INDEMNITY, INDEMNITY)(body)

    return edit_body(issued, change)


@pytest.fixture
def returned(cli, tmp_path: Path) -> tuple[Path, Path]:
    partner = _public_hipaa_partner(tmp_path)
    copy = tmp_path / "returned.docx"
    copy.write_bytes(_hipaa_and_indemnity(_generate(cli, partner, tmp_path / "out")))
    return partner, copy


def test_diff_lint_and_ingest_grade_the_rule_breaking_copy_walk_away_alike(
    cli, returned: tuple[Path, Path]
) -> None:
    partner, copy = returned
    code, stdout, _ = cli("diff", partner, copy, "--json")
    assert code == 1
    diffed = json.loads(stdout)
    assert diffed["worst_severity"] == "walk-away"
    assert {r["rule"] for c in diffed["clauses"] for r in c["rules"]} == BROKEN
    walk_away = {c["id"] for c in diffed["clauses"] if c["severity"] == "walk-away"}
    assert walk_away == {"hipaa_lds", "liability"}
    assert diffed["provenance"]["verified"]

    code, stdout, _ = cli("lint", copy, "--json")
    assert code == 1
    [linted] = json.loads(stdout)["files"]
    assert {f["rule"] for f in linted["findings"] if f["severity"] == "error"} == BROKEN
    assert linted["provenance"]["status"] == "registry"

    code, stdout, stderr = cli("ingest", partner.stem, copy, "--json")
    assert code == 0, stderr
    ingested = json.loads(stdout)
    assert ingested["worst_severity"] == "walk-away"
    assert {
        d["clause"] for d in ingested["deviations"] if d["position"] == "walk-away"
    } == walk_away
    assert ingested["provenance"]["status"] == "registry"


def test_a_copy_ingested_under_another_partner_is_refused_naming_both(
    cli, tmp_path: Path, returned: tuple[Path, Path]
) -> None:
    _, copy = returned
    other = _public_hipaa_partner(tmp_path, "gravy-health")
    _generate(cli, other, tmp_path / "out")
    code, stdout, stderr = cli("ingest", "gravy-health", copy)
    assert code == 2 and stdout == ""
    assert "'bayou-health'" in stderr and "'gravy-health'" in stderr and "--force" in stderr
    assert len(stderr.strip().splitlines()) == 1
    events = json.loads(cli("history", "gravy-health", "--json")[1])["events"]
    assert not [e for e in events if e["kind"] == "received"]

    code, stdout, stderr = cli("ingest", "gravy-health", copy, "--force", "--json")
    assert code == 0, stderr
    assert any("identity check overridden" in w for w in json.loads(stdout)["warnings"])
    events = json.loads(cli("history", "gravy-health", "--json")[1])["events"]
    assert any(
        "identity check overridden (--force)" in (e.get("note") or "")
        and "bayou-health" in e["note"]
        for e in events
    )


# -- the copy's own properties only point ---------------------------------------------------------


def _forge(docx: bytes, change: dict[str, tuple[str, str]]) -> bytes:
    """The DOCX with text replaced in its custom properties (name -> (old, new))."""
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    custom = parts["docProps/custom.xml"].decode()
    for name, (old, new) in change.items():
        pattern = re.compile(rf'(name="{re.escape(name)}"><vt:lpwstr>)([^<]*)')
        value = pattern.search(custom)
        assert value is not None and old in value.group(2), name
        custom = custom.replace(
            value.group(0), value.group(1) + value.group(2).replace(old, new), 1
        )
    parts["docProps/custom.xml"] = custom.encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, blob in parts.items():
            package.writestr(name, blob)
    return buffer.getvalue()


def _one_day_review(tmp_path: Path) -> Path:
    """The brief's forged copy: publication_review_days set to 1 in the text and in the
    dsagen.params property that claims what was issued."""
    partner = Path(__file__).resolve().parents[1] / "examples" / "partners" / "gravy-uf.yaml"
    edited = edit_body(
        issued_docx(partner),
        replace_text(
            "At least thirty (30) days before submitting", "At least one (1) days before submitting"
        ),
    )
    forged = tmp_path / "forged.docx"
    forged.write_bytes(
        _forge(
            edited,
            {"dsagen.params": ('"publication_review_days":30', '"publication_review_days":1')},
        )
    )
    return forged


def test_lint_never_trusts_forged_provenance(cli, tmp_path: Path) -> None:
    forged = _one_day_review(tmp_path)
    _, stdout, _ = cli("lint", forged, "--json")
    [report] = json.loads(stdout)["files"]
    assert report["provenance"]["status"] == "unverified"
    assert "tampered" in report["provenance"]["detail"]
    assert any("provenance not verified" in note for note in report["notes"])
    [finding] = [f for f in report["findings"] if f["parameter"] == "publication_review_days"]
    assert "walk-away" in finding["found"] and "publication_review_days = 1" in finding["found"]
    _code, stdout, _ = cli("lint", forged)
    assert "provenance not verified" in stdout


def test_diff_says_when_the_standard_docx_is_unverified(cli, tmp_path: Path) -> None:
    forged = _one_day_review(tmp_path)
    _code, stdout, _ = cli("diff", forged, forged, "--json")
    report = json.loads(stdout)
    assert report["provenance"]["status"] == "unverified"
    assert any(w.startswith("provenance not verified") for w in report["warnings"])


def test_signed_untouched_properties_are_trusted_edited_ones_are_not(tmp_path: Path) -> None:
    from dsagen.provenance import SIGNATURE, check_signature
    from dsagen.read.docx import read_docx

    partner = Path(__file__).resolve().parents[1] / "examples" / "partners" / "gravy-uf.yaml"
    issued = issued_docx(partner)
    properties = read_docx(issued).custom_properties
    assert properties[SIGNATURE].startswith("hmac-sha256:")
    assert check_signature(properties).valid
    edited = {**properties, "dsagen.partner": "someone-else"}
    assert not check_signature(edited).valid
    assert "tampered" in check_signature(edited).reason
    unsigned = {k: v for k, v in properties.items() if k != SIGNATURE}
    assert "no signature" in check_signature(unsigned).reason


def test_the_signing_key_is_made_once_private_and_beside_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsagen import provenance

    monkeypatch.delenv("DSAGEN_SIGNING_KEY")
    monkeypatch.setenv("DSAGEN_REGISTRY", f"sqlite:///{tmp_path / 'reg' / 'registry.db'}")
    assert provenance.key_path() == tmp_path / "reg" / "signing.key"
    assert provenance.signing_key(create=False) is None
    first = provenance.sign_properties({"dsagen.partner": "a"})
    key = tmp_path / "reg" / "signing.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert provenance.sign_properties({"dsagen.partner": "a"}) == first  # same key, same mark
    key.chmod(0o644)
    provenance._KEYS.clear()
    with pytest.raises(provenance.SigningKeyError, match="chmod 600"):
        provenance.sign_properties({"dsagen.partner": "a"})


def test_a_signing_key_is_never_visible_before_it_is_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """generate's workers race to make the key: one that finds the file must find a key."""
    from dsagen import provenance

    key = tmp_path / "signing.key"
    made = provenance.secrets.token_hex

    def token_hex(size: int) -> str:
        assert not key.exists(), "the key file is visible before its key is written"
        return made(size)

    monkeypatch.setattr(provenance.secrets, "token_hex", token_hex)
    provenance._create_key(key)
    winner = provenance._read_key(key)
    assert len(winner) == provenance.KEY_BYTES
    monkeypatch.setattr(provenance.secrets, "token_hex", made)
    provenance._create_key(key)  # the loser of the race keeps the winner's key
    assert provenance._read_key(key) == winner
    assert [p.name for p in tmp_path.iterdir()] == ["signing.key"]


def test_verify_does_not_follow_forged_properties(cli, tmp_path: Path) -> None:
    first = _public_hipaa_partner(tmp_path, "first-partner")
    second = _public_hipaa_partner(tmp_path, "second-partner")
    _generate(cli, first, tmp_path / "out")
    _generate(cli, second, tmp_path / "out")
    [docx] = (tmp_path / "out" / "first-partner").glob("*.docx")
    forged = tmp_path / "forged.docx"
    forged.write_bytes(
        _forge(
            edit_body(
                docx.read_bytes(),
                replace_text(NO_CONTACT, "not try to identify the information or contact"),
            ),
            {"dsagen.partner": ("first-partner", "second-partner")},
        )
    )
    code, stdout, _ = cli("verify", forged, "--json")
    assert code == 1
    result = json.loads(stdout)
    assert result["provenance"]["verified"] is False
    assert result["derived_from"]["found_by"] != "document properties"
    code, stdout, _ = cli("verify", forged)
    assert "provenance not verified" in stdout and "tampered" in stdout


# -- ingest many ---------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_ingest_many_records_every_good_copy_and_reports_each_bad_one(
    cli, tmp_path: Path, jobs: int
) -> None:
    copies = tmp_path / "returned"
    copies.mkdir()
    for name in ("first-partner", "second-partner"):
        partner = _public_hipaa_partner(tmp_path, name)
        (copies / f"{name}.docx").write_bytes(
            _hipaa_and_indemnity(_generate(cli, partner, tmp_path / "out"))
        )
    (copies / "notes.docx").write_text("not a zip")
    if jobs > 1:  # enough files for the workers to start: copies of a copy, recorded once
        for n in range(3):
            (copies / f"first-partner-{n}.docx").write_bytes(
                (copies / "first-partner.docx").read_bytes()
            )
    code, stdout, stderr = cli("ingest", "--auto", copies, "--json", "--jobs", str(jobs))
    assert code == 2
    report = json.loads(stdout)
    assert report["summary"] == {"recorded": 2, "duplicate": 3 if jobs > 1 else 0, "failed": 1}
    by_file = {Path(f["file"]).name: f for f in report["files"]}
    assert by_file["first-partner.docx"]["partner"] == "first-partner"
    assert by_file["second-partner.docx"]["worst_severity"] == "walk-away"
    assert "not a DOCX file" in by_file["notes.docx"]["error"]
    assert "notes.docx" in stderr and "not a DOCX file" in stderr

    code, stdout, _ = cli(
        "ingest", "first-partner", copies / "first-partner.docx", copies / "second-partner.docx"
    )
    assert code == 2  # the second is another partner's copy (already recorded as such)
    assert "already recorded as version 1" in stdout
    code, stdout, _ = cli(
        "ingest", "--auto", copies / "first-partner.docx", copies / "second-partner.docx"
    )
    assert code == 0 and stdout.count("already recorded") == 2
    assert "2 of 2 file(s)" in stdout
