"""What lint looks at: parameter values and the text of each clause, from either source.

A partner file gives its validated values and the assembled agreement's text. A negotiated DOCX
gives, through the compare engine, the values recovered from the negotiated wording and the
negotiated text of each clause; the issued standard gives the same for "before".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assemble import Agreement, assemble, choose_variant
from ..compare.model import ClauseResult, Comparison
from ..compare.normalize import comparable
from ..compare.standard import StandardContext
from ..library import Library
from ..partners import PartnerParams, evaluate
from ..yamlio import LineDict, load_yaml

SCHEDULE_PREFIX = "schedule_"


@dataclass
class Subject:
    """A partner file or a document, as lint's rules see it."""

    path: str
    kind: str  # "partner" | "document"
    template: str | None
    values: dict[str, Any]  # every library parameter: given, default, or None / [] if unknown
    clauses: dict[str, str | None]  # clause id -> normalised text (None: cannot be rendered)
    variants: dict[str, str]  # clause id -> variant in use
    attachments: dict[str, int]  # licence id -> paragraphs of its text missing (0 = complete)
    complete: bool = True  # False when required values are missing (partner not assembled)
    missing: tuple[str, ...] = ()  # required parameters the partner file leaves out
    lines: dict[str, int] = field(default_factory=dict)  # parameter -> line in the partner file
    comparison: Comparison | None = None  # documents: the comparison with the standard
    changed: dict[str, str] = field(default_factory=dict)  # negotiated parameter -> its clause
    chosen: dict[str, str] = field(default_factory=dict)  # variants a partner file names
    issued: dict[str, Any] | None = None  # documents: the values as issued (the standard's)
    numbers: dict[str, str] = field(default_factory=dict)  # clause id -> "7" as the text shows it
    # clause id -> one label per line of its text ("7.2", "7.2(a)"), so a finding can point at
    # the sub-clause that says something, as the reader sees it numbered
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # clause id -> heading as printed
    partner: PartnerParams | None = None  # partner files: the validated values
    given: tuple[str, ...] = ()  # partner files: the parameters the file itself sets

    def where(self, clause_id: str, line: int | None = None) -> str:
        """'clause 7.2 (breach)': the number the document shows, then the id; an unnumbered
        clause by its heading ('Parties and Background (preamble)')."""
        labels = self.labels.get(clause_id, ())
        number = labels[line] if line is not None and line < len(labels) else ""
        number = number or self.numbers.get(clause_id, "")
        if number:
            return f"clause {number} ({clause_id})"
        return f"{self.titles.get(clause_id) or 'clause'} ({clause_id})"


def normalise(text: str) -> str:
    """Text as rules compare it (case aside): cleaned, quote and dash style unified."""
    return comparable(text)


