"""Word comments written into an output package, each anchored to a range of paragraphs.

A comment is a w:comment in the comments part (ECMA-376 §17.13.4.2), related from the main
document and declared in [Content_Types].xml; in the body it spans a w:commentRangeStart to a
w:commentRangeEnd followed by a run holding the w:commentReference (§17.13.4.3-5): from the
first tracked change of its first paragraph to the last of its last, or the whole paragraphs
when they hold none. Comment ids share the package's one annotation
counter, so they never collide with the partner's comments or with revision ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from ..ooxml import COMMENTS_CT, COMMENTS_REL, W_NS, W
from .ooxml import (
    PPR,
    REVISIONS,
    RPR,
    RPR_CHANGE,
    RUN,
    W_AUTHOR,
    W_DATE,
    W_ID,
    P,
    set_text,
)
from .package import DOCUMENT, OutputPackage

COMMENTS_PART = "word/comments.xml"
_RANGE_START, _RANGE_END = W + "commentRangeStart", W + "commentRangeEnd"


@dataclass(frozen=True)
class Comment:
    """One comment: who wrote it, when, and its paragraphs of text."""

    author: str
    date: str
    paragraphs: tuple[str, ...]

    @property
    def initials(self) -> str:
        return "".join(word[0] for word in self.author.split() if word[:1].isalnum())[:8]


def comments_root(out: OutputPackage) -> etree._Element:
    """The package's comments part (the partner's, when they commented), created if missing."""
    existing = out.related(DOCUMENT, "comments")
    if existing:
        return out.xml(existing[0])
    out.add_part(
        COMMENTS_PART,
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:comments xmlns:w="' + W_NS.encode() + b'"/>',
        None,
    )
    out.declare_content_type(COMMENTS_PART, COMMENTS_CT)
    out.add_relationship(DOCUMENT, COMMENTS_REL, COMMENTS_PART)
    return out.xml(COMMENTS_PART)


def add_comment(
    out: OutputPackage, first: etree._Element, last: etree._Element, comment: Comment
) -> str:
    """Write `comment` over the paragraphs from `first` to `last` (body w:p elements, in
    document order); returns its id."""
    comment_id = out.new_id()
    element = etree.SubElement(comments_root(out), W + "comment")
    element.set(W_ID, comment_id)
    element.set(W_AUTHOR, comment.author)
    element.set(W_DATE, comment.date)
    element.set(W + "initials", comment.initials or comment.author[:1])
    for position, text in enumerate(comment.paragraphs or ("",)):
        paragraph = etree.SubElement(element, P)
        if position == 0:
            etree.SubElement(etree.SubElement(paragraph, RUN), W + "annotationRef")
        set_text(etree.SubElement(etree.SubElement(paragraph, RUN), W + "t"), text)
    start = etree.Element(_RANGE_START)
    start.set(W_ID, comment_id)
    begin = _changed(first, last=False)
    if begin is not None:
        begin.addprevious(start)
    elif (properties := first.find(PPR)) is not None:
        properties.addnext(start)
    else:
        first.insert(0, start)
    end = etree.Element(_RANGE_END)
    end.set(W_ID, comment_id)
    finish = _changed(last, last=True)
    if finish is not None:
        finish.addnext(end)
    else:
        last.append(end)
    reference = etree.Element(RUN)
    etree.SubElement(reference, W + "commentReference").set(W_ID, comment_id)
    end.addnext(reference)
    return comment_id


def _changed(paragraph: etree._Element, *, last: bool) -> etree._Element | None:
    """The paragraph's first (or last) child that is a revision, or a run whose formatting
    changed: where the comment's range starts (or ends), so it covers the changed text."""
    children = [
        c
        for c in paragraph
        if c.tag in REVISIONS or (c.tag == RUN and c.find(f"{RPR}/{RPR_CHANGE}") is not None)
    ]
    if not children:
        return None
    return children[-1] if last else children[0]


def body_paragraphs(out: OutputPackage) -> list[etree._Element]:
    """The main document's w:p elements in the reader's numbering (ViewParagraph.sources)."""
    return list(out.xml(DOCUMENT).iter(P))
