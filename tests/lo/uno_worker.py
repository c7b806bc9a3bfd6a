"""UNO side of the LibreOffice test client. Runs under the *system* interpreter.

``uno`` is only importable by Debian's ``/usr/bin/python3`` (package python3-uno), not by the
project venv, so :mod:`tests.lo.client` runs this file as a subprocess::

    /usr/bin/python3 tests/lo/uno_worker.py '<json command>'

It connects to a soffice already listening on ``command["pipe"]`` (the office of dsagen's own
LibreOffice bridge, dsagen/render/lo_bridge.py, which the client starts and whose ``props`` and
``connect`` this worker uses), performs one command and prints exactly one JSON object on stdout:
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "...", "traceback": "..."}``.
The exit status is 0 in both cases; anything else means the worker itself crashed.

Commands (``"cmd"``): ping, edit, accept_all, reject_all, paragraphs, redline_count,
redlines, stories, bookmarks, roundtrip, store. See client.py for their meaning.

Edit ops (``command["edits"]``, each a dict with ``"op"``; ``find``/``heading``/``before``/
``after`` are literal, case-sensitive text; every op works with RecordChanges on or off):

* replace, delete_text, insert_after, insert_paragraph_after, delete_paragraph -- see client.py;
* ``delete_clause`` ``{"heading": title}``: select from the start of the paragraph reading
  exactly ``title`` to the start of the next heading paragraph (same paragraph style, a style
  named "...Heading...", or an outline level) -- heading, body and every paragraph mark -- and
  delete it, as counsel striking a whole clause;
* ``move_clause`` ``{"heading": title, "before": other}``: the same selection cut with
  .uno:Cut and pasted with .uno:Paste at the start of heading ``other`` (Writer records a
  tracked move: w:moveFrom/w:moveTo in DOCX; the pasted heading carries a copy of the clause's
  bookmark named ``<name>_Copy_1``, the original stays in the moved-from text);
* ``move_paragraph`` ``{"find": s, "after": t}``: the body paragraph containing ``s``
  (including its mark) cut and pasted as a new paragraph after the one containing ``t``;
* ``add_comment`` ``{"find": s, "text": c, "author": a, "date": "YYYY-MM-DDTHH:MM:SS",
  "span": True}``: a comment (textfield.Annotation) spanning ``s`` (``span`` False: at its
  start);
* ``set_bold`` ``{"find": s, "all": False}``: CharWeight bold on ``s`` (tracked: a Format
  redline, w:rPrChange in DOCX);
* ``edit_header`` ``{"find": s, "replace": r}``: replace ``s`` in every page style's header
  that shows it; or ``{"text": t}``: switch the header of the body's first page style on and
  set its text to ``t``;
* ``add_footnote`` ``{"find": s, "text": t}``: a footnote with text ``t`` anchored right after
  ``s``.

Comments and this LibreOffice: Debian's *-nogui packages ship no Writer .ui files, and soffice
aborts as soon as a view lays out a comment (see load_without_view). So add_comment finds its
text with the view, then takes the view off the document (_detach_view) before inserting the
comment; a document that already has comments is opened without a view for edit, paragraphs,
redlines, stories, bookmarks, roundtrip and store, and resolved from a copy without comment
anchors for accept_all/reject_all. A model saved without a view (or layout) loses its page
headers and footers in DOCX -- LibreOffice's DOCX export takes them from the layout -- so a copy
saved by an edit with add_comment has no header or footer parts. move_clause and
move_paragraph use the dispatcher, hence a view: put them before any add_comment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import traceback
import zipfile
from importlib.util import module_from_spec, spec_from_file_location
from pathlib import Path

import uno

BRIDGE = Path(__file__).resolve().parents[2] / "dsagen" / "render" / "lo_bridge.py"

DOCX_FILTER = "MS Word 2007 XML"
PARAGRAPH_BREAK = 0  # com.sun.star.text.ControlCharacter.PARAGRAPH_BREAK
BOLD = 150.0  # com.sun.star.awt.FontWeight.BOLD
#: Edit ops that go through the dispatcher (.uno:Cut/.uno:Paste) and so need a view.
VIEW_OPS = frozenset({"move_clause", "move_paragraph"})


class WorkerError(Exception):
    """A user-level failure (bad edit, text not found); reported without a traceback."""


def _load_bridge():
    """dsagen's LibreOffice bridge: a script for this interpreter, which cannot import the
    dsagen package; its way of reaching an office is this worker's too."""
    spec = spec_from_file_location("lo_bridge", BRIDGE)
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lo_bridge = _load_bridge()
props = lo_bridge.props


