"""Where a change is, as the document numbers it: the clause's number and, inside it, the
numbered paragraph's (9.1), never the clause library's internal id.

Clause headings are numbering level 0 and their numbered paragraphs level 1 (the paragraphs
under one, level 2 and below, are lettered items of it): the k-th level-1 paragraph of clause 9
reads 9.k.
"""

from __future__ import annotations

from ..compare.model import ClauseResult


def change_number(clause: ClauseResult) -> str | None:
    """The number of the first changed paragraph (9.1), else the clause's number (9)."""
    if clause.number is None:
        return None
    count = 0
    heading_list = clause.heading_negotiated.num_id if clause.heading_negotiated else None
    for diff in clause.paragraphs:
        paragraph = diff.negotiated or diff.standard
        if (
            diff.negotiated is not None
            and paragraph is not None
            and paragraph.level == 1
            and (heading_list is None or paragraph.num_id == heading_list)
        ):
            count += 1
        if diff.kind != "equal":
            return f"{clause.number}.{count}" if count else clause.number
    return clause.number


def clause_label(clause: ClauseResult) -> str:
    """'9.1 Retention and Destruction', or where a story is ('header', 'footnote 2 ...')."""
    if clause.story != "body":
        return clause.location or clause.title
    number = change_number(clause)
    return f"{number} {clause.title}" if number else clause.location or clause.title
