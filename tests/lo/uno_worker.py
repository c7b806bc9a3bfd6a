"""UNO side of the LibreOffice test client. Runs under the *system* interpreter.

``uno`` is only importable by Debian's ``/usr/bin/python3`` (package python3-uno), not by the
project venv, so :mod:`tests.lo.client` runs this file as a subprocess::

    /usr/bin/python3 tests/lo/uno_worker.py '<json command>'

It connects to a soffice already listening on ``command["pipe"]`` (started by the client),
performs one command and prints exactly one JSON object on stdout:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "...", "traceback": "..."}``.
The exit status is 0 in both cases; anything else means the worker itself crashed.

Commands (``"cmd"``): ping, edit, accept_all, reject_all, paragraphs, redline_count,
redlines, bookmarks, roundtrip, store, terminate. See client.py for their meaning.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback

import uno  # noqa: F401  (sets up the pyuno import hooks for com.sun.star.*)
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

DOCX_FILTER = "MS Word 2007 XML"
PARAGRAPH_BREAK = 0  # com.sun.star.text.ControlCharacter.PARAGRAPH_BREAK


class WorkerError(Exception):
    """A user-level failure (bad edit, text not found); reported without a traceback."""


def props(**kwargs):
    out = []
    for name, value in kwargs.items():
        p = PropertyValue()
        p.Name = name
        p.Value = value
        out.append(p)
    return tuple(out)


# --------------------------------------------------------------------------------------------
# connection
# --------------------------------------------------------------------------------------------


def connect(pipe: str, timeout: float):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + timeout
    while True:
        try:
            return resolver.resolve(url)
        except NoConnectException:
            if time.monotonic() >= deadline:
                raise WorkerError(
                    f"could not connect to soffice on pipe {pipe!r} within {timeout:.0f}s"
                ) from None
            time.sleep(0.1)


def desktop_of(ctx):
    return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def set_author(ctx, author: str) -> None:
    """Redline author = user profile 'givenname sn'; set it in the running office."""
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        props(nodepath="/org.openoffice.UserProfile/Data"),
    )
    access.setPropertyValue("givenname", author)
    access.setPropertyValue("sn", "")
    access.setPropertyValue("initials", "")
    access.commitChanges()


def file_url(path: str) -> str:
    return uno.systemPathToFileUrl(path)


def load(desktop, path: str):
    doc = desktop.loadComponentFromURL(
        file_url(path), "_blank", 0, props(Hidden=True, ReadOnly=False, UpdateDocMode=0)
    )
    if doc is None:
        raise WorkerError(f"LibreOffice could not open {path}")
    return doc


def store(doc, path: str, filter_name: str = DOCX_FILTER) -> None:
    doc.storeToURL(file_url(path), props(FilterName=filter_name, Overwrite=True))


def close(doc) -> None:
    try:
        doc.close(True)
    except Exception:  # already closed / disposed
        try:
            doc.dispose()
        except Exception:
            pass


# --------------------------------------------------------------------------------------------
# text extraction
# --------------------------------------------------------------------------------------------


def _walk_text(text, out: list[str]) -> None:
    enum = text.createEnumeration()
    while enum.hasMoreElements():
        el = enum.nextElement()
        if el.supportsService("com.sun.star.text.TextTable"):
            for name in el.getCellNames():  # row-major order
                _walk_text(el.getCellByName(name), out)
        elif el.supportsService("com.sun.star.text.Paragraph"):
            out.append(el.getString())


def body_paragraphs(doc) -> list[str]:
    """Body paragraphs in document order (table cells row by row), blank ones dropped."""
    out: list[str] = []
    _walk_text(doc.getText(), out)
    return [p for p in out if p.strip()]


def redline_info(doc) -> list[dict]:
    out = []
    enum = doc.getRedlines().createEnumeration()
    while enum.hasMoreElements():
        r = enum.nextElement()
        item = {}
        for name in ("RedlineType", "RedlineAuthor", "RedlineComment"):
            try:
                item[name] = r.getPropertyValue(name)
            except Exception:
                pass
        try:
            start = r.getPropertyValue("RedlineStart")
            end = r.getPropertyValue("RedlineEnd")
            cur = start.getText().createTextCursorByRange(start)
            cur.gotoRange(end, True)
            item["text"] = cur.getString()
        except Exception:
            item["text"] = None
        try:
            d = r.getPropertyValue("RedlineDateTime")
            item["RedlineDateTime"] = (
                f"{d.Year:04d}-{d.Month:02d}-{d.Day:02d}T{d.Hours:02d}:{d.Minutes:02d}:"
                f"{d.Seconds:02d}"
            )
        except Exception:
            pass
        out.append(item)
    return out


def redline_count(doc) -> int:
    return doc.getRedlines().getCount()


def dispatch(ctx, doc, command: str) -> None:
    helper = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    frame = doc.getCurrentController().getFrame()
    helper.executeDispatch(frame, command, "", 0, ())


# --------------------------------------------------------------------------------------------
# edits
# --------------------------------------------------------------------------------------------


def _find(doc, needle: str, *, all_: bool = False):
    if not needle:
        raise WorkerError("edit has an empty 'find'")
    desc = doc.createSearchDescriptor()
    desc.SearchString = needle
    desc.SearchCaseSensitive = True
    desc.SearchRegularExpression = False
    if all_:
        found = doc.findAll(desc)
        hits = [found.getByIndex(i) for i in range(found.getCount())] if found else []
    else:
        hit = doc.findFirst(desc)
        hits = [hit] if hit is not None else []
    if not hits:
        raise WorkerError(f"text not found in document: {needle!r}")
    return hits


def _paragraph_cursor(hit):
    """A cursor selecting the whole paragraph that contains the start of ``hit``."""
    text = hit.getText()
    cur = text.createTextCursorByRange(hit.getStart())
    cur.gotoStartOfParagraph(False)
    cur.gotoEndOfParagraph(True)
    return text, cur


def _plain_paragraphs_only(cursor) -> bool:
    """True if the selection touches nothing but (at most two) paragraphs -- no table."""
    enum = cursor.createEnumeration()
    n = 0
    while enum.hasMoreElements():
        el = enum.nextElement()
        if not el.supportsService("com.sun.star.text.Paragraph"):
            return False
        n += 1
    return n <= 2


def apply_edit(doc, edit: dict) -> None:
    op = edit.get("op")
    find = edit.get("find", "")
    if op == "replace":
        if "replace" not in edit:
            raise WorkerError("replace edit needs 'replace'")
        # Replace back to front so earlier ranges stay valid.
        for hit in reversed(_find(doc, find, all_=bool(edit.get("all")))):
            hit.setString(edit["replace"])
    elif op == "delete_text":
        for hit in reversed(_find(doc, find, all_=bool(edit.get("all")))):
            hit.setString("")
    elif op == "insert_after":
        hit = _find(doc, find)[0]
        text, cur = _paragraph_cursor(hit)
        existing = cur.getString()
        sep = edit.get("sep", " ")
        add = edit["text"]
        if existing and not existing[-1].isspace() and not add[:1].isspace():
            add = sep + add
        cur.collapseToEnd()
        text.insertString(cur, add, False)
    elif op == "insert_paragraph_after":
        hit = _find(doc, find)[0]
        text, cur = _paragraph_cursor(hit)
        cur.collapseToEnd()
        text.insertControlCharacter(cur, PARAGRAPH_BREAK, False)
        text.insertString(cur, edit["text"], False)
    elif op == "delete_paragraph":
        hit = _find(doc, find)[0]
        text, cur = _paragraph_cursor(hit)
        # Take the paragraph mark too: the one after it, or (last paragraph) the one before --
        # but never across a table (goRight/goLeft jump over a whole table, deleting it).
        probe = text.createTextCursorByRange(cur)
        if probe.goRight(1, True) and _plain_paragraphs_only(probe):
            cur = probe
        else:
            probe = text.createTextCursorByRange(cur.getStart())
            if probe.goLeft(1, False):
                probe.gotoRange(cur.getEnd(), True)
                if _plain_paragraphs_only(probe):
                    cur = probe
            # else: only the text goes; an empty paragraph stays (Writer needs one there).
        cur.setString("")
    else:
        raise WorkerError(f"unknown edit op {op!r}")


# --------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------


def run(command: dict):
    cmd = command["cmd"]
    ctx = connect(command["pipe"], float(command.get("connect_timeout", 10)))
    desktop = desktop_of(ctx)
    if cmd == "ping":
        return {"version": "ok"}
    if cmd == "terminate":
        try:
            desktop.terminate()
        except Exception:  # the bridge dies with the office
            pass
        return True

    doc = load(desktop, command["src"])
    try:
        if cmd == "edit":
            set_author(ctx, command.get("author", "Partner Counsel"))
            doc.setPropertyValue("RecordChanges", bool(command["track_changes"]))
            for edit in command["edits"]:
                apply_edit(doc, edit)
            store(doc, command["dst"])
            return {"redlines": redline_count(doc)}
        if cmd in ("accept_all", "reject_all"):
            doc.setPropertyValue("RecordChanges", False)
            dispatch(
                ctx,
                doc,
                ".uno:AcceptAllTrackedChanges"
                if cmd == "accept_all"
                else ".uno:RejectAllTrackedChanges",
            )
            if redline_count(doc):
                raise WorkerError(f"{cmd}: {redline_count(doc)} tracked changes remain")
            if command.get("dst"):
                store(doc, command["dst"])
            return body_paragraphs(doc)
        if cmd == "paragraphs":
            return body_paragraphs(doc)
        if cmd == "redline_count":
            return redline_count(doc)
        if cmd == "redlines":
            return redline_info(doc)
        if cmd == "bookmarks":
            return list(doc.getBookmarks().getElementNames())
        if cmd == "roundtrip":
            store(doc, command["dst"])
            return True
        if cmd == "store":
            store(doc, command["dst"], command["filter"])
            return True
        raise WorkerError(f"unknown command {cmd!r}")
    finally:
        close(doc)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: uno_worker.py '<json command>'", file=sys.stderr)
        return 2
    try:
        result = {"ok": True, "result": run(json.loads(argv[1]))}
    except WorkerError as exc:
        result = {"ok": False, "error": str(exc)}
    except Exception as exc:  # UNO exceptions etc.: keep the traceback for the client
        result = {
            "ok": False,
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    status = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: pyuno occasionally segfaults while dismantling the bridge
    # after the answer has been printed, which would turn a good result into a "crash".
    os._exit(status)
