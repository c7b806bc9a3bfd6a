"""Deadline formulas in clause files: parsed when the library loads, evaluated per agreement."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsagen.deadlines import FormulaError, add_months, evaluate, parse_formula
from dsagen.errors import LibraryError
from dsagen.library import load_library
from tests.conftest import ROOT

START = dt.date(2026, 3, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("effective_date + term_months months", dt.date(2029, 3, 31)),
        ("effective_date + 11 months", dt.date(2027, 2, 28)),  # clamped to a shorter month
        ("effective_date - 1 year + 2 weeks", dt.date(2025, 4, 14)),
        (
            "earliest(effective_date + 48 months, term_end) + erasure_days days",
            dt.date(2029, 4, 30),
        ),
        ("latest(effective_date, term_end)", dt.date(2029, 3, 31)),
    ],
)
def test_formulas_give_calendar_dates(text: str, expected: dt.date) -> None:
    values = {"effective_date": START.isoformat(), "term_months": 36, "erasure_days": 30}
    dates = {"term_end": dt.date(2029, 3, 31)}
    assert evaluate(parse_formula(text), values, dates) == expected


def test_a_missing_input_gives_no_date_rather_than_a_wrong_one() -> None:
    assert evaluate(parse_formula("term_end + 30 days"), {}, {}) is None
    assert (
        evaluate(
            parse_formula("effective_date + notice days"),
            {"effective_date": "2026-01-01", "notice": True},
            {},
        )
        is None
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("effective_date + 3 fortnights", "expected days, weeks, months or years"),
        ("effective_date + months", "expected a unit .*found the end of the formula"),
        ("__import__('os')", "unexpected"),
        ("earliest(effective_date, term_end", r"expected '\)', found the end"),
        ("effective_date term_end", "unexpected 'term_end'"),
    ],
)
def test_bad_formulas_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula(text)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.integers(min_value=-600, max_value=600),
)
def test_adding_months_lands_in_the_right_month_on_a_valid_day(day: dt.date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (
        moved.day < day.day and (moved + dt.timedelta(days=1)).month != moved.month
    )


def test_the_shipped_library_declares_term_retention_and_certificate_dates() -> None:
    library = load_library()
    declared = {d.id for c in library.clauses.values() for d in c.deadlines}
    assert {
        "term_end",
        "retention_end",
        "destruction_certificate_due",
        "extension_notice",
    } <= declared


def test_a_formula_naming_nothing_known_is_a_library_error(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "clauses", tmp_path / "clauses")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    target = tmp_path / "clauses" / "term.yaml"
    target.write_text(
        target.read_text().replace(
            "effective_date + term_months months", "effective_date + term_mnths months"
        )
    )
    with pytest.raises(
        LibraryError, match="'term_mnths' is neither a parameter nor a deadline"
    ) as caught:
        load_library(tmp_path)
    assert "term.yaml" in str(caught.value)
