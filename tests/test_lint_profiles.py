"""Acceptance for each regulatory profile: the compliant example lints clean, and each variant
with one required element missing or contradicted fires exactly that rule.

Partner variants change the example's YAML; document variants edit the DOCX generated from the
example (lxml on word/document.xml), the way a partner's counsel would edit the returned copy.
`dsagen diff` must mark the same change walk-away and name the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
import yaml
from lxml import etree

from dsagen.assemble import assemble
from dsagen.library import load_library
from dsagen.lint import Finding, LintReport, lint_partner, load_profiles
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from dsagen.review import compare_files, lint_document
from tests.conftest import EXAMPLES, edit_body, needs_soffice

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# The example partner that models each profile.
PROFILE_EXAMPLES = {
    "ferpa": "district-aims",
    "hipaa_lds": "yoda-clinical",
    "gdpr": "eu-mobility",
    "cdla_open_data": "ibm-open-climate",
    "public_institution": "gravy-uf",
}


# -- factories ------------------------------------------------------------------------------
def partner_variant(
    folder: Path, example: str, name: str, changes: dict | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """A copy of an example partner file with some values changed or left out."""
    data = yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text(encoding="utf-8"))
    for key in drop:
        del data[key]
    data.update(changes or {})
    target = folder / f"{name}.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


@lru_cache(maxsize=16)
def issued_docx(partner: Path) -> bytes:
    """The DOCX dsagen issues for a partner file (with its provenance)."""
    library = load_library()
    return render_docx(assemble(load_partner(partner, library), library))


def _text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(W + "t"))


def _only(body: etree._Element, containing: str) -> etree._Element:
    hits = [p for p in body.iter(W + "p") if containing in _text(p)]
    assert len(hits) == 1, f"{len(hits)} paragraphs contain {containing!r}"
    return hits[0]


def delete_paragraph(containing: str) -> Callable[[etree._Element], None]:
    def change(body: etree._Element) -> None:
        paragraph = _only(body, containing)
        paragraph.getparent().remove(paragraph)

    return change


def replace_text(old: str, new: str) -> Callable[[etree._Element], None]:
    """Rewrite one paragraph's text (its runs collapse into the first one)."""

    def change(body: etree._Element) -> None:
        paragraph = _only(body, old)
        texts = list(paragraph.iter(W + "t"))
        texts[0].text = _text(paragraph).replace(old, new)
        texts[0].set(XML_SPACE, "preserve")
        for extra in texts[1:]:
            extra.text = ""

    return change


def insert_paragraph_after(containing: str, text: str) -> Callable[[etree._Element], None]:
    def change(body: etree._Element) -> None:
        paragraph = _only(body, containing)
        new = etree.SubElement(paragraph.getparent(), W + "p")
        paragraph.addnext(new)
        run = etree.SubElement(new, W + "r")
        etree.SubElement(run, W + "t").text = text

    return change


def delete_clause(clause_id: str) -> Callable[[etree._Element], None]:
    """Remove a clause: its anchored heading and every paragraph up to the next heading."""

    def change(body: etree._Element) -> None:
        doomed, inside = [], False
        for element in list(body):
            names = [s.get(W + "name", "") for s in element.iter(W + "bookmarkStart")]
            if any(n.startswith("_dsa_") for n in names):
                inside = any(n.startswith(f"_dsa_{clause_id}__") for n in names)
            if inside and element.tag != W + "sectPr":
                doomed.append(element)
        assert doomed, f"no clause {clause_id}"
        for element in doomed:
            body.remove(element)

    return change


def edited_docx(
    folder: Path, partner: Path, name: str, change: Callable[[etree._Element], None]
) -> Path:
    """The issued DOCX of `partner`, edited by `change` and saved as `name`.docx."""
    target = folder / f"{name}.docx"
    target.write_bytes(edit_body(issued_docx(partner), change))
    return target


def regulatory(report: LintReport) -> set[str]:
    """Regulatory findings; coherence between clauses is tested in test_coherence.py (a
    forced variant may also contradict another clause)."""
    return {f.rule for f in report.findings if f.profile not in ("playbook", "coherence")}


