"""The LibreOffice side of the `libreoffice` PDF engine (dsagen/render/libreoffice.py).

Runs under the interpreter that can `import uno` (Debian's /usr/bin/python3 with python3-uno),
not dsagen's, so it imports nothing from dsagen. It starts one headless soffice with a private
profile, then serves requests read from stdin, one JSON line each, until stdin closes:

    {"convert": [["/tmp/x/1.docx", "/tmp/x/1.pdf"], ...]}  ->  {"ok": true}
                                                            or {"ok": false, "error": "..."}

On end of input, SIGTERM, or the death of the process that started it, it stops soffice and
removes the profile, so no office outlives the dsagen worker that owned it; should the bridge
itself be killed outright, a watchdog shell stops soffice.

Its first line says it is ready and names the pipe soffice listens on, so that another UNO
client can share the office: the LibreOffice test harness (tests/lo/) starts its office
through this bridge and reaches it with `props` and `connect` from this file.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

import uno
import unohelper
from com.sun.star.awt import XCallback
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

START_TIMEOUT = 90.0
#: The watchdog's script: $1 soffice's process group, $2 its profile (see Office).
WATCHDOG = 'read _line || { kill -s KILL -- "-$1"; rm -rf -- "$2"; }'  # POSIX: dash takes this form
PR_SET_PDEATHSIG = 1


def props(**values: Any) -> tuple[Any, ...]:
    """UNO PropertyValues from keyword arguments."""
    out = []
    for name, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = name, value
        out.append(prop)
    return tuple(out)


class _Job(unohelper.Base, XCallback):  # type: ignore[misc]
    """Work that soffice runs on its main thread (through com.sun.star.awt.AsyncCallback).

    A UNO call from this process runs on one of soffice's bridge threads, and between two
    calls its main thread is free to run Writer's idle jobs (background layout, spelling) on
    the document just opened, only for the export to lay it out again. Called from the main
    thread, our calls run on it too (UNO keeps the caller's thread identity), so it has no
    idle moment until the job returns, as with `soffice --convert-to`: about 10% less CPU
    per agreement, measured on dsagen's examples."""

    def __init__(self, work: Callable[[], None]) -> None:
        self.work = work
        self.done = threading.Event()
        self.error: BaseException | None = None

    def notify(self, _data: Any) -> None:
        try:
            self.work()
        except BaseException as exc:  # handed to the waiting thread, raised there
            self.error = exc
        finally:
            self.done.set()


class Office:
    """One soffice listening on a private pipe, with a private profile."""

    def __init__(self, soffice: str) -> None:
        self.profile = tempfile.mkdtemp(prefix=f"dsagen-pdf-{os.getpid()}-")
        self.pipe = f"dsagen_pdf_{os.getpid()}"
        self.proc = subprocess.Popen(
            [
                soffice,
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nodefault",
                "--nolockcheck",
                f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext",
                "-env:UserInstallation=" + uno.systemPathToFileUrl(self.profile),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # its own group: one killpg reaches oosplash and soffice.bin
        # A watchdog reading a pipe only this process writes to. Should this process die
        # without stopping soffice (SIGKILL, the OOM killer), the pipe closes and the
        # watchdog kills soffice's group and removes the profile; `stop` disarms it with a
        # line once soffice is stopped.
        self.watchdog = subprocess.Popen(
            ["/bin/sh", "-c", WATCHDOG, "watchdog", str(self.proc.pid), self.profile],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to our group leaves it to do its job
        )
        self.desktop: Any = None
        self.main_thread: Any = None
        try:
            context = connect(self.pipe, START_TIMEOUT, self._check_running)
            manager = context.ServiceManager
            self.desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
            self.main_thread = manager.createInstanceWithContext(
                "com.sun.star.awt.AsyncCallback", context
            )
        except BaseException:
            self.stop()
            raise

    def _check_running(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"soffice exited with status {self.proc.returncode} at start")

    def convert(self, source: str, target: str) -> None:
        """SOURCE (a DOCX) exported as the PDF TARGET, on soffice's main thread (see _Job)."""
        job = _Job(lambda: self._convert(source, target))
        self.main_thread.addCallback(job, None)
        while not job.done.wait(0.5):
            if self.proc.poll() is not None:
                raise RuntimeError(f"soffice exited with status {self.proc.returncode}")
        if job.error is not None:
            raise job.error

    def _convert(self, source: str, target: str) -> None:
        document = self.desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(source),
            "_blank",
            0,
            props(Hidden=True, ReadOnly=True, UpdateDocMode=0),
        )
        if document is None:
            raise RuntimeError(f"LibreOffice could not open {source}")
        try:
            document.storeToURL(
                uno.systemPathToFileUrl(target),
                props(FilterName="writer_pdf_Export", Overwrite=True),
            )
        finally:
            document.close(True)

    def stop(self) -> None:
        """Ask soffice to quit, then kill what is left. The request runs on a thread of its
        own: an office stuck on a document never answers it, and must not keep us waiting."""
        if self.desktop is not None:
            asking = threading.Thread(target=self._terminate, daemon=True)
            asking.start()
            asking.join(5)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._disarm()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _disarm(self) -> None:
        """Tell the watchdog soffice is stopped: a line, where end of input means kill."""
        stdin = self.watchdog.stdin
        try:
            if stdin is not None and not stdin.closed:
                stdin.write(b"stopped\n")
                stdin.close()
        except OSError:  # it is gone already
            pass
        try:
            self.watchdog.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.watchdog.kill()

    def _terminate(self) -> None:
        try:
            self.desktop.terminate()
        except Exception:
            pass


def connect(pipe: str, timeout: float, check_running: Callable[[], None] | None = None) -> Any:
    """The component context of the soffice listening on PIPE, retried while it starts:
    RuntimeError after TIMEOUT seconds, or whatever CHECK_RUNNING raises (an office that
    has exited) before each try."""
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        if check_running is not None:
            check_running()
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() > deadline:
                raise RuntimeError(f"soffice did not listen within {timeout:.0f} s") from None
            time.sleep(0.05)


def _die_with_parent() -> None:
    """SIGTERM when the dsagen process that started us dies, even by kill -9 (Linux)."""
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        sys.exit(0)


def serve(office: Office) -> None:
    for line in sys.stdin:
        try:
            for source, target in json.loads(line)["convert"]:
                office.convert(source, target)
            reply: dict[str, Any] = {"ok": True}
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main() -> int:
    _die_with_parent()
    try:
        office = Office(sys.argv[1])
    except Exception as exc:
        sys.stdout.write(json.dumps({"ok": False, "error": str(exc)}) + "\n")
        return 1

    def stop(_signal: int, _frame: object) -> None:
        office.stop()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write(json.dumps({"ok": True, "ready": True, "pipe": office.pipe}) + "\n")
    sys.stdout.flush()
    try:
        serve(office)
    finally:
        office.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
