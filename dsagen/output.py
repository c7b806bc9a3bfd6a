"""Writing outputs without losing anything: atomic replace, no silent overwrite, no escapes."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
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
    write_all([(path, data)], force=force)


def write_all(outputs: list[tuple[Path, bytes]], *, force: bool) -> None:
    """Write several outputs all or none: every target is checked and staged as a temporary
    file beside it before the first is renamed into place; if a rename fails, the ones
    already made are undone (earlier files restored, new ones removed). Render every output
    to memory before calling, so a renderer failing half-way leaves nothing behind."""
    for path, _ in outputs:
        check_writable(path, force=force)
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in outputs:
            staged.append((path, _stage(path, data)))
        commit_staged(staged, force=force)
    finally:
        for _, temp_name in staged:
            if os.path.exists(temp_name):
                os.unlink(temp_name)


def _stage(path: Path, data: bytes) -> str:
    """A synced temporary file holding `data` in the target's folder (renames stay atomic)."""
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
    except OSError as exc:
        os.unlink(temp_name)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    return temp_name


def commit_staged(staged: list[tuple[Path, str]], *, force: bool) -> None:
    """Rename each staged file (on the target's file system) over its target, keeping what it
    replaces until all are in; the first that fails undoes the others."""
    done: list[tuple[Path, str | None]] = []  # target, backup of what it replaced
    try:
        for path, temp_name in staged:
            if not force and path.exists():
                raise OutputError(f"{path}: already exists; pass --force to overwrite it")
            backup = None
            if path.exists():
                backup = _keep(path, temp_name + ".old")
            done.append((path, backup))
            os.replace(temp_name, path)
    except OSError as exc:
        _undo(done)
        raise OutputError(f"{path}: cannot write ({exc.strerror})") from None
    except OutputError:
        _undo(done)
        raise
    for _, backup in done:
        if backup is not None:
            os.unlink(backup)


def _keep(path: Path, backup: str) -> str:
    """A copy of `path` at `backup` (a hard link where the file system allows one)."""
    try:
        os.link(path, backup)
    except OSError:
        shutil.copyfile(path, backup)
    return backup


def _undo(done: list[tuple[Path, str | None]]) -> None:
    """Put back what a half-finished commit replaced; remove what it created."""
    for path, backup in reversed(done):
        try:
            if backup is not None:
                os.replace(backup, path)
            elif path.exists():
                path.unlink()
        except OSError:
            pass  # best effort: the original error is the one to report


FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def zip_members(members: list[tuple[str, bytes]]) -> bytes:
    """A ZIP of (name, bytes) with fixed timestamps and attributes: equal content, equal
    bytes (what makes golden files and provenance hashes possible)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            target.writestr(info, data, compresslevel=6)
    return out.getvalue()


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and attributes so equal content gives equal bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return zip_members(
            [(item.filename, source.read(item.filename)) for item in source.infolist()]
        )
