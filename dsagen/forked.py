"""One computation of bytes run in a forked child while this process goes on: the second core
of a machine used for a command that has two independent halves (`dsagen diff --redline`
compares while the redline is written).

Forking copies the loaded program and its data for free, so the child starts in milliseconds
and needs nothing sent to it. Where there is no fork (Windows), or the child fails in any way,
`result()` computes the bytes here instead: errors are raised by the same code, in this
process, as they always are.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

_DONE, _FAILED = b"\x01", b"\x00"


class Forked:
    """`compute()` started in a forked child (on Linux), collected by `result()`; `close()`
    ends a child whose result is no longer wanted. Use as a context manager."""

    def __init__(self, compute: Callable[[], bytes], *, fork: bool = True) -> None:
        self._compute = compute
        self.apart = False  # whether result() came from the child
        self._pid: int | None = None
        self._reader: int | None = None
        if fork and sys.platform.startswith("linux"):
            self._start()

    def _start(self) -> None:
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's exit code
            os.close(reader)
            status = 1
            try:
                data = _DONE + self._compute()
            except BaseException:
                data = _FAILED
            try:
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(writer)
        self._pid, self._reader = pid, reader

    def result(self) -> bytes:
        """The child's bytes; computed here when there was no child or it failed."""
        if self._reader is not None:
            with os.fdopen(self._reader, "rb") as pipe:
                self._reader = None
                data = pipe.read()
            self._reap()
            if data.startswith(_DONE):
                self.apart = True
                return data[len(_DONE) :]
        return self._compute()

    def close(self) -> None:
        """End the child (if still running) and release what it holds."""
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self) -> None:
        if self._pid is not None:
            os.waitpid(self._pid, 0)
            self._pid = None

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
