"""Rendered agreements held on disk until the whole batch is known to be good.

`generate` checks and renders each partner file in one pass over worker processes. Nothing may
reach the output folder while a later partner file could still turn out bad, and the parent
must not hold thousands of rendered agreements in memory. So each agreement waits here, in a
private folder inside the output folder (moving a file into place is then a rename on the same
file system), until the batch commits or is abandoned; the folder goes either way.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

import zstandard

from .errors import OutputError

PREFIX = ".dsagen-staging-"


class Staging:
    """A batch's staging folder: which agreements it holds, by their place in the batch.
    Workers write into it (`hold`); the parent reads back what it commits."""

    def __init__(self, out_dir: Path) -> None:
        missing = [p for p in (out_dir, *out_dir.parents) if not p.exists()]
        blocker = next((p for p in (out_dir, *out_dir.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise OutputError(f"{blocker}: expected an output folder, found a file")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=out_dir))
        except OSError as exc:
            raise OutputError(f"{out_dir}: cannot write here ({exc.strerror})") from None
        # Rows are read back through this handle on the folder made here, so a folder swapped
        # in under the same name (by someone who can write to the output folder) is never read.
        self._handle = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        self._held: dict[int, tuple[str, ...]] = {}
        self._finalizer = weakref.finalize(self, _remove, self.folder, missing, self._handle)

    def __contains__(self, index: int) -> bool:
        return index in self._held

    def __len__(self) -> int:
        return len(self._held)

    def held(self, index: int, formats: tuple[str, ...]) -> None:
        """Note that a worker has written agreement `index` (`hold`) with these outputs."""
        self._held[index] = formats

    def outputs(self, index: int) -> dict[str, Path]:
        return {fmt: self.folder / f"{index}.{fmt}" for fmt in self._held[index]}

    def rows(self, index: int) -> Any:
        """What `hold` kept beside the outputs (dsagen's own objects, written by this batch
        into a folder only this user can read)."""
        fd = os.open(f"{index}.rows", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=self._handle)
        with os.fdopen(fd, "rb") as handle:
            packed = handle.read()
        return pickle.loads(zstandard.ZstdDecompressor().decompress(packed))

    def discard(self) -> None:
        """Remove the staging folder (and the output folders made only to hold it)."""
        self._finalizer()
        self._held.clear()


def hold(folder: Path, index: int, outputs: dict[str, bytes], rows: Any) -> None:
    """Write one agreement into the staging folder (in the worker that rendered it): each
    output as a file, and its registry rows. Not synced: committing syncs what it moves."""
    try:
        for fmt, data in outputs.items():
            (folder / f"{index}.{fmt}").write_bytes(data)
        packed = zstandard.ZstdCompressor(level=1).compress(pickle.dumps(rows))
        (folder / f"{index}.rows").write_bytes(packed)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write ({exc.strerror})") from None


def sync(path: Path) -> None:
    """Flush a staged file to disk before it is renamed into place."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(folder: Path, made: list[Path], handle: int) -> None:
    os.close(handle)
    shutil.rmtree(folder, ignore_errors=True)
    for parent in made:  # innermost first: each only if nothing else was put in it
        try:
            parent.rmdir()
        except OSError:
            break


def remove_abandoned(out_dir: Path) -> None:
    """Staging folders left by a batch that was killed (its process is gone)."""
    try:
        found = list(out_dir.glob(f"{PREFIX}*"))
    except OSError:
        return
    for folder in found:
        pid = folder.name[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
