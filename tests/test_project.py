"""`dsagen init` and dsagen.toml: an organisation's own project folder, found upward from the
working folder, with its library, registry and output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsagen.config import find_project


@pytest.fixture
def project(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = cli("init", "acme")
    assert code == 0, stderr
    return tmp_path / "acme"


def test_init_writes_a_project_ready_for_git(project: Path) -> None:
    for name in (
        "dsagen.toml",
        ".gitignore",
        "playbook.yaml",
        "clauses/_library.yaml",
        "templates/research-dsa.yaml",
        "rules/gdpr.yaml",
        "partners/gravy-uf.yaml",
    ):
        assert (project / name).is_file(), name
    ignored = (project / ".gitignore").read_text().split()
    assert "/out/" in ignored and "/.dsagen/" in ignored


def test_generate_in_a_new_project_uses_its_output_folder_and_registry(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DSAGEN_REGISTRY")
    monkeypatch.chdir(project)
    code, _, stderr = cli("generate", "partners/", "--format", "docx")
    assert code == 0, stderr
    assert (project / "out" / "gravy-uf" / "research-dsa.docx").is_file()
    assert (project / ".dsagen" / "registry.db").is_file()


def test_commands_find_dsagen_toml_in_a_parent_folder(
    cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clause = project / "clauses" / "ethics.yaml"
    clause.write_text(clause.read_text().replace("\ntitle: ", "\ntitle: Our own ", 1))
    (project / "partners" / "deep").mkdir()
    monkeypatch.chdir(project / "partners" / "deep")
    code, stdout, _ = cli("clauses", "show", "ethics", "--json")
    assert code == 0
    assert json.loads(stdout)["title"].startswith("Our own ")


def test_environment_overrides_dsagen_toml(
    cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import MINILIB

    monkeypatch.chdir(project)
    monkeypatch.setenv("DSAGEN_LIBRARY", str(MINILIB))
    code, stdout, _ = cli("templates", "list", "--json")
    assert code == 0
    assert [t["id"] for t in json.loads(stdout)] == ["mini"]


def test_init_never_overwrites_without_force(cli, project: Path) -> None:
    playbook = project / "playbook.yaml"
    playbook.write_text("# ours\n")
    code, _, stderr = cli("init", str(project))
    assert code == 2 and "already exists; pass --force" in stderr
    assert len(stderr.splitlines()) == 1
    assert playbook.read_text() == "# ours\n"
    assert cli("init", str(project), "--force")[0] == 0
    assert playbook.read_text() != "# ours\n"


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("library = [1]\n", "field 'library'"),
        ("libary = '.'\n", "unknown key 'libary'"),
        ("library = \n", "expected TOML"),
    ],
)
def test_a_bad_dsagen_toml_is_one_line_naming_the_file(
    cli, tmp_path: Path, text: str, phrase: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dsagen.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = cli("templates", "list")
    assert code == 2 and stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1 and "dsagen.toml" in lines[0] and phrase in lines[0], stderr


def test_paths_in_dsagen_toml_are_relative_to_its_folder(tmp_path: Path) -> None:
    (tmp_path / "dsagen.toml").write_text(
        'library = "lib"\nregistry = "db/r.db"\noutput = "build"\norganisation = "Acme"\n'
    )
    (tmp_path / "sub").mkdir()
    found = find_project(tmp_path / "sub")
    assert found is not None
    assert found.library == (tmp_path / "lib").resolve()
    assert found.registry == str((tmp_path / "db" / "r.db").resolve())
    assert found.output == (tmp_path / "build").resolve()
    assert found.organisation == "Acme"


def test_the_organisation_in_dsagen_toml_names_us(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsagen.library import load_library
    from dsagen.playbook import organisation

    monkeypatch.chdir(project)
    side = organisation(load_library()).side
    toml = project / "dsagen.toml"
    toml.write_text(toml.read_text() + 'organisation = "Acme Research Data Office"\n')
    found = organisation(load_library())
    assert found.name == "Acme Research Data Office"
    assert found.side == side
