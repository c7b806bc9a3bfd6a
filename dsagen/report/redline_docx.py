"""Comparison -> DOCX redline with native tracked changes, written over the standard DOCX.

OOXML implemented here (ECMA-376 Part 1 §17.13.5; comparison.md §4.9): run-level w:ins/w:del
(deleted text as w:delText), paragraph-mark revisions in w:pPr/w:rPr (first child), moves as
w:moveFrom/w:moveTo with named w:moveFromRangeStart/w:moveToRangeStart pairs, one id counter above
every id already in the document. Accepting all revisions gives the negotiated text; rejecting all
gives the standard. The partner's tracked edits keep their author and date.
"""

from __future__ import annotations

import copy
import io
import zipfile
from dataclasses import dataclass

from lxml import etree

from ..compare.diff import DELETE, EQUAL, word_diff
from ..compare.model import ClauseResult, Comparison, ParagraphDiff
from ..compare.normalize import clean
from ..compare.segments import NUMBERED_HEADING_STYLES
from ..read.docx import ViewParagraph
from ..read.package import open_docx
from ..render.docx import deterministic_zip

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
KEEP_IN_PARAGRAPH = {W + "pPr", W + "bookmarkStart", W + "bookmarkEnd"}


@dataclass
class _Stamp:
    author: str
    date: str


