"""A throwaway PostgreSQL cluster on loopback, for the registry tests (the postgres_server
fixture) and bench/registry.py alike: initdb into a temporary folder, started on a free port
without durability (fsync off), stopped and deleted afterwards."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

PG_MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's "
    "'postgresql' package (`make test` does, via scripts/system-deps.sh test)"
)


class PostgresUnavailable(Exception):
    """This machine cannot run a private server (no binaries, or root without a way to drop
    to the 'postgres' user): a reason to skip, not a failure."""


class PostgresDidNotStart(Exception):
    """The server was there but did not start; the message ends with its log."""


@dataclass
class Server:
    url: str  # postgresql://postgres@127.0.0.1:PORT (no database)
    stop: list[str]
    base: Path


def pg_bindir() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and (Path(found).parent / "initdb").exists() else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_as() -> list[str]:
    """The command prefix that runs the server as 'postgres' when we are root (PostgreSQL
    refuses root), else nothing."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' user to run the server as"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgresUnavailable(
            "running as root without runuser to start PostgreSQL as 'postgres'"
        )
    return ["runuser", "-u", "postgres", "--"]


def start_postgres() -> Server:
    """A private PostgreSQL cluster on 127.0.0.1 (a free port)."""
    bindir = pg_bindir()
    if bindir is None:
        raise PostgresUnavailable(PG_MISSING)
    prefix = _run_as()
    base = Path(tempfile.mkdtemp(prefix="dsagen-pg-"))
    if prefix:
        shutil.chown(base, "postgres", "postgres")
    base.chmod(0o700)
    data, log = base / "data", base / "server.log"
    port = free_port()
    stop = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        started = subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
        if started.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else started.stderr
            raise PostgresDidNotStart(f"PostgreSQL did not start on 127.0.0.1:{port}:\n{tail}")
    except BaseException:
        stop_postgres(Server("", stop, base))
        raise
    return Server(f"postgresql://postgres@127.0.0.1:{port}", stop, base)


def stop_postgres(server: Server) -> None:
    if (server.base / "data" / "postmaster.pid").exists():
        subprocess.run(server.stop, capture_output=True, timeout=60)
    shutil.rmtree(server.base, ignore_errors=True)


_database_numbers = itertools.count(1)


def new_database(server: str, prefix: str = "dsagen_test") -> str:
    """A new, empty database on the server; its URL."""
    import psycopg

    name = f"{prefix}_{os.getpid()}_{next(_database_numbers)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"
