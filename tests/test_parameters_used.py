"""Acceptance for issue 11.2: a value the partner file sets shows in the agreement, or lint
refuses it as not applicable to that template (coherence.not_applicable); and no parameter of
any template is dead, whatever the values around it.
"""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsagen.assemble import assemble
from dsagen.errors import DsagenError
from dsagen.library import Library, load_library
from dsagen.lint import lint_partner
from dsagen.lint.applicable import EXEMPT, alternatives, not_applicable
from dsagen.partners import PartnerParams, load_partner
from dsagen.render.markdown import render_markdown
from tests.coherence_cases import dimensions, pairwise, partner_data
from tests.conftest import EXAMPLES

TEMPLATES = ("research-dsa", "data-license", "mutual-nda")


@cache
def library() -> Library:
    return load_library()


@cache
def partners(template_id: str) -> tuple[PartnerParams, ...]:
    """The base partner of the template over its pairwise rows, and the examples that use the
    template (whose combinations of three or more values, such as GDPR with standard
    contractual clauses, a pairwise set need not meet), validated."""
    folder = Path(tempfile.mkdtemp(prefix="params-used-"))
    out = [
        p
        for p in (load_partner(path, library()) for path in sorted(EXAMPLES.glob("*.yaml")))
        if p.template_id == template_id
    ]
    for index, row in enumerate(pairwise(dimensions(library(), template_id))):
        path = folder / f"{template_id}-{index}.yaml"
        path.write_text(
            yaml.safe_dump(partner_data(template_id, row), sort_keys=False), encoding="utf-8"
        )
        out.append(load_partner(path, library()))
    return tuple(out)


def schema(template_id: str) -> list[str]:
    template = library().template(template_id)
    return sorted(
        {name for entry in template.entries for name in library().clause(entry.clause_id).params}
        - EXEMPT
    )


def shows(partner: PartnerParams, name: str, before: str) -> bool:
    """Independently of lint: does another value of the parameter change the agreement as
    rendered (`before`: the partner's agreement; the whole text, every clause, the title and
    the schedules)?"""
    param = library().param_owner()[name].params[name]
    for alternative in alternatives(param, partner.values[name]):
        values = {**partner.values, name: alternative}
        changed = PartnerParams(
            partner.slug,
            partner.path,
            partner.template_id,
            values,
            partner.variants,
            _included(partner, values),
            partner.digest,
        )
        try:
            if render_markdown(assemble(changed, library())) != before:
                return True
        except DsagenError:
            return True  # a value the agreement cannot take: it matters
    return False


def _included(partner: PartnerParams, values: dict[str, Any]) -> tuple[str, ...]:
    from dsagen.partners import evaluate

    template = library().template(partner.template_id)
    return tuple(
        e.clause_id
        for e in template.entries
        if e.when is None or evaluate(library(), e.when, values)
    )


# Parameters a template has (its clauses share them with other templates) that can never show
# in it: a partner file of that template that sets them is always refused.
NEVER_APPLICABLE = {
    "research-dsa": set(),
    "data-license": {"additional_researchers", "uncapped_data_misuse"},
    "mutual-nda": {"additional_researchers"},
}


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_every_parameter_of_every_template_shows_for_some_values(template_id: str) -> None:
    dead = {
        name
        for name in schema(template_id)
        if all(
            name in {f.parameter for f in not_applicable(p, library(), [name])}
            for p in partners(template_id)
        )
    }
    assert dead == NEVER_APPLICABLE[template_id], (
        f"{template_id}: parameters that never change the agreement: {sorted(dead)}"
    )


@pytest.mark.parametrize("template_id", TEMPLATES)
def test_a_set_value_shows_or_is_refused_as_not_applicable(template_id: str) -> None:
    for partner in partners(template_id)[:3]:
        refused = {f.parameter for f in not_applicable(partner, library(), schema(template_id))}
        before = render_markdown(assemble(partner, library()))
        for name in [n for n in schema(template_id) if n in partner.values]:
            assert shows(partner, name, before) == (name not in refused), (
                template_id,
                name,
                partner.path,
            )


def test_a_cap_the_open_data_agreement_does_not_state_would_be_refused(tmp_path: Path) -> None:
    """The ibm-open-climate defect: a value lint grades (liability_cap, a fallback) that
    appears nowhere. It now appears; a value that cannot appear is refused with its line."""
    text = (EXAMPLES / "ibm-open-climate.yaml").read_text(encoding="utf-8")
    assert "USD 10,000" in render_markdown(
        assemble(load_partner(EXAMPLES / "ibm-open-climate.yaml", library()), library())
    )
    path = tmp_path / "open.yaml"
    path.write_text(text + "sublicensing: true\n", encoding="utf-8")
    report = lint_partner(path, library())
    [finding] = [f for f in report.errors if f.rule == "coherence.not_applicable"]
    assert finding.parameter == "sublicensing" and finding.clause == "licence"
    assert finding.line == len(text.splitlines()) + 1
    assert "changes nothing" in finding.found


def test_a_fee_without_a_charge_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "yoda-clinical.yaml").read_text(encoding="utf-8"))
    data["fee"] = "USD 2,000"
    path = tmp_path / "fee.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert {
        f.parameter
        for f in lint_partner(path, library()).errors
        if f.rule == "coherence.not_applicable"
    } == {"fee"}
