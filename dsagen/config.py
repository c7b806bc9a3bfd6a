"""The project file `dsagen.toml`: where an organisation's clause library, registry and output
folder live, found upward from the working folder as ruff and pytest find theirs.

    library = "."                      # the folder holding clauses/, templates/, rules/
    registry = ".dsagen/registry.db"   # a file path or a database URL
    output = "out"                     # where `dsagen generate` writes
    organisation = "Example University"  # who "we" are in reports and responses

Relative paths are relative to the folder of dsagen.toml. Command-line options and the
DSAGEN_LIBRARY / DSAGEN_REGISTRY environment variables override the file; without a file
dsagen uses the library it ships with, `.dsagen/registry.db` and `out/` in the working folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import InputError
from .params import unknown_key

#: The registry file in the working folder, when neither an option, DSAGEN_REGISTRY nor
#: dsagen.toml names one.
DEFAULT_REGISTRY = Path(".dsagen") / "registry.db"

CONFIG_FILE = "dsagen.toml"
KEYS = ("library", "registry", "output", "organisation")


class ConfigError(InputError):
    """dsagen.toml is malformed or names something of the wrong kind."""


@dataclass(frozen=True)
class Project:
    """A dsagen.toml and what it sets (None where it is silent)."""

    path: Path  # the dsagen.toml file
    library: Path | None
    registry: str | None
    output: Path | None
    organisation: str | None

    @property
    def folder(self) -> Path:
        return self.path.parent


def find_project(start: Path | None = None) -> Project | None:
    """The nearest dsagen.toml in START (default: the working folder) or a folder above it."""
    folder = (start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_FILE
        if path.is_file():
            return _read_project(path, path.stat().st_mtime_ns)
    return None


@lru_cache(maxsize=8)
def _read_project(path: Path, _mtime: int) -> Project:
    data = _parse(path)
    if unknown := unknown_key(data, KEYS):
        key, message = unknown
        raise ConfigError(message, path=path, field=key)
    values = {key: _text(data, key, path) for key in KEYS}
    folder = path.parent

    def relative(value: str | None) -> Path | None:
        return None if value is None else (folder / Path(value).expanduser()).resolve()

    registry = values["registry"]
    if registry is not None and "://" not in registry:
        registry = str(relative(registry))
    return Project(
        path,
        relative(values["library"]),
        registry,
        relative(values["output"]),
        values["organisation"],
    )


def _parse(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"expected TOML, found a syntax error ({exc})", path=path) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file ({exc.strerror})", path=path) from None


def _text(data: dict[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"expected a non-empty string, found {value!r}", path=path, field=key)
    return value


def project_library() -> Path | None:
    """The library folder dsagen.toml names (DSAGEN_LIBRARY overrides it), if any."""
    env = os.environ.get("DSAGEN_LIBRARY")
    if env:
        return Path(env)
    project = find_project()
    return project.library if project else None


def project_registry(cwd: Path | None = None) -> str | None:
    """The registry URL or file dsagen.toml names, if any (DSAGEN_REGISTRY is read by the
    command line option and by callers that know it)."""
    project = find_project(cwd)
    return project.registry if project else None


def project_output() -> Path | None:
    """The output folder dsagen.toml names, if any."""
    project = find_project()
    return project.output if project else None


def project_organisation() -> str | None:
    """The organisation dsagen.toml names, if any (it overrides playbook.yaml's)."""
    project = find_project()
    return project.organisation if project else None
