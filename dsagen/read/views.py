"""Paragraphs as they read in one view: pieces, merges across vanished marks, spans, anchors."""

from __future__ import annotations

from lxml import etree

from dsagen.read.model import ViewParagraph

Piece = tuple[str, str | None, str]  # (text, revision id of this view or None, emphasis)
Props = tuple[str | None, str | None, int | None]  # (style, num_id, level)
NO_PROPS: Props = (None, None, None)


class Para:
    """State of the ``w:p`` being walked."""

    __slots__ = (
        "accept",
        "bookmarks_accept",
        "bookmarks_reject",
        "container",
        "drop_mark_accept",
        "drop_mark_reject",
        "element",
        "in_accept",
        "in_reject",
        "index",
        "mark_revisions",
        "props_accept",
        "props_reject",
        "reject",
        "table",
    )  # fmt: skip

    def __init__(self, element: etree._Element, index: int, tables: list[list[int]]) -> None:
        self.element = element
        self.index = index
        self.accept: list[Piece] = []
        self.reject: list[Piece] = []
        self.bookmarks_accept: list[str] = []
        self.bookmarks_reject: list[str] = []
        # (style, num_id, level) as the paragraph reads in each view (w:pPrChange holds the old).
        self.props_accept: Props = NO_PROPS
        self.props_reject: Props = NO_PROPS
        self.container = tuple((t[0], t[1], t[2]) for t in tables)
        self.table = self.container[-1] if self.container else None
        self.in_accept = self.in_reject = True
        self.drop_mark_accept = self.drop_mark_reject = False
        self.mark_revisions: list[tuple[int, etree._Element]] = []


def _visible(pieces: list[Piece]) -> bool:
    return any(text.strip() for text, _, _ in pieces)


class View:
    """Output of one view plus a paragraph whose mark vanished and waits to join the next."""

    __slots__ = ("carry", "paragraphs", "part", "rejected")

    def __init__(self, part: str, *, rejected: bool) -> None:
        self.paragraphs: list[ViewParagraph] = []
        self.carry: tuple[list[Piece], list[int], list[str], list[str], Para] | None = None
        self.part = part
        self.rejected = rejected

    def place(self, para: Para, pieces: list[Piece], bookmarks: list[str],
              mark_dropped: bool) -> None:  # fmt: skip
        # A paragraph that vanishes into the next one without visible text must not hand its
        # anchors on: a struck clause heading would otherwise name the next clause.
        dropped: list[str] = []
        if mark_dropped and bookmarks and not _visible(pieces):
            dropped, bookmarks = bookmarks, []
        sources = [para.index]
        if self.carry is not None:
            carried, carried_sources, carried_bookmarks, carried_dropped, previous = self.carry
            if previous.container == para.container:
                pieces = carried + pieces
                sources = carried_sources + sources
                bookmarks = carried_bookmarks + bookmarks
                dropped = carried_dropped + dropped
            else:  # never merge across a cell or table boundary: keep it as its own paragraph
                self.flush()
        self.carry = None
        if mark_dropped:
            self.carry = (pieces, sources, bookmarks, dropped, para)
        else:
            self.paragraphs.append(self._paragraph(pieces, sources, bookmarks, dropped, para))

    def flush(self) -> None:
        if self.carry is not None:
            self.paragraphs.append(self._paragraph(*self.carry))
            self.carry = None

    def _paragraph(self, pieces: list[Piece], sources: list[int], bookmarks: list[str],
                   dropped: list[str], para: Para) -> ViewParagraph:  # fmt: skip
        tracked: tuple[tuple[int, int, str], ...] | list[tuple[int, int, str]] = ()
        formats: tuple[tuple[int, int, str], ...] | list[tuple[int, int, str]] = ()
        if len(pieces) == 1:  # the common case: one run, nothing to merge
            text, revision_id, emphasis = pieces[0]
            if revision_id is not None:
                tracked = ((0, len(text), revision_id),)
            if emphasis:
                formats = ((0, len(text), emphasis),)
        else:
            tracked, formats = _spans(pieces)
            text = "".join(text for text, _, _ in pieces)
        kept = tuple(dict.fromkeys(bookmarks)) if bookmarks else ()
        lost = tuple(name for name in dict.fromkeys(dropped) if name not in kept) if dropped else ()
        # The surviving paragraph mark carries the properties of a merged paragraph.
        style, num_id, level = para.props_reject if self.rejected else para.props_accept
        return ViewParagraph(
            text=text,
            style=style,
            num_id=num_id,
            level=level,
            bookmarks=kept,
            sources=tuple(sources),
            table=para.table,
            tracked=tuple(tracked),
            part=self.part,
            formats=tuple(formats),
            dropped_bookmarks=lost,
        )


def _spans(pieces: list[Piece]) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(tracked, formats) spans over the joined pieces; touching equal spans merge."""
    tracked: list[tuple[int, int, str]] = []
    formats: list[tuple[int, int, str]] = []
    position = 0
    for text, revision_id, emphasis in pieces:
        end = position + len(text)
        if revision_id is not None:
            if tracked and tracked[-1][2] == revision_id and tracked[-1][1] == position:
                tracked[-1] = (tracked[-1][0], end, revision_id)
            else:
                tracked.append((position, end, revision_id))
        if emphasis:
            if formats and formats[-1][2] == emphasis and formats[-1][1] == position:
                formats[-1] = (formats[-1][0], end, emphasis)
            else:
                formats.append((position, end, emphasis))
        position = end
    return tracked, formats
