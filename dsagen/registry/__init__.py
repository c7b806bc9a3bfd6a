"""The registry: every agreement generated, every negotiated copy received, and the questions
legal teams ask of them (who deviates on what, who is on an old clause, is this our file)."""

from .store import Registry, open_registry

__all__ = ["Registry", "open_registry"]
