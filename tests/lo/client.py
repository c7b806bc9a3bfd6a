"""Drive a real LibreOffice from the venv's pytest, to check documents with a real client.

The venv cannot ``import uno`` (Debian's python3-uno only serves ``/usr/bin/python3``), so:

* one headless ``soffice`` per test process is started lazily on first use, through dsagen's
  own LibreOffice bridge (:class:`dsagen.render.libreoffice.LibreOfficePdf`, the office of
  ``--pdf-engine libreoffice``): a private pipe and profile, stopped (with its profile) at
  interpreter exit or when this process dies;
* every call runs ``/usr/bin/python3 tests/lo/uno_worker.py '<json>'`` (about 60 ms of
  interpreter start-up), which connects to that office's pipe, does one thing and prints JSON.

Every subprocess has a timeout. If soffice dies or a call times out, the office is stopped and
restarted on the next call; the failing call raises :class:`LibreOfficeError`.

Text returned by :func:`paragraphs`, :func:`accept_all` and :func:`reject_all` is the body of
the document as LibreOffice's model holds it: each paragraph's string, in document order, table
cells row by row (nested tables included), paragraphs that are empty or whitespace-only
dropped. Headers, footers, footnotes, comments and text frames are not included. Field results
(e.g. a REF field's displayed text) are included as displayed.

LibreOffice 7.4 quirks worth knowing when asserting on results (see the harness report):

* a block-level ``w:sdt`` is imported as an Input field in its *first* paragraph whose text ends
  in ``"\r"`` -- :func:`paragraphs` returns that ``"\r"`` as is;
* ``w:date`` on revisions is LibreOffice's *local* time with a ``Z`` suffix, whole seconds;
* the ``txt`` export of :func:`convert` starts with a UTF-8 BOM (read with ``utf-8-sig``).

Environment overrides: ``DSAGEN_SOFFICE`` (soffice binary), ``DSAGEN_UNO_PYTHON``
(interpreter that can ``import uno``).
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsagen.render.libreoffice import LibreOfficePdf

WORKER = Path(__file__).with_name("uno_worker.py")
UNO_PYTHON = os.environ.get("DSAGEN_UNO_PYTHON", "/usr/bin/python3")

#: Default seconds allowed for one UNO call (open + work + save).
CALL_TIMEOUT = 60.0
#: Default seconds allowed for one ``soffice --convert-to`` run.
CONVERT_TIMEOUT = 120.0

DOCX_FILTER = "MS Word 2007 XML"
#: Short format names for :func:`convert` -> soffice ``--convert-to`` argument.
CONVERT_FORMATS = {
    "txt": "txt:Text (encoded):UTF8",
    "docx": f"docx:{DOCX_FILTER}",
}


class LibreOfficeError(RuntimeError):
    """LibreOffice failed, timed out or reported an error for a request."""


class _CallTimeout(LibreOfficeError):
    pass


class _WorkerCrash(LibreOfficeError):
    """The UNO worker process died from a signal (seen rarely: a pyuno segfault)."""


def soffice_binary() -> str | None:
    return shutil.which(os.environ.get("DSAGEN_SOFFICE") or "soffice")


@functools.lru_cache(maxsize=1)
def soffice_available() -> bool:
    """True when soffice is on PATH and the UNO interpreter can ``import uno``."""
    if soffice_binary() is None or not Path(UNO_PYTHON).exists():
        return False
    try:
        probe = subprocess.run(
            [UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def unavailable_reason() -> str:
    """Human-readable reason why :func:`soffice_available` is false (for skip messages)."""
    if soffice_binary() is None:
        return (
            "LibreOffice not installed: no 'soffice' on PATH "
            "(apt-get install libreoffice-writer-nogui python3-uno)"
        )
    return f"{UNO_PYTHON} cannot 'import uno' (apt-get install python3-uno)"


# ------------------------------------------------------------------------------------------------
# the long-lived office
# ------------------------------------------------------------------------------------------------


def _kill_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """Terminate the process group we created for ``proc`` (oosplash + soffice.bin)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # soffice.bin may outlive oosplash: always sweep the group we own.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class _Office:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.office: LibreOfficePdf | None = None
        self.pipe = ""
        self.owner_pid = 0
        self.convert_profile: Path | None = None
        self._atexit = False

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        from dsagen.render.libreoffice import LibreOfficePdf

        if not soffice_available():
            raise LibreOfficeError(unavailable_reason())
        self.owner_pid = os.getpid()
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        self.office = LibreOfficePdf()
        self._open(self.office)

    def _open(self, office: LibreOfficePdf) -> None:
        """Start the office's bridge and soffice unless they run, and learn its pipe."""
        from dsagen.errors import DsagenError

        try:
            office.open()
        except DsagenError as exc:
            raise LibreOfficeError(str(exc)) from None
        self.pipe = office.pipe or ""

    def stop(self) -> None:
        with self.lock:
            if self.owner_pid and self.owner_pid != os.getpid():  # forked child: not ours
                return
            office, self.office = self.office, None
            if office is not None:
                office.close()  # the bridge stops soffice and removes its profile
            if self.convert_profile is not None:
                shutil.rmtree(self.convert_profile, ignore_errors=True)
            self.convert_profile = None

    def ensure(self) -> None:
        if self.office is None or self.owner_pid != os.getpid():
            self.office = None  # a forked child's copy belongs to its parent
            self.start()
        else:
            self._open(self.office)  # a no-op while the bridge runs

    def answers(self) -> bool:
        """Whether soffice still takes connections (a failed call may have brought it down)."""
        try:
            self._run({"cmd": "ping", "connect_timeout": 1}, timeout=30)
        except LibreOfficeError:
            return False
        return True

    # -- calls ----------------------------------------------------------------------------------

    def _run(self, command: dict[str, Any], timeout: float) -> Any:
        command = {"pipe": self.pipe, **command}
        try:
            done = subprocess.run(
                [UNO_PYTHON, str(WORKER), json.dumps(command)],
                capture_output=True,
                timeout=timeout,
                check=False,
                text=True,
            )
        except subprocess.TimeoutExpired:
            raise _CallTimeout(
                f"LibreOffice call {command['cmd']!r} timed out after {timeout:.0f}s"
            ) from None
        lines = done.stdout.strip().splitlines()
        if done.returncode < 0:
            raise _WorkerCrash(
                f"uno_worker {command['cmd']!r} killed by signal {-done.returncode}: "
                f"{done.stderr.strip()[-2000:]}"
            )
        if done.returncode != 0 or not lines:
            raise LibreOfficeError(
                f"uno_worker {command['cmd']!r} crashed (status {done.returncode}): "
                f"{done.stderr.strip()[-2000:]}"
            )
        try:
            reply = json.loads(lines[-1])
        except json.JSONDecodeError:
            raise LibreOfficeError(
                f"uno_worker {command['cmd']!r} printed no JSON result: {done.stdout[-2000:]!r} "
                f"{done.stderr.strip()[-2000:]}"
            ) from None
        if not reply["ok"]:
            detail = f"\n{reply['traceback']}" if reply.get("traceback") else ""
            raise LibreOfficeError(f"LibreOffice {command['cmd']}: {reply['error']}{detail}")
        return reply["result"]

    def call(self, command: dict[str, Any], timeout: float = CALL_TIMEOUT) -> Any:
        with self.lock:
            self.ensure()
            try:
                try:
                    return self._run(command, timeout)
                except _WorkerCrash:
                    # Every command reads its source and writes a fresh destination, so one
                    # retry is safe; restart the office first if it went down with the worker.
                    if not self.answers():
                        self.stop()
                    self.ensure()
                    return self._run(command, timeout)
            except _CallTimeout:
                self.stop()  # a hung office poisons later calls: restart on the next one
                raise
            except LibreOfficeError:
                if not self.answers():
                    self.stop()  # it crashed: clean up; the next call restarts it
                raise


