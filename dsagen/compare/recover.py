"""Recover parameter values from negotiated clause text through the clause's own template.

For a scalar parameter the variant is rendered with a sentinel in its place; the text around the
sentinel becomes a pattern whose gap, found in the negotiated text, is the negotiated value
(`sixty (60)` -> 60). A parameter that only steers `{% if %}` blocks is recovered by rendering
each candidate value and keeping the one whose text is closest to the negotiated text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ..assemble import clause_context, clause_source, split_paragraphs
from ..library import Clause, Library
from ..params import Param
from ..textfilters import MONTHS, civil_law, locale_of, words
from .diff import similarity
from .normalize import comparable

SENTINEL = "\ue000{}\ue001"
_SENTINEL_RE = re.compile("\ue000(\\d+)\ue001")
_WORD_NUMBERS = {words(n): n for n in range(0, 1001)}
_DATE = re.compile(r"(\d{1,2}) (" + "|".join(MONTHS) + r") (\d{4})")
CONTEXTS = (60, 30, 14)


@dataclass(frozen=True)
class Recovered:
    """What the negotiated text says a clause's parameters and variant are."""

    variant: str
    values: dict[str, Any]  # only parameters whose negotiated value differs from the standard
    explained: bool  # re-rendering with these values reproduces the negotiated text


_FIGURE = re.compile(r"\((\d{1,4})\)")


def words_and_figures_disagree(text: str) -> list[str]:
    """Amounts written in words and figures that say different things ('forty-eight (72)
    hours'): a court may read either, so counsel must see it."""
    found = []
    for match in _FIGURE.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        if not before.endswith(" "):
            continue
        words = before.split()[-5:]
        figure = int(match.group(1))
        for start in range(len(words)):  # the longest tail of words that is a number
            phrase = " ".join(words[start:])
            number = _WORD_NUMBERS.get(phrase.casefold())
            if number is not None:
                if number != figure:
                    found.append(f"{phrase} ({match.group(1)})")
                break
    return found


RENDERED_KEPT = 4096  # rendered clause texts a process keeps (a few KB each)


def render_text(
    library: Library, clause: Clause, variant: str, values: dict[str, Any], numbers: dict[str, int]
) -> str | None:
    """Plain text of a clause variant (paragraph texts joined by newlines), or None if the
    values do not render (e.g. a sentinel compared with a number).

    Cached on the library by what the text can depend on: its source, the values of the names
    it uses, the clause numbering and the spelling and legal system the values imply. Lint's
    not-applicable check and parameter recovery render the same clause with the same values
    for partner after partner of a batch."""
    source = clause_source(clause, variant, values)
    names = _names(library, clause, variant)
    key = (
        source,
        tuple(sorted(numbers.items())),
        locale_of(values),
        civil_law(values),
        repr(sorted((name, values[name]) for name in names if name in values)),
    )
    if key in library.rendered:
        return library.rendered[key]
    try:
        context = clause_context(values, numbers, library=library, names=names)
        text = library.compiled(source).render(context)
    except Exception:  # any failure means "this candidate does not render"
        found = None
    else:
        heading = numbers.get(clause.id)
        found = "\n".join(p.text for p in split_paragraphs(text, numbers, heading))
    if len(library.rendered) >= RENDERED_KEPT:
        library.rendered.clear()
    library.rendered[key] = found
    return found


def _names(library: Library, clause: Clause, variant: str) -> frozenset[str]:
    """The names a variant uses (spelling never changes a name: the source as written)."""
    return library.variables(clause.variants[variant].text)


def _parse(param: Param, raw: str) -> Any:
    raw = raw.strip().strip(",;").strip()
    if param.type in ("int", "float"):
        inner = re.search(r"\((\d[\d,]*(?:\.\d+)?)\)", raw) or re.search(r"\d[\d,]*(?:\.\d+)?", raw)
        if inner:
            number = inner.group(1) if inner.re.groups else inner.group(0)
            number = number.replace(",", "")
            return float(number) if param.type == "float" else int(float(number))
        key = raw.casefold().replace(" and ", " and ")
        if key in _WORD_NUMBERS:
            return _WORD_NUMBERS[key]
        return None
    if param.type == "date":
        match = _DATE.search(raw)
        if match:
            return dt.date(
                int(match.group(3)), MONTHS.index(match.group(2)) + 1, int(match.group(1))
            )
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return None
    if param.type == "enum":
        for choice in param.choices:
            if raw.casefold() in (choice.casefold(), choice.replace("_", " ").casefold()):
                return choice
        return raw or None
    return raw or None


def _same(param: Param, a: Any, b: Any) -> bool:
    if param.type in ("str", "text"):
        return comparable(str(a)).casefold() == comparable(str(b)).casefold()
    return bool(a == b)


