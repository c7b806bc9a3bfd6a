"""The WeasyPrint PDF breaks lines where the text runs out, never early.

WeasyPrint's line breaker can strand a word when an inline box (a link, a span) sits inside a
sentence: "shall" alone on a line, the rest of the sentence on the next. The PDF engine lays
cross-references out as plain text to avoid it (render_html's `for_pdf`); these tests read
the PDF's lines back with pdftotext and look for a line that ends early.
"""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from functools import cache

import pytest

from dsagen.assemble import Agreement, Paragraph, Span, assemble
from dsagen.keyterms import KeyTerm
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.render.html import render_html
from dsagen.render.pdf import render_pdf
from tests.conftest import EXAMPLES
from tests.pdf_pages import paragraph_lines, short_lines

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")

WORDS = (
    "the recipient shall not disclose any data to a third party except as permitted by this "
    "agreement and shall destroy every copy within thirty days after the end of the project"
).split()


@cache
def _agreements() -> tuple[Agreement, ...]:
    library = load_library()
    return tuple(
        assemble(load_partner(path, library), library) for path in sorted(EXAMPLES.glob("*.yaml"))
    )


def test_no_example_strands_a_word_in_its_signing_version() -> None:
    """The drafts are read back the same way in tests/test_examples.py."""
    for agreement in _agreements():
        assert short_lines(render_pdf(agreement, final=True)) == [], agreement.reference


@pytest.mark.parametrize("seed", [1, 3])
def test_cross_references_anywhere_in_a_paragraph_strand_no_word(seed: int) -> None:
    """A hundred long paragraphs, each with a cross-reference at a random place and various
    punctuation after it. With the reference as a link, WeasyPrint stranded a word in each of
    these two seeds' documents (found by trying seeds against the old HTML)."""
    agreement = next(a for a in _agreements() if len(a.sections) > 8)
    target = agreement.sections[2]
    rng = random.Random(seed)
    paragraphs = []
    for index in range(100):
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
        cut = rng.randrange(4, len(words) - 4)
        after = rng.choice([". The", ", and", " and", "), unless", ";"])
        spans = (
            Span("text", " ".join(words[:cut]).capitalize() + " under clause "),
            Span("ref", str(target.number), target.clause_id),
            Span("text", f"{after} " + " ".join(words[cut:]) + "."),
        )
        paragraphs.append(Paragraph(level=1, spans=spans, number=f"{target.number}.{index + 1}"))
    section = dataclasses.replace(agreement.sections[3], paragraphs=tuple(paragraphs))
    dense = dataclasses.replace(agreement, sections=(*agreement.sections[:3], section))
    assert short_lines(render_pdf(dense)) == []


def test_the_pdf_lays_out_cross_references_as_text_and_keeps_the_key_terms_links() -> None:
    agreement = next(a for a in _agreements() if len(a.sections) > 8)
    section = agreement.sections[4]
    row = KeyTerm("Retention", "36 months", section.clause_id, section.number)
    agreement = dataclasses.replace(agreement, key_terms=(row,))
    link = f'<a class="ref" href="#{section.clause_id}">{section.number}</a>'
    table, body = render_html(agreement, for_pdf=True).split("</table>", 1)
    assert link in table
    assert 'class="ref"' not in body
    assert render_html(agreement).split("</table>", 1)[1].count('class="ref"') > 5


def test_justified_text_fills_every_line_but_the_last_of_each_paragraph() -> None:
    """The template's `alignment: justified` reaches every body paragraph of the PDF, those
    whose number and tab are text (white space kept) as well as those with a term."""
    agreement = next(a for a in _agreements() if len(a.sections) > 8)
    body = tuple(s for s in agreement.sections if s.kind != "signatures")  # a table, not text
    agreement = dataclasses.replace(agreement, sections=body, alignment="justified")
    blocks = paragraph_lines(render_pdf(agreement))
    assert len(blocks) > 40
    ragged = [lines[0][1] for lines in blocks for end, _, _ in lines[:-1] if 540.0 - end > 1.0]
    assert ragged == []


def test_the_pdf_sets_a_number_as_text_unless_its_paragraph_has_a_term() -> None:
    """In the PDF's HTML a number is a box only in a paragraph with a defined term (WeasyPrint
    mis-breaks lines around boxes in text whose white space is kept); the screen HTML keeps
    every number in its box."""
    agreement = next(a for a in _agreements() if len(a.sections) > 8)
    pdf_html, screen_html = render_html(agreement, for_pdf=True), render_html(agreement)
    numbered = [
        p for p in re.findall(r"<p class=.*?</p>", pdf_html) if ' tab"' in p or 'class="n"' in p
    ]
    assert len(numbered) > 40
    for paragraph in numbered:
        assert ('<span class="n">' in paragraph) == ("<strong>" in paragraph), paragraph
    assert '<h2 class="numbered tab">1.&#9;' in pdf_html
    assert ' tab"' not in screen_html
    assert screen_html.count('<span class="n">') == len(numbered) + pdf_html.count("numbered tab")
