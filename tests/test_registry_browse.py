"""`dsagen browse` in a real browser (Playwright driving Debian's Chromium, as
test_registry_browser.py does) on a demo-like registry: the shipped example agreements and the
negotiated example ingested; and `dsagen export --sqlite` copying a PostgreSQL registry."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dsagen.generate import generate
from dsagen.registry import open_registry, queries
from dsagen.registry.blobs import load_document
from dsagen.registry.ingest import ingest
from dsagen.registry.record import record_generation
from dsagen.registry.schema import documents
from tests.conftest import EXAMPLES, ROOT
from tests.postgres_server import free_port
from tests.test_registry_browser import browser  # noqa: F401  (the Chromium fixture)
from tests.test_registry_fixtures import generate_and_record, write_partners

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url

NEGOTIATED = ROOT / "examples" / "negotiated" / "gravy-uf-v2.docx"


@pytest.fixture
def demo_registry(tmp_path: Path) -> Path:
    """What `make demo` leaves: every example partner generated and recorded, and the
    negotiated example ingested."""
    url = tmp_path / "registry.db"
    results = generate([EXAMPLES], out_dir=tmp_path / "out", formats=("docx",), jobs=1)
    with open_registry(str(url), create=True) as registry:
        record_generation(registry, results)
        ingest(registry, "gravy-uf", NEGOTIATED)
    return url


def _serve(database: Path, port: int) -> subprocess.Popen[bytes]:
    pytest.importorskip(
        "datasette", reason="Datasette is not installed (pip install 'dsagen[browse]')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dsagen",
            "browse",
            "--registry",
            str(database),
            "--port",
            str(port),
            "--no-open",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode(errors="replace") if server.stdout else ""
            pytest.fail(f"dsagen browse stopped: {output}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    pytest.fail("dsagen browse did not answer within 120 s")


def test_browse_leads_from_the_canned_query_to_the_walk_away_item_and_the_heat_map(
    browser,  # noqa: F811  (the fixture imported above)
    demo_registry: Path,
) -> None:
    port = free_port()
    server = _serve(demo_registry, port)
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        page.get_by_role("link", name="Deviations awaiting approval").click()
        page.wait_for_url("**/registry/awaiting_approval*")
        rows = page.locator("table.rows-and-columns tbody tr")
        walk_away = rows.filter(has_text="walk-away")
        assert walk_away.count() == 1
        text = walk_away.first.inner_text()
        assert "gravy-uf" in text and "publication" in text
        assert "publication_review_days: 30 → 10 (walk-away)" in text

        page.goto(f"http://127.0.0.1:{port}/dsagen_views/partner_links")
        row = page.locator("table.rows-and-columns tbody tr", has_text="gravy-uf")
        row.get_by_role("link", name="variants.html#p-gravy-uf").click()
        page.wait_for_url("**/heatmap/variants.html#p-gravy-uf")
        cell = page.locator("tr#p-gravy-uf td[data-family=publication]")
        assert cell.get_attribute("data-kind") == "walk-away"
        cell.locator("a").click()
        page.wait_for_url("**/variants_redlines/gravy-uf.html#c-publication")
        section = page.locator("section#c-publication")
        assert section.locator("del").count() and section.locator("ins").count()
        page.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    with pytest.raises(OSError):  # Datasette stopped with it
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_the_canned_queries_read_packed_cells_and_texts(demo_registry: Path) -> None:
    """Cells and clause texts are stored packed: the canned queries unpack them in SQL."""
    import json

    port = free_port()
    server = _serve(demo_registry, port)
    try:
        for query, parameters in (("off_standard", "family="), ("every_wording", "clause=term")):
            url = f"http://127.0.0.1:{port}/registry/{query}.json?{parameters}&_shape=array"
            with urllib.request.urlopen(url, timeout=30) as answer:
                rows = json.load(answer)
            if query == "off_standard":
                publication = [
                    r for r in rows if (r["partner"], r["family"]) == ("gravy-uf", "publication")
                ]
                assert [r["position"] for r in publication] == ["walk-away"]
            else:
                assert rows and all(row["wording"].strip() for row in rows)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_export_sqlite_copies_a_registry_whole(cli, tmp_path: Path, registry_url: str) -> None:
    write_partners(tmp_path / "partners", 3)
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    copy = tmp_path / "copy.db"
    code, _, stderr = cli("export", "--sqlite", copy, "--registry", registry_url)
    assert code == 0, stderr
    assert "browse it with dsagen browse --registry" in stderr
    with open_registry(registry_url) as source, open_registry(str(copy)) as target:
        assert (
            queries.variants_matrix(target).to_json() == queries.variants_matrix(source).to_json()
        )
        with source.read() as a, target.read() as b:
            shas = [row[0] for row in a.execute(documents.select())]
            assert [load_document(b, sha) for sha in shas] == [
                load_document(a, sha) for sha in shas
            ]
    code, _, stderr = cli("export", "--sqlite", copy, "--registry", registry_url)
    assert code == 2 and "already exists" in stderr
    if "postgresql" in registry_url:
        code, _, stderr = cli("browse", "--registry", registry_url, "--no-open")
        assert code == 2 and "dsagen export --sqlite" in stderr