def _pattern(text: str, start: int, end: int, width: int) -> re.Pattern[str] | None:
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    left = _SENTINEL_RE.split(left)[-1]  # never reach past another sentinel
    right = _SENTINEL_RE.split(right)[0]
    if not left.strip() and not right.strip():
        return None

    def flexible(chunk: str) -> str:
        return r"\s+".join(re.escape(part) for part in chunk.split())

    left_re = flexible(left) + (r"\s*" if left.endswith(" ") or not left else r"")
    right_re = (r"\s*" if right.startswith(" ") else "") + flexible(right)
    return re.compile(left_re + r"(.{1,120}?)" + right_re, re.DOTALL)


def _scalar_value(
    library: Library,
    clause: Clause,
    variant: str,
    param: Param,
    values: dict[str, Any],
    negotiated: str,
    numbers: dict[str, int],
) -> tuple[bool, Any]:
    """(found, value) for a parameter printed in the text."""
    probe = dict(values)
    probe[param.name] = SENTINEL.format(0)
    rendered = render_text(library, clause, variant, probe, numbers)
    if rendered is None:
        return False, None
    rendered = comparable(rendered)
    spots = list(_SENTINEL_RE.finditer(rendered))
    if not spots:
        return False, None
    seen: list[Any] = []
    for spot in spots:
        for width in CONTEXTS:
            pattern = _pattern(rendered, spot.start(), spot.end(), width)
            if pattern is None:
                continue
            match = pattern.search(negotiated)
            if match:
                value = _parse(param, match.group(1))
                if value is not None:
                    seen.append(value)
                break
    if not seen:
        return True, None
    changed = [v for v in seen if not _same(param, v, values.get(param.name))]
    return True, (changed[0] if changed else seen[0])


def _choice_value(
    library: Library,
    clause: Clause,
    variant: str,
    param: Param,
    values: dict[str, Any],
    negotiated: str,
    numbers: dict[str, int],
) -> Any:
    """The candidate value of a bool/enum switch whose rendering is closest to the text."""
    candidates: list[Any] = [True, False] if param.type == "bool" else list(param.choices)
    if param.type not in ("bool", "enum") or len(candidates) > 12:
        return values.get(param.name)
    scored = []
    for candidate in candidates:
        probe = dict(values)
        probe[param.name] = candidate
        text = render_text(library, clause, variant, probe, numbers)
        if text is not None:
            scored.append((similarity(comparable(text), negotiated), candidate))
    if not scored:
        return values.get(param.name)
    # The issued value scores as it renders (it may be unset, None, for this template): a
    # switch whose every value renders alike says nothing and is never 'recovered'.
    issued = render_text(library, clause, variant, values, numbers)
    current = similarity(comparable(issued), negotiated) if issued is not None else 0.0
    best_score, best = max(scored, key=lambda item: item[0])
    return best if best_score > current + 0.005 else values.get(param.name)


# Objects read as tokens ([footnote], [image 3fa2c1: ...]) are no part of a clause's wording.
_OBJECT_TOKEN = re.compile(r"\[(?:footnote|endnote|text box|object|image|chart)(?: [^\]]*)?\]")


def _closest_variant(
    library: Library,
    clause: Clause,
    issued_variant: str,
    values: dict[str, Any],
    negotiated: str,
    numbers: dict[str, int],
) -> str:
    """The issued variant, unless another one renders clearly closer to the negotiated text."""
    variant = issued_variant if issued_variant in clause.variants else "standard"
    scores = {}
    for name in clause.variants:
        text = render_text(library, clause, name, values, numbers)
        if text is not None:
            scores[name] = similarity(comparable(text), negotiated)
    if scores:
        best = max(scores, key=lambda n: scores[n])
        if best != variant and scores[best] > scores.get(variant, 0.0) + 0.03:
            variant = best
    return variant


def recover(
    library: Library,
    clause: Clause,
    issued_variant: str,
    values: dict[str, Any],
    negotiated_text: str,
    numbers: dict[str, int],
) -> Recovered:
    """Which variant and parameter values best explain `negotiated_text` for this clause."""
    full = comparable(negotiated_text)
    negotiated = _OBJECT_TOKEN.sub("", full)  # a footnote marker is no part of a fee
    variant = _closest_variant(library, clause, issued_variant, values, negotiated, numbers)
    used = library.variables(clause.variants[variant].text)
    owners = library.param_owner()
    params = [owners[n].params[n] for n in sorted(used) if n in owners]
    current = dict(values)
    changed: dict[str, Any] = {}
    for param in params:
        if param.type in ("int", "float", "str", "text", "date", "enum"):
            printed, value = _scalar_value(
                library, clause, variant, param, current, negotiated, numbers
            )
            if printed:
                if value is not None and not _same(param, value, values.get(param.name)):
                    changed[param.name] = value
                    current[param.name] = value
                continue
        if param.type in ("bool", "enum"):
            value = _choice_value(library, clause, variant, param, current, negotiated, numbers)
            if value != values.get(param.name):
                changed[param.name] = value
                current[param.name] = value
    final = render_text(library, clause, variant, current, numbers)
    explained = final is not None and comparable(final).replace("\n", " ") == full.replace(
        "\n", " "
    )
    return Recovered(variant, changed, explained)
