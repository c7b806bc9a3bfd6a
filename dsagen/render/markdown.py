"""Agreement -> Markdown, for review in plain text and for golden tests of the rendered prose."""

from __future__ import annotations

import re

from ..assemble import Agreement, Paragraph, Section
from ..textfilters import long_date
from .edition import Edition, edition

_SPECIAL = re.compile(r"([\\`*_~\[\]<>|])")
# An entity reference (`&lt;`, `&#42;`) that a viewer would decode into another character.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x85\u2028\u2029]+[ \t]*")
# What makes a line a heading, a quote, a list item or a setext underline.
_BLOCK_START = re.compile(r"^( {0,3})([#>+=-]|[0-9]{1,9}(?=[.)]))")


def literal_markdown(text: str) -> str:
    """Text as Markdown shows it literally: partner values must not become links, emphasis or
    raw HTML in a viewer (`<script>`, `[x](javascript:...)`), nor break the line they are on
    (a newline in a party name would start a heading or a list)."""
    text = _LINE_BREAKS.sub(" ", text)
    return _ENTITY.sub(r"\\&", _SPECIAL.sub(r"\\\1", text))


def _line(text: str) -> str:
    """A rendered line that starts as its text does, never as a heading, quote or list."""
    return _BLOCK_START.sub(
        lambda m: m[1] + ("\\" + m[2] if not m[2].isdigit() else m[2] + "\\"), text, count=1
    )


def _inline(paragraph: Paragraph) -> str:
    out = []
    for span in paragraph.spans:
        if span.kind == "term":
            out.append(f"**{literal_markdown(span.text)}**")
        elif span.kind == "ref":
            out.append(f"[{literal_markdown(span.text)}](#{span.target})")
        else:
            out.append(literal_markdown(span.text))
    return "".join(out)


def _section(section: Section, legends: Edition) -> list[str]:
    lines = [f"## {literal_markdown(section.heading)} {{#{section.clause_id}}}", ""]
    for paragraph in section.paragraphs:
        indent = "    " * max(paragraph.level - 1, 0)
        label = paragraph.number
        if not section.numbered and paragraph.level == 2:
            label, indent = label.upper(), ""
        text = _inline(paragraph) if label else _line(_inline(paragraph))
        lines.append(f"{indent}{label + ' ' if label else ''}{text}")
        lines.append("")
    for sig in section.signatories:
        lines += [
            f"**{literal_markdown(sig.heading)}**",
            "",
            "Signature: ______________________",
            "",
            f"Name: {literal_markdown(sig.name)}",
            "",
            f"Title: {literal_markdown(sig.title)}",
            "",
            "Date: ________________",
            "",
        ]
    if section.kind == "signatures" and legends.signature_legend:
        lines += [literal_markdown(legends.signature_legend), ""]
    return lines


def render_markdown(agreement: Agreement, *, final: bool = False) -> str:
    """The draft (or with `final` the signing version) as Markdown."""
    legends = edition(agreement, final=final)
    lines = [f"**{legends.draft_legend}**", ""] if legends.draft_legend else []
    lines += [
        f"# {agreement.title}",
        "",
        f"between **{literal_markdown(agreement.provider_name)}** and "
        f"**{literal_markdown(agreement.recipient_name)}**",
        "",
        f"Reference: {literal_markdown(agreement.reference)}",
        "",
    ]
    if agreement.effective_date:
        lines += [f"Effective Date: {long_date(agreement.effective_date, agreement.locale)}", ""]
    if legends.provenance:
        lines += [f"_{legends.provenance}_", ""]
    if agreement.key_terms:
        lines += ["## Key Terms", "", "| Term | Value | Clause |", "|---|---|---|"]
        lines += [
            f"| {literal_markdown(t.label)} | {literal_markdown(t.text)} | "
            f"{f'[{t.number}](#{t.clause_id})' if t.number is not None else ''} |"
            for t in agreement.key_terms
        ]
        lines.append("")
    for section in agreement.sections:
        lines += _section(section, legends)
    for number, schedule in enumerate(agreement.schedules, start=1):
        lines += [
            f"## Schedule {number}: {schedule.title}",
            "",
            f"_Attached verbatim ({schedule.spdx_id}). Source: {schedule.source}._",
            "",
            schedule.text.strip(),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def render_markdown_bytes(agreement: Agreement, *, final: bool = False) -> bytes:
    return render_markdown(agreement, final=final).encode("utf-8")