# --------------------------------------------------------------------------------------------
# connection
# --------------------------------------------------------------------------------------------


def connect(pipe: str, timeout: float):
    try:
        return lo_bridge.connect(pipe, timeout)
    except RuntimeError as exc:
        raise WorkerError(f"could not connect to soffice on pipe {pipe!r}: {exc}") from None


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


def load_without_view(ctx, path: str):
    """The document model alone: no frame, no controller, no layout.

    Debian's libreoffice-writer-nogui ships no Writer .ui files, so the first time a *view* lays
    out a comment (annotation) soffice aborts (NoSuchElementException for
    modules/swriter/ui/annotation.ui). Without a view nothing is laid out and comments are safe;
    the price is no dispatcher (no .uno: commands) and no doc.findFirst (see _find).
    """
    doc = ctx.ServiceManager.createInstanceWithContext("com.sun.star.text.TextDocument", ctx)
    doc.load(props(URL=file_url(path), FilterName=DOCX_FILTER))
    return doc


def has_comments(path: str) -> bool:
    """True if the body of the DOCX at ``path`` anchors at least one comment."""
    try:
        with zipfile.ZipFile(path) as package:
            return b"<w:commentReference " in package.read("word/document.xml")
    except (KeyError, zipfile.BadZipFile, OSError):
        return False


_COMMENT_MARKS = re.compile(
    rb"<w:commentRange(?:Start|End)\b[^>]*/>"
    rb"|<w:r(?:\s[^>]*)?>(?:(?!</w:r>).)*?<w:commentReference\b[^>]*/>(?:(?!</w:r>).)*?</w:r>",
    re.DOTALL,
)


def without_comments(path: str, scratch: str) -> str:
    """``path`` copied to ``scratch`` with every comment anchor taken out of the body.

    Done on the package, not in LibreOffice: a view cannot lay comments out here, and a model
    saved without a view loses its headers and footers. Comments are not body text, so the
    copy's body paragraphs are the original's.
    """
    with zipfile.ZipFile(path) as package, zipfile.ZipFile(scratch, "w") as copy:
        for info in package.infolist():
            data = package.read(info.filename)
            if info.filename == "word/document.xml":
                data = _COMMENT_MARKS.sub(b"", data)
            copy.writestr(info, data)
    return scratch


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


def stories(doc) -> dict:
    """Text outside the body: page headers and footers (per page style, only those switched
    on), footnotes, endnotes and comments (author, content, anchor text)."""
    out: dict = {"headers": {}, "footers": {}, "footnotes": [], "endnotes": [], "comments": []}
    styles = doc.getStyleFamilies().getByName("PageStyles")
    for name in styles.getElementNames():
        style = styles.getByName(name)
        for kind in ("Header", "Footer"):
            if not style.getPropertyValue(f"{kind}IsOn"):
                continue
            texts = []
            for attr in (f"{kind}Text", f"{kind}TextLeft", f"{kind}TextFirst"):
                try:
                    part = style.getPropertyValue(attr)
                except Exception:
                    continue
                if part is not None and part.getString() not in texts:
                    texts.append(part.getString())
            out[f"{kind.lower()}s"][name] = texts
    for key, notes in (("footnotes", doc.getFootnotes()), ("endnotes", doc.getEndnotes())):
        for i in range(notes.getCount()):
            out[key].append(notes.getByIndex(i).getString())
    enum = doc.getTextFields().createEnumeration()
    while enum.hasMoreElements():
        field = enum.nextElement()
        if field.supportsService("com.sun.star.text.textfield.Annotation"):
            out["comments"].append(
                {
                    "author": field.Author,
                    "content": field.Content,
                    "anchor": field.getAnchor().getString(),
                }
            )
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
    if doc.getCurrentController() is None:
        return _find_without_view(doc, needle, all_=all_)
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


def _text_paragraphs(text):
    """(text, paragraph) for every paragraph of ``text``, table cells row by row."""
    enum = text.createEnumeration()
    while enum.hasMoreElements():
        el = enum.nextElement()
        if el.supportsService("com.sun.star.text.TextTable"):
            for name in el.getCellNames():
                yield from _text_paragraphs(el.getCellByName(name))
        elif el.supportsService("com.sun.star.text.Paragraph"):
            yield text, el


