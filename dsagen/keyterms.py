"""Key terms: the negotiated values of an agreement in one table up front (the Common Paper and
Bonterms model), standard terms after. Reviewers and amendments then work on one page.

A template opts in with a `key_terms:` list (docs/clause-format.md); each row has a label, a
Jinja text rendered with the same names as the clause texts, optionally the clause that applies
it and a `when` condition. The library checks the rows when it loads; assembly renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jinja2

from .errors import LibraryError, TemplateRenderError

if TYPE_CHECKING:
    from .library import Library, Template

_KEYS = {"label", "text", "clause", "when"}


@dataclass(frozen=True)
class KeyTermSpec:
    """One row of a template's key-terms table, as written in the template."""

    label: str
    text: str  # Jinja, like a clause text
    clause: str | None  # the clause that applies the term: its number is printed beside it
    when: str | None  # Jinja expression: the row is left out when false
    line: int | None


@dataclass(frozen=True)
class KeyTerm:
    """One row of an agreement's key-terms table."""

    label: str
    text: str
    clause_id: str | None  # None, or a clause this agreement includes
    number: int | None


def parse_key_terms(
    raw: Any, path: str, line: int | None, clauses: set[str], env: jinja2.Environment
) -> tuple[KeyTermSpec, ...]:
    """The template's `key_terms:` list, checked: labels and texts present, Jinja that compiles,
    clauses that exist."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise LibraryError(
            "expected a list of {label, text} rows", path=path, line=line, field="key_terms"
        )
    rows = []
    lines = getattr(raw, "item_lines", None)
    for index, item in enumerate(raw):
        row_line = lines[index] if lines else line

        def bad(message: str, row_line: int | None = row_line, index: int = index) -> LibraryError:
            return LibraryError(message, path=path, line=row_line, field=f"key_terms[{index}]")

        if not isinstance(item, dict) or not {"label", "text"} <= set(item) or set(item) - _KEYS:
            found = sorted(item) if isinstance(item, dict) else type(item).__name__
            raise bad(
                f"expected a row with label, text and optionally clause and when; found {found}"
            )
        clause = item.get("clause")
        if clause is not None and clause not in clauses:
            raise bad(f"unknown clause '{clause}'")
        for key in ("text", "when"):
            if item.get(key) is not None:
                try:
                    env.parse(str(item[key]) if key == "text" else f"{{{{ {item[key]} }}}}")
                except jinja2.TemplateSyntaxError as exc:
                    raise bad(f"{key}: {exc.message}") from None
        rows.append(
            KeyTermSpec(
                str(item["label"]),
                str(item["text"]),
                str(clause) if clause is not None else None,
                str(item["when"]) if item.get("when") is not None else None,
                row_line,
            )
        )
    return tuple(rows)


def render_key_terms(
    library: Library, template: Template, context: dict[str, Any], numbers: dict[str, int]
) -> tuple[KeyTerm, ...]:
    """The rows that apply to this agreement, rendered; a row whose clause the agreement does
    not include is left out (its term does not apply)."""
    rows = []
    for index, spec in enumerate(template.key_terms):
        if spec.clause is not None and spec.clause not in numbers:
            continue
        try:
            if spec.when is not None and not library.expression(spec.when)(**context):
                continue
            text = " ".join(library.compiled(spec.text).render(context).split())
        except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
            message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
            raise TemplateRenderError(
                f"key term '{spec.label}' failed to render: {message}",
                path=template.path,
                line=spec.line,
                field=f"key_terms[{index}]",
            ) from None
        if text:
            rows.append(
                KeyTerm(
                    spec.label, text, spec.clause, numbers.get(spec.clause) if spec.clause else None
                )
            )
    return tuple(rows)