class _Writer:
    def __init__(self, root: etree._Element, first_id: int, stamp: _Stamp,
                 style_ids: dict[str, str]) -> None:
        self.root = root
        self.next_id = first_id
        self.stamp = stamp
        self.style_ids = style_ids
        self.paragraphs = list(root.iter(W + "p"))
        self.moves = 0
        self.open_row: tuple[tuple[int, int], etree._Element] | None = None

    # -- primitives --------------------------------------------------------------------------
    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def mark(self, tag: str, author: str | None = None, date: str | None = None
             ) -> etree._Element:
        element = etree.Element(W + tag)
        element.set(W + "id", self.new_id())
        element.set(W + "author", author or self.stamp.author)
        element.set(W + "date", date or self.stamp.date)
        return element

    def paragraph_of(self, view: ViewParagraph) -> etree._Element:
        return self.paragraphs[view.sources[0]]

    # -- runs --------------------------------------------------------------------------------
    @staticmethod
    def segments(paragraph: etree._Element) -> list[tuple[str, etree._Element | None]]:
        """(text, rPr) of each visible run, field instructions skipped, in order."""
        out: list[tuple[str, etree._Element | None]] = []
        in_instruction = 0
        for element in paragraph.iter(W + "r"):
            rpr = element.find(W + "rPr")
            for child in element:
                tag = child.tag
                if tag == W + "fldChar":
                    kind = child.get(W + "fldCharType")
                    if kind == "begin":
                        in_instruction += 1
                    elif kind == "separate" and in_instruction:
                        in_instruction -= 1
                elif in_instruction:
                    continue
                elif tag == W + "t" and child.text:
                    out.append((child.text, rpr))
                elif tag == W + "tab":
                    out.append(("\t", rpr))
                elif tag in (W + "br", W + "cr"):
                    out.append(("\n", rpr))
        return out

    @staticmethod
    def run(text: str, rpr: etree._Element | None, deleted: bool = False) -> etree._Element:
        return make_run(text, rpr, deleted)

    def clear_content(self, paragraph: etree._Element) -> None:
        for child in list(paragraph):
            if child.tag not in KEEP_IN_PARAGRAPH:
                paragraph.remove(child)

    def mark_paragraph(self, paragraph: etree._Element, tag: str, author: str | None = None,
                       date: str | None = None) -> None:
        """Paragraph-mark revision: w:pPr/w:rPr/w:ins|w:del|w:moveFrom|w:moveTo, first in rPr."""
        ppr = paragraph.find(W + "pPr")
        if ppr is None:
            ppr = etree.Element(W + "pPr")
            paragraph.insert(0, ppr)
        rpr = ppr.find(W + "rPr")
        if rpr is None:
            rpr = etree.Element(W + "rPr")
            follower = next((c for c in ppr if c.tag in (W + "sectPr", W + "pPrChange")), None)
            if follower is not None:
                follower.addprevious(rpr)
            else:
                ppr.append(rpr)
        rpr.insert(0, self.mark(tag, author, date))

    # -- paragraph operations ----------------------------------------------------------------
    def rewrite(self, paragraph: etree._Element, before: str, after: str,
                author: str | None, date: str | None) -> None:
        """Replace a paragraph's runs by a word diff of `before` -> `after`, formatting kept."""
        segments = self.segments(paragraph)
        if "".join(t for t, _ in segments) != before:
            first = segments[0][1] if segments else None
            segments = [(before, first)]
        self.clear_content(paragraph)
        queue = list(segments)
        last_rpr = segments[0][1] if segments else None

        def take(count: int) -> list[tuple[str, etree._Element | None]]:
            nonlocal last_rpr
            taken = []
            while count > 0 and queue:
                text, rpr = queue[0]
                if len(text) <= count:
                    taken.append(queue.pop(0))
                    count -= len(text)
                else:
                    taken.append((text[:count], rpr))
                    queue[0] = (text[count:], rpr)
                    count = 0
                last_rpr = rpr
            return taken

        for piece in word_diff(before, after):
            if piece.op == EQUAL:
                for text, rpr in take(len(piece.text)):
                    paragraph.append(self.run(text, rpr))
            elif piece.op == DELETE:
                wrapper = self.mark("del", author, date)
                for text, rpr in take(len(piece.text)):
                    wrapper.append(self.run(text, rpr, deleted=True))
                paragraph.append(wrapper)
            else:
                wrapper = self.mark("ins", author, date)
                wrapper.append(self.run(piece.text, queue[0][1] if queue else last_rpr))
                paragraph.append(wrapper)

    def wrap_all(self, paragraph: etree._Element, tag: str, author: str | None = None,
                 date: str | None = None) -> None:
        """Wrap every run of a paragraph in one revision (deleted text becomes w:delText)."""
        deleted = tag == "del"  # Word keeps w:t inside w:moveFrom
        wrapper = self.mark(tag, author, date)
        for child in list(paragraph):
            if child.tag in KEEP_IN_PARAGRAPH:
                continue
            paragraph.remove(child)
            if deleted:
                for text in child.iter(W + "t"):
                    text.tag = W + "delText"
                for instr in child.iter(W + "instrText"):
                    instr.tag = W + "delInstrText"
            wrapper.append(child)
        if len(wrapper):
            paragraph.append(wrapper)
        if _last_in_container(paragraph):
            # §4.9: the last paragraph of a cell or of the body has nothing to merge into; its
            # content is deleted, its mark stays (a deleted row goes through w:trPr instead).
            return
        self.mark_paragraph(paragraph, tag, author, date)

    def new_paragraph(self, view: ViewParagraph, text: str, tag: str,
                      template: etree._Element | None, author: str | None,
                      date: str | None) -> etree._Element:
        paragraph = etree.Element(W + "p")
        ppr = etree.SubElement(paragraph, W + "pPr")
        style = self.style_ids.get(_style_key(view.style)) if view.style else None
        if style is None and template is not None:
            source = template.find(W + "pPr/" + W + "pStyle")
            style = source.get(W + "val") if source is not None else None
        if style:
            etree.SubElement(ppr, W + "pStyle").set(W + "val", style)
        wrapper = self.mark(tag, author, date)
        wrapper.append(self.run(text, None))
        paragraph.append(wrapper)
        self.mark_paragraph(paragraph, tag, author, date)
        return paragraph


def make_run(text: str, rpr: etree._Element | None, deleted: bool = False) -> etree._Element:
    """A w:r with a copy of `rpr` (minus any rPrChange) and `text`; tabs and breaks become
    w:tab/w:br, deleted text w:delText."""
    run = etree.Element(W + "r")
    if rpr is not None:
        clone = copy.deepcopy(rpr)
        for change in clone.findall(W + "rPrChange"):
            clone.remove(change)
        run.append(clone)
    text_tag = W + ("delText" if deleted else "t")
    chunk = ""
    for char in text:
        if char in "\t\n":
            if chunk:
                _text(run, text_tag, chunk)
                chunk = ""
            etree.SubElement(run, W + ("tab" if char == "\t" else "br"))
        else:
            chunk += char
    if chunk:
        _text(run, text_tag, chunk)
    return run


def _text(run: etree._Element, tag: str, text: str) -> None:
    element = etree.SubElement(run, tag)
    element.text = text
    if text != text.strip() or "  " in text:
        element.set(XML_SPACE, "preserve")


