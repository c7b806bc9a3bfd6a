"""clauses/_library.lock: every clause's id, version and text digest; a wording changed without
a version bump fails here, and `dsagen outdated` finds agreements issued under other wordings."""

from __future__ import annotations

import shutil
from pathlib import Path

from dsagen.library import load_library
from dsagen.lock import check_lock, text_digest
from dsagen.registry import open_registry
from dsagen.registry.outdated import outdated
from tests.conftest import MINILIB, ROOT
from tests.test_registry_fixtures import generate_and_record, write_partners


def test_the_shipped_library_matches_its_lock() -> None:
    problems = check_lock(load_library())
    assert problems == [], "\n".join(f"{p.clause}: {p.message}" for p in problems)


def _copy(tmp_path: Path, source: Path = ROOT) -> Path:
    root = tmp_path / "lib"
    shutil.copytree(source / "clauses", root / "clauses")
    shutil.copytree(source / "templates", root / "templates")
    return root


def test_a_text_changed_without_a_version_bump_fails_until_bumped_and_relocked(
    cli, tmp_path: Path
) -> None:
    root = _copy(tmp_path)
    clause = root / "clauses" / "confidentiality.yaml"
    clause.write_text(
        clause.read_text().replace(
            "in any event with reasonable care", "in any event with due care"
        )
    )
    problems = check_lock(load_library(root))
    assert [(p.clause, p.message.split(":")[0]) for p in problems] == [
        ("confidentiality", "text changed but version is still 1.0.0")
    ]
    code, stdout, _ = cli("clauses", "lock", "--check", "--library", root)
    assert code == 1 and "confidentiality: text changed but version is still 1.0.0" in stdout
    code, _, stderr = cli("clauses", "lock", "--library", root)
    assert code == 2 and "bump `version:` in confidentiality.yaml" in stderr
    bumped = tmp_path / "bumped"  # libraries are cached per folder: a new folder, a new load
    shutil.copytree(root, bumped)
    root = bumped
    clause = root / "clauses" / "confidentiality.yaml"
    clause.write_text(clause.read_text().replace("version: 1.0.0", "version: 1.1.0", 1))
    code, stdout, _ = cli("clauses", "lock", "--check", "--library", root)
    assert code == 1 and "version 1.1.0 is locked as 1.0.0" in stdout
    code, _, _ = cli("clauses", "lock", "--library", root)
    assert code == 0
    assert "confidentiality 1.1.0 " in (root / "clauses" / "_library.lock").read_text()
    assert cli("clauses", "lock", "--check", "--library", root)[0] == 0


def test_metadata_is_not_text() -> None:
    library = load_library()
    clause = library.clauses["retention"]
    from dataclasses import replace

    assert text_digest(replace(clause, summary="other", deadlines=())) == text_digest(clause)
    assert text_digest(replace(clause, title="Other")) != text_digest(clause)


def test_outdated_finds_a_rewording_without_a_version_bump(tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    then = _copy(tmp_path / "then", MINILIB)
    now = _copy(tmp_path / "now", MINILIB)
    clause = now / "clauses" / "retention.yaml"
    clause.write_text(
        clause.read_text().replace("shall then destroy it", "shall then securely erase it")
    )
    write_partners(tmp_path / "partners", 2)
    generate_and_record(url, tmp_path / "partners", tmp_path / "out", library=then)
    with open_registry(url) as registry:
        assert outdated(registry, load_library(then)) == []
        found = outdated(registry, load_library(now))
    assert [a.partner for a in found] == ["mini-0000", "mini-0001"]
    item = found[0].clauses[0]
    assert (item.clause, item.issued, item.current) == ("retention", "1.2.0", "1.2.0")
    assert item.note == "wording changed without a version bump"
    assert item.changes == [{"before": "destroy", "after": "securely erase"}]