def _find_without_view(doc, needle: str, *, all_: bool):
    """_find for a model without a view (doc.findFirst needs one): paragraph by paragraph, so
    ``needle`` must lie within one paragraph. Checked: a field inside the paragraph shifts
    character offsets, and a mismatch is reported rather than editing the wrong text."""
    hits = []
    for text, paragraph in _text_paragraphs(doc.getText()):
        content = paragraph.getString()
        at = content.find(needle)
        while at >= 0:
            cur = text.createTextCursorByRange(paragraph.getStart())
            cur.goRight(at, False)
            cur.goRight(len(needle), True)
            if cur.getString() != needle:
                raise WorkerError(
                    f"cannot place {needle!r} without a view (a field precedes "
                    "it in its paragraph); pick other text"
                )
            hits.append(cur)
            if not all_:
                return hits
            at = content.find(needle, at + len(needle))
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


def apply_edit(ctx, doc, edit: dict) -> None:
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
    elif op == "delete_clause":
        _, cur = _clause_cursor(doc, edit["heading"])
        cur.setString("")
    elif op == "move_clause":
        _, cur = _clause_cursor(doc, edit["heading"])
        target = _heading_paragraph(doc, edit["before"])[1]
        _cut_and_paste(ctx, doc, cur, target.getStart())
    elif op == "move_paragraph":
        hit = _find(doc, find)[0]
        text, cur = _paragraph_cursor(hit)
        if not cur.goRight(1, True) or not _plain_paragraphs_only(cur):
            raise WorkerError(f"move_paragraph: {find!r} is not followed by another paragraph")
        after = _find(doc, edit["after"])[0]
        _, dest = _paragraph_cursor(after)
        dest.collapseToEnd()
        if not dest.goRight(1, False):
            raise WorkerError(f"move_paragraph: nothing follows {edit['after']!r}")
        _cut_and_paste(ctx, doc, cur, dest.getStart())
    elif op == "add_comment":
        hit = _find(doc, find)[0]
        _detach_view(doc)
        note = doc.createInstance("com.sun.star.text.textfield.Annotation")
        note.Author = edit.get("author", "Partner Counsel")
        note.Content = edit["text"]
        note.DateTimeValue = _uno_datetime(edit.get("date", "2026-04-01T10:00:00"))
        hit.getText().insertTextContent(hit, note, bool(edit.get("span", True)))
    elif op == "set_bold":
        for hit in _find(doc, find, all_=bool(edit.get("all"))):
            hit.setPropertyValue("CharWeight", BOLD)
    elif op == "edit_header":
        _edit_header(doc, edit)
    elif op == "add_footnote":
        hit = _find(doc, find)[0]
        note = doc.createInstance("com.sun.star.text.Footnote")
        text = hit.getText()
        text.insertTextContent(hit.getEnd(), note, False)
        note.getText().setString(edit["text"])
    else:
        raise WorkerError(f"unknown edit op {op!r}")


#: Frames whose view was taken off their document (closed when the command ends).
_DETACHED_FRAMES: list = []


def _detach_view(doc) -> None:
    """Take the view off ``doc`` before it gets a comment (see load_without_view): the model
    stays loaded as the view left it, with nothing left to lay the comment out."""
    controller = doc.getCurrentController()
    if controller is None:
        return
    frame = controller.getFrame()
    frame.setComponent(None, None)
    _DETACHED_FRAMES.append(frame)


def _is_heading(paragraph, style: str) -> bool:
    name = paragraph.getPropertyValue("ParaStyleName")
    return name == style or "heading" in name.lower() or paragraph.OutlineLevel > 0


def _heading_paragraph(doc, title: str):
    """(index, paragraph) of the first top-level body paragraph whose text is ``title``."""
    enum = doc.getText().createEnumeration()
    index = 0
    while enum.hasMoreElements():
        el = enum.nextElement()
        index += 1
        if el.supportsService("com.sun.star.text.Paragraph") and el.getString().strip() == title:
            return index, el
    raise WorkerError(f"no paragraph reads exactly {title!r}")


def _clause_cursor(doc, title: str):
    """A cursor from the start of heading ``title`` to the start of the next heading (or the end
    of the document): the heading, its body and every paragraph mark in between."""
    text = doc.getText()
    enum = text.createEnumeration()
    heading = None
    end = None
    while enum.hasMoreElements():
        el = enum.nextElement()
        if not el.supportsService("com.sun.star.text.Paragraph"):
            continue
        if heading is None:
            if el.getString().strip() == title:
                heading = el
            continue
        if _is_heading(el, heading.getPropertyValue("ParaStyleName")):
            end = el.getStart()
            break
    if heading is None:
        raise WorkerError(f"no paragraph reads exactly {title!r}")
    cur = text.createTextCursorByRange(heading.getStart())
    if end is not None:
        cur.gotoRange(end, True)
    else:
        cur.gotoEnd(True)
    return text, cur


