"""Acceptance for coherence (issue 11.1): every template, over a covering set of parameter
combinations (pairwise over enums and booleans, plus hypothesis), reads without a
contradiction that lint does not report as an error naming both clauses; the shipped examples
read without any; and each coherence rule fires when an edit brings its contradiction back.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsagen.assemble import Agreement, assemble
from dsagen.library import Library, load_library
from dsagen.lint import Finding, lint_partner, load_profiles
from dsagen.lint.api import lint_partner_params
from dsagen.lint.evaluate import evaluate_rules
from dsagen.lint.subject import partner_subject
from dsagen.partners import load_partner
from dsagen.textfilters import american, locale_of
from tests.budget import examples
from tests.coherence_cases import (
    READERS,
    Contradiction,
    contradictions,
    dimensions,
    pairwise,
    partner_data,
)
from tests.conftest import EXAMPLES

TEMPLATES = ("research-dsa", "data-license", "mutual-nda")
COHERENCE = ("coherence",)


@cache
def library() -> Library:
    return load_library()


@cache
def rows(template_id: str) -> tuple[dict[str, Any], ...]:
    return tuple(pairwise(dimensions(library(), template_id)))


def generate(
    template_id: str, combination: dict[str, Any], folder: Path
) -> tuple[Agreement, list[Finding]]:
    """Write the partner file, assemble it, and run lint's coherence rules on it."""
    path = folder / "partner.yaml"
    path.write_text(
        yaml.safe_dump(partner_data(template_id, combination), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    partner = load_partner(path, library())
    agreement = assemble(partner, library())
    return agreement, lint_partner_params(partner, library(), agreement=agreement, only=COHERENCE)


def shown(agreement: Agreement, clause_id: str) -> str:
    """How a finding must name a clause: its number as the document shows it, and its id."""
    number = next((s.number for s in agreement.sections if s.clause_id == clause_id), None)
    if number is None:
        title = next(s.title for s in agreement.sections if s.clause_id == clause_id)
        return rf"{re.escape(title)} \({clause_id}\)"
    return rf"clause {number}(\.\d+)?(\([a-z]+\))*(\([ivx]+\))? \({clause_id}\)"


def assert_reported(
    agreement: Agreement, findings: list[Finding], contradiction: Contradiction
) -> None:
    pair = {contradiction.clause, contradiction.other}
    naming = [
        f
        for f in findings
        if f.severity == "error" and f.profile == "coherence" and {f.clause, f.other} == pair
    ]
    assert naming, (
        f"{contradiction.name}: clauses {sorted(pair)} contradict each other and "
        f"lint says nothing; findings: {[(f.rule, f.found) for f in findings]}"
    )
    for finding in naming:
        for clause_id in pair:
            assert re.search(shown(agreement, clause_id), finding.found + finding.required), (
                finding.rule,
                clause_id,
                finding.found,
            )


def generated(template_id: str, combination: dict[str, Any]) -> tuple[Agreement, list[Finding]]:
    with tempfile.TemporaryDirectory() as folder:
        return generate(template_id, combination, Path(folder))


@cache
def generated_row(template_id: str, index: int) -> tuple[Agreement, list[Finding]]:
    """Row INDEX of the covering set, generated and linted once for the tests that read it."""
    return generated(template_id, rows(template_id)[index])


def check(agreement: Agreement, findings: list[Finding]) -> None:
    for contradiction in contradictions(agreement):
        assert_reported(agreement, findings, contradiction)


# -- the covering set -------------------------------------------------------------------------
@pytest.mark.parametrize("template_id", TEMPLATES)
def test_the_rows_cover_every_pair_of_values(template_id: str) -> None:
    dims = dimensions(library(), template_id)
    covered = {
        (a, repr(row[a]), b, repr(row[b]))
        for row in rows(template_id)
        for a, b in itertools.combinations(dims, 2)
    }
    for a, b in itertools.combinations(dims, 2):
        for va, vb in itertools.product(dims[a], dims[b]):
            assert (a, repr(va), b, repr(vb)) in covered


CASES = [(t, i) for t in TEMPLATES for i in range(len(rows(t)))]


@pytest.mark.parametrize("template_id,index", CASES, ids=[f"{t}-{i}" for t, i in CASES])
def test_no_contradiction_without_a_lint_error_naming_both_clauses(
    template_id: str, index: int
) -> None:
    check(*generated_row(template_id, index))


@st.composite
def combinations(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    template_id = draw(st.sampled_from(TEMPLATES))
    dims = dimensions(library(), template_id)
    return template_id, {name: draw(st.sampled_from(values)) for name, values in dims.items()}


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(combinations())
def test_random_combinations_are_coherent_or_refused(case: tuple[str, dict[str, Any]]) -> None:
    check(*generated(*case))


def test_parameter_contradictions_are_found_in_the_covering_set() -> None:
    """The covering set does meet the contradictions that values alone can produce, so the
    tests above exercise the rules rather than only coherent agreements."""
    seen: set[str] = set()
    for template_id in TEMPLATES:
        for index in range(len(rows(template_id))):
            agreement, _ = generated_row(template_id, index)
            seen |= {c.name for c in contradictions(agreement)}
    assert {
        "aggregation by the Provider, yet record-level data (or the reverse)",
        "a limited data set listing excluded identifiers",
        "a co-signatory that the agreement does not name",
    } <= seen


# -- the examples -----------------------------------------------------------------------------
@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_reads_without_contradiction_and_lints_clean(example: str) -> None:
    path = EXAMPLES / f"{example}.yaml"
    agreement = assemble(load_partner(path, library()), library())
    assert list(contradictions(agreement)) == []
    report = lint_partner(path, library())
    assert [(f.rule, f.found) for f in report.findings if f.severity != "info"] == []


# -- each rule fires on its contradiction ------------------------------------------------------
# (example, clause, sentence the library no longer writes, where it goes) for every rule: a
# negotiated copy, or a forced variant, that brings the contradiction back.
BROUGHT_BACK = [
    (
        "coherence.enclave_data_description",
        "yoda-clinical",
        "data_description",
        "the Recipient shall delete that information within five (5) days of the notice",
    ),
    (
        "coherence.enclave_deidentification",
        "yoda-clinical",
        "deidentification",
        "it shall stop using the affected Data, notify the Provider and delete or return them",
    ),
    (
        "coherence.enclave_retention",
        "yoda-clinical",
        "retention",
        "the Recipient shall securely destroy all Data held by it, and by cross-cut shredding",
    ),
    (
        "coherence.enclave_term",
        "yoda-clinical",
        "term",
        "the Recipient shall destroy the Data in accordance with clause 11",
    ),
    (
        "coherence.enclave_consent_withdrawal",
        "yoda-clinical",
        "ethics",
        "the Recipient shall stop using the Data relating to that student and shall destroy them",
    ),
    (
        "coherence.additional_fields",
        "linkedin-econ",
        "data_description",
        "the Recipient shall not request or accept, any other field or record.",
    ),
    ("coherence.aggregation_granularity", None, None, None),
    (
        "coherence.limited_data_set_fields",
        "yoda-clinical",
        "data_description",
        "comprising the following fields: patient name, visit date",
    ),
    (
        "coherence.pseudonym_key_consent",
        "district-aims",
        "ethics",
        "and shall give the Provider a list of the participating students' study codes",
    ),
    ("coherence.system_administrators", "meta-social", "prohibited_uses", None),
    ("coherence.system_administrators_hipaa", None, None, None),
    (
        "coherence.gdpr_breach_notice",
        "eu-mobility",
        "breach",
        "The Provider shall decide whether, when and how Individuals, regulators or other persons "
        "are informed of a Security Incident",
    ),
    (
        "coherence.transfer_frequency",
        "eu-mobility",
        "gdpr",
        "and the transfer is continuous for the duration of the Project",
    ),
    (
        "coherence.civil_law_liability",
        "eu-mobility",
        "liability",
        "Neither Party shall be liable to the other for any indirect or consequential loss",
    ),
    (
        "coherence.fee_timing",
        "eu-mobility",
        "fees",
        "The Provider shall invoice the Recipient in advance",
    ),
    ("coherence.open_data_representations", "ibm-open-climate", "liability", None),
    ("coherence.open_data_cap", "ibm-open-climate", "liability", None),
    (
        "coherence.cdla_permissive_attribution",
        "ibm-open-climate",
        "ip",
        "except to the extent that the Licence itself requires attribution to be preserved",
    ),
    ("coherence.co_signatory_named", None, None, None),
    (
        "coherence.nda_party_names",
        "acme-nda",
        "preamble",
        'Prairie Lakes University (the "Recipient")',
    ),
]


def agreement_locale(partner: Any) -> str:
    return locale_of(partner.values)


def brought_back(example: str, clause_id: str, sentence: str | None) -> list[Finding]:
    """The example's coherence findings once `sentence` is added to the clause (or, with None,
    once the clause's text is replaced by the sentence-less standard wording)."""
    partner = load_partner(EXAMPLES / f"{example}.yaml", library())
    subject = partner_subject(partner, library())
    text = subject.clauses[clause_id] or ""
    if sentence is not None and agreement_locale(partner) == "en-US":
        sentence = american(sentence)
    if sentence is None:  # the clause as it read before issue 11: without the new wording
        text = re.sub(
            r"(or a System Administrator within the limits of clause \d+|It does not "
            r"limit the Provider's liability[^.]*\.|USD 10,000)",
            "",
            text,
        )
    else:
        text = f"{text}\n{sentence}"
    subject.clauses[clause_id] = text
    return [f for f in evaluate_rules(subject, library(), only=COHERENCE) if f.severity == "error"]


def _partner_case(rule: str) -> list[Finding]:
    """Rules whose contradiction comes from values (or a forced variant), not from wording."""
    changes: dict[str, dict[str, Any]] = {
        "coherence.aggregation_granularity": {
            "template": "research-dsa",
            "deidentification_technique": "aggregation",
            "data_granularity": "limited_data_set",
        },
        "coherence.system_administrators_hipaa": {
            "template": "research-dsa",
            "data_categories": ["health_limited_data_set"],
            "data_granularity": "limited_data_set",
            "security_environment": "institutional_secure_environment",
            "variants": {"hipaa_lds": "standard", "security": "institutional"},
        },
        "coherence.co_signatory_named": {"template": "research-dsa", "co_signatory_named": False},
    }
    change = dict(changes[rule])
    template_id = change.pop("template")
    variants = change.pop("variants", None)
    with tempfile.TemporaryDirectory() as folder:
        data = partner_data(template_id, change)
        if variants:
            data["variants"] = variants
        path = Path(folder) / "p.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        partner = load_partner(path, library())
        subject = partner_subject(partner, library())
        if rule == "coherence.system_administrators_hipaa":
            subject.clauses["hipaa_lds"] = (subject.clauses["hipaa_lds"] or "").replace(
                "System Administrators", "administrators"
            )
        return [
            f for f in evaluate_rules(subject, library(), only=COHERENCE) if f.severity == "error"
        ]


@pytest.mark.parametrize(
    "rule,example,clause_id,sentence", BROUGHT_BACK, ids=[c[0] for c in BROUGHT_BACK]
)
def test_each_rule_fires_when_its_contradiction_comes_back(
    rule: str, example: str | None, clause_id: str | None, sentence: str | None
) -> None:
    if example is None or clause_id is None:
        findings = _partner_case(rule)
    else:
        findings = brought_back(example, clause_id, sentence)
    fired = [f for f in findings if f.rule == rule]
    assert fired, [(f.rule, f.found) for f in findings]
    finding = fired[0]
    assert finding.other and finding.clause
    assert f"({finding.clause})" in finding.found + finding.required
    assert f"({finding.other})" in finding.found + finding.required
    assert "clause '" not in finding.found + finding.required  # numbered, or by its heading


def test_every_coherence_rule_has_a_case() -> None:
    rules = {r.id for p in load_profiles(library()) if p.id == "coherence" for r in p.rules}
    assert rules == {case[0] for case in BROUGHT_BACK}
    assert {name for name, *_ in READERS}  # the reader knows the contradictions it looks for


def test_a_negotiated_copy_that_brings_a_contradiction_back_names_both_sub_clauses(
    tmp_path: Path,
) -> None:
    """Counsel puts the old breach-notice sentence back into a GDPR agreement under SCC Module
    One: lint on the returned DOCX names 7.5 (breach) and 9.6 (gdpr), as the copy numbers them."""
    from dsagen.review import lint_document
    from tests.test_lint_profiles import edited_docx, replace_text

    negotiated = edited_docx(
        tmp_path,
        EXAMPLES / "eu-mobility.yaml",
        "negotiated",
        replace_text(
            "Each Party, as a controller, decides on and makes any notification",
            "The Provider shall decide whether, when and how Individuals, regulators or other "
            "persons are informed of a Security Incident. Each Party, as a controller, decides on "
            "and makes any notification",
        ),
    )
    report = lint_document(negotiated, library())
    [finding] = [f for f in report.errors if f.rule == "coherence.gdpr_breach_notice"]
    assert finding.found.startswith("clause 7.5 (breach) says: 'The Provider shall decide")
    assert "while clause 9.6 (gdpr) says:" in finding.found and "Module One" in finding.found
