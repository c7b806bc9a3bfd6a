"""Canonical JSON: the one serialisation of parameter values that dsagen hashes, signs into a
DOCX's properties and stores in the registry (its own module: the registry's read commands
need it without loading the clause library)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


# One encoder for every call (json.dumps with options builds a new one each time: a third of
# the cost of the short values the registry stores by the thousand).
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_iso_date, ensure_ascii=False
)


def canonical_json(data: Any) -> str:
    """Stable JSON for hashing: sorted keys, dates as ISO strings."""
    return _ENCODER.encode(data)