def full_values(
    library: Library, values: dict[str, Any], missing: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every library parameter, so rule expressions never meet an undefined name: a value the
    subject does not give is the parameter's default (an empty list for lists)."""
    out: dict[str, Any] = {}
    for name, clause in library.param_owner().items():
        param = clause.params[name]
        if name in values:
            out[name] = values[name]
        elif name in missing or param.required:
            out[name] = [] if param.type == "list" and name not in missing else None
        else:
            out[name] = (
                param.default
                if param.default is not None
                else ([] if param.type == "list" else None)
            )
    for name, value in values.items():
        out.setdefault(name, value)
    return out


def partner_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key of a partner file, for findings."""
    data = load_yaml(path)
    return dict(data.key_lines) if isinstance(data, LineDict) else {}


def partner_subject(
    partner: PartnerParams,
    library: Library,
    *,
    agreement: Agreement | None = None,
    missing: tuple[str, ...] = (),
    lines: dict[str, int] | None = None,
) -> Subject:
    """A validated partner file and the text of the agreement it assembles into."""
    values = full_values(library, partner.values, missing)
    variants: dict[str, str] = {}
    clauses: dict[str, str | None] = {}
    attachments: dict[str, int] = {}
    numbers: dict[str, str] = {}
    labels: dict[str, tuple[str, ...]] = {}
    titles: dict[str, str] = {}
    if agreement is None and not missing:
        agreement = assemble(partner, library)
    if agreement is not None:
        for section in agreement.sections:
            clauses[section.clause_id] = "\n".join(normalise(p.text) for p in section.paragraphs)
            variants[section.clause_id] = section.variant
            numbers[section.clause_id] = "" if section.number is None else str(section.number)
            titles[section.clause_id] = section.title
            labels[section.clause_id] = paragraph_labels(
                numbers[section.clause_id], [p.level for p in section.paragraphs]
            )
        attachments = {schedule.spdx_id: 0 for schedule in agreement.schedules}
    else:
        clauses, variants = _render_each(partner, library)
        attachments = _attached(partner, library)
    if lines is None and partner.lines:
        lines = dict(partner.lines)
    if lines is None:
        source = Path(partner.path)
        lines = (
            partner_lines(source)
            if source.suffix.lower() in (".yaml", ".yml") and source.is_file()
            else {}
        )
    return Subject(
        partner.path,
        "partner",
        partner.template_id,
        values,
        clauses,
        variants,
        attachments,
        complete=not missing,
        missing=tuple(missing),
        lines=lines,
        chosen=dict(partner.variants),
        numbers=numbers,
        labels=labels,
        titles=titles,
        partner=partner,
        given=tuple(lines),
    )


def paragraph_labels(number: str, levels: list[int | None]) -> tuple[str, ...]:
    """Labels as the reader sees them: level 1 is "7.2", 2 is "7.2(a)", 3 is "7.2(a)(ii)";
    an unnumbered paragraph (0 or None) carries the label of the paragraph it hangs under."""
    from ..assemble import ROMAN, letter

    counters = [0, 0, 0]
    current = number
    out: list[str] = []
    for level in levels:
        if level in (1, 2, 3) and number:
            counters[level - 1] += 1
            for deeper in range(level, 3):
                counters[deeper] = 0
            current = f"{number}.{max(counters[0], 1)}"
            if level >= 2:
                current += f"({letter(max(counters[1], 1))})"
            if level == 3:
                current += f"({ROMAN[(counters[2] - 1) % len(ROMAN)]})"
        out.append(current)
    return tuple(out)


def _render_each(
    partner: PartnerParams, library: Library
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Clause by clause, for a partner with missing values: what renders, renders."""
    from ..compare.recover import render_text

    numbers: dict[str, int] = {}
    for clause_id in partner.included:
        if library.clause(clause_id).numbered:
            numbers[clause_id] = len(numbers) + 1
    clauses: dict[str, str | None] = {}
    variants: dict[str, str] = {}
    for clause_id in partner.included:
        clause = library.clause(clause_id)
        try:
            variant = choose_variant(clause, partner, library)
        except Exception:
            variant = partner.variants.get(clause_id, "standard")
        variants[clause_id] = variant
        text = render_text(library, clause, variant, partner.values, numbers)
        clauses[clause_id] = (
            None if text is None else "\n".join(normalise(line) for line in text.split("\n"))
        )
    return clauses, variants


def _attached(partner: PartnerParams, library: Library) -> dict[str, int]:
    template = library.template(partner.template_id)
    attached: dict[str, int] = {}
    for attachment in template.attachments:
        try:
            if attachment.when is not None and not evaluate(
                library, attachment.when, partner.values
            ):
                continue
        except Exception:
            continue
        name = str(partner.values.get(attachment.licence_from, ""))
        if name in library.licences:
            attached[name] = 0
    return attached


def document_subject(
    comparison: Comparison, context: StandardContext, library: Library, side: str = "negotiated"
) -> Subject:
    """The negotiated (or the standard) side of a comparison with a known standard."""
    negotiated = side == "negotiated"
    values = dict(context.values)
    changed: dict[str, str] = {}
    if negotiated:
        for result in comparison.clauses:
            for param in result.parameters:
                values[param.name] = param.negotiated
                changed[param.name] = result.id or ""
    clauses: dict[str, str | None] = {}
    variants: dict[str, str] = {}
    numbers: dict[str, str] = {}
    labels: dict[str, tuple[str, ...]] = {}
    titles: dict[str, str] = {}
    schedule_texts: list[str] = []
    for result in comparison.clauses:
        if result.status == ("removed" if negotiated else "added"):
            continue
        texts = _texts(result, negotiated)
        if result.id and result.id.startswith(SCHEDULE_PREFIX):
            schedule_texts += texts
        elif result.id in library.clauses:
            clauses[result.id] = "\n".join(texts)
            numbers[result.id] = _number(result, negotiated)
            titles[result.id] = result.title
            labels[result.id] = paragraph_labels(numbers[result.id], _levels(result, negotiated))
            variant = (
                (result.variant_negotiated if negotiated else result.variant_standard)
                or context.variants.get(result.id)
                or "standard"
            )
            variants[result.id] = variant
    path = comparison.negotiated if negotiated else comparison.standard
    return Subject(
        path,
        "document",
        context.template,
        full_values(library, values),
        clauses,
        variants,
        _attachments_in(schedule_texts, library),
        comparison=comparison,
        changed=changed,
        issued=full_values(library, context.values),
        numbers=numbers,
        labels=labels,
        titles=titles,
    )


def _number(result: ClauseResult, negotiated: bool) -> str:
    """The clause number the document shows (its heading's numbering), else the one recorded."""
    if result.number:
        return result.number
    heading = result.heading_negotiated if negotiated else result.heading_standard
    match = re.match(r"\s*(\d+)[.\s]", heading.text) if heading is not None else None
    return match.group(1) if match else ""


def _levels(result: ClauseResult, negotiated: bool) -> list[int | None]:
    """The numbering level of each paragraph _texts keeps (1 sub-clause, 2 item, 3 roman)."""
    from ..render.docx import STYLES  # dsagen's paragraph styles carry the numbering level

    views = [(d.negotiated if negotiated else d.standard) for d in result.paragraphs]
    return [
        v.level if v.level is not None else _style_level(STYLES.get(v.style or ""))
        for v in views
        if v is not None and v.text.strip()
    ]


def _style_level(style: tuple[Any, ...] | None) -> int | None:
    level = style[2] if style is not None and len(style) > 2 else None
    return level if isinstance(level, int) else None


def _texts(result: ClauseResult, negotiated: bool) -> list[str]:
    paragraphs = [(d.negotiated if negotiated else d.standard) for d in result.paragraphs]
    return [normalise(p.text) for p in paragraphs if p is not None and p.text.strip()]


def _attachments_in(texts: list[str], library: Library) -> dict[str, int]:
    """Which licence texts the document's schedules carry, and how many paragraphs are missing."""
    present = set(texts)
    found: dict[str, int] = {}
    for spdx, licence in library.licences.items():
        blocks = [
            normalise(" ".join(b.split())) for b in licence.text.strip().split("\n\n") if b.strip()
        ]
        missing = sum(1 for block in blocks if block not in present)
        if blocks and missing < len(blocks):
            found[spdx] = missing
    return found