def _style_key(style: str | None) -> str:
    return (style or "").replace(" ", "").casefold()


def _who(diff: ParagraphDiff) -> tuple[str | None, str | None]:
    return (diff.author, diff.date) if diff.tracked else (None, None)


def _apply_clause(writer: _Writer, clause: ClauseResult, cursor: etree._Element | None
                  ) -> etree._Element | None:
    """Write one clause's revisions; returns the element after which the next clause goes."""
    if clause.status == "moved":
        return _move(writer, clause, cursor)
    if clause.heading_standard is not None:
        heading = writer.paragraph_of(clause.heading_standard)
        if clause.status == "removed":
            writer.wrap_all(heading, "del")
        elif clause.heading_negotiated is not None and clean(
                clause.heading_standard.text) != clean(clause.heading_negotiated.text):
            writer.rewrite(heading, clause.heading_standard.text,
                           clause.heading_negotiated.text, None, None)
        cursor = heading
    elif clause.heading_negotiated is not None:
        heading = writer.new_paragraph(clause.heading_negotiated, clause.heading_negotiated.text,
                                       "ins", None, None, None)
        _insert_after(writer, cursor, heading)
        cursor = heading
    for diff in clause.paragraphs:
        author, date = _who(diff)
        if diff.standard is not None:
            element = writer.paragraph_of(diff.standard)
            if diff.kind == "delete":
                writer.wrap_all(element, "del", author, date)
            elif diff.kind == "modify" and diff.negotiated is not None:
                writer.rewrite(element, diff.standard.text, diff.negotiated.text, author, date)
            cursor = element
        elif diff.negotiated is not None:
            element = writer.new_paragraph(diff.negotiated, diff.negotiated.text, "ins",
                                           cursor, author, date)
            if not _insert_in_new_row(writer, cursor, diff.negotiated, element, author, date):
                _insert_after(writer, cursor, element)
            cursor = element
    return cursor


def _last_in_container(paragraph: etree._Element) -> bool:
    parent = paragraph.getparent()
    if parent is None or parent.tag not in (W + "tc", W + "body"):
        return False
    following = paragraph.getnext()
    while following is not None and following.tag != W + "p" and following.tag != W + "tbl":
        if following.tag == W + "sectPr":
            return True
        following = following.getnext()
    return following is None


def _insert_in_new_row(writer: _Writer, cursor: etree._Element | None, view: ViewParagraph,
                       element: etree._Element, author: str | None, date: str | None) -> bool:
    """A paragraph from a table row the standard does not have goes into a new tracked row
    (w:trPr/w:ins), built like the row the cursor stands in (§17.13.5.18)."""
    if view.table is None or cursor is None:
        writer.open_row = None
        return False
    cell = cursor.getparent()
    if cell is None or cell.tag != W + "tc":
        writer.open_row = None
        return False
    key = (view.table[0], view.table[1])
    if writer.open_row is None or writer.open_row[0] != key:
        row = cell.getparent()
        if writer.open_row is not None and writer.open_row[1].getparent() is row.getparent():
            row = writer.open_row[1]
        new_row = etree.Element(W + "tr")
        trpr = etree.SubElement(new_row, W + "trPr")
        trpr.append(writer.mark("ins", author, date))
        for old_cell in row.findall(W + "tc"):
            new_cell = etree.SubElement(new_row, W + "tc")
            tcpr = old_cell.find(W + "tcPr")
            if tcpr is not None:
                new_cell.append(copy.deepcopy(tcpr))
        row.addnext(new_row)
        writer.open_row = (key, new_row)
    cells = writer.open_row[1].findall(W + "tc")
    cells[min(view.table[2], len(cells) - 1)].append(element)
    for empty in cells:
        if empty.find(W + "p") is None:
            filler = etree.SubElement(empty, W + "p")
            writer.mark_paragraph(filler, "ins", author, date)
    return True


