"""Writing outputs without losing anything: atomic replace, no silent overwrite, no escapes."""

from __future__ import annotations

import io
import os
import shutil
import struct
import tempfile
import zipfile
import zlib
from functools import lru_cache
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


def zip_members(members: list[tuple[str, bytes]], level: int = 6) -> bytes:
    """A ZIP of (name, bytes) with fixed timestamps and attributes: equal content, equal
    bytes (what makes golden files and provenance hashes possible). Written directly (the
    same bytes Python's zipfile writes for these settings), so each member's compressed form
    can come from `deflated`'s cache. Level 0 is for a package read back at once in the same
    process: deflating a large document costs more than the rest of writing it."""
    body, directory = bytearray(), bytearray()
    year, month, day, hour, minute, second = FIXED_ZIP_TIME
    time = hour << 11 | minute << 5 | second // 2
    date = (year - 1980) << 9 | month << 5 | day
    for name, data in members:
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else _UTF8_NAME
        packed, crc = deflated(data, level), zlib.crc32(data)
        fields = (_DEFLATE, time, date, crc, len(packed), len(data), len(encoded), 0)
        directory += _CENTRAL.pack(
            b"PK\x01\x02", _VERSION, 0, _VERSION, 0, flags, *fields, 0, 0, 0, _ATTRIBUTES, len(body)
        )
        directory += encoded
        body += _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, *fields) + encoded + packed
    count = len(members)
    end = _END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return bytes(body + directory + end)


_LOCAL = struct.Struct("<4s2B4HL2L2H")  # as zipfile.structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # as zipfile.structCentralDir
_END = struct.Struct("<4s4H2LH")  # as zipfile.structEndArchive
_VERSION = 20  # needed to extract deflate
_DEFLATE = 8
_UTF8_NAME = 0x800
_ATTRIBUTES = 0o600 << 16  # a regular file, owner read/write


@lru_cache(maxsize=128)
def deflated(data: bytes, level: int = 6) -> bytes:
    """Raw deflate of `data` at `level`, cached: every agreement of a batch carries the same
    styles, theme and numbering, and the registry checks the level of what was just written."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def deterministic_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and attributes so equal content gives equal bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        return zip_members(
            [(item.filename, source.read(item.filename)) for item in source.infolist()]
        )