def _cut_and_paste(ctx, doc, selection, target) -> None:
    """Cut ``selection`` and paste it at ``target`` through the UI (.uno:Cut / .uno:Paste on the
    view), so Writer records the edit as a user's cut and paste (a move, when tracking)."""
    controller = doc.getCurrentController()
    if controller is None:
        raise WorkerError("move ops need a view: put them before any add_comment")
    view = controller.getViewCursor()
    controller.select(selection)
    dispatch(ctx, doc, ".uno:Cut")
    view.gotoRange(target, False)
    dispatch(ctx, doc, ".uno:Paste")


def _uno_datetime(iso: str):
    from com.sun.star.util import DateTime

    date, _, clock = iso.partition("T")
    year, month, day = (int(x) for x in date.split("-"))
    hours, minutes, seconds = (int(x) for x in (clock or "00:00:00").rstrip("Z").split(":"))
    return DateTime(0, seconds, minutes, hours, day, month, year, False)


def _edit_header(doc, edit: dict) -> None:
    """Replace ``find`` by ``replace`` in every page header showing it; without ``find``, set
    the header text of the body's page style to ``text`` (switching the header on)."""
    styles = doc.getStyleFamilies().getByName("PageStyles")
    if edit.get("find"):
        changed = 0
        for name in styles.getElementNames():
            style = styles.getByName(name)
            if not style.HeaderIsOn:
                continue
            for attr in ("HeaderText", "HeaderTextLeft", "HeaderTextFirst"):
                try:
                    header = style.getPropertyValue(attr)
                except Exception:
                    continue
                if header is None:
                    continue
                cur = _find_in_text(header.getText(), edit["find"])
                if cur is not None:
                    cur.setString(edit["replace"])
                    changed += 1
                    break  # shared header texts: one edit per style
        if not changed:
            raise WorkerError(f"text not found in any page header: {edit['find']!r}")
        return
    body = doc.getText().createEnumeration().nextElement()
    style = styles.getByName(body.getPropertyValue("PageStyleName") or "Standard")
    style.HeaderIsOn = True
    style.HeaderText.setString(edit["text"])


def _find_in_text(text, needle: str):
    """A cursor over the first occurrence of ``needle`` in a simple text (header, footnote)."""
    whole = text.getString()
    at = whole.find(needle)
    if at < 0:
        return None
    cur = text.createTextCursor()
    cur.gotoStart(False)
    cur.goRight(at, False)
    cur.goRight(len(needle), True)
    return cur


# --------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------


def run(command: dict):
    cmd = command["cmd"]
    ctx = connect(command["pipe"], float(command.get("connect_timeout", 10)))
    desktop = desktop_of(ctx)
    if cmd == "ping":
        return {"version": "ok"}

    src = command["src"]
    scratch = None
    if cmd in ("accept_all", "reject_all") and has_comments(src):
        # Resolving revisions needs the dispatcher, hence a view, which cannot show comments
        # here (see load_without_view): resolve a copy without them; the body text is the same.
        scratch = tempfile.mkdtemp(prefix="dsagen-uno-")
        src = without_comments(src, os.path.join(scratch, "no-comments.docx"))
    if cmd == "edit":
        if has_comments(src) and any(e.get("op") in VIEW_OPS for e in command["edits"]):
            raise WorkerError(
                f"edit: {', '.join(sorted(VIEW_OPS))} need a view, and this LibreOffice cannot "
                "lay out the comments this document has (no Writer .ui files): move first, "
                "comment after"
            )
        doc = load_without_view(ctx, src) if has_comments(src) else load(desktop, src)
    elif cmd in ("accept_all", "reject_all") or not has_comments(src):
        doc = load(desktop, src)
    else:
        doc = load_without_view(ctx, src)
    try:
        if cmd == "edit":
            set_author(ctx, command.get("author", "Partner Counsel"))
            doc.setPropertyValue("RecordChanges", bool(command["track_changes"]))
            for edit in command["edits"]:
                apply_edit(ctx, doc, edit)
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
        if cmd == "stories":
            return stories(doc)
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
        while _DETACHED_FRAMES:
            try:
                _DETACHED_FRAMES.pop().close(True)
            except Exception:
                pass
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


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
