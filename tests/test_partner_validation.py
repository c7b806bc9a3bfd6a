"""Bad partner input gets one clear line naming file, line, field, expected and found."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dsagen.errors import PartnerError
from dsagen.library import load_library
from dsagen.partners import load_partner
from tests.conftest import MINILIB


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


BASE = """template: mini
agreement_reference: X-1
effective_date: 2026-03-01
provider_name: Provider Inc
recipient_name: State University
signatories:
  - {party: provider, organisation: P, name: A, title: CEO}
"""


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(PartnerError) as info:
        load_partner(_write(tmp_path, text), load_library(MINILIB))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_valid_partner_fills_defaults(tmp_path: Path) -> None:
    partner = load_partner(_write(tmp_path, BASE), load_library(MINILIB))
    assert partner.values["retention_months"] == 36
    assert partner.included == ("preamble", "retention", "signatures")


def test_unknown_key_suggests_the_parameter_meant(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "retention_monts: 48\n")
    assert "p.yaml:8" in message and "retention_monts" in message
    assert "did you mean 'retention_months'" in message


def test_missing_required_parameter_is_named(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.replace("provider_name: Provider Inc\n", ""))
    assert "missing required parameter 'provider_name'" in message


def test_value_out_of_bounds_says_expected_and_found(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "retention_months: 500\n")
    assert "p.yaml:8" in message and "field 'retention_months'" in message
    assert "from 1 to 120" in message and "found 500" in message


def test_wrong_type_is_reported(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "retention_months: thirty\n")
    assert "expected a whole number" in message and "'thirty'" in message


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "retention_months: [36\n")
    assert "malformed YAML" in message and "p.yaml:" in message


def test_enum_typo_gets_a_suggestion(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "institution_type: public_univrsity\n")
    assert "did you mean 'public_university'" in message


def test_nested_list_error_points_at_the_item(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "  - {party: recipient, organisation: U, name: B}\n")
    assert "signatories[1]" in message and "missing required key 'title'" in message
    assert "p.yaml:8" in message


def test_unknown_key_in_a_nested_mapping_names_the_key_meant(tmp_path: Path) -> None:
    message = _error(
        tmp_path, BASE + "  - {party: recipient, organisation: U, name: B, titel: D}\n"
    )
    assert "p.yaml:8, field 'signatories[1].titel'" in message
    assert "did you mean 'title'" in message and "expected one of party," in message


def test_bad_date_is_reported(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.replace("2026-03-01", "March 1st"))
    assert "expected a date (YYYY-MM-DD)" in message and "effective_date" in message


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2028-02-30", "February 2028 has 29 days"),
        ("2026-13-01", "there is no month 13"),
        ("2026-12-00", "December 2026 has 31 days"),
    ],
)
def test_impossible_calendar_date_is_a_field_error_not_a_crash(
    tmp_path: Path, day: str, reason: str
) -> None:
    message = _error(tmp_path, BASE.replace("2026-03-01", day))
    assert "p.yaml:3" in message and "field 'effective_date'" in message
    assert f"found '{day}' ({reason})" in message


def test_unknown_template_is_reported(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE.replace("template: mini", "template: minni"))
    assert "unknown template 'minni'" in message and "did you mean 'mini'" in message


def test_unknown_variant_is_reported(tmp_path: Path) -> None:
    message = _error(tmp_path, BASE + "variants: {retention: archiv}\n")
    assert "variants.retention" in message and "did you mean 'archive'" in message


def test_empty_file_is_reported(tmp_path: Path) -> None:
    assert "empty file" in _error(tmp_path, "")


def test_duplicate_key_is_reported(tmp_path: Path) -> None:
    assert "duplicate key 'provider_name'" in _error(tmp_path, BASE + "provider_name: Other\n")


def test_a_pattern_is_explained_in_words_not_as_a_regex(tmp_path: Path) -> None:
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "gravy-uf.yaml").read_text()
    text = re.sub(
        r"(?m)^notice_email_provider:.*$", "notice_email_provider: legal at waypoint", text
    )
    with pytest.raises(PartnerError) as info:
        load_partner(_write(tmp_path, text), load_library())
    message = str(info.value)
    assert "field 'notice_email_provider': expected an email address" in message
    assert "[^@" not in message and "found 'legal at waypoint'" in message
