"""Partners are named after the other party: the provider when we receive data, the recipient
when we send it (playbook.yaml `organisation: {name, side}`)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from dsagen.registry import open_registry, parties
from dsagen.registry.parties import Organisation, counterparty_name
from dsagen.registry.schema import partners
from tests.test_registry_fixtures import generate_and_record, write_partners

AGREEMENT = SimpleNamespace(provider_name="Waypoint Mobility, Inc.",
                            recipient_name="Gulf Coast State University")


@pytest.mark.parametrize(("us", "expected"), [
    (Organisation("Gulf Coast State University", "recipient"), "Waypoint Mobility, Inc."),
    (Organisation("Waypoint Mobility, Inc.", "provider"), "Gulf Coast State University"),
    (Organisation("gulf coast  state university", None), "Waypoint Mobility, Inc."),
    (Organisation("Waypoint Mobility, Inc.", None), "Gulf Coast State University"),
    (None, "Gulf Coast State University"),  # no setting: the recipient, as before
])
def test_the_partner_is_the_other_party(us: Organisation | None, expected: str) -> None:
    assert counterparty_name(AGREEMENT, us) == expected  # type: ignore[arg-type]


def test_a_receiving_office_sees_its_providers_names(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = str(tmp_path / "registry.db")
    write_partners(tmp_path / "partners", 2)
    monkeypatch.setattr(parties, "organisation",
                        lambda library: Organisation("University 0", "recipient"))
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")
    with open_registry(url) as registry, registry.read() as conn:
        names = conn.execute(select(partners.c.name).order_by(partners.c.slug)).scalars().all()
    assert names == ["Data & Co {{ 7*7 }}", "Data & Co {{ 7*7 }}"]
    monkeypatch.setattr(parties, "organisation", lambda library: None)
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")  # renamed on re-record
    with open_registry(url) as registry, registry.read() as conn:
        names = conn.execute(select(partners.c.name).order_by(partners.c.slug)).scalars().all()
    assert names == ["University 0", "University 1"]
