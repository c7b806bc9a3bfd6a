"""The HTML heat map in a real browser: Debian's Chromium, headless, driven by Playwright
(which never downloads a browser of its own here: it is pointed at /usr/bin/chromium)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dsagen.registry import open_registry, queries
from dsagen.registry.heatmap import write_heatmap
from dsagen.registry.ingest import ingest
from tests.test_registry_fixtures import generate_and_record, negotiate, write_partners

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium "
            "(`make test` installs it via scripts/system-deps.sh test)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_heat_map_renders_one_row_per_partner_with_coloured_linked_cells(
    browser, tmp_path: Path
) -> None:
    url = str(tmp_path / "registry.db")
    write_partners(tmp_path / "partners", 5)
    generate_and_record(url, tmp_path / "partners", tmp_path / "out")
    edits = {
        "mini-0001": {
            "replace": (("thirty-six (36)", "sixty (60)"),),
            "track": ("Counsel", "2026-04-01T00:00:00Z"),
        },
        "mini-0002": {"delete_clause": "retention"},
        "mini-0003": {"replace": (("thirty-six (36)", "eighty-four (84)"),)},
    }
    with open_registry(url) as registry:
        for partner, edit in edits.items():
            ingest(
                registry,
                partner,
                negotiate(
                    tmp_path / f"out/{partner}/mini.docx", tmp_path / f"{partner}.docx", **edit
                ),
            )
        matrix = queries.variants_matrix(registry)
        target = tmp_path / "site" / "variants.html"
        write_heatmap(registry, matrix, target)
    shutil.rmtree(tmp_path / "out")  # the page must stand on its own

    page = browser.new_page()
    page.goto(target.as_uri())
    rows = page.locator("table#heatmap tbody tr")
    assert rows.count() == 5
    assert [rows.nth(i).get_attribute("data-partner") for i in range(5)] == [
        f"mini-{i:04d}" for i in range(5)
    ]
    headers = page.locator("table#heatmap thead th.family").all_inner_texts()
    assert [h.strip() for h in headers] == ["parties", "retention", "signatures"]
    kinds = page.locator("td[data-family=retention]")
    assert [kinds.nth(i).get_attribute("data-kind") for i in range(5)] == [
        "standard",
        "fallback",
        "missing",
        "walk-away",
        "standard",
    ]
    colours = [
        kinds.nth(i).evaluate("cell => getComputedStyle(cell).backgroundColor") for i in range(4)
    ]
    assert len(set(colours)) == 4 and "rgba(0, 0, 0, 0)" not in colours
    cell = page.locator("tr[data-partner=mini-0001] td[data-family=retention] a")
    assert cell.is_visible()
    cell.click()
    page.wait_for_url("**/variants_redlines/mini-0001.html#c-retention")
    section = page.locator("section#c-retention")
    assert section.locator("del").first.inner_text() == "thirty-six"
    assert section.locator("ins").first.inner_text() == "sixty"
    assert "retention_months: 36 → 60 (fallback)" in section.inner_text()
    page.close()
