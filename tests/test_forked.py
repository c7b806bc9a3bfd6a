"""A computation forked to a second process returns the bytes it would here, and a failure there
is raised here by the same code."""

from __future__ import annotations

import os
import sys
import time

import pytest

from dsagen.forked import Forked

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")


def _pid() -> bytes:
    return str(os.getpid()).encode()


@linux
def test_the_bytes_are_computed_in_a_second_process() -> None:
    with Forked(_pid) as forked:
        assert forked.result() != _pid()
        assert forked.apart


def test_without_a_fork_the_bytes_are_computed_here() -> None:
    with Forked(_pid, fork=False) as forked:
        assert forked.result() == _pid()
        assert not forked.apart


def test_a_failure_in_the_child_is_raised_here() -> None:
    calls: list[int] = []

    def broken() -> bytes:
        calls.append(os.getpid())
        raise ValueError("the redline cannot be written")

    with Forked(broken) as forked, pytest.raises(ValueError, match="cannot be written"):
        forked.result()
    assert calls == [os.getpid()]  # the child's attempt is not this process's


@linux
def test_a_child_no_longer_wanted_is_ended(tmp_path) -> None:
    started = tmp_path / "started"

    def slow() -> bytes:
        started.write_text(str(os.getpid()))
        time.sleep(60)
        return b""

    forked = Forked(slow)
    while not started.exists() or not started.read_text():
        time.sleep(0.01)
    forked.close()
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)