def errors(report: LintReport) -> set[str]:
    return {f.rule for f in report.errors if f.profile != "coherence"}


def rule_citation(rule_id: str) -> str:
    return next(
        r.citation for p in load_profiles(load_library()) for r in p.rules if r.id == rule_id
    )


def assert_only(report: LintReport, rule: str) -> Finding:
    """The rule fires, as an error, and no other regulatory rule does."""
    assert regulatory(report) == {rule}, [(f.rule, f.found) for f in report.findings]
    assert errors(report) == {rule}
    finding = next(f for f in report.findings if f.rule == rule)
    assert finding.citation == rule_citation(rule)
    assert finding.found and finding.required and finding.element
    assert finding.severity == "error"
    return finding


# -- compliant partners ---------------------------------------------------------------------
@pytest.mark.parametrize("example", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_partner_lints_clean(example: str) -> None:
    report = lint_partner(EXAMPLES / f"{example}.yaml", load_library())
    assert [(f.rule, f.found) for f in report.findings if f.severity != "info"] == []


@pytest.mark.parametrize("profile,example", sorted(PROFILE_EXAMPLES.items()))
def test_each_profile_has_an_example_that_names_its_regime_and_applies_it(
    profile: str, example: str
) -> None:
    path = EXAMPLES / f"{example}.yaml"
    assert profile in yaml.safe_load(path.read_text())["regimes"]
    assert profile in lint_partner(path, load_library()).profiles


@pytest.mark.parametrize("example", sorted(set(PROFILE_EXAMPLES.values())))
def test_the_issued_docx_of_each_profile_example_lints_clean(example: str, tmp_path: Path) -> None:
    issued = tmp_path / "issued.docx"
    issued.write_bytes(issued_docx(EXAMPLES / f"{example}.yaml"))
    report = lint_document(issued, load_library())
    assert report.findings == []
    assert set(report.profiles) == set(
        yaml.safe_load((EXAMPLES / f"{example}.yaml").read_text())["regimes"]
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"gdpr_role": "processor"},
        {"gdpr_role": "joint_controller"},
        {"recipient_outside_eea": True, "transfer_mechanism": "adequacy_decision"},
        {"recipient_outside_eea": False, "transfer_mechanism": "none"},
    ],
    ids=["processor", "joint-controller", "adequacy", "inside-eea"],
)
def test_gdpr_role_and_transfer_alternatives_are_compliant(changes: dict, tmp_path: Path) -> None:
    path = partner_variant(tmp_path, "eu-mobility", "eu-variant", changes)
    assert regulatory(lint_partner(path, load_library())) == set()


