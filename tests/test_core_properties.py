"""Hypothesis properties of the core text functions: what the compare engine and the clause
filters promise for every input, not just the examples we thought of. (The redline's accept
and reject views are a property test of their own: tests/test_redline_roundtrip.py.)"""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dsagen.compare.diff import DELETE, EQUAL, INSERT, Piece, word_diff
from dsagen.compare.recover import words_and_figures_disagree
from dsagen.textfilters import num_words, words

#: Clause-like text: a small vocabulary (so edits overlap), figures, punctuation, odd spaces.
WORDS = st.sampled_from(
    [
        "the",
        "Recipient",
        "shall",
        "delete",
        "data",
        "within",
        "36",
        "months",
        "(36)",
        "USD",
        "100,000",
        "“Data”",
        "§",
        "—",
        "é",
        "a",
    ]
)
SEPARATORS = st.sampled_from([" ", " ", ", ", ". ", "\u00a0", "  ", "\t", "\n"])
TEXTS = st.lists(st.tuples(WORDS, SEPARATORS), max_size=40).map(
    lambda pairs: "".join(word + gap for word, gap in pairs)
)


@given(TEXTS, TEXTS)
def test_word_diff_rebuilds_both_texts(before: str, after: str) -> None:
    pieces = word_diff(before, after)
    assert "".join(p.text for p in pieces if p.op != INSERT) == before
    assert "".join(p.text for p in pieces if p.op != DELETE) == after
    assert all(p.text for p in pieces)
    assert all(a.op != b.op for a, b in itertools.pairwise(pieces))


@given(TEXTS)
def test_a_text_compared_with_itself_is_one_equal_piece(text: str) -> None:
    assert word_diff(text, text) == ([Piece(EQUAL, text)] if text else [])


@given(st.integers(0, 999_999), st.integers(0, 999_999))
def test_numbers_in_words_are_distinct(a: int, b: int) -> None:
    assert (words(a) == words(b)) == (a == b)


@given(st.integers(0, 1000))
def test_an_amount_in_words_and_figures_agrees_with_itself(number: int) -> None:
    assert words_and_figures_disagree(f"within {num_words(number)} days") == []


@given(st.integers(0, 1000), st.integers(0, 9999))
def test_words_and_figures_that_differ_are_named(number: int, figure: int) -> None:
    found = words_and_figures_disagree(f"within {words(number)} ({figure}) days")
    assert found == ([] if number == figure else [f"{words(number)} ({figure})"])
