"""Assemble an agreement: choose each clause's variant, render its Jinja text, number it.

The result is plain data (`Agreement`) that every renderer consumes; provenance (clause id,
version, variant, parameters used) travels with each section so a returned copy can be traced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jinja2

from . import __version__
from .errors import TemplateRenderError
from .keyterms import KeyTerm, render_key_terms
from .library import Clause, Library, Template
from .partners import PartnerParams, evaluate
from .textfilters import american, civil_law, locale_of, localise_source

REF_OPEN, REF_CLOSE = "\x02", "\x03"
STAR = "\x05"  # stands for '*' inside partner values so they never become markup
_TOKEN = re.compile(r"\x02([a-z0-9_]+)\x03|\*\*(.+?)\*\*")
_PARA_SPLIT = re.compile(r"\n[ \t]*\n")
_SPACE = re.compile(r"\s+")
ROMAN = (
    "i",
    "ii",
    "iii",
    "iv",
    "v",
    "vi",
    "vii",
    "viii",
    "ix",
    "x",
    "xi",
    "xii",
    "xiii",
    "xiv",
    "xv",
    "xvi",
    "xvii",
    "xviii",
    "xix",
    "xx",
)


@dataclass(frozen=True)
class Span:
    """A run of text: plain, a defined term at its definition, or a cross-reference."""

    kind: str  # "text" | "term" | "ref"
    text: str
    target: str | None = None  # clause id for refs


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a section. level 1 = 7.1, 2 = (a), 3 = (i), 0 = unnumbered."""

    level: int
    spans: tuple[Span, ...]
    number: str  # rendered label ("7.1", "(a)", "") for text outputs

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True)
class Signatory:
    party: str
    organisation: str
    name: str
    title: str

    @property
    def heading(self) -> str:
        """A researcher acknowledges; a party or co-signatory institution signs."""
        if self.party == "researcher":
            return "Read and acknowledged by the researcher named below"
        return f"For and on behalf of {self.organisation}" if self.organisation else self.name


@dataclass(frozen=True)
class Section:
    """One clause as it appears in this agreement, with its provenance."""

    clause_id: str
    title: str
    family: str
    version: str
    variant: str
    variant_label: str
    position: str
    numbered: bool
    number: int | None
    kind: str
    anchor: str
    paragraphs: tuple[Paragraph, ...]
    params: dict[str, Any]
    signatories: tuple[Signatory, ...] = ()

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}" if self.number is not None else self.title


@dataclass(frozen=True)
class Schedule:
    """A document attached verbatim (a licence text), with its source."""

    title: str
    spdx_id: str
    text: str
    source: str


@dataclass(frozen=True)
class Agreement:
    """A finished agreement as plain data: what every renderer and the registry consume."""

    template_id: str
    template_version: str
    title: str
    partner: str
    partner_path: str
    reference: str
    effective_date: Any
    provider_name: str
    recipient_name: str
    library_version: str
    library_digest: str
    params_digest: str
    generator: str
    sections: tuple[Section, ...]
    schedules: tuple[Schedule, ...] = ()
    parameters: dict[str, Any] = field(default_factory=dict)
    key_terms: tuple[KeyTerm, ...] = ()  # the key-terms cover page, when the template has one
    locale: str = "en-GB"  # en-GB | en-US: spelling and date style of the library's words
    alignment: str = "left"  # the template's body text alignment: left | justified

    def section(self, clause_id: str) -> Section:
        return next(s for s in self.sections if s.clause_id == clause_id)

    @property
    def justified(self) -> bool:
        """Is the body text justified (the template's `alignment`), in every output?"""
        return self.alignment == "justified"


def choose_variant(clause: Clause, partner: PartnerParams, library: Library) -> str:
    """Partner's explicit choice, else the first variant whose `when` holds, else standard."""
    if clause.id in partner.variants:
        return partner.variants[clause.id]
    for variant in clause.variants.values():
        if variant.when is not None and evaluate(library, variant.when, partner.values):
            return variant.name
    return "standard"


def _safe_value(value: Any) -> Any:
    """Partner values are data: stars cannot become markup, whitespace cannot make paragraphs."""
    if isinstance(value, str):
        return _SPACE.sub(" ", value.replace("*", STAR)).strip()
    if isinstance(value, list):
        return [_safe_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _safe_value(v) for k, v in value.items()}
    return value


