"""What every dsagen command shares: the typer app, the console streams, the error handling,
the options that many commands take and the one way JSON is printed.

No logic lives in the command modules. Every DsagenError becomes one red line on stderr and
its exit code.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gc
import io
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from .. import __version__
from ..errors import DsagenError

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..library import Library

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
USAGE_EXIT = 2  # a usage error is bad input like any other


class DsagenGroup(TyperGroup):
    """The top-level command group: a usage error (unknown option, bad choice, missing
    argument) is one red `error:` line and exit 2, like every other error, not typer's box."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except NoArgsIsHelpError:  # the help has been printed: nothing to add
            if not standalone_mode:
                raise
            sys.exit(USAGE_EXIT)
        except ClickException as exc:
            if not standalone_mode:
                raise
            hint = ""
            context = getattr(exc, "ctx", None)
            if context is not None:
                hint = f" (see {context.command_path} --help)"
            # typer 0.29+ checks choices with pydantic, whose wording leaks in ("Value error, ")
            message = exc.format_message().replace("Value error, ", "")
            err.print(f"[red]error:[/red] {escape(message)}{escape(hint)}")
            sys.exit(USAGE_EXIT if exc.exit_code == 2 else exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            err.print("[red]error:[/red] aborted")
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _print_version(value: bool) -> None:
    if value:
        out.print(f"dsagen {__version__}", markup=False)
        raise typer.Exit()


APP_SETTINGS: dict[str, Any] = {
    "name": "dsagen",
    "cls": DsagenGroup,
    "no_args_is_help": True,
    "help": "Generate, compare and track research data sharing agreements.",
    "pretty_exceptions_enable": False,
}
app = typer.Typer(**APP_SETTINGS)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the dsagen version and exit.",
        ),
    ] = False,
) -> None:
    """Generate, compare and track research data sharing agreements."""


clauses_app = typer.Typer(help="Browse the clause library.", no_args_is_help=True)
templates_app = typer.Typer(help="Browse the agreement templates.", no_args_is_help=True)
app.add_typer(clauses_app, name="clauses")
app.add_typer(templates_app, name="templates")


def print_error(exc: DsagenError) -> None:
    """One red 'error:' line per problem (several when a run collected them all)."""
    for line in exc.message.splitlines():
        err.print(f"[red]error:[/red] {escape(line)}", markup=True, highlight=False)


def handled(func: F) -> F:
    """Turn DsagenError into one red line and its exit code; never a traceback for bad input."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DsagenError as exc:
            print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug in dsagen: say so plainly, traceback on request
            if os.environ.get("DSAGEN_DEBUG"):
                raise
            err.print(
                f"[red]internal error:[/red] {type(exc).__name__}: {escape(str(exc))} "
                "(a bug in dsagen; set DSAGEN_DEBUG=1 for the traceback)"
            )
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, option: str = "--date") -> dt.date | None:
    """A YYYY-MM-DD option value, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DsagenError(f"{option}: expected YYYY-MM-DD, found '{value}'") from None


def default_output() -> Path:
    """Where generated agreements go without --out: dsagen.toml's output folder, else out/."""
    from ..config import project_output

    return project_output() or Path("out")


def load_library(root: Path | None) -> Library:
    """The clause library at ROOT, or the shipped one."""
    from ..library import load_library as load

    return load(root)


LibraryOption = Annotated[
    Path | None,
    typer.Option(
        "--library",
        help="Folder holding clauses/ and templates/ (default: the "
        "library dsagen.toml names, else the one shipped with dsagen).",
        envvar="DSAGEN_LIBRARY",
    ),
]
REGISTRY_HELP = (
    "Registry database: a file path, sqlite:///PATH or postgresql://USER@HOST/DB "
    "(default: dsagen.toml's registry, else .dsagen/registry.db in the working "
    "folder)."
)
RegistryOption = Annotated[
    str | None, typer.Option("--registry", envvar="DSAGEN_REGISTRY", help=REGISTRY_HELP)
]
# Options many commands take, declared once so that they read and behave alike everywhere.
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")]
TemplateOption = Annotated[
    str | None, typer.Option("--template", "-t", help="Template id (overrides the partner files').")
]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="Count dates due from this day (YYYY-MM-DD; default: today)."),
]


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Reading, comparing and redlining (diff, a batch of ingests) build large structures
    without reference cycles, which the cyclic collector's default thresholds scan again and
    again as they grow: a tenth of the CPU of a 90,000-word diff, a seventh at 360,000, a tenth
    of an ingest. Meanwhile what is loaded is frozen out of its way and it runs less often
    (peak memory +8% at 360,000 words; +20 MB over 200 ingests). Worker processes forked
    meanwhile inherit both."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def print_json(data: Any) -> None:
    """JSON on stdout: indented for a person at a terminal, compact (and 4x faster to write,
    through json's C encoder) when piped to a program. Plain writes: rich's highlighter costs
    a third of a second on big reports."""
    if sys.stdout.isatty():
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def print_json_bytes(data: bytes) -> None:
    """Already-encoded compact JSON (UTF-8): as it is for a program, indented for a person."""
    if sys.stdout.isatty():
        print_json(json.loads(data))
        return
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.write(b"\n")
    sys.stdout.buffer.flush()


def write_csv(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...] | list[str],
    target: Path | None = None,
    force: bool = False,
) -> None:
    """Rows as CSV on stdout, or atomically into TARGET."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    if target is None:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
    else:
        from ..output import write_atomic

        write_atomic(target, buffer.getvalue().encode("utf-8"), force=force)


def app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command ARGV runs (plus the root options): typer reads the
    signature of every command it is given on each start, a tenth of a second for all of them,
    which a user pays on every run. Help, completion and unknown names get the whole app."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    lean = typer.Typer(**APP_SETTINGS)
    lean.registered_callback = app.registered_callback
    if name is None:
        return lean if argv and argv[0] == "--version" else app
    for command in app.registered_commands:
        command_name = command.name or getattr(command.callback, "__name__", None) or ""
        if command_name.replace("_", "-") == name:
            lean.registered_commands = [command]
            return lean
    for group in app.registered_groups:
        if group.name == name:
            lean.registered_groups = [group]
            return lean
    return app


def progress_bar(*, disable: bool, transient: bool = False) -> Progress:
    """The one progress bar style (on standard error): description, bar, done/total, time."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=disable,
        transient=transient,
    )