def _mark_deleted_rows(writer: _Writer) -> None:
    """A row whose every paragraph was deleted is deleted as a row (w:trPr/w:del)."""
    for row in writer.root.iter(W + "tr"):
        paragraphs = list(row.iter(W + "p"))
        if not paragraphs or not all(_fully_deleted(p) for p in paragraphs):
            continue
        trpr = row.find(W + "trPr")
        if trpr is None:
            trpr = etree.Element(W + "trPr")
            exceptions = row.find(W + "tblPrEx")  # CT_Row: tblPrEx?, trPr?, cells
            if exceptions is not None:
                exceptions.addnext(trpr)
            else:
                row.insert(0, trpr)
        first_del = next((d for p in paragraphs for d in p.iter(W + "del")), None)
        mark = writer.mark("del", first_del.get(W + "author") if first_del is not None else None,
                           first_del.get(W + "date") if first_del is not None else None)
        change = trpr.find(W + "trPrChange")
        (change.addprevious if change is not None else trpr.append)(mark)


def _fully_deleted(paragraph: etree._Element) -> bool:
    """No visible text left outside w:del (the mark of a cell's last paragraph may remain)."""
    for text in paragraph.iter(W + "t"):
        if text.text and not any(a.tag == W + "del" for a in text.iterancestors()):
            return False
    return any(True for _ in paragraph.iter(W + "delText"))


def _insert_after(writer: _Writer, cursor: etree._Element | None,
                  element: etree._Element) -> None:
    if cursor is not None:
        cursor.addnext(element)
    else:
        body = writer.root.find(W + "body")
        assert body is not None
        body.insert(0, element)


def _move(writer: _Writer, clause: ClauseResult, cursor: etree._Element | None
          ) -> etree._Element | None:
    """Source wrapped in w:moveFrom; the negotiated text written at the destination in
    w:moveTo, both ranges named alike so Word pairs them."""
    writer.moves += 1
    name = f"dsagenMove{writer.moves}"
    sources = [clause.heading_standard] if clause.heading_standard is not None else []
    sources += [d.standard for d in clause.paragraphs if d.standard is not None]
    elements = [writer.paragraph_of(v) for v in sources]
    range_id = writer.new_id()
    for index, element in enumerate(elements):
        writer.wrap_all(element, "moveFrom")
        if index == 0:
            start = writer.mark("moveFromRangeStart")
            start.set(W + "id", range_id)
            start.set(W + "name", name)
            ppr = element.find(W + "pPr")
            (ppr.addnext if ppr is not None else element.append)(start)
        if index == len(elements) - 1:
            end = etree.SubElement(element, W + "moveFromRangeEnd")
            end.set(W + "id", range_id)
    targets: list[tuple[ViewParagraph, str, etree._Element | None]] = []
    if clause.heading_negotiated is not None:
        targets.append((clause.heading_negotiated, clause.heading_negotiated.text,
                        elements[0] if elements else None))
    for diff in clause.paragraphs:
        if diff.negotiated is not None:
            template = writer.paragraph_of(diff.standard) if diff.standard is not None else None
            targets.append((diff.negotiated, diff.negotiated.text, template))
    to_range = writer.new_id()
    created = []
    for view, text, template in targets:
        element = writer.new_paragraph(view, text, "moveTo", template, None, None)
        if template is not None:
            _copy_style(template, element)
        _insert_after(writer, cursor, element)
        cursor = element
        created.append(element)
    if created:
        start = writer.mark("moveToRangeStart")
        start.set(W + "id", to_range)
        start.set(W + "name", name)
        created[0].find(W + "pPr").addnext(start)
        end = etree.SubElement(created[-1], W + "moveToRangeEnd")
        end.set(W + "id", to_range)
    return cursor


def _is_numbered(clause: ClauseResult) -> bool:
    heading = clause.heading_standard or clause.heading_negotiated
    if heading is None:
        return False
    return _style_key(heading.style) in NUMBERED_HEADING_STYLES or heading.level == 0


def _retarget_moved_references(writer: _Writer, comparison: Comparison) -> None:
    """A cross-reference to a moved clause cannot follow its bookmark into both views (a
    bookmark lives in one place), so it becomes tracked text: the standard's number deleted,
    the clause's number in the negotiated order inserted."""
    new_numbers: dict[str, int] = {}
    counter = 0
    for clause in comparison.clauses:
        if clause.heading_negotiated is None or not _is_numbered(clause):
            continue
        counter += 1
        if clause.status == "moved" and clause.heading_standard is not None:
            for name in clause.heading_standard.bookmarks:
                new_numbers[name] = counter
    if not new_numbers:
        return
    for paragraph in writer.paragraphs:
        runs = list(paragraph.iter(W + "r"))
        index = 0
        while index < len(runs):
            field = _field_at(runs, index)
            if field is None:
                index += 1
                continue
            end, target, cached, rpr = field
            if target in new_numbers:
                _replace_field(writer, runs[index:end + 1], cached, str(new_numbers[target]),
                               rpr)
            index = end + 1


