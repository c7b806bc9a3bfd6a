"""Our side of every agreement: `organisation: {name, side}` in playbook.yaml."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from dsagen.library import load_library
from dsagen.playbook import PlaybookError, organisation
from tests.conftest import MINILIB

PARAMS = {
    "provider_name": "Waypoint Mobility Analytics, Inc.",
    "recipient_name": "The Board of Trustees of Gulf Coast State University",
}


def _library(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(MINILIB, root)
    (root / "playbook.yaml").write_text(textwrap.dedent(text).lstrip())
    return root


def test_the_project_playbook_makes_us_the_provider_and_names_the_recipient_as_partner() -> None:
    org = organisation(load_library())
    assert org.side == "provider" and org.name == "Office of General Counsel"
    assert org.partner(PARAMS) == PARAMS["recipient_name"]
    assert org.our_party(PARAMS) == PARAMS["provider_name"]


def test_a_recipient_names_the_provider_as_partner(tmp_path: Path) -> None:
    root = _library(
        tmp_path,
        """
        organisation: {name: Office of Research Contracts, side: recipient}
    """,
    )
    library = load_library(root)
    assert library.playbook is not None
    org = library.playbook.organisation
    assert (org.name, org.side, org.partner_side) == (
        "Office of Research Contracts",
        "recipient",
        "provider",
    )
    assert org.partner(PARAMS) == PARAMS["provider_name"]
    assert org.partner({}) == "the partner"


def test_without_organisation_we_are_the_provider_named_by_the_owner(tmp_path: Path) -> None:
    library = load_library(_library(tmp_path, "owner: Legal Department\n"))
    org = organisation(library)
    assert (org.name, org.side) == ("Legal Department", "provider")


@pytest.mark.parametrize(
    "text,message,line,field",
    [
        (
            "organisation: {name: Us, side: licensee}\n",
            "expected one of provider, recipient, found 'licensee'",
            1,
            "organisation.side",
        ),
        (
            "organisation:\n  name: Us\n  sde: provider\n",
            "unknown key 'sde' (did you mean 'side'?)",
            3,
            "organisation.sde",
        ),
        (
            "organisation:\n  name: ''\n  side: provider\n",
            "expected our organisation's name as text",
            2,
            "organisation.name",
        ),
        (
            "organisation: provider\n",
            "expected a mapping with name and side, found 'provider'",
            1,
            "organisation",
        ),
    ],
)
def test_a_bad_organisation_names_file_line_and_field(
    tmp_path: Path, cli, text: str, message: str, line: int, field: str
) -> None:
    root = _library(tmp_path, text)
    with pytest.raises(PlaybookError) as caught:
        load_library(root)
    assert f"playbook.yaml:{line}, field '{field}': {message}" in str(caught.value)
    code, _, stderr = cli("clauses", "list", "--library", root)
    assert code == 2 and message in stderr and "Traceback" not in stderr