_OFFICE = _Office()


def shutdown() -> None:
    """Stop this process's soffice now (it is also stopped automatically at exit)."""
    _OFFICE.stop()


def _abs(path: Path | str) -> str:
    p = Path(path).resolve()
    return str(p)


def _src(path: Path | str) -> str:
    p = Path(path).resolve()
    if not p.is_file():
        raise LibreOfficeError(f"no such file: {p}")
    return str(p)


# ------------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------------


def convert(src: Path, fmt: str, outdir: Path, timeout: float = CONVERT_TIMEOUT) -> Path:
    """``soffice --headless --convert-to fmt`` into ``outdir``; return the produced file.

    ``fmt`` is ``pdf``, ``txt`` (UTF-8 text), ``docx``, ``odt``, ... or a full soffice
    ``ext:Filter:options`` spec. Uses a separate soffice with a private profile (kept for the
    life of the process, so only the first conversion pays for creating it).
    """
    return convert_all([src], fmt, outdir, timeout)[0]


def convert_all(
    sources: list[Path], fmt: str, outdir: Path, timeout: float = CONVERT_TIMEOUT
) -> list[Path]:
    """Convert several files in one soffice run (one start-up, seconds each, for all of
    them); the produced files in the order of ``sources``."""
    soffice = soffice_binary()
    if not soffice_available() or soffice is None:
        raise LibreOfficeError(unavailable_reason())
    paths = [Path(_src(src)) for src in sources]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    spec = CONVERT_FORMATS.get(fmt, fmt)
    ext = spec.split(":", 1)[0]
    targets = [outdir / f"{source.stem}.{ext}" for source in paths]
    if len(set(targets)) != len(targets):
        raise LibreOfficeError("convert_all: two sources would give the same output name")
    names = " ".join(source.name for source in paths)
    with _OFFICE.lock:
        if _OFFICE.convert_profile is None:
            _OFFICE.convert_profile = Path(
                tempfile.mkdtemp(prefix=f"dsagen-lo-{os.getpid()}-convert-", dir="/tmp")
            )
            if not _OFFICE._atexit:
                atexit.register(_OFFICE.stop)
                _OFFICE._atexit = True
        profile = _OFFICE.convert_profile
        for source, target in zip(paths, targets, strict=True):
            if target.resolve() == source:
                raise LibreOfficeError(
                    f"convert would overwrite its source {source}; use another outdir"
                )
            if target.exists():
                target.unlink()
        cmd = [
            soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={(profile / 'user').as_uri()}",
            "--convert-to",
            spec,
            "--outdir",
            str(outdir),
            *(str(source) for source in paths),
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout * len(paths))
        except subprocess.TimeoutExpired:
            _kill_group(proc, grace=1)
            raise LibreOfficeError(
                f"soffice --convert-to {spec} {names} timed out after {timeout * len(paths):.0f}s"
            ) from None
        finally:
            _kill_group(proc, grace=1)  # no-op when it exited; reaps stray soffice.bin
    if proc.returncode != 0 or not all(target.is_file() for target in targets):
        raise LibreOfficeError(
            f"soffice --convert-to {spec} {names} failed (status {proc.returncode}): "
            f"{out.decode(errors='replace').strip()[-2000:]}"
        )
    return targets


