"""Where the registry lives, how it is opened, migrated and refused: never created anywhere
unexpected, every failure a one-line RegistryError."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from dsagen.errors import RegistryError
from dsagen.registry import open_registry, store
from tests.postgres_server import free_port
from tests.test_registry_fixtures import (
    new_postgres_database,
)

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url


def test_default_registry_is_dsagen_folder_in_the_working_folder(tmp_path: Path) -> None:
    with open_registry(None, create=True, cwd=tmp_path) as registry:
        assert registry.created
        assert registry.label == str(tmp_path / ".dsagen" / "registry.db")
    with open_registry(None, cwd=tmp_path) as registry:
        assert not registry.created  # reported once, when first created
    connection = sqlite3.connect(tmp_path / ".dsagen" / "registry.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_reading_without_a_registry_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(
        RegistryError,
        match=r"no registry at .*\.dsagen/registry\.db; "
        "`dsagen generate` creates it",
    ):
        open_registry(None, cwd=tmp_path)
    assert not (tmp_path / ".dsagen").exists()
    with pytest.raises(RegistryError, match="no registry at"):
        open_registry(str(tmp_path / "elsewhere.db"))
    assert not (tmp_path / "elsewhere.db").exists()


def test_an_explicit_path_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="folder does not exist"):
        open_registry(f"sqlite:///{tmp_path}/nope/registry.db", create=True)
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://me@db/registry", "unsupported database 'mysql'"),
        ("postgresql://", "expected a database name"),
        ("sqlite://", "in-memory"),
        ("://registry", "expected sqlite:///PATH"),
        ("postgresql://me@db:port/registry", "expected sqlite:///PATH"),
    ],
)
def test_bad_urls_are_named(url: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        open_registry(url, create=True)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.db"
    target.write_text("these are my notes, not a database " * 50)
    with pytest.raises(RegistryError, match=r"notes.db: file is not a database"):
        open_registry(str(target))
    folder = tmp_path / "folder.db"
    folder.mkdir()
    with pytest.raises(RegistryError, match="found a folder"):
        open_registry(str(folder))


def test_a_database_of_something_else_is_not_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "other.db"
    connection = sqlite3.connect(target)
    connection.execute("CREATE TABLE invoices (id INTEGER)")
    connection.commit()
    connection.close()
    with pytest.raises(RegistryError, match=r"other tables \(invoices\) and no dsagen registry"):
        open_registry(str(target))


def test_an_unreachable_server_is_one_line(postgres_server: str) -> None:
    with pytest.raises(RegistryError, match="cannot connect to the registry at postgresql"):
        open_registry(f"postgresql://nobody@127.0.0.1:{free_port()}/registry")
    with pytest.raises(RegistryError, match=r"cannot connect.*does not exist"):
        open_registry(f"{postgres_server}/no_such_database")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    open_registry(url, create=True).close()
    connection = sqlite3.connect(url)
    connection.execute("UPDATE dsagen_schema SET version = 99")
    connection.commit()
    connection.close()
    with pytest.raises(RegistryError, match="schema version 99, newer than this dsagen"):
        open_registry(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_older_registry_is_migrated_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = (
        str(tmp_path / "registry.db")
        if backend == "sqlite"
        else new_postgres_database(request.getfixturevalue("postgres_server"))
    )
    open_registry(url, create=True).close()
    calls = []

    def add_priority(conn) -> None:
        calls.append(1)
        conn.execute(text("ALTER TABLE partners ADD COLUMN priority INTEGER"))

    later = store.SCHEMA_VERSION + 1
    monkeypatch.setattr(store, "SCHEMA_VERSION", later)
    monkeypatch.setattr(store, "MIGRATIONS", {**store.MIGRATIONS, later: add_priority})
    with open_registry(url) as registry, registry.read() as conn:
        assert store.schema_version(conn) == later
        assert "priority" in {c["name"] for c in inspect(conn).get_columns("partners")}
    open_registry(url).close()
    assert calls == [1]


def test_a_failed_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = str(tmp_path / "registry.db")
    open_registry(url, create=True).close()

    def broken(conn) -> None:
        conn.execute(text("ALTER TABLE partners ADD COLUMN priority INTEGER"))
        raise RegistryError("migration 2 failed halfway")

    current = store.SCHEMA_VERSION
    monkeypatch.setattr(store, "SCHEMA_VERSION", current + 1)
    monkeypatch.setattr(store, "MIGRATIONS", {**store.MIGRATIONS, current + 1: broken})
    with pytest.raises(RegistryError, match="halfway"):
        open_registry(url)
    connection = sqlite3.connect(url)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(partners)")]
    version = connection.execute("SELECT version FROM dsagen_schema").fetchone()[0]
    connection.close()
    assert "priority" not in columns and version == current


def test_urls_hide_passwords_and_paths_resolve_from_the_working_folder(tmp_path: Path) -> None:
    location = store.locate("postgres://me:secret@db.example:5432/registry")
    assert location.path is None and "secret" not in location.label
    assert location.url.drivername == "postgresql+psycopg"
    relative = store.locate("reg.db", cwd=tmp_path)
    assert relative.path == tmp_path / "reg.db"
