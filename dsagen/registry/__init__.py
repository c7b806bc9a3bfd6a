"""The registry: every agreement generated, every negotiated copy received, and the questions
legal teams ask of them (who deviates on what, who is on an old clause, is this our file).

`Registry` and `open_registry` load the database layer (SQLAlchemy) when first asked for, not
with every module of the package: `dsagen diff` asks `issued` whether a registry is there at
all, and without one never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import Registry, open_registry

__all__ = ["Registry", "open_registry"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