# -- partner variants: one element missing or contradicted ----------------------------------
PARTNER_VARIANTS = [
    # FERPA (district-aims)
    ("ferpa.destruction", "district-aims", {}, ("ferpa_destruction_days",)),
    ("ferpa.purpose_scope", "district-aims", {}, ("research_purpose",)),
    ("ferpa.information", "district-aims", {}, ("datasets",)),
    ("ferpa.use_limited", "district-aims", {"follow_up_studies": True}, ()),
    ("ferpa.use_limited", "district-aims", {"commercial_use": True}, ()),
    ("ferpa.agreement", "gravy-uf", {"regimes": ["ferpa", "public_institution"]}, ()),
    # HIPAA limited data set (yoda-clinical)
    (
        "hipaa_lds.agreement",
        "yoda-clinical",
        {"data_categories": ["platform_data"], "data_granularity": "de_identified"},
        (),
    ),
    ("hipaa_lds.no_direct_identifiers", "yoda-clinical", {"data_granularity": "identified"}, ()),
    ("hipaa_lds.permitted_uses", "yoda-clinical", {"commercial_use": True}, ()),
    ("hipaa_lds.covered_entity", "yoda-clinical", {}, ("hipaa_covered_entity",)),
    # GDPR (eu-mobility)
    ("gdpr.agreement", "eu-mobility", {"data_categories": ["location_data"]}, ()),
    ("gdpr.purpose_limitation", "eu-mobility", {"commercial_use": True}, ()),
    ("gdpr.research_safeguards", "eu-mobility", {"data_granularity": "identified"}, ()),
    ("gdpr.transfer_mechanism", "eu-mobility", {"transfer_mechanism": "none"}, ()),
    ("gdpr.supervisory_authority", "eu-mobility", {}, ("gdpr_supervisory_authority",)),
    (
        "gdpr.processor_terms",
        "eu-mobility",
        {"gdpr_role": "processor", "variants": {"gdpr": "standard"}},
        (),
    ),
    (
        "gdpr.joint_arrangement",
        "eu-mobility",
        {"gdpr_role": "joint_controller", "variants": {"gdpr": "standard"}},
        (),
    ),
    # Open data under CDLA (ibm-open-climate)
    ("cdla_open_data.no_personal_data", "ibm-open-climate", {"contains_personal_data": True}, ()),
    ("cdla_open_data.licence", "ibm-open-climate", {"licence": "bespoke"}, ()),
    ("cdla_open_data.licence_text", "ibm-open-climate", {"variants": {"licence": "standard"}}, ()),
    (
        "cdla_open_data.no_personal_categories",
        "gravy-uf",
        {"licence": "CDLA-Permissive-2.0", "regimes": ["cdla_open_data", "public_institution"]},
        (),
    ),
    # Public institution (gravy-uf)
    ("public_institution.no_indemnity", "gravy-uf", {"variants": {"liability": "standard"}}, ()),
    (
        "public_institution.governing_law",
        "gravy-uf",
        {"variants": {"governing_law": "standard"}},
        (),
    ),
    (
        "public_institution.no_foreign_law",
        "gravy-uf",
        {"recipient_state": "", "variants": {"governing_law": "standard"}},
        (),
    ),
]


@pytest.mark.parametrize(
    "rule,example,changes,drop",
    PARTNER_VARIANTS,
    ids=[f"{v[0]}-{i}" for i, v in enumerate(PARTNER_VARIANTS)],
)
def test_partner_variant_fires_exactly_its_rule(
    rule: str, example: str, changes: dict, drop: tuple[str, ...], tmp_path: Path
) -> None:
    path = partner_variant(tmp_path, example, "variant", changes, drop)
    assert_only(lint_partner(path, load_library()), rule)


def test_a_ferpa_partner_without_a_destruction_period_names_rule_citation_and_parameter(
    tmp_path: Path,
) -> None:
    path = partner_variant(tmp_path, "district-aims", "no-period", drop=("ferpa_destruction_days",))
    report = lint_partner(path, load_library())
    finding = assert_only(report, "ferpa.destruction")
    assert (finding.clause, finding.parameter) == ("ferpa", "ferpa_destruction_days")
    assert finding.citation == "34 CFR 99.31(a)(6)(iii)(C)(4)"
    assert "required but not given" in finding.found
    assert "within a time period" in finding.required
    assert report.notes and "ferpa_destruction_days" in report.notes[0]


def test_a_contradicting_value_is_reported_with_its_line(tmp_path: Path) -> None:
    path = partner_variant(tmp_path, "district-aims", "follow-up", {"follow_up_studies": True})
    finding = assert_only(lint_partner(path, load_library()), "ferpa.use_limited")
    assert finding.parameter == "follow_up_studies"
    assert finding.found == "follow_up_studies = true"
    line = path.read_text().splitlines()[finding.line - 1]
    assert line.startswith("follow_up_studies:")


