"""Writing outputs without losing anything: atomic replace, no silent overwrite, no escapes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def inside(root: Path, *parts: str) -> Path:
    """`root/parts...`, refusing any path that would land outside `root`."""
    root = root.resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise OutputError(f"refusing to write outside the output folder {root}: {target}")
    return target


def check_writable(path: Path, *, force: bool) -> None:
    """Fail before any work is done if `path` exists (without force) or cannot be created."""
    if path.exists() and not force:
        raise OutputError(f"{path}: already exists; pass --force to overwrite it")
    if path.exists() and path.is_dir():
        raise OutputError(f"{path}: expected a file path, found a folder")
    parent = path.parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{probe}: expected an output folder, found a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"{parent}: output folder is not writable")


def write_atomic(path: Path, data: bytes, *, force: bool) -> None:
    """Write via a temporary file in the same folder, then rename over the target."""
    check_writable(path, force=force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)
        if not force and path.exists():
            raise OutputError(f"{path}: already exists; pass --force to overwrite it")
        os.replace(temp_name, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