def edit(
    src: Path,
    dst: Path,
    edits: list[dict[str, Any]],
    track_changes: bool,
    author: str = "Partner Counsel",
) -> None:
    """Open ``src`` in LibreOffice, apply ``edits`` as ``author``, save DOCX to ``dst``.

    ``track_changes`` sets the document's RecordChanges (so True produces w:ins/w:del by
    ``author``; False edits silently, even if the DOCX had tracking switched on).

    Edits (``find`` is literal, case-sensitive, searched in body and tables; not found ->
    LibreOfficeError):

    * ``{"op": "replace", "find": s, "replace": r, "all": False}``
    * ``{"op": "delete_text", "find": s, "all": False}``
    * ``{"op": "insert_after", "find": s, "text": t, "sep": " "}`` -- append ``t`` at the end of
      the paragraph containing ``s``; ``sep`` is put in between unless either side already
      has whitespace there
    * ``{"op": "insert_paragraph_after", "find": s, "text": t}`` -- new paragraph (same style)
    * ``{"op": "delete_paragraph", "find": s}`` -- the paragraph including its mark
    * ``{"op": "delete_clause", "heading": title}`` -- from the start of the heading paragraph
      reading exactly ``title`` to the start of the next heading: the whole clause, all marks
    * ``{"op": "move_clause", "heading": title, "before": other}`` -- that clause cut and pasted
      (.uno:Cut/.uno:Paste) before heading ``other``; tracked, Writer saves w:moveFrom/w:moveTo
    * ``{"op": "move_paragraph", "find": s, "after": t}`` -- the paragraph containing ``s`` cut
      and pasted as a new paragraph after the one containing ``t``
    * ``{"op": "add_comment", "find": s, "text": c, "author": a, "date": iso, "span": True}``
      -- a comment on ``s`` (never tracked: comments are not revisions)
    * ``{"op": "set_bold", "find": s, "all": False}`` -- tracked, a format change (w:rPrChange)
    * ``{"op": "edit_header", "find": s, "replace": r}`` -- in every page header showing ``s``;
      ``{"op": "edit_header", "text": t}`` switches the body's page header on and sets it
    * ``{"op": "add_footnote", "find": s, "text": t}`` -- a footnote anchored right after ``s``

    This LibreOffice (Debian *-nogui: no Writer .ui files) aborts when a view lays out a
    comment, so ``add_comment`` takes the view off the document first, and a source that has
    comments is edited without a view. Without a view the move ops cannot run (put them before
    ``add_comment``, or in an earlier call), and LibreOffice's DOCX export drops the page
    headers and footers (it takes them from the layout): ``dst`` then has none.
    """
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    _OFFICE.call(
        {
            "cmd": "edit",
            "src": _src(src),
            "dst": _abs(dst),
            "edits": edits,
            "track_changes": bool(track_changes),
            "author": author,
        }
    )


