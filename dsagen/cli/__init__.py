"""The dsagen command line: one module per command group over the library API.

`common` holds the app and what the commands share; importing each command module registers
its commands on the app.
"""

from __future__ import annotations

import sys

from . import (  # noqa: F401  (registers the commands; one module a line)
    browse,
    diff,
    generate,
    library,
    lint,
    project,
    registry,
    respond,
    tracking,
)
from .common import app, app_for


def main() -> None:
    """Console-script entry point: builds only the command being run."""
    app_for(sys.argv[1:])(prog_name="dsagen")


__all__ = ["app", "main"]
