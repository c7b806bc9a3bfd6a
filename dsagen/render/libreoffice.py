"""DOCX -> PDF through LibreOffice (`--pdf-engine libreoffice`): the PDF has the DOCX's pages.

WeasyPrint lays out the HTML, so its pages are its own; LibreOffice lays out the DOCX itself, so
a page cited in the PDF is the page the partner sees when opening the DOCX in an office suite.

dsagen's interpreter cannot `import uno` (Debian's python3-uno serves /usr/bin/python3 only), so
a `LibreOfficePdf` runs `lo_bridge.py` under that interpreter; the bridge keeps one headless
soffice with a private profile alive and converts the files it is sent, one request per file.
Open one per worker process and reuse it: starting soffice costs a second of CPU, a conversion
about a sixth of one.

    with LibreOfficePdf() as office:          # or shared_office() in a worker process
        pdfs = office.convert_many([docx_a, docx_b])

Requests are pipelined: `submit` hands the office a DOCX and returns at once, so the caller
renders the next agreement while the office converts this one; `collect` waits for the PDFs.
`start` launches the office without waiting for it, so a worker starts it before checking its
first partner file and the start-up overlaps that work.
"""

from __future__ import annotations

import json
import os
import platform
import select
import shutil
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import DsagenError

BRIDGE = Path(__file__).with_name("lo_bridge.py")
#: Seconds allowed for soffice to start (a fresh profile is built on first start).
START_TIMEOUT = 120.0
#: Seconds allowed per document in a batch.
CONVERT_TIMEOUT = 60.0


class LibreOfficeError(DsagenError):
    """The LibreOffice PDF engine is not installed, or LibreOffice failed; `document` is the
    position, among those collected together, of the document it failed on, when known."""

    def __init__(self, message: str, *, document: int | None = None) -> None:
        super().__init__(message)
        self.document = document


def _uno_python() -> str:
    return os.environ.get("DSAGEN_UNO_PYTHON", "/usr/bin/python3")


def _soffice() -> str | None:
    return shutil.which(os.environ.get("DSAGEN_SOFFICE") or "soffice")


JEMALLOC = "libjemalloc.so.2"  # Debian: libjemalloc2


