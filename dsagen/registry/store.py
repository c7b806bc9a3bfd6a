"""The registry database: where it lives, how it is opened and migrated, safe transactions.

SQLite by default (``.dsagen/registry.db`` in the working folder, WAL, a busy timeout, every
write under ``BEGIN IMMEDIATE`` so writers queue instead of failing), PostgreSQL by URL. The
tables in :mod:`dsagen.registry.schema` describe the *latest* schema: a new database is created
from them and stamped with :data:`SCHEMA_VERSION`; an older one is brought up to date by running
each migration in :data:`MIGRATIONS` after its stamped version, all in one transaction.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, inspect, select, text
from sqlalchemy.engine import URL, make_url

from ..config import DEFAULT_REGISTRY
from ..errors import RegistryError
from .migrations import to_2, to_3, to_4, to_5
from .schema import guard_append_only, metadata, now, schema_info

SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 8
Migration = Callable[[Connection], None]
#: version -> step that brings a database from version - 1 to version. Append, never edit.
MIGRATIONS: dict[int, Migration] = {2: to_2, 3: to_3, 4: to_4, 5: to_5}

T = TypeVar("T")


@dataclass(frozen=True)
class Location:
    """Where a registry lives: an SQLAlchemy URL plus, for SQLite, the file."""

    url: URL
    path: Path | None  # SQLite file; None for a server

    @property
    def label(self) -> str:
        return (
            str(self.path)
            if self.path is not None
            else self.url.render_as_string(hide_password=True)
        )


def locate(url: str | None, cwd: Path | None = None) -> Location:
    """Resolve `--registry` / DSAGEN_REGISTRY (a URL or a file path) or the default file."""
    cwd = cwd or Path.cwd()
    if not url:
        from ..config import project_registry

        url = project_registry(cwd)
    if not url:
        path = (cwd / DEFAULT_REGISTRY).absolute()
        return Location(make_url(f"sqlite:///{path}"), path)
    if "://" not in url:
        path = (cwd / Path(url).expanduser()).absolute()
        return Location(make_url("sqlite://").set(database=str(path)), path)
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        raise RegistryError(
            f"--registry: expected sqlite:///PATH, postgresql://USER@HOST/DB "
            f"or a file path, found '{url}'"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise RegistryError(
                "--registry: an in-memory SQLite registry would be lost on exit; "
                "give a file, e.g. sqlite:///registry.db"
            )
        path = (cwd / Path(parsed.database).expanduser()).absolute()
        return Location(parsed.set(drivername="sqlite", database=str(path)), path)
    if backend in ("postgresql", "postgres"):
        if not parsed.database:
            raise RegistryError(
                f"--registry: expected a database name in the URL, found "
                f"'{parsed.render_as_string(hide_password=True)}'"
            )
        return Location(parsed.set(drivername="postgresql+psycopg"), None)
    raise RegistryError(
        f"--registry: unsupported database '{backend}'; expected sqlite:///PATH, "
        "postgresql://USER@HOST/DB or a file path"
    )


class Registry:
    """An open registry: run reads and writes in transactions; close when done."""

    def __init__(self, location: Location, engine: Engine, created: bool) -> None:
        self.location = location
        self.engine = engine
        self.created = created  # True when this call created the database file
        self.is_sqlite = location.path is not None

    @property
    def label(self) -> str:
        return self.location.label

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot."""
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction, retrying when another writer holds the lock.

        `work` must only touch the database (it may run more than once): do slow work first.
        A unique-key race (IntegrityError) is retried too, so `work` re-reads what it checks.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._errors(retryable=True), self.engine.connect() as conn:
                    conn.execution_options(dsagen_write=True)
                    with conn.begin():
                        return work(conn)
            except _Retry as retry:
                if attempt == WRITE_ATTEMPTS:
                    raise RegistryError(
                        f"registry {self.label}: could not write after "
                        f"{WRITE_ATTEMPTS} attempts ({retry.reason})"
                    ) from None
                time.sleep(random.uniform(0.01, 0.05) * attempt)
        raise AssertionError("unreachable")

    @contextmanager
    def _errors(self, retryable: bool = False) -> Iterator[None]:
        try:
            yield
        except exc.IntegrityError as error:
            if retryable and _is_unique_conflict(error):
                raise _Retry(_first_line(error)) from None
            raise RegistryError(f"registry {self.label}: {_first_line(error)}") from None
        except exc.OperationalError as error:
            if retryable and _is_contention(error):
                raise _Retry(_first_line(error)) from None
            raise RegistryError(f"registry {self.label}: {_first_line(error)}") from None
        except exc.DatabaseError as error:
            raise RegistryError(f"registry {self.label}: {_first_line(error)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Retry(Exception):
    """Another writer got there first: run the transaction again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_unique_conflict(error: exc.IntegrityError) -> bool:
    """A unique key another writer took first: a race, worth another attempt. A refusal by
    the database itself (the append-only trail, a missing reference) would only be refused
    again, each time after a longer wait."""
    message = str(error.orig).lower()
    code = getattr(error.orig, "sqlstate", None)
    return "unique constraint" in message or code == "23505"


def _is_contention(error: exc.OperationalError) -> bool:
    message = str(error.orig).lower()
    code = getattr(error.orig, "sqlstate", None)
    return "locked" in message or "busy" in message or code in ("40001", "40P01")


def _first_line(error: BaseException) -> str:
    orig = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    return lines[0] if lines else type(orig).__name__


def open_registry(
    url: str | None = None, *, create: bool = False, cwd: Path | None = None
) -> Registry:
    """Open (and migrate) the registry. An SQLite file, or the tables in an empty database,
    are only made when `create` is true; otherwise a missing file or an empty database is an
    error naming where dsagen looked."""
    location = locate(url, cwd)
    created = False
    if location.path is not None:
        created = _prepare_file(location.path, create=create, default=not url)
    engine = _engine(location)
    registry = Registry(location, engine, created)
    try:
        _migrate(registry, create=create or created)
    except BaseException:
        engine.dispose()
        raise
    return registry


def check_registry(url: str | None = None, *, cwd: Path | None = None) -> None:
    """Fail now if the registry could not be opened or created later; create nothing."""
    location = locate(url, cwd)
    path = location.path
    if path is None:
        _check_server(location)
        return
    if path.exists():
        open_registry(url, cwd=cwd).close()
        return
    if path.is_dir():
        raise RegistryError(f"{path}: expected a registry database file, found a folder")
    folder = path.parent
    if url and not folder.is_dir():
        raise RegistryError(
            f"{folder}: folder does not exist; create it or choose another --registry path"
        )
    while not folder.exists():  # the default .dsagen/ is made on first use
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise RegistryError(f"{folder}: cannot create the registry here (not writable)")


def _prepare_file(path: Path, *, create: bool, default: bool) -> bool:
    if path.is_dir():
        raise RegistryError(f"{path}: expected a registry database file, found a folder")
    if path.exists():
        return False
    if not create:
        hint = (
            "`dsagen generate` creates it in the working folder"
            if default
            else "check the path, or run `dsagen generate --registry ...` to create it"
        )
        raise RegistryError(
            f"no registry at {path}; {hint} (or pass --registry URL / set DSAGEN_REGISTRY)"
        )
    if default:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise RegistryError(
            f"{path.parent}: folder does not exist; create it or choose another --registry path"
        )
    try:
        # O_EXCL: when two processes create the database at once, exactly one reports it.
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    except OSError as error:
        raise RegistryError(f"{path}: cannot create the registry ({error.strerror})") from None
    return True


def _engine(location: Location) -> Engine:
    if location.path is None:
        try:
            engine = create_engine(location.url, connect_args={"connect_timeout": 10}, pool_size=2)
        except ModuleNotFoundError:
            raise RegistryError(
                "a PostgreSQL registry needs psycopg: pip install 'dsagen[postgres]'"
            ) from None
        return engine
    engine = create_engine(location.url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module: it would not BEGIN before
        # DDL, and its deferred BEGIN lets two writers deadlock on the lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")  # persistent: once per database
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable in WAL except on power loss
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("dsagen_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def schema_version(conn: Connection) -> int | None:
    """The stamped schema version; None for an empty database."""
    if conn.dialect.name == "sqlite":
        stamped = conn.exec_driver_sql(
            f"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{schema_info.name}'"
        ).first()
    else:
        stamped = conn.exec_driver_sql(f"SELECT to_regclass('{schema_info.name}')").scalar()
    if stamped:
        row = conn.execute(select(schema_info.c.version)).first()
        return int(row[0]) if row else None
    names = set(inspect(conn).get_table_names())  # slower: only for a new or foreign database
    if schema_info.name not in names:
        if names:
            raise RegistryError(
                f"the database holds other tables ({', '.join(sorted(names)[:5])})"
                " and no dsagen registry; use an empty database"
            )
        return None
    row = conn.execute(select(schema_info.c.version)).first()
    return int(row[0]) if row else None


def _check_server(location: Location) -> None:
    """A server registry can be reached and is empty or dsagen's (generate makes the tables
    in an empty database when it records)."""
    registry = Registry(location, _engine(location), created=False)
    try:
        _stamped_version(registry)
    finally:
        registry.close()


def _stamped_version(registry: Registry) -> int | None:
    """The schema version the database is stamped with (None: empty), one this dsagen
    understands."""
    try:
        probe = registry.engine.connect()
    except exc.DBAPIError as error:
        raise RegistryError(
            f"cannot connect to the registry at {registry.label}: {_first_line(error)}"
        ) from None
    with registry._errors(), probe:
        with probe.begin():
            version = schema_version(probe)
    if version is not None and version > SCHEMA_VERSION:
        raise RegistryError(
            f"registry {registry.label} is at schema version {version}, newer "
            f"than this dsagen understands ({SCHEMA_VERSION}); upgrade dsagen"
        )
    return version


def _migrate(registry: Registry, *, create: bool) -> None:
    version = _stamped_version(registry)
    if version == SCHEMA_VERSION:
        return
    if version is None and not create:
        raise RegistryError(
            f"registry {registry.label} is empty (no dsagen tables yet); "
            "`dsagen generate --registry ...` creates them"
        )

    def upgrade(conn: Connection) -> None:
        if not registry.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises this
            conn.execute(text("SELECT pg_advisory_xact_lock(720405)"))
        current = schema_version(conn)  # again: another process may have migrated meanwhile
        if current is None:
            metadata.create_all(conn)
            guard_append_only(conn)
            conn.execute(
                schema_info.insert().values(id=1, version=SCHEMA_VERSION, migrated_at=now())
            )
            return
        for step in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        if current < SCHEMA_VERSION:
            conn.execute(schema_info.update().values(version=SCHEMA_VERSION, migrated_at=now()))

    registry.write(upgrade)