def clause_context(
    values: dict[str, Any],
    numbers: dict[str, int],
    template: Template | None = None,
    library: Library | None = None,
    names: frozenset[str] | None = None,
) -> dict[str, Any]:
    """The names every clause template sees. Shared by assembly and by parameter recovery, so
    a negotiated value is read back through exactly the text the agreement was built from.
    `ref` here answers plain "clause" for a clause the agreement lacks; assembly replaces it
    with one that refuses such a reference. `names`, when given, are all a text reads: the
    other values are left out (lint renders a clause dozens of times per partner, and making
    every value safe each time was most of the cost)."""
    context = {name: _safe_value(v) for name, v in values.items() if names is None or name in names}
    context["locale"] = locale_of(values)
    context["civil_law"] = civil_law(values)
    context["party"] = party_names(numbers)
    context["agreement"] = {
        "title": localised_title(template.title, values) if template else "",
        "template": template.id if template else "",
    }
    context["has_clause"] = lambda clause_id: clause_id in numbers
    context["included"] = sorted(numbers)
    context["titles"] = (
        {cid: localised_title(library.clause(cid).title, values) for cid in numbers}
        if library is not None and (names is None or "titles" in names)
        else {}
    )
    context["ref"] = lambda clause_id: (
        f"clause {REF_OPEN}{clause_id}{REF_CLOSE}" if clause_id in numbers else "clause"
    )
    return context


def party_names(numbers: dict[str, int]) -> dict[str, str]:
    """Short names of the Parties. A mutual NDA, where each Party is in turn a Receiving
    Party, does not call one of them "the Recipient"."""
    provider, recipient = (
        ("Data Holder", "Institution")
        if "nda_obligations" in numbers
        else ("Provider", "Recipient")
    )
    return {
        "provider": f"the {provider}",
        "recipient": f"the {recipient}",
        "Provider": f"The {provider}",
        "Recipient": f"The {recipient}",
        "provider_term": provider,
        "recipient_term": recipient,
    }


def localised_title(title: str, values: dict[str, Any]) -> str:
    """A template's or clause's title in the agreement's locale."""
    return american(title) if locale_of(values) == "en-US" else title


def clause_source(clause: Clause, variant: str, values: dict[str, Any]) -> str:
    """The Jinja source of a clause variant in the agreement's locale: what assembly renders
    and what parameter recovery reads a negotiated copy back through."""
    return localise_source(clause.variants[variant].text, locale_of(values))


def assemble(partner: PartnerParams, library: Library) -> Agreement:
    """Build the Agreement for one validated partner file."""
    template = library.template(partner.template_id)
    clauses = [library.clause(cid) for cid in partner.included]
    numbers: dict[str, int] = {}
    counter = 0
    for clause in clauses:
        if clause.numbered:
            counter += 1
            numbers[clause.id] = counter
    context = clause_context(partner.values, numbers, template, library)
    sections = []
    for clause in clauses:
        variant_name = choose_variant(clause, partner, library)
        variant = clause.variants[variant_name]

        def ref(clause_id: str, _from: str = clause.id) -> str:
            if clause_id not in numbers:
                raise TemplateRenderError(
                    f"cross-reference to clause '{clause_id}', which this agreement does not "
                    "include (guard it with has_clause)",
                    path=library.clause(_from).path,
                    field="ref",
                )
            return f"clause {REF_OPEN}{clause_id}{REF_CLOSE}"

        text = _render(
            library,
            clause,
            variant_name,
            clause_source(clause, variant_name, partner.values),
            variant.line,
            {**context, "ref": ref},
        )
        paragraphs = split_paragraphs(text, numbers, numbers.get(clause.id))
        # Sorted: a set's order changes with each process's hash seed, and the reasons the
        # registry records for a clause's position are listed in this order.
        used = {
            name: partner.values.get(name)
            for name in sorted(_used_params(library, variant.text))
            if name in partner.values
        }
        signatories: tuple[Signatory, ...] = ()
        if clause.kind == "signatures":
            signatories = tuple(
                Signatory(
                    str(s.get("party", "")),
                    str(s.get("organisation", "")),
                    str(s.get("name", "")),
                    str(s.get("title", "")),
                )
                for s in partner.values.get("signatories") or []
            )
        sections.append(
            Section(
                clause_id=clause.id,
                title=localised_title(clause.title, partner.values),
                family=clause.family,
                version=clause.version,
                variant=variant_name,
                variant_label=variant.label,
                position=variant.position,
                numbered=clause.numbered,
                number=numbers.get(clause.id),
                kind=clause.kind,
                anchor=clause.anchor(variant_name),
                paragraphs=paragraphs,
                params=used,
                signatories=signatories,
            )
        )
    schedules = _schedules(template, library, partner)
    values = partner.values
    return Agreement(
        template_id=template.id,
        template_version=template.version,
        title=localised_title(template.title, values),
        partner=partner.slug,
        partner_path=partner.path,
        reference=str(values.get("agreement_reference", partner.slug)),
        effective_date=values.get("effective_date"),
        provider_name=str(values.get("provider_name", "")),
        recipient_name=str(values.get("recipient_name", "")),
        library_version=library.version,
        library_digest=library.digest,
        params_digest=partner.digest,
        generator=f"dsagen {__version__}",
        sections=tuple(sections),
        schedules=schedules,
        parameters=dict(values),
        key_terms=_key_terms(library, template, context, numbers),
        locale=locale_of(values),
        alignment=template.alignment,
    )


