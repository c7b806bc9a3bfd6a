"""The JSON a document carries in its own custom properties, read as the hostile input it is.

A returned copy's ``dsagen.manifest`` and ``dsagen.params`` are the partner's to edit: they may
be a list where a mapping belongs, nested ten thousand levels deep, hold a number with
thousands of digits, or not be JSON at all. Whoever reads them gets a mapping or nothing, never
an exception.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from dsagen.limits import MAX_PROPERTY_CHARS, MAX_PROPERTY_DEPTH, MAX_PROPERTY_DIGITS

_LONG_NUMBER = re.compile(f"[0-9]{{{MAX_PROPERTY_DIGITS + 1}}}")


def json_property(properties: Mapping[str, str], name: str) -> dict[str, Any] | None:
    """The property ``name`` as a JSON mapping, or None if absent, oversized, too deep, holding
    an overlong number, malformed, or of another shape."""
    text = properties.get(name)
    if not isinstance(text, str) or len(text) > MAX_PROPERTY_CHARS:
        return None
    if _too_deep(text) or _LONG_NUMBER.search(_outside_strings(text)):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _outside_strings(text: str) -> str:
    """The JSON text with string literals blanked, so digits inside names do not count."""
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than the limit (checked before parsing:
    the C decoder recurses once per level)."""
    depth = 0
    for char in re.sub(r"[^\[\]{}]", "", _outside_strings(text)):
        depth += 1 if char in "[{" else -1
        if depth > MAX_PROPERTY_DEPTH:
            return True
    return False