# -- document variants: the negotiated copy drops or contradicts an element -----------------
DOCUMENT_VARIANTS = [
    # FERPA
    ("ferpa.agreement", "district-aims", delete_clause("ferpa")),
    (
        "ferpa.purpose_scope",
        "district-aims",
        delete_paragraph("the scope of the study is limited to"),
    ),
    ("ferpa.duration", "district-aims", delete_paragraph("the study begins on the Effective Date")),
    (
        "ferpa.information",
        "district-aims",
        delete_paragraph("the information to be disclosed is limited to"),
    ),
    (
        "ferpa.use_limited",
        "district-aims",
        replace_text(
            "only to meet the purpose of the study stated in this clause, and for no other purpose",
            "for the study and for any other research it undertakes",
        ),
    ),
    (
        "ferpa.no_identification",
        "district-aims",
        delete_paragraph("does not permit the personal identification"),
    ),
    (
        "ferpa.destruction",
        "district-aims",
        replace_text(
            "and in any event within thirty (30) days after the earlier of the completion of the "
            "study and the end of the Term, ",
            "",
        ),
    ),
    # HIPAA limited data set
    ("hipaa_lds.agreement", "yoda-clinical", delete_clause("hipaa_lds")),
    (
        "hipaa_lds.permitted_uses",
        "yoda-clinical",
        delete_paragraph("may use and disclose the limited data set only for research"),
    ),
    ("hipaa_lds.who_may_use", "yoda-clinical", delete_paragraph("may be used or received only by")),
    (
        "hipaa_lds.no_further_disclosure",
        "yoda-clinical",
        delete_paragraph("not use or further disclose the limited data set"),
    ),
    (
        "hipaa_lds.safeguards",
        "yoda-clinical",
        delete_paragraph("use appropriate administrative, physical and technical safeguards"),
    ),
    (
        "hipaa_lds.reporting",
        "yoda-clinical",
        delete_paragraph("report to the Provider any use or disclosure"),
    ),
    ("hipaa_lds.agents_bound", "yoda-clinical", delete_paragraph("ensure that any agent")),
    (
        "hipaa_lds.no_reidentification",
        "yoda-clinical",
        delete_paragraph("not identify the information or contact"),
    ),
    # GDPR
    ("gdpr.agreement", "eu-mobility", delete_clause("gdpr")),
    (
        "gdpr.purpose_limitation",
        "eu-mobility",
        replace_text(
            "shall process the personal data only for the Project, which is scientific research",
            "may process the personal data for the Project and for its other purposes",
        ),
    ),
    (
        "gdpr.storage_limitation",
        "eu-mobility",
        delete_paragraph("in a form that permits the identification of data subjects"),
    ),
    (
        "gdpr.research_safeguards",
        "eu-mobility",
        delete_paragraph("de-identified or pseudonymised form described in"),
    ),
    (
        "gdpr.transfer_mechanism",
        "eu-mobility",
        delete_paragraph("the Parties enter into the standard contractual clauses"),
    ),
    # Open data under CDLA
    (
        "cdla_open_data.no_personal_data",
        "ibm-open-climate",
        delete_paragraph("the Data contain no information relating to an identified"),
    ),
    (
        "cdla_open_data.licence_text",
        "ibm-open-climate",
        delete_paragraph("A Data Recipient may share Data, with or without modifications"),
    ),
    # Public institution
    (
        "public_institution.no_indemnity",
        "gravy-uf",
        insert_paragraph_after(
            "No Party gives any indemnity under this Agreement.",
            "The Recipient shall indemnify the Provider against all claims arising from the "
            "Recipient's use of the Data.",
        ),
    ),
    (
        "public_institution.governing_law",
        "gravy-uf",
        replace_text(
            "governed by the laws of the State of Florida",
            "governed by the laws of the State of Delaware",
        ),
    ),
]


@pytest.mark.parametrize(
    "rule,example,change", DOCUMENT_VARIANTS, ids=[v[0] for v in DOCUMENT_VARIANTS]
)
def test_negotiated_copy_fires_exactly_its_rule_and_diff_marks_it_walk_away(
    rule: str, example: str, change: Callable[[etree._Element], None], tmp_path: Path
) -> None:
    partner = EXAMPLES / f"{example}.yaml"
    negotiated = edited_docx(tmp_path, partner, "negotiated", change)
    finding = assert_only(lint_document(negotiated, load_library()), rule)
    comparison, _, _ = compare_files(partner, negotiated, library=load_library())
    marked = [c for c in comparison.clauses if c.rules]
    assert [r.rule for c in marked for r in c.rules] == [rule]
    assert marked[0].severity == "walk-away" and marked[0].substantive
    assert marked[0].rules[0].citation == finding.citation
    assert any(rule in note for note in marked[0].notes)


