"""`dsagen browse`: the registry in a browser, through Datasette (the `browse` extra)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DsagenError
from .common import (
    LibraryOption,
    RegistryOption,
    TodayOption,
    app,
    err,
    handled,
    load_library,
    parse_date,
)
from .registry import open_registry


@app.command()
@handled
def browse(
    port: Annotated[int, typer.Option("--port", help="Port to serve on.")] = 8001,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            help="Address to serve on (loopback by default: the registry is confidential).",
        ),
    ] = "127.0.0.1",
    no_open: Annotated[bool, typer.Option("--no-open", help="Do not open a browser.")] = False,
    today: TodayOption = None,
    library: LibraryOption = None,
    registry: RegistryOption = None,
) -> None:
    """Open the registry in a browser (Datasette): tables, facets, search, JSON/CSV export, and
    dsagen's canned queries. An SQLite registry only: export a PostgreSQL one with
    `dsagen export --sqlite FILE` first. Stop with Ctrl-C."""
    from ..registry.browse import metadata, prepare, serve_command

    if importlib.util.find_spec("datasette") is None:
        raise DsagenError("dsagen browse needs Datasette: pip install 'dsagen[browse]'")
    start = parse_date(today, "--today") or dt.date.today()
    lib = load_library(library)
    base_url = f"http://{host}:{port}"
    folder = Path(tempfile.mkdtemp(prefix="dsagen-browse-"))
    try:
        with open_registry(registry) as reg:
            if reg.location.path is None:
                raise DsagenError(
                    "dsagen browse opens an SQLite registry; for PostgreSQL run "
                    "`dsagen export --sqlite registry.db` and browse that file"
                )
            database = reg.location.path
            views = prepare(reg, lib, folder, base_url, today=start)
        meta = folder / "metadata.json"
        meta.write_text(json.dumps(metadata(base_url, database.stem), indent=1))
        err.print(f"browsing {database} at {base_url}/ (Ctrl-C to stop)", markup=False)
        command = serve_command(
            database, views, folder, meta, host=host, port=port, open_browser=not no_open
        )
        code = _serve(command)
        if code not in (0, -2, -15, 130):
            raise DsagenError(
                f"Datasette stopped with exit code {code} (is port {port} in use? try --port)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _serve(command: list[str]) -> int:
    """Run Datasette until it stops, Ctrl-C, or dsagen is terminated (which stops it too)."""
    server = subprocess.Popen(command)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt
