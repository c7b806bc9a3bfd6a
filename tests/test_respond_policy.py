"""The response policy in playbook.yaml: what `dsagen respond` does beyond the fallbacks."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dsagen.library import load_library
from dsagen.playbook import PlaybookError
from dsagen.responses import ResponseError
from tests.conftest import MINILIB

GOOD = """
    approvers: {counsel: General Counsel}
    default_approver: counsel
    response: {approval: escalate, walk_away: counter}
    clauses:
      retention:
        response:
          approval: reject
          variant: archive
          note: Archives are how we keep data longer.
        retention_months:
          walk_away: {max: 72}
          response: {walk_away: counter, counter: 60, note: Five years at most.}
"""


def _root(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    (root / "playbook.yaml").write_text(textwrap.dedent(text).lstrip())
    return root


def test_a_parameter_response_overrides_its_clause_which_overrides_the_default(
    tmp_path: Path,
) -> None:
    library = load_library(_root(tmp_path, GOOD))
    assert library.playbook is not None
    policy = library.playbook.responses
    assert policy.action("walk-away", "retention", "retention_months") == "counter"
    assert policy.params["retention_months"].counter == 60
    assert policy.action("approval", "retention", "retention_months") == "reject"  # clause's
    assert policy.clauses["retention"].variant == "archive"
    assert policy.action("approval", "preamble", "recipient_name") == "escalate"  # default
    assert policy.action("fallback", "retention", "retention_months") == "accept"
    assert policy.note("retention", "retention_months") == "Five years at most."
    assert policy.note("retention") == "Archives are how we keep data longer."


def test_without_a_response_approval_is_escalated_and_walk_away_countered() -> None:
    library = load_library()
    assert library.playbook is not None
    policy = library.playbook.responses
    assert policy.action("approval", "security") == "escalate"
    assert policy.action("walk-away", "breach", "breach_notice_hours") == "counter"


@pytest.mark.parametrize(
    "old,new,message,line,field",
    [
        (
            "variant: archive",
            "variant: archiv",
            "unknown variant 'archiv' of clause 'retention' "
            "(did you mean 'archive'?); expected one of standard, archive",
            8,
            "clauses.retention.response.variant",
        ),
        (
            "counter: 60,",
            "counter: sixty,",
            "expected a whole number from 1 to 120, found 'sixty'",
            12,
            "clauses.retention.retention_months.response.counter",
        ),
        (
            "counter: 60,",
            "counter: 90,",
            "the counter 90 is itself beyond the walk-away limit (above 72)",
            12,
            "clauses.retention.retention_months.response.counter",
        ),
        (
            "approval: reject",
            "approval: refuse",
            "expected one of accept, counter, reject, escalate, found 'refuse'",
            7,
            "clauses.retention.response.approval",
        ),
        (
            "response: {approval: escalate, walk_away: counter}",
            "response: {approval: escalate, walk-away: counter}",
            "unknown key 'walk-away' (did you mean 'walk_away'?)",
            3,
            "response.walk-away",
        ),
        (
            "response: {approval: escalate, walk_away: counter}",
            "response: {counter: 5}",
            "'counter' names a value of a parameter",
            3,
            "response.counter",
        ),
        (
            "{walk_away: counter, counter: 60, note: Five years at most.}",
            "{variant: archive}",
            "'variant' names a variant of the clause",
            12,
            "clauses.retention.retention_months.response.variant",
        ),
        (
            "response: {approval: escalate, walk_away: counter}",
            "response: [escalate]",
            "expected an action (accept, counter, reject, escalate) or a mapping",
            3,
            "response",
        ),
    ],
)
def test_a_bad_response_names_file_line_and_field(
    tmp_path: Path, cli, old: str, new: str, message: str, line: int, field: str
) -> None:
    assert old in GOOD
    root = _root(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ResponseError) as caught:
        load_library(root)
    assert isinstance(caught.value, PlaybookError | ResponseError)
    assert f"playbook.yaml:{line}, field '{field}': {message}" in str(caught.value)
    code, _, stderr = cli("clauses", "list", "--library", root)
    assert code == 2 and message in stderr and "Traceback" not in stderr


def test_the_response_policy_is_documented_key_by_key() -> None:
    from dsagen.playbook import ORGANISATION_KEYS
    from dsagen.responses import ACTIONS, RESPONSE_KEYS
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "playbook.md").read_text()
    for key in (*RESPONSE_KEYS, *ACTIONS, *ORGANISATION_KEYS):
        assert f"`{key}`" in doc, key