def test_gdpr_processor_copy_that_drops_the_audit_right_breaks_art_28(tmp_path: Path) -> None:
    partner = partner_variant(tmp_path, "eu-mobility", "eu-processor", {"gdpr_role": "processor"})
    negotiated = edited_docx(
        tmp_path, partner, "negotiated", delete_paragraph("allow for and contribute to audits")
    )
    finding = assert_only(lint_document(negotiated, load_library()), "gdpr.processor_terms")
    assert "audits" in finding.required


def test_gdpr_joint_controllers_copy_without_the_arrangement_breaks_art_26(tmp_path: Path) -> None:
    partner = partner_variant(
        tmp_path, "eu-mobility", "eu-joint", {"gdpr_role": "joint_controller"}
    )
    negotiated = edited_docx(
        tmp_path,
        partner,
        "negotiated",
        replace_text(
            "This clause is their arrangement under that Article",
            "Each Party decides its own responsibilities",
        ),
    )
    assert_only(lint_document(negotiated, load_library()), "gdpr.joint_arrangement")


def test_a_negotiated_value_that_breaks_a_rule_is_marked_on_the_clause_that_changed(
    tmp_path: Path,
) -> None:
    """The partner rewrites the data description to deliver direct identifiers: the recovered
    data_granularity breaks the limited-data-set rule, and diff marks data_description."""
    partner = EXAMPLES / "yoda-clinical.yaml"
    negotiated = edited_docx(
        tmp_path,
        partner,
        "negotiated",
        replace_text(
            "as a limited data set within the meaning of 45 CFR 164.514(e)(2), from which every "
            "direct identifier listed in that provision has been removed; no field listed in this "
            "clause may contain any of those identifiers",
            "as record-level data that include direct identifiers, which the Parties have agreed "
            "are indispensable to the Project and which the Recipient shall protect accordingly",
        ),
    )
    finding = assert_only(
        lint_document(negotiated, load_library()), "hipaa_lds.no_direct_identifiers"
    )
    assert finding.parameter == "data_granularity"
    assert finding.found == "data_granularity = 'identified'"
    comparison, _, _ = compare_files(partner, negotiated, library=load_library())
    marked = {c.id: [r.rule for r in c.rules] for c in comparison.clauses if c.rules}
    assert marked == {"data_description": ["hipaa_lds.no_direct_identifiers"]}


@needs_soffice()
def test_hipaa_copy_with_a_tracked_deletion_of_the_no_reidentification_sentence(
    tmp_path: Path,
) -> None:
    from tests.lo import client

    partner = EXAMPLES / "yoda-clinical.yaml"
    issued = tmp_path / "issued.docx"
    issued.write_bytes(issued_docx(partner))
    negotiated = tmp_path / "negotiated.docx"
    client.edit(
        issued,
        negotiated,
        [
            {
                "op": "delete_paragraph",
                "find": "not identify the information or contact the individuals",
            },
        ],
        track_changes=True,
        author="Partner Counsel",
    )
    assert_only(lint_document(negotiated, load_library()), "hipaa_lds.no_reidentification")
    comparison, _, _ = compare_files(partner, negotiated, library=load_library())
    [marked] = [c for c in comparison.clauses if c.rules]
    assert marked.id == "hipaa_lds" and marked.severity == "walk-away"
    assert all(change.tracked and change.author == "Partner Counsel" for change in marked.changes)


def test_every_rule_has_a_variant_that_fires_it() -> None:
    covered = (
        {v[0] for v in PARTNER_VARIANTS}
        | {v[0] for v in DOCUMENT_VARIANTS}
        | {"gdpr.processor_terms", "gdpr.joint_arrangement", "hipaa_lds.no_direct_identifiers"}
    )
    every = {
        r.id for p in load_profiles(load_library()) for r in p.rules if p.id != "coherence"
    }  # each coherence rule: tests/test_coherence.py
    assert every == covered