def _key_terms(
    library: Library, template: Template, context: dict[str, Any], numbers: dict[str, int]
) -> tuple[KeyTerm, ...]:
    """The key-terms rows, with partner values as they are (a row prints no markup)."""
    if not template.key_terms:
        return ()
    plain = {**context, "ref": lambda clause_id: f"clause {numbers.get(clause_id, '')}".strip()}
    return tuple(
        KeyTerm(row.label, row.text.replace(STAR, "*"), row.clause_id, row.number)
        for row in render_key_terms(library, template, plain, numbers)
    )


def _render(
    library: Library, clause: Clause, variant: str, source: str, line: int, context: dict[str, Any]
) -> str:
    try:
        return library.compiled(source).render(context)
    except TemplateRenderError:
        raise
    except jinja2.UndefinedError as exc:
        raise TemplateRenderError(
            f"variant '{variant}' uses an undefined value: {exc.message}",
            path=clause.path,
            line=line,
            field=f"variants.{variant}.text",
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
        raise TemplateRenderError(
            f"variant '{variant}' failed to render: {exc}",
            path=clause.path,
            line=line,
            field=f"variants.{variant}.text",
        ) from None


def _used_params(library: Library, source: str) -> frozenset[str]:
    return library.variables(source)


def _spans(text: str, numbers: dict[str, int]) -> tuple[Span, ...]:
    spans: list[Span] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            spans.append(Span("text", text[position : match.start()]))
        if match.group(1):
            spans.append(Span("ref", str(numbers[match.group(1)]), match.group(1)))
        else:
            spans.append(Span("term", match.group(2)))
        position = match.end()
    if position < len(text):
        spans.append(Span("text", text[position:]))
    return tuple(Span(s.kind, s.text.replace(STAR, "*"), s.target) for s in spans)


def split_paragraphs(
    text: str, numbers: dict[str, int], heading: int | None
) -> tuple[Paragraph, ...]:
    """Rendered clause text -> numbered paragraphs with their term and cross-reference spans."""
    out: list[Paragraph] = []
    counters = [0, 0, 0]
    for block in _PARA_SPLIT.split(text.strip()):
        block = block.strip()
        if not block:
            continue
        level = 1
        for prefix, lvl in (("-- ", 3), ("- ", 2), (": ", 0)):
            if block.startswith(prefix):
                level, block = lvl, block[len(prefix) :]
                break
        body = _SPACE.sub(" ", block).strip()
        if level:
            counters[level - 1] += 1
            for deeper in range(level, 3):
                counters[deeper] = 0
        if level == 1:
            label = f"{heading}.{counters[0]}" if heading is not None else ""
        elif level == 2:
            label = f"({letter(counters[1])})"
        elif level == 3:
            label = f"({ROMAN[(counters[2] - 1) % len(ROMAN)]})"
        else:
            label = ""
        out.append(Paragraph(level, _spans(body, numbers), label))
    return tuple(out)


def letter(n: int) -> str:
    letters = ""
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(97 + rem) + letters
    return letters


def _schedules(
    template: Template, library: Library, partner: PartnerParams
) -> tuple[Schedule, ...]:
    schedules = []
    for attachment in template.attachments:
        if attachment.when is not None and not evaluate(library, attachment.when, partner.values):
            continue
        name = str(partner.values.get(attachment.licence_from, ""))
        licence = library.licences.get(name)
        if licence is None:
            raise TemplateRenderError(
                f"expected a licence text for '{name}' in clauses/licenses/, found none "
                f"(known: {', '.join(sorted(library.licences))})",
                path=partner.path,
                field=attachment.licence_from,
            )
        schedules.append(
            Schedule(
                attachment.title or licence.title, licence.spdx_id, licence.text, licence.source
            )
        )
    return tuple(schedules)
