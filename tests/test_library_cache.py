"""The compiled library cached on disk: used when fresh and private, ignored otherwise."""

from __future__ import annotations

import marshal
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsagen import libcache, library
from dsagen.assemble import assemble
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.docx import render_docx
from tests.conftest import EXAMPLES, ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped library, a private cache folder, and a count of real loads."""
    root = tmp_path / "project"
    for name in ("clauses", "templates"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "playbook.yaml", root / "playbook.yaml")
    monkeypatch.setenv("DSAGEN_CACHE_DIR", str(tmp_path / "cache"))
    library._load_library.cache_clear()
    yield root
    library._load_library.cache_clear()


def _fresh(root: Path) -> library.Library:
    library._load_library.cache_clear()
    return load_library(root)


def _real_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    loads: list[Path] = []
    real = library._load
    monkeypatch.setattr(
        library, "_load", lambda root, playbook=None: loads.append(root) or real(root, playbook)
    )
    return loads


def _agreement_bytes(lib: library.Library) -> bytes:
    return render_docx(assemble(load_partner(EXAMPLES / "gravy-uf.yaml", lib), lib))


def test_a_second_load_comes_from_the_cache_and_renders_the_same_bytes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _fresh(project)
    loads = _real_loads(monkeypatch)
    second = _fresh(project)
    assert loads == [] and second.codes
    assert (second.clauses, second.templates, second.licences, second.digest, second.playbook) == (
        first.clauses,
        first.templates,
        first.licences,
        first.digest,
        first.playbook,
    )
    assert second.playbook is not None
    assert _agreement_bytes(second) == _agreement_bytes(first)


def test_an_edited_clause_is_a_miss(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh(project)
    clause = project / "clauses" / "retention.yaml"
    clause.write_text(
        clause.read_text().replace("The Recipient may retain", "Zebra Recipient may retain")
    )
    loads = _real_loads(monkeypatch)
    edited = _fresh(project)
    assert loads == [project.resolve()]
    assert "Zebra Recipient" in edited.clauses["retention"].variants["standard"].text
    loads.clear()
    assert "Zebra Recipient" in _fresh(project).clauses["retention"].variants["standard"].text
    assert loads == []


def _entry(tmp: Path) -> Path:
    (entry,) = (tmp / "cache").glob("library-*.bin")
    return entry


def test_an_entry_others_could_write_is_ignored(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(project)
    entry = _entry(tmp_path)
    os.chmod(entry, 0o666)
    loads = _real_loads(monkeypatch)
    _fresh(project)
    assert loads == [project.resolve()]
    os.chmod(entry.parent, 0o777)
    os.chmod(entry, 0o600)
    _fresh(project)
    assert len(loads) == 2
    assert oct(entry.stat().st_mode & 0o777) == oct(0o600)


def test_an_entry_owned_by_someone_else_is_ignored(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh(project)
    monkeypatch.setattr(libcache.os, "getuid", lambda: os.geteuid() + 1)
    loads = _real_loads(monkeypatch)
    _fresh(project)
    assert loads == [project.resolve()]


@pytest.mark.parametrize(
    "content",
    [
        b"not marshal data",
        marshal.dumps({"key": "stale", "library": None, "codes": {}}),
        None,  # the right key, but a class from outside dsagen
    ],
)
def test_a_damaged_or_foreign_entry_is_a_miss(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None
) -> None:
    _fresh(project)
    entry = _entry(tmp_path)
    if content is None:
        content = marshal.dumps(
            {
                "key": libcache.library_key(project.resolve()),
                "library": {"c": "subprocess:Popen", "f": {"args": "true"}},
                "codes": {},
            }
        )
    entry.write_bytes(content)
    loads = _real_loads(monkeypatch)
    lib = _fresh(project)
    assert loads == [project.resolve()] and lib.clauses


def test_caching_can_be_switched_off(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DSAGEN_CACHE_DIR", "")
    _fresh(project)
    loads = _real_loads(monkeypatch)
    _fresh(project)
    assert loads == [project.resolve()] and not (tmp_path / "cache").exists()
