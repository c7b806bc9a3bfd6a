"""A typo in a key of a clause file is one line naming file, line, field and the key meant."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsagen.errors import LibraryError
from dsagen.library import load_library
from tests.conftest import MINILIB

DEADLINE = """deadlines:
  - id: retention_end
    name: End of retention
    date: effective_date + retention_months months
    owed_by: recipient
    descripton: Destroy the data.
"""


def _library_error(tmp_path: Path, old: str, new: str) -> str:
    shutil.copytree(MINILIB, tmp_path / "lib")
    clause = tmp_path / "lib" / "clauses" / "retention.yaml"
    text = clause.read_text()
    assert old in text
    clause.write_text(text.replace(old, new, 1))
    with pytest.raises(LibraryError) as caught:
        load_library(tmp_path / "lib")
    return str(caught.value)


def test_an_unknown_clause_key_names_the_key_meant(tmp_path: Path) -> None:
    message = _library_error(tmp_path, "family: retention\n", "famly: retention\n")
    assert message.startswith(f"{tmp_path / 'lib' / 'clauses' / 'retention.yaml'}:3, ")
    assert "field 'famly'" in message and "did you mean 'family'" in message
    assert "expected one of deadlines, family, id," in message


def test_an_unknown_deadline_key_names_the_entry_and_the_key_meant(tmp_path: Path) -> None:
    message = _library_error(tmp_path, "params:\n", DEADLINE + "params:\n")
    assert "retention.yaml:10, field 'deadlines[0].descripton'" in message
    assert "did you mean 'description'" in message
    assert "expected one of id, name, date, owed_by, when, description" in message