def accept_all(src: Path, dst: Path | None = None) -> list[str]:
    """Accept every tracked change (``.uno:AcceptAllTrackedChanges``) and return the body text.

    ``src`` is not modified; pass ``dst`` to also save the accepted document as DOCX. A source
    with comments is resolved from a copy without them (a view cannot lay comments out in this
    LibreOffice), so ``dst`` then has no comments.
    """
    return _OFFICE.call({"cmd": "accept_all", "src": _src(src), "dst": _abs(dst) if dst else None})


def reject_all(src: Path, dst: Path | None = None) -> list[str]:
    """Reject every tracked change (``.uno:RejectAllTrackedChanges``) and return the body text.

    ``src`` is not modified; pass ``dst`` to also save the rejected document as DOCX.
    """
    return _OFFICE.call({"cmd": "reject_all", "src": _src(src), "dst": _abs(dst) if dst else None})


def paragraphs(src: Path) -> list[str]:
    """Body paragraph texts with revisions left *unresolved* (LibreOffice's raw model text).

    For a document without tracked changes this is simply its text. With tracked changes it is
    the "show changes" view: deleted text AND inserted text are both present (a replacement of
    "36" by "60" reads "3660"; a deleted paragraph is still listed). Use :func:`accept_all` /
    :func:`reject_all` for the resolved views.
    """
    return _OFFICE.call({"cmd": "paragraphs", "src": _src(src)})


def redline_count(src: Path) -> int:
    """Number of tracked changes LibreOffice sees (``document.Redlines.Count``)."""
    return int(_OFFICE.call({"cmd": "redline_count", "src": _src(src)}))


def redlines(src: Path) -> list[dict[str, Any]]:
    """Tracked changes as dicts: RedlineType (Insert/Delete/Format/ParagraphFormat/...),
    RedlineAuthor, RedlineDateTime (ISO, seconds), RedlineComment, text."""
    return _OFFICE.call({"cmd": "redlines", "src": _src(src)})


def stories(src: Path) -> dict[str, Any]:
    """Text outside the body as LibreOffice reads it: ``headers`` and ``footers`` (page style
    name -> list of distinct texts: default, left, first page; only styles with it switched on),
    ``footnotes`` and ``endnotes`` (texts in order), ``comments`` (dicts: author, content,
    anchor -- the commented text). Revisions unresolved, as in :func:`paragraphs`."""
    return _OFFICE.call({"cmd": "stories", "src": _src(src)})


def bookmarks(src: Path) -> list[str]:
    """Bookmark names LibreOffice sees, in its order."""
    return _OFFICE.call({"cmd": "bookmarks", "src": _src(src)})


def roundtrip(src: Path, dst: Path) -> None:
    """Open ``src`` and save it unchanged as DOCX to ``dst``."""
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    _OFFICE.call({"cmd": "roundtrip", "src": _src(src), "dst": _abs(dst)})


def save_as(src: Path, dst: Path, filter_name: str) -> None:
    """Open ``src`` in the shared office and store it with any export filter (e.g.
    ``writer_pdf_Export``, ``Text (encoded)``, ``writer8``); faster than :func:`convert`."""
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    _OFFICE.call({"cmd": "store", "src": _src(src), "dst": _abs(dst), "filter": filter_name})