def library_dirs() -> tuple[str, ...]:
    """Where the dynamic linker finds the system's shared libraries (Debian's multiarch
    folder first)."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or f"{platform.machine()}-linux-gnu"
    return (f"/usr/lib/{multiarch}", "/usr/lib64", "/usr/lib")


def office_environment(
    environ: Mapping[str, str], folders: Sequence[str] | None = None
) -> dict[str, str]:
    """The environment soffice runs in: jemalloc preloaded, where it is installed.

    soffice spends about a fifth of its time in glibc's malloc and free while it converts;
    with jemalloc it takes about 14% less CPU per document (paired runs on the same DOCX; the
    same PDFs, the same memory). DSAGEN_OFFICE_MALLOC=system keeps glibc's allocator, and an
    LD_PRELOAD already set is left as it is."""
    env = dict(environ)
    allocator = env.get("DSAGEN_OFFICE_MALLOC") or "jemalloc"
    if allocator not in ("jemalloc", "system"):
        raise LibreOfficeError(
            f"DSAGEN_OFFICE_MALLOC: expected 'jemalloc' or 'system', found {allocator!r}"
        )
    if allocator == "system" or env.get("LD_PRELOAD"):
        return env
    for folder in library_dirs() if folders is None else folders:
        path = os.path.join(folder, JEMALLOC)
        if os.path.isfile(path):
            env["LD_PRELOAD"] = path
            break
    return env


class LibreOfficePdf:
    """One long-lived headless LibreOffice converting DOCX bytes to PDF bytes."""

    def __init__(self) -> None:
        self._bridge: subprocess.Popen[bytes] | None = None
        self._ready = False  # the bridge said its office listens
        self._scratch: Path | None = None
        self._count = 0
        self._pending: list[tuple[Path, Path]] = []  # submitted, not yet collected, in order
        self._inbox = b""  # bytes read from the bridge, not yet a whole reply line
        #: The UNO pipe the running soffice listens on, for other UNO clients to share it.
        self.pipe: str | None = None

    def __enter__(self) -> LibreOfficePdf:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Launch soffice without waiting for it (no-op when it is running)."""
        if self._bridge is not None and self._bridge.poll() is None:
            return
        self.close()
        soffice = _soffice()
        if soffice is None or not Path(_uno_python()).exists():
            raise LibreOfficeError(
                "--pdf-engine libreoffice needs LibreOffice Writer and its Python bridge "
                "(Debian: apt-get install libreoffice-writer-nogui python3-uno); found no "
                f"{'soffice on PATH' if soffice is None else _uno_python()}"
            )
        self._scratch = Path(tempfile.mkdtemp(prefix="dsagen-pdf-"))
        self._bridge = subprocess.Popen(
            [_uno_python(), str(BRIDGE), soffice],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=office_environment(os.environ),  # the bridge's soffice inherits it
        )
        self._inbox = b""

    def open(self) -> None:
        """Start soffice, if it is not running, and wait until it listens."""
        self.start()
        if not self._ready:
            self.pipe = self._reply(START_TIMEOUT, "start").get("pipe")
            self._ready = True

    def _line(self, timeout: float) -> tuple[bytes, bool]:
        """The bridge's next reply line (b"" at end of output), and whether it timed out.
        Read through the file descriptor with a buffer of our own: pipelined replies can
        arrive together, and a buffered reader would hide the second from select()."""
        bridge = self._bridge
        assert bridge is not None and bridge.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._inbox:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([bridge.stdout], [], [], max(left, 0))
            if not ready:
                return b"", True
            chunk = os.read(bridge.stdout.fileno(), 65536)
            if not chunk:
                return b"", False
            self._inbox += chunk
        line, _, self._inbox = self._inbox.partition(b"\n")
        return line, False

    def _reply(self, timeout: float, what: str) -> dict[str, Any]:
        bridge = self._bridge
        assert bridge is not None
        line, timed_out = self._line(timeout)
        try:
            reply = json.loads(line) if line else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            reply = None
        if not isinstance(reply, dict):
            self.close()  # waits for the bridge to exit, so its stderr is complete
            said = bridge.stderr.read().decode("utf-8", "replace") if bridge.stderr else ""
            said = said.strip()
            detail = (
                "timed out"
                if timed_out
                else "stopped" + (f": {said.splitlines()[-1]}" if said else "")
            )
            raise LibreOfficeError(f"LibreOffice PDF engine {detail} ({what})")
        if not reply.get("ok"):
            self.close()
            raise LibreOfficeError(f"LibreOffice PDF engine failed ({what}): {reply.get('error')}")
        return reply

    def submit(self, document: bytes) -> None:
        """Hand the office one DOCX to convert, without waiting for it (see `collect`)."""
        self.open()
        assert self._bridge is not None and self._bridge.stdin is not None
        assert self._scratch is not None
        self._count += 1
        source = self._scratch / f"{self._count}.docx"
        target = source.with_suffix(".pdf")
        source.write_bytes(document)
        self._pending.append((source, target))
        try:
            request = {"convert": [[str(source), str(target)]]}
            self._bridge.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self._bridge.stdin.flush()
        except BrokenPipeError:
            self._abandon()
            raise LibreOfficeError("LibreOffice PDF engine stopped unexpectedly") from None

    def collect(self) -> list[bytes]:
        """The PDF bytes of every DOCX submitted since the last collect, in order."""
        pending, self._pending = self._pending, []
        try:
            pdfs = []
            for number, (_, target) in enumerate(pending, 1):
                try:
                    self._reply(CONVERT_TIMEOUT, f"document {number} of {len(pending)}")
                except LibreOfficeError as exc:
                    raise LibreOfficeError(str(exc), document=number - 1) from None
                pdfs.append(target.read_bytes())
            return pdfs
        finally:
            _remove(pending)

    def convert_many(self, documents: Sequence[bytes]) -> list[bytes]:
        """PDF bytes of each DOCX, in order."""
        try:
            for data in documents:
                self.submit(data)
        except BaseException:
            self._abandon()
            raise
        return self.collect()

    def convert(self, document: bytes) -> bytes:
        return self.convert_many([document])[0]

    def _abandon(self) -> None:
        """Forget what was submitted (after a failure; the office is closed or closing)."""
        _remove(self._pending)
        self._pending = []

    def close(self) -> None:
        """Stop soffice and remove the scratch folder (the bridge removes the profile)."""
        bridge, self._bridge = self._bridge, None
        self.pipe, self._ready, self._pending = None, False, []
        if bridge is not None:
            if bridge.stdin is not None:
                try:
                    bridge.stdin.close()  # end of input: the bridge stops soffice and exits
                except BrokenPipeError:
                    pass
            try:
                bridge.wait(timeout=15)
            except subprocess.TimeoutExpired:
                bridge.terminate()
                bridge.wait(timeout=5)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def _remove(pairs: list[tuple[Path, Path]]) -> None:
    """Delete the scratch DOCX and PDF of each conversion."""
    for source, target in pairs:
        source.unlink(missing_ok=True)
        target.unlink(missing_ok=True)


_SHARED: LibreOfficePdf | None = None


def shared_office() -> LibreOfficePdf:
    """This process's office, opened on first use and closed when the process exits (a pool
    worker's exit included), so every conversion in a worker reuses one soffice."""
    global _SHARED
    if _SHARED is None:
        import atexit
        from multiprocessing import util

        office = LibreOfficePdf()
        atexit.register(office.close)
        util.Finalize(office, office.close, exitpriority=10)
        _SHARED = office
    return _SHARED
