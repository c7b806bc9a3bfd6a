"""The comparison result as plain data, and its stable JSON form (docs/compare-json.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ..positions import GRADES, reaches, worse
from ..provenance import Provenance
from ..read.docx import ViewParagraph
from .diff import Piece

#: What happened to a clause, and what a change did (docs/compare-json.md).
Status = Literal["unchanged", "cosmetic", "modified", "added", "removed", "moved"]
ChangeOp = Literal["insert", "delete", "replace", "move", "format"]
STATUSES: tuple[Status, ...] = get_args(Status)
#: The positions a comparison grades with, best first (docs/compare-json.md).
SEVERITIES: tuple[str, ...] = tuple(GRADES)


STORIES = ("body", "header", "footer", "footnote", "endnote", "textbox")


@dataclass
class Change:
    op: ChangeOp
    standard: str
    negotiated: str
    tracked: bool
    author: str | None = None
    date: str | None = None
    detail: str = ""  # format changes: what changed ("bold added"), else ""

    def to_json(self) -> dict[str, Any]:
        """The change as the report schema and the registry give it (`detail` left to the
        report, which adds it for format changes)."""
        return {
            "op": self.op,
            "standard": self.standard,
            "negotiated": self.negotiated,
            "tracked": self.tracked,
            "author": self.author,
            "date": self.date,
        }


@dataclass
class CommentNote:
    """A comment the partner left in the returned copy, with the clause it stands in."""

    author: str | None
    date: str | None
    text: str
    anchor: str  # the text the comment is attached to
    clause: str | None  # clause id, None outside an identified clause
    location: str  # "clause 9 (Ethics)", "front matter", ...


@dataclass
class ParameterChange:
    name: str
    standard: Any
    negotiated: Any
    position: str
    note: str = ""


@dataclass
class RuleFinding:
    """A regulatory rule a negotiated change breaks (filled by dsagen.lint)."""

    rule: str
    citation: str
    message: str


@dataclass
class ParagraphDiff:
    """One paragraph of a clause pair: what the redline writer replays."""

    kind: str  # equal | modify | insert | delete
    standard: ViewParagraph | None
    negotiated: ViewParagraph | None
    pieces: list[Piece] = field(default_factory=list)
    tracked: bool = False
    author: str | None = None
    date: str | None = None


@dataclass
class ClauseResult:
    id: str | None
    title: str
    status: Status
    severity: str | None
    changes: list[Change] = field(default_factory=list)
    parameters: list[ParameterChange] = field(default_factory=list)
    variant_standard: str | None = None
    variant_negotiated: str | None = None
    version: str | None = None
    alignment: str = ""
    notes: list[str] = field(default_factory=list)
    rules: list[RuleFinding] = field(default_factory=list)
    paragraphs: list[ParagraphDiff] = field(default_factory=list)
    heading_standard: ViewParagraph | None = None
    heading_negotiated: ViewParagraph | None = None
    moved_from: int | None = None  # index of the clause in the standard, for moves
    folded: bool = False  # merged into / split out of a neighbour, compared as part of it
    story: str = "body"  # one of STORIES: where in the document the text lives
    location: str = ""  # for people: "clause 9 (Ethics)", "header", "footnote 2 in clause 9"
    number: str | None = None  # the clause number as the negotiated copy shows it
    comments: list[CommentNote] = field(default_factory=list)

    @property
    def substantive(self) -> bool:
        return self.status in ("modified", "added", "removed", "moved")

    @property
    def untracked(self) -> bool:
        return any(not c.tracked for c in self.changes)


@dataclass
class Comparison:
    standard: str
    negotiated: str
    clauses: list[ClauseResult]
    revisions: int  # tracked revisions found in the negotiated file
    authors: list[str]
    aligned_by: str  # "anchors" | "headings"
    standard_paragraphs: list[ViewParagraph] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. the files look mismatched
    comments: list[CommentNote] = field(default_factory=list)
    inconsistencies: list[Any] = field(default_factory=list)  # consistency.Inconsistency
    baseline: str = ""  # what the copy was compared with, in words
    provenance: Provenance | None = None  # where the standard's issued values came from

    @property
    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for clause in self.clauses:
            counts[clause.status] += 1
        return counts

    @property
    def untracked_changes(self) -> int:
        """Changes the partner made with tracking off: the ones counsel would not see in Word."""
        return sum(1 for clause in self.clauses for change in clause.changes if not change.tracked)

    @property
    def worst(self) -> str | None:
        result: str | None = None
        for clause in self.clauses:
            if clause.substantive:
                result = worse(result, clause.severity)
        return result

    def fails(self, threshold: str = "any") -> bool:
        """Whether a substantive deviation reaches THRESHOLD: 'any' deviation at all, or one
        at least as severe as that position (fallback, approval, walk-away)."""
        substantive = [c for c in self.clauses if c.substantive]
        if threshold == "any":
            return bool(substantive)
        if threshold not in SEVERITIES:
            raise ValueError(
                f"expected 'any' or one of {', '.join(SEVERITIES)}, found '{threshold}'"
            )
        return any(reaches(c.severity, threshold) for c in substantive)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "dsagen.compare/1",
            "standard": self.standard,
            "negotiated": self.negotiated,
            "baseline": self.baseline,
            "provenance": self.provenance.to_json() if self.provenance is not None else None,
            "aligned_by": self.aligned_by,
            "revisions": self.revisions,
            "authors": self.authors,
            "warnings": self.warnings,
            "summary": self.summary,
            "worst_severity": self.worst,
            "untracked_changes": self.untracked_changes,
            "comments": [_comment_json(c) for c in self.comments],
            "inconsistencies": [
                {
                    "parameter": i.parameter,
                    "clause": i.clause,
                    "value": json_value(i.value),
                    "other_clause": i.other_clause,
                    "other_value": json_value(i.other_value),
                }
                for i in self.inconsistencies
            ],
            "clauses": [_clause_json(c) for c in self.clauses],
        }


def _comment_json(comment: CommentNote) -> dict[str, Any]:
    return {
        "author": comment.author,
        "date": comment.date,
        "text": comment.text,
        "anchor": comment.anchor,
        "clause": comment.clause,
        "location": comment.location,
    }


def json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    return value


def _clause_json(clause: ClauseResult) -> dict[str, Any]:
    return {
        "id": clause.id,
        "title": clause.title,
        "status": clause.status,
        "severity": clause.severity,
        "story": clause.story,
        "location": clause.location,
        "number": clause.number,
        "version": clause.version,
        "variant": {"standard": clause.variant_standard, "negotiated": clause.variant_negotiated},
        "alignment": clause.alignment,
        "untracked": clause.untracked,
        "changes": [
            {**c.to_json(), **({"detail": c.detail} if c.detail else {})} for c in clause.changes
        ],
        "parameters": [
            {
                "name": p.name,
                "standard": json_value(p.standard),
                "negotiated": json_value(p.negotiated),
                "position": p.position,
                "note": p.note,
            }
            for p in clause.parameters
        ],
        "rules": [
            {"rule": r.rule, "citation": r.citation, "message": r.message} for r in clause.rules
        ],
        "notes": clause.notes,
        "comments": [_comment_json(c) for c in clause.comments],
    }
