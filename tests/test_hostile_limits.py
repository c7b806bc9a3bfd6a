"""docs/security.md lists every limit with its value; the table is checked against the code so
the page cannot drift from what dsagen enforces."""

from __future__ import annotations

import re

import dsagen.limits as limits
from tests.conftest import ROOT


def test_the_security_page_lists_every_limit_with_its_value() -> None:
    page = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([0-9,]+)", page, flags=re.M))
    code = {
        name: value
        for name, value in vars(limits).items()
        if name.isupper() and name != "MB" and isinstance(value, int)
    }
    assert {name: int(value.replace(",", "")) for name, value in rows.items()} == code
