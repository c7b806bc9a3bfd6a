"""The organisation's playbook.yaml: it overrides the clause files' positions field by field,
names approvers, and is validated like a partner file (file, line, field, expected, found)."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from dsagen.library import load_library
from dsagen.playbook import (
    BOUND_KEYS,
    ENTRY_KEYS,
    TOP_KEYS,
    PlaybookError,
    PolicyBound,
)
from tests.conftest import MINILIB, ROOT


def _position(clause: str, param: str, value: object) -> str:
    playbook = load_library().clause(clause).params[param].playbook
    assert playbook is not None
    return playbook.position(value)


def test_the_project_playbook_overrides_the_clause_defaults() -> None:
    # clauses/retention.yaml pre-approves 48 and 60 only; the playbook any shorter period too.
    assert _position("retention", "retention_months", 24) == "fallback"
    assert _position("retention", "retention_months", 60) == "fallback"
    assert _position("retention", "retention_months", 84) == "walk-away"
    assert _position("breach", "breach_notice_hours", 72) == "fallback"
    assert _position("breach", "breach_notice_hours", 96) == "approval"


def test_text_positions_by_pattern() -> None:
    assert _position("governing_law", "governing_law", "the State of Ohio") == "fallback"
    assert _position("governing_law", "governing_law", "the laws of England") == "approval"
    assert _position("liability", "liability_cap", "EUR 250,000") == "fallback"
    assert _position("liability", "liability_cap", "Unlimited liability") == "walk-away"
    assert (
        _position("purpose", "permitted_uses", ["replication", "methods_development"]) == "fallback"
    )
    assert _position("purpose", "permitted_uses", ["replication", "machine_learning"]) == "approval"


def test_every_position_names_who_approves_beyond_the_fallbacks() -> None:
    library = load_library()
    approvers = {
        p.name: p.playbook.approver
        for c in library.clauses.values()
        for p in c.params.values()
        if p.playbook is not None
    }
    assert approvers["breach_notice_hours"] == "Chief Privacy Officer"
    assert approvers["publication_review_days"] == "Vice President for Research"
    assert approvers["term_months"] == "Deputy General Counsel (Research Agreements)"  # default
    assert all(approvers.values())


def test_clauses_show_prints_the_playbook_in_force(cli) -> None:
    code, stdout, _ = cli("clauses", "show", "retention", "--json")
    assert code == 0
    retention = next(p for p in json.loads(stdout)["params"] if p["name"] == "retention_months")
    assert (retention["fallback"], retention["walk_away"]) == ("at most 60", "above 60")


def test_policy_bound_lists_need_every_item_to_match_and_any_item_to_refuse() -> None:
    bound = PolicyBound(patterns=("a|b",), label="a or b")
    assert bound.contains(["a", "b"]) and not bound.contains(["a", "c"])
    assert bound.excludes(["c", "b"]) and not bound.excludes(["c"])
    assert bound.describe() == bound.describe_limit() == "a or b"
    assert not bound.contains([])


def _library_with_playbook(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    (root / "playbook.yaml").write_text(textwrap.dedent(text).lstrip())
    return root


GOOD = """
    title: Mini playbook
    approvers:
      counsel: General Counsel
      privacy: Privacy Officer
    default_approver: counsel
    clauses:
      retention:
        retention_months:
          approver: privacy
          walk_away: {max: 72}
"""


def test_fields_not_given_keep_the_clause_file_defaults(tmp_path: Path) -> None:
    playbook = (
        load_library(_library_with_playbook(tmp_path, GOOD))
        .clause("retention")
        .params["retention_months"]
        .playbook
    )
    assert playbook is not None
    assert playbook.standard == 36 and playbook.fallback.values == (48, 60)  # clause file
    assert playbook.walk_away.max == 72 and playbook.approver == "Privacy Officer"
    assert playbook.position(66) == "approval"


@pytest.mark.parametrize(
    "old,new,message,line,field",
    [
        (
            "      retention:",
            "      retension:",
            "unknown clause 'retension' (did you mean 'retention'?)",
            7,
            "clauses.retension",
        ),
        (
            "        retention_months:",
            "        retention_month:",
            "has no parameter 'retention_month' (did you mean 'retention_months'?)",
            8,
            "clauses.retention.retention_month",
        ),
        (
            "        retention_months:",
            "        agreement_reference:",
            "it belongs to clause 'preamble'",
            8,
            "clauses.retention.agreement_reference",
        ),
        (
            "approver: privacy",
            "approver: privcy",
            "expected an approver key (counsel, privacy)",
            9,
            "clauses.retention.retention_months.approver",
        ),
        (
            "walk_away: {max: 72}",
            "walk_away: {max: 72}\n          standard: forty",
            "expected a whole number from 1 to 120, found 'forty'",
            11,
            "clauses.retention.retention_months.standard",
        ),
        (
            "walk_away: {max: 72}",
            "walk_away: {max: 40}",
            "the fallback 48 is beyond the walk-away limit (above 40)",
            8,
            "clauses.retention.retention_months.fallback",
        ),
        (
            "walk_away: {max: 72}",
            "walk_away: {max: 72}\n          fallback: {pattern: '4.'}",
            "'pattern' needs a text or choice parameter",
            11,
            "clauses.retention.retention_months.fallback.pattern",
        ),
        (
            "walk_away: {max: 72}",
            "walk_away: {maximum: 72}",
            "unknown key 'maximum' (did you mean 'max'?)",
            10,
            "clauses.retention.retention_months.walk_away.maximum",
        ),
        (
            "walk_away: {max: 72}",
            "walk-away: {max: 72}",
            "unknown key 'walk-away' (did you mean 'walk_away'?)",
            10,
            "clauses.retention.retention_months.walk-away",
        ),
        (
            "title: Mini playbook",
            "titel: Mini playbook",
            "unknown key 'titel' (did you mean 'title'?)",
            1,
            "titel",
        ),
    ],
)
def test_a_mistake_in_the_playbook_names_file_line_and_field(
    tmp_path: Path, cli, old: str, new: str, message: str, line: int, field: str
) -> None:
    assert old in GOOD
    root = _library_with_playbook(tmp_path, GOOD.replace(old, new))
    with pytest.raises(PlaybookError) as caught:
        load_library(root)
    text = str(caught.value)
    assert message in text and f"playbook.yaml:{line}" in text and f"field '{field}'" in text, text
    code, _, stderr = cli("clauses", "list", "--library", root)
    assert code == 2 and message in stderr


def test_a_bad_pattern_is_refused(tmp_path: Path) -> None:
    text = GOOD + "      preamble:\n        recipient_name: {fallback: {pattern: '(unclosed'}}\n"
    with pytest.raises(PlaybookError, match="expected a regular expression"):
        load_library(_library_with_playbook(tmp_path, text))


def test_the_playbook_is_documented_key_by_key() -> None:
    doc = (ROOT / "docs" / "playbook.md").read_text()
    for key in (*TOP_KEYS, *ENTRY_KEYS, *BOUND_KEYS):
        assert f"`{key}`" in doc, key


def test_the_project_playbook_covers_every_parameter_with_a_position() -> None:
    from dsagen.playbook import load_playbook

    library = load_library()
    playbook = load_playbook(ROOT / "playbook.yaml", library.clauses)
    with_positions = {
        p.name
        for c in library.clauses.values()
        for p in c.params.values()
        if p.playbook is not None and p.playbook.standard is not None
    }
    assert with_positions <= set(playbook.entries)
    assert playbook.source("retention_months").startswith("playbook.yaml:")