def _field_at(runs: list[etree._Element], index: int
              ) -> tuple[int, str, str, etree._Element | None] | None:
    """(index of the end run, REF target, cached result, result rPr) of a field at `index`."""
    begin = runs[index].find(W + "fldChar")
    if begin is None or begin.get(W + "fldCharType") != "begin":
        return None
    instruction, cached, in_result, rpr = "", "", False, None
    for position in range(index + 1, len(runs)):
        run = runs[position]
        char = run.find(W + "fldChar")
        if char is not None and char.get(W + "fldCharType") == "separate":
            in_result = True
        elif char is not None and char.get(W + "fldCharType") == "end":
            words = instruction.split()
            target = words[1] if len(words) > 1 and words[0].upper() == "REF" else ""
            return position, target, cached, rpr
        for text in run.findall(W + "instrText"):
            instruction += text.text or ""
        if in_result:
            for text in run.findall(W + "t"):
                cached += text.text or ""
                rpr = run.find(W + "rPr")
    return None


def _replace_field(writer: _Writer, field_runs: list[etree._Element], old: str, new: str,
                   rpr: etree._Element | None) -> None:
    first = field_runs[0]
    replacement: list[etree._Element] = []
    if old == new:
        replacement.append(writer.run(new, rpr))
    else:
        deleted = writer.mark("del")
        deleted.append(writer.run(old, rpr, deleted=True))
        inserted = writer.mark("ins")
        inserted.append(writer.run(new, rpr))
        replacement += [deleted, inserted]
    for element in replacement:
        first.addprevious(element)
    for run in field_runs:
        run.getparent().remove(run)


def _copy_style(template: etree._Element, element: etree._Element) -> None:
    source = template.find(W + "pPr/" + W + "pStyle")
    ppr = element.find(W + "pPr")
    if source is None or ppr is None:
        return
    existing = ppr.find(W + "pStyle")
    if existing is not None:
        ppr.remove(existing)
    ppr.insert(0, copy.deepcopy(source))


def render_redline(comparison: Comparison, standard_docx: bytes, *, author: str = "dsagen",
                   date: str = "2000-01-01T00:00:00Z", max_id: int = 0) -> bytes:
    """The standard DOCX with the comparison written into it as tracked changes."""
    package = open_docx(standard_docx)
    root = package.xml("word/document.xml")
    styles = {}
    if "word/styles.xml" in package.names:
        for style in package.xml("word/styles.xml").iter(W + "style"):
            style_id = style.get(W + "styleId")
            name = style.find(W + "name")
            if style_id:
                styles[_style_key(style_id)] = style_id
                if name is not None:
                    styles.setdefault(_style_key(name.get(W + "val")), style_id)
    writer = _Writer(root, max_id + 1, _Stamp(author, date), styles)
    cursor: etree._Element | None = None
    for clause in comparison.clauses:
        if clause.folded:
            continue  # written as part of the clause it was merged into or split from
        if clause.status == "unchanged" and clause.heading_standard is not None:
            cursor = writer.paragraph_of(clause.paragraphs[-1].standard
                                         if clause.paragraphs and clause.paragraphs[-1].standard
                                         else clause.heading_standard)
            continue
        cursor = _apply_clause(writer, clause, cursor)
    _retarget_moved_references(writer, comparison)
    _mark_deleted_rows(writer)
    settings = package.xml("word/settings.xml") if "word/settings.xml" in package.names else None
    replaced = {"word/document.xml": etree.tostring(root, xml_declaration=True,
                                                     encoding="UTF-8", standalone=True)}
    if settings is not None and settings.find(W + "trackRevisions") is None:
        # Further edits by the reader of the redline are tracked too.
        track = etree.Element(W + "trackRevisions")
        anchor = settings.find(W + "zoom")
        if anchor is not None:
            anchor.addnext(track)
        else:
            settings.insert(0, track)
        replaced["word/settings.xml"] = etree.tostring(settings, xml_declaration=True,
                                                       encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(standard_docx)) as source, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replaced.get(item.filename)
                            or source.read(item.filename))
    return deterministic_zip(out.getvalue())
