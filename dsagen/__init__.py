"""dsagen: research data sharing agreements, generated, compared and tracked.

The library API (docs/api.md) is what the command line calls; each name is imported on first
use, so `import dsagen` costs next to nothing and a program that only compares documents never
loads WeasyPrint or SQLAlchemy.

    import dsagen
    library = dsagen.load_library()
    comparison, standard, negotiated = dsagen.compare_files(Path("acme.yaml"),
                                                             Path("acme-returned.docx"))
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.9.0"

#: public name -> (module, attribute): the whole API, resolved lazily by __getattr__
_API: dict[str, tuple[str, str]] = {
    "DsagenError": ("dsagen.errors", "DsagenError"),
    "load_library": ("dsagen.library", "load_library"),
    "Library": ("dsagen.library", "Library"),
    "find_project": ("dsagen.config", "find_project"),
    "init_project": ("dsagen.project", "init_project"),
    "load_partner": ("dsagen.partners", "load_partner"),
    "validate_paths": ("dsagen.generate", "validate_paths"),
    "prepare": ("dsagen.generate", "prepare"),
    "generate_agreements": ("dsagen.generate", "generate"),
    "compare_files": ("dsagen.review", "compare_files"),
    "Comparison": ("dsagen.compare.model", "Comparison"),
    "lint_paths": ("dsagen.review", "lint_paths"),
    "open_registry": ("dsagen.registry.store", "open_registry"),
}

__all__ = [
    "Comparison",
    "DsagenError",
    "Library",
    "__version__",
    "compare_files",
    "find_project",
    "generate_agreements",
    "init_project",
    "lint_paths",
    "load_library",
    "load_partner",
    "open_registry",
    "prepare",
    "validate_paths",
]

if TYPE_CHECKING:
    from .compare.model import Comparison as Comparison
    from .config import find_project as find_project
    from .errors import DsagenError as DsagenError
    from .generate import generate as generate_agreements
    from .generate import prepare as prepare
    from .generate import validate_paths as validate_paths
    from .library import Library as Library
    from .library import load_library as load_library
    from .partners import load_partner as load_partner
    from .project import init_project as init_project
    from .registry.store import open_registry as open_registry
    from .review import compare_files as compare_files
    from .review import lint_paths as lint_paths


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'dsagen' has no attribute '{name}'") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # once resolved, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
