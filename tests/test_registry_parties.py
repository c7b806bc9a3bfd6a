"""Partners are named after the other party: the provider when we receive data, the recipient
when we send it (playbook.yaml `organisation: {name, side}`)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from dsagen.registry import open_registry
from dsagen.registry.schema import partners
from tests.conftest import MINILIB
from tests.test_registry_fixtures import generate_and_record, write_partners


def _names(url: str) -> list[str]:
    with open_registry(url) as registry, registry.read() as conn:
        return list(conn.execute(select(partners.c.name).order_by(partners.c.slug)).scalars())


def test_a_receiving_office_sees_its_providers_names(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    shutil.copytree(MINILIB, library)
    (library / "playbook.yaml").write_text(
        "title: Receiving office\nversion: '1'\n"
        "organisation: {name: University 0, side: recipient}\n"
    )
    write_partners(tmp_path / "partners", 2)
    url = str(tmp_path / "registry.db")
    generate_and_record(url, tmp_path / "partners", tmp_path / "out", library=library)
    assert _names(url) == ["Data & Co {{ 7*7 }}", "Data & Co {{ 7*7 }}"]


def test_a_providing_office_sees_its_recipients_names(tmp_path: Path) -> None:
    write_partners(tmp_path / "partners", 2)
    url = str(tmp_path / "registry.db")
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")  # no playbook: provider
    assert _names(url) == ["University 0", "University 1"]
