"""The comparer has no cliffs: deleting long clauses costs about what the plain diff costs.

Work is counted, not timed: every fuzzy-matching call the comparer makes is wrapped and
charged the character pairs its algorithm compares (the product of the two lengths; for a
partial match, that product for every window it slides over).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from bench.synthetic import write_library, write_partner
from dsagen.assemble import assemble
from dsagen.compare import align, diff, folding
from dsagen.compare.engine import compare
from dsagen.library import load_library
from dsagen.partners import load_partner
from dsagen.read.docx import read_docx
from dsagen.render.docx import render_docx
from tests.conftest import W, clause_blocks, edit_body


class Counted:
    """A stand-in for a rapidfuzz module that charges each call to `work`."""

    def __init__(self, module: Any, work: list[int]) -> None:
        self._module, self._work = module, work

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = getattr(self._module, name)

        def charged(a: str, b: str, *args: Any, **kwargs: Any) -> Any:
            short, long_ = sorted((len(a), len(b)))
            windows = long_ - short + 1 if name.startswith("partial") else 1
            self._work[0] += short * long_ * windows if windows == 1 else short * short * windows
            return function(a, b, *args, **kwargs)

        return charged


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    work = [0]
    for module in (diff, align, folding):
        for name in ("fuzz", "Indel", "LCSseq"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, Counted(getattr(module, name), work))
    return work


CLAUSES, DELETED = 42, 20


@pytest.fixture(scope="module")
def long_clauses(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A standard of 42 clauses of 1,000 words each."""
    folder = tmp_path_factory.mktemp("long")
    library = load_library(
        write_library(folder / "lib", clauses=CLAUSES, paragraphs=10, words_per_paragraph=100)
    )
    partner = load_partner(write_partner(folder / "p.yaml", 1, random.Random(1)), library)
    return render_docx(assemble(partner, library))


def _negotiated(deleted: int) -> Callable[[Any], None]:
    """One word changed in every clause, and every other clause from c001 on deleted."""

    def change(body: Any) -> None:
        blocks = clause_blocks(body)
        for block in blocks.values():
            text = next((t for t in block[-1].iter(f"{W}t") if t.text and " " in t.text), None)
            if text is not None and text.text:
                text.text = text.text.replace(" ", " promptly ", 1)
        for index in range(1, 1 + 2 * deleted, 2):
            for element in blocks[f"c{index:03d}"]:
                body.remove(element)

    return change


def _work(standard: bytes, negotiated: bytes, counted: list[int]) -> tuple[int, int]:
    """(work counted, clauses reported removed)."""
    counted[0] = 0
    result = compare(read_docx(standard), read_docx(negotiated))
    return counted[0], sum(1 for c in result.clauses if c.status == "removed")


def test_twenty_deleted_long_clauses_cost_at_most_twice_the_plain_diff(
    long_clauses: bytes, counted: list[int]
) -> None:
    plain, removed_none = _work(long_clauses, edit_body(long_clauses, _negotiated(0)), counted)
    deleted, removed = _work(long_clauses, edit_body(long_clauses, _negotiated(DELETED)), counted)
    assert (removed_none, removed) == (0, DELETED)
    assert plain > 0
    assert deleted <= 2 * plain, f"deleting clauses cost {deleted / plain:.1f}x the plain diff"


def test_a_part_is_found_at_either_end_of_the_whole_despite_edits() -> None:
    rng = random.Random(5)
    words = [
        rng.choice(["data", "shall", "recipient", "within", "days", "notice"]) for _ in range(300)
    ]
    part, other = words[:120], words[120:]
    edited = ["must" if word == "shall" else word for word in part[:40]] + part[40:]
    assert edited != part
    assert folding.end_similarity(part, other + part) == 1.0
    assert folding.end_similarity(part, part + other) == 1.0
    assert folding.end_similarity(part, other + edited + ["and", "more"]) >= folding.CONTAINED
    assert folding.end_similarity(part, other + other) < folding.CONTAINED


def test_scoring_long_paragraphs_costs_the_product_of_their_lengths_not_its_cube(
    counted: list[int],
) -> None:
    """Paragraphs of a replaced block are scored pair by pair, each time asking whether one
    holds the other (a sentence added or cut): four times the words must cost about sixteen
    times the work (the redline of 1,000-word clauses once took seconds in this check)."""
    rng = random.Random(7)
    vocabulary = "recipient provider data research purpose retention shall within days".split()

    def paragraph(words: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(words))

    def work(words: int) -> int:
        counted[0] = 0
        pairs = diff.align_paragraphs([paragraph(words), paragraph(words)], [paragraph(3 * words)])
        assert [p.kind for p in pairs] == ["delete", "delete", "insert"]
        return counted[0]

    short, long_ = work(100), work(400)
    assert short > 0
    assert long_ <= 20 * short, f"four times the words cost {long_ / short:.0f}x the work"
