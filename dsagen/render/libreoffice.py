"""DOCX -> PDF through LibreOffice (`--pdf-engine libreoffice`): the PDF has the DOCX's pages.

WeasyPrint lays out the HTML, so its pages are its own; LibreOffice lays out the DOCX itself, so
a page cited in the PDF is the page the partner sees when opening the DOCX in an office suite.

dsagen's interpreter cannot `import uno` (Debian's python3-uno serves /usr/bin/python3 only), so
a `LibreOfficePdf` runs `lo_bridge.py` under that interpreter; the bridge keeps one headless
soffice with a private profile alive and converts the files it is sent, a batch per request.
Open one per worker process and reuse it: starting soffice costs seconds, a conversion tens of
milliseconds.

    with LibreOfficePdf() as office:          # or shared_office() in a worker process
        pdfs = office.convert_many([docx_a, docx_b])
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
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
    """The LibreOffice PDF engine is not installed, or LibreOffice failed."""


def _uno_python() -> str:
    return os.environ.get("DSAGEN_UNO_PYTHON", "/usr/bin/python3")


def _soffice() -> str | None:
    return shutil.which(os.environ.get("DSAGEN_SOFFICE") or "soffice")


class LibreOfficePdf:
    """One long-lived headless LibreOffice converting DOCX bytes to PDF bytes."""

    def __init__(self) -> None:
        self._bridge: subprocess.Popen[str] | None = None
        self._scratch: Path | None = None
        self._count = 0
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

    def open(self) -> None:
        """Start soffice (no-op when it is running)."""
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
            text=True,
            encoding="utf-8",
        )
        self.pipe = self._reply(START_TIMEOUT, "start").get("pipe")

    def _reply(self, timeout: float, what: str) -> dict[str, Any]:
        bridge = self._bridge
        assert bridge is not None and bridge.stdout is not None
        ready, _, _ = select.select([bridge.stdout], [], [], timeout)
        line = bridge.stdout.readline() if ready else ""
        try:
            reply = json.loads(line) if line else None
        except json.JSONDecodeError:
            reply = None
        if not isinstance(reply, dict):
            self.close()  # waits for the bridge to exit, so its stderr is complete
            said = (bridge.stderr.read() if bridge.stderr is not None else "").strip()
            detail = (
                "stopped" + (f": {said.splitlines()[-1]}" if said else "") if ready else "timed out"
            )
            raise LibreOfficeError(f"LibreOffice PDF engine {detail} ({what})")
        if not reply.get("ok"):
            self.close()
            raise LibreOfficeError(f"LibreOffice PDF engine failed ({what}): {reply.get('error')}")
        return reply

    def convert_many(self, documents: Sequence[bytes]) -> list[bytes]:
        """PDF bytes of each DOCX, in order, from one request to the office."""
        self.open()
        assert self._bridge is not None and self._bridge.stdin is not None
        assert self._scratch is not None
        pairs = []
        for data in documents:
            self._count += 1
            source = self._scratch / f"{self._count}.docx"
            source.write_bytes(data)
            pairs.append((source, source.with_suffix(".pdf")))
        try:
            self._bridge.stdin.write(
                json.dumps({"convert": [[str(s), str(t)] for s, t in pairs]}) + "\n"
            )
            self._bridge.stdin.flush()
            self._reply(CONVERT_TIMEOUT * max(1, len(pairs)), f"{len(pairs)} document(s)")
            return [target.read_bytes() for _, target in pairs]
        except BrokenPipeError:
            self.close()
            raise LibreOfficeError("LibreOffice PDF engine stopped unexpectedly") from None
        finally:
            for source, target in pairs:
                source.unlink(missing_ok=True)
                target.unlink(missing_ok=True)

    def convert(self, document: bytes) -> bytes:
        return self.convert_many([document])[0]

    def close(self) -> None:
        """Stop soffice and remove the scratch folder (the bridge removes the profile)."""
        bridge, self._bridge = self._bridge, None
        self.pipe = None
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
