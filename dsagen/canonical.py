"""Canonical JSON: the one serialisation of parameter values that dsagen hashes, signs into a
DOCX's properties and stores in the registry (its own module: the registry's read commands
need it without loading the clause library)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def canonical_json(data: Any) -> str:
    """Stable JSON for hashing: sorted keys, dates as ISO strings."""

    def default(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), default=default, ensure_ascii=False
    )
