"""The compiled clause library cached on disk, so a command that needs it pays milliseconds.

Loading the library parses every clause and template YAML file and compiles every variant's
Jinja text: about a third of a second that every `dsagen` process used to pay. The result is
cached in the user's cache folder ($DSAGEN_CACHE_DIR, else $XDG_CACHE_HOME/dsagen, else
~/.cache/dsagen), one file per library folder, keyed by the digest of everything the load reads
(every file under clauses/ and templates/, the playbook) and of the code that reads it
(dsagen's modules, by size and modification time; the Python and Jinja versions). Any change
is a miss, and a miss simply loads the library as before and rewrites the entry.

The entry holds the compiled Jinja as Python code, which dsagen runs, so it is trusted only when
nobody but the current user could have written it: the cache folder and the file must belong to
the user and be writable by no one else; anything else is ignored (a folder others could write to
is never written to either). The
parsed library is stored as tagged plain data (marshal of dicts, lists and strings, no pickle);
decoding rebuilds only dsagen's own dataclasses and enums, and anything unexpected is a miss.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import importlib
import marshal
import os
import stat
import tempfile
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

FORMAT = 1
SKIPPED_FIELDS = frozenset({"env", "codes"})  # rebuilt or stored apart


class NotCacheable(Exception):
    """A value the cache format does not hold (the library is then simply not cached)."""


def cache_dir() -> Path | None:
    """Where entries live; None when caching is switched off (DSAGEN_CACHE_DIR set empty)."""
    configured = os.environ.get("DSAGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dsagen"


def library_key(root: Path, playbook: Path | None = None) -> str:
    """Digest of every input the library load reads, and of the code that reads it."""
    import jinja2

    hasher = hashlib.sha256()
    hasher.update(f"{FORMAT}|{MAGIC_NUMBER.hex()}|{jinja2.__version__}|{root}".encode())
    package = Path(__file__).resolve().parent
    for code in sorted(package.rglob("*.py")):  # dsagen itself: a stat each, no reading
        info = code.stat()
        hasher.update(f"{code}|{info.st_size}|{info.st_mtime_ns}\0".encode())
    inputs: list[Path] = []
    for folder in ("clauses", "templates"):
        if (root / folder).is_dir():
            inputs += sorted(p for p in (root / folder).rglob("*") if p.is_file())
    inputs += [root / "playbook.yaml", Path(playbook).resolve() if playbook else root / "-"]
    for path in inputs:
        hasher.update(str(path).encode() + b"\0")
        try:
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            hasher.update(b"-")
    return hasher.hexdigest()


def _entry(root: Path, playbook: Path | None) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    name = hashlib.sha256(f"{root}|{playbook or ''}".encode()).hexdigest()[:24]
    return folder / f"library-{name}.bin"


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read_trusted(path: Path) -> bytes | None:
    """The entry's bytes, only if it and its folder could have been written by this user
    alone."""
    try:
        if not _private(os.stat(path.parent)):
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        return handle.read()


def cached_entry(
    root: Path, playbook: Path | None = None
) -> tuple[Any, dict[str, CodeType]] | None:
    """(the stored library, its compiled Jinja code by source text), or None when the entry
    is missing, stale, untrusted or damaged."""
    entry = _entry(root, playbook)
    if entry is None:
        return None
    data = _read_trusted(entry)
    if data is None:
        return None
    try:
        stored = marshal.loads(data)
        if not (isinstance(stored, dict) and stored.get("key") == library_key(root, playbook)):
            return None
        value, codes = _decode(stored["library"]), stored["codes"]
    except (NotCacheable, ValueError, EOFError, TypeError, KeyError, AttributeError, ImportError):
        return None
    if not isinstance(codes, dict) or not all(
        isinstance(k, str) and isinstance(v, CodeType) for k, v in codes.items()
    ):
        return None
    return value, codes


def store_entry(
    root: Path,
    playbook: Path | None,
    library: Any,
    compile_all: Callable[[], dict[str, CodeType] | None],
) -> None:
    """Write the entry for `library` with the code `compile_all` returns (None: nothing worth
    caching); silently skipped when the cache folder cannot be made private to this user or
    the library holds something the format does not."""
    entry = _entry(root, playbook)
    if entry is None:
        return
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(entry.parent)):
            return
        encoded = _encode(library)
    except (OSError, NotCacheable):
        return
    codes = compile_all()
    if codes is None:
        return
    blob = marshal.dumps({"key": library_key(root, playbook), "library": encoded, "codes": codes})
    try:
        fd, temp = tempfile.mkstemp(prefix=".library-", dir=entry.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.chmod(temp, 0o600)
        os.replace(temp, entry)
        _prune(entry.parent)
    except OSError:
        if "temp" in locals() and os.path.exists(temp):
            os.unlink(temp)


KEPT = 32  # entries (library folders) kept; the least recently written go first


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("library-*.bin"), key=lambda p: p.stat().st_mtime)
    for old in entries[:-KEPT]:
        old.unlink(missing_ok=True)


# Tagged plain data: {"c": class, "f": fields}, {"t": tuple}, {"d": dict}, ... -------------------


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return {"e": _class_name(type(value)), "v": _encode(value.value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {
            f.name: None if f.name in SKIPPED_FIELDS else _encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.init and not f.name.startswith("_")
        }
        return {"c": _class_name(type(value)), "f": fields}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, tuple):
        return {"t": [_encode(item) for item in value]}
    if isinstance(value, frozenset | set):
        return {"s": [_encode(item) for item in value], "frozen": isinstance(value, frozenset)}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": {k: _encode(v) for k, v in value.items()}}
    if isinstance(value, dt.datetime | dt.date):
        return {type(value).__name__: value.isoformat()}
    if isinstance(value, Path):
        return {"p": str(value)}
    raise NotCacheable(type(value).__name__)


def _class_name(cls: type) -> str:
    if not cls.__module__.startswith("dsagen."):
        raise NotCacheable(cls.__qualname__)
    return f"{cls.__module__}:{cls.__qualname__}"


def _dsagen_class(name: str) -> type:
    """A class named in an entry: only dsagen's own dataclasses and enums."""
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith("dsagen.") or "." in qualname:
        raise NotCacheable(name)
    cls = getattr(importlib.import_module(module_name), qualname, None)
    if not isinstance(cls, type) or not (
        dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum)
    ):
        raise NotCacheable(name)
    return cls


def _decode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise NotCacheable("entry")
    return _decode_tagged(value)


def _decode_tagged(value: dict[str, Any]) -> Any:
    if "c" in value:
        fields = {k: _decode(v) for k, v in value["f"].items()}
        return _dsagen_class(value["c"])(**fields)
    if "e" in value:
        return _dsagen_class(value["e"])(_decode(value["v"]))
    if "t" in value:
        return tuple(_decode(item) for item in value["t"])
    if "s" in value:
        items = [_decode(item) for item in value["s"]]
        return frozenset(items) if value["frozen"] else set(items)
    if "d" in value:
        return {k: _decode(v) for k, v in value["d"].items()}
    if "date" in value:
        return dt.date.fromisoformat(value["date"])
    if "datetime" in value:
        return dt.datetime.fromisoformat(value["datetime"])
    if "p" in value:
        return Path(value["p"])
    raise NotCacheable("entry")
