"""Whose name a partner row carries: the other party's, never our own.

An office that sends data (organisation side `provider` in playbook.yaml) names partners after
the recipient; one that receives data (side `recipient`) after the provider. Without a side,
the organisation's name, when given, is matched against both parties; with neither, partners
are named after the recipient (dsagen's first users were providers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..compare.normalize import clean

if TYPE_CHECKING:
    from ..assemble import Agreement
    from ..library import Library

SIDES = ("provider", "recipient")


@dataclass(frozen=True)
class Organisation:
    """Who we are: `organisation: {name, side}` in playbook.yaml."""

    name: str
    side: str | None  # provider | recipient


def organisation(library: Library) -> Organisation | None:
    """The organisation setting of the library's playbook.yaml, when it has one."""
    from ..playbook import PLAYBOOK_FILE, load_playbook

    path = Path(library.root) / PLAYBOOK_FILE
    if not path.exists():
        return None
    setting = getattr(load_playbook(path, library.clauses), "organisation", None)
    if setting is None:
        return None
    side = getattr(setting, "side", None)
    return Organisation(str(getattr(setting, "name", "") or ""),
                        str(side) if side in SIDES else None)


def counterparty_name(agreement: Agreement, us: Organisation | None) -> str:
    """The other party's name in `agreement`."""
    side = us.side if us is not None else None
    if side is None and us is not None and us.name:
        if _same(us.name, agreement.recipient_name):
            side = "recipient"
        elif _same(us.name, agreement.provider_name):
            side = "provider"
    return agreement.provider_name if side == "recipient" else agreement.recipient_name


def _same(a: str, b: str) -> bool:
    return clean(a).casefold() == clean(b).casefold()
