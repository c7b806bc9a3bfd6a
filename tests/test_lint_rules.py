"""Regulatory profiles are data: rules/*.yaml load into checked rules, every rule carries its
citation, and a mistake in a rule file fails with file, line and field."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dsagen.library import load_library
from dsagen.lint import RuleError, lint_partner, load_profiles
from dsagen.lint.rules import SEVERITIES
from tests.conftest import DATA, MINILIB, ROOT


def test_every_rule_carries_its_citation_element_and_severity() -> None:
    for profile in load_profiles(load_library()):
        assert profile.citation and profile.title and profile.applies_when
        for rule in profile.rules:
            assert rule.id.startswith(profile.id + ".")
            assert rule.citation.strip() and rule.element.strip()
            assert rule.severity in SEVERITIES


def test_there_is_one_profile_per_regime_a_partner_can_name() -> None:
    library = load_library()
    regimes = library.clause("preamble").params["regimes"].items.choices  # type: ignore[union-attr]
    assert {p.id for p in load_profiles(library)} == set(regimes) | {"coherence"}


def test_legal_rules_are_errors_and_cite_the_provision() -> None:
    citations = {r.id: r.citation for p in load_profiles(load_library()) for r in p.rules}
    assert all(r.severity == "error" for p in load_profiles(load_library()) for r in p.rules)
    assert citations["ferpa.destruction"] == "34 CFR 99.31(a)(6)(iii)(C)(4)"
    assert citations["hipaa_lds.no_reidentification"] == "45 CFR 164.514(e)(4)(ii)(C)(5)"
    assert citations["gdpr.processor_terms"] == "GDPR Art. 28(3)"
    assert citations["gdpr.storage_limitation"] == "GDPR Art. 5(1)(e)"


def test_rule_clauses_are_ones_a_template_can_include() -> None:
    library = load_library()
    included = {e.clause_id for t in library.templates.values() for e in t.entries}
    for profile in load_profiles(library):
        for rule in profile.rules:
            assert rule.clause is None or rule.clause in included, rule.id


def _library_with_rules(tmp_path: Path, text: str, name: str = "mini_rules") -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    (root / "rules").mkdir()
    (root / "rules" / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip())
    return root


GOOD = """
    id: mini_rules
    title: Mini retention law
    citation: Mini Act s. 1
    applies_when: "retention_months > 0"
    rules:
      - id: mini_rules.cap
        element: data kept no longer than four years
        citation: Mini Act s. 2
        clause: retention
        check:
          max: {retention_months: 48}
          text_present:
            - shall keep the Data for no longer than {{ retention_months | num_words }}
          text_absent:
            - regex: "keep an archive"
"""


def test_a_new_profile_is_a_yaml_file(tmp_path: Path) -> None:
    root = _library_with_rules(tmp_path, GOOD)
    library = load_library(root)
    [profile] = load_profiles(library)
    assert [r.id for r in profile.rules] == ["mini_rules.cap"]
    partner = tmp_path / "mini-partner.yaml"
    partner.write_text(
        (DATA / "partners" / "mini-partner.yaml")
        .read_text()
        .replace("retention_months: 48", "retention_months: 60")
    )
    report = lint_partner(partner, library)
    [finding] = report.errors
    assert (finding.rule, finding.citation, finding.parameter) == (
        "mini_rules.cap",
        "Mini Act s. 2",
        "retention_months",
    )
    assert finding.found == "retention_months = 60"
    assert "must be at most 48" in finding.required


@pytest.mark.parametrize(
    "old,new,message,line",
    [
        (
            "clause: retention",
            "clause: retension",
            "unknown clause 'retension' (did you mean 'retention'?)",
            9,
        ),
        (
            "max: {retention_months: 48}",
            "max: {retention_month: 48}",
            "unknown parameter 'retention_month'",
            11,
        ),
        (
            'applies_when: "retention_months > 0"',
            'applies_when: "retention_mnths > 0"',
            "unknown parameter 'retention_mnths'",
            4,
        ),
        (
            'applies_when: "retention_months > 0"',
            'applies_when: "issued.retentionmonths > 0"',
            "unknown parameter 'issued.retentionmonths'",
            4,
        ),
        (
            'regex: "keep an archive"',
            'regex: "keep an (archive"',
            "expected a regular expression",
            15,
        ),
        ("citation: Mini Act s. 2", "citation: ''", "expected text for 'citation'", 8),
        ("        clause: retention\n", "", "need the rule's 'clause'", 10),
        ("id: mini_rules.cap", "id: other.cap", "expected an id 'mini_rules.<name>'", 6),
        ("element: data", "severity: fatal\n        element: data", "expected a severity", 7),
        (
            "max: {retention_months: 48}",
            "maximum: {retention_months: 48}",
            "unknown key 'maximum' (did you mean 'max'?)",
            11,
        ),
        (
            "{{ retention_months | num_words }}",
            "{{ retention_months | num_words }",
            "expected a Jinja text",
            13,
        ),
        (
            "{{ retention_months | num_words }}",
            "{{ retention_months | num_word }}",
            "No filter named 'num_word'",
            13,
        ),
    ],
)
def test_a_mistake_in_a_rule_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, message: str, line: int
) -> None:
    assert old in GOOD
    root = _library_with_rules(tmp_path, GOOD.replace(old, new))
    with pytest.raises(RuleError) as caught:
        load_profiles(load_library(root))
    text = str(caught.value)
    assert message in text
    assert f"mini_rules.yaml:{line}" in text, text
    assert caught.value.exit_code == 2


def test_a_rule_id_defined_twice_is_refused(tmp_path: Path) -> None:
    twice = GOOD + (
        "      - id: mini_rules.cap\n"
        "        element: again\n"
        "        citation: Mini Act s. 3\n"
        "        check: {max: {retention_months: 60}}\n"
    )
    root = _library_with_rules(tmp_path, twice)
    with pytest.raises(RuleError, match=r"rule 'mini_rules.cap' is defined twice"):
        load_profiles(load_library(root))


def test_rule_files_of_the_project_are_listed_with_their_citations() -> None:
    files = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert files == [
        "cdla_open_data.yaml",
        "coherence.yaml",
        "ferpa.yaml",
        "gdpr.yaml",
        "hipaa_lds.yaml",
        "public_institution.yaml",
    ]
    for path in (ROOT / "rules").glob("*.yaml"):
        assert path.read_text().count("citation:") == 1 + path.read_text().count("  - id:")
