"""How many examples the property tests try. `make test` (and CI) tries every one; the quick
loop, `make test-fast` (DSAGEN_QUICK_TESTS=1), tries a fifth of each test's count (at least
ten): the same properties, looked at less hard, so a developer hears back in a minute."""

from __future__ import annotations

import os

QUICK = os.environ.get("DSAGEN_QUICK_TESTS") == "1"


def examples(full: int) -> int:
    """The number of hypothesis examples for a test whose full run tries `full`."""
    return max(10, full // 5) if QUICK else full
