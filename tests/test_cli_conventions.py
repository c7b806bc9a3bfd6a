"""What every dsagen command shares, checked over the whole command tree: help on every option
and argument, --json where a command reports, one-line usage errors, --version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from dsagen import __version__
from dsagen.cli import app

#: Commands that report nothing a program would read: new-partner and clauses lock write one
#: file (lock --check answers with its exit code); export is JSON (or CSV) already; browse
#: serves web pages.
NO_JSON = {"new-partner", "clauses lock", "export", "browse"}


def commands() -> Iterator[tuple[str, typer.core.TyperCommand]]:
    root = typer.main.get_command(app)

    def walk(group, prefix: str):
        for name, command in sorted(group.commands.items()):
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    yield from walk(root, "")


COMMANDS = dict(commands())


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_and_argument_says_what_it_is_for(name: str) -> None:
    missing = [
        param.name
        for param in COMMANDS[name].params
        if param.name != "help" and not getattr(param, "help", None)
    ]
    assert not missing, f"dsagen {name}: no help text for {missing}"


@pytest.mark.parametrize("name", sorted(set(COMMANDS) - NO_JSON))
def test_every_reporting_command_has_json(name: str) -> None:
    options = {opt for param in COMMANDS[name].params for opt in getattr(param, "opts", ())}
    assert "--json" in options, f"dsagen {name} reports but has no --json"


def test_version_is_printed() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"dsagen {__version__}"


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["diff", "a.yaml", "b.docx", "--fail-on", "walkaway"], "'walkaway' is not one of"),
        (["lint", "--fail-on", "info"], "'info' is not one of"),
        (["diff"], "Missing argument"),
        (["generate", "--no-such-option", "x"], "No such option: --no-such-option"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(cli, args: list[str], phrase: str) -> None:
    code, stdout, stderr = cli(*args)
    assert code == 2
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and phrase in lines[0], stderr
    assert "╭" not in stderr


def test_completion_is_offered() -> None:
    options = {opt for param in typer.main.get_command(app).params for opt in param.opts}
    assert {"--install-completion", "--show-completion"} <= options


def test_validate_reports_each_file_as_json(cli, mini_partner, tmp_path) -> None:
    import json

    from tests.conftest import MINILIB

    bad = tmp_path / "zz-bad.yaml"
    bad.write_text(mini_partner.read_text() + "retention_months: 0\n")
    code, stdout, _ = cli("validate", mini_partner, bad, "--json", "--library", MINILIB)
    assert code == 2
    results = {item["path"]: item for item in json.loads(stdout)}
    assert results[str(mini_partner)]["valid"] is True
    assert results[str(mini_partner)]["template"] == "mini"
    assert results[str(bad)]["valid"] is False
    assert any("retention_months" in error for error in results[str(bad)]["errors"])


def test_a_run_builds_only_the_command_it_runs() -> None:
    from dsagen.cli.common import app_for

    def built(argv: list[str]) -> list[str]:
        return sorted(typer.main.get_command(app_for(argv)).commands)

    assert built(["diff", "a.yaml", "b.docx", "--json"]) == ["diff"]
    assert built(["clauses", "list"]) == ["clauses"]
    assert built(["new-partner", "acme"]) == ["new-partner"]
    assert built(["--version"]) == []
    for argv in ([], ["--help"], ["no-such-command"]):
        assert app_for(argv) is app


def test_the_installed_entry_point_runs_a_command() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "dsagen", "diff", "--fail-on", "x", "a", "b"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: Invalid value for '--fail-on'")
    assert len(result.stderr.splitlines()) == 1
