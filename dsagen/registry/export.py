"""The whole registry (without file bytes) as nested plain data, and flattened for CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select

from .queries import grouped
from .schema import (
    agreement_clauses,
    agreements,
    dumps,
    issued_files,
    negotiated_clauses,
    negotiated_versions,
    partners,
    state_changes,
)
from .store import Registry


def export(registry: Registry) -> dict[str, Any]:
    """The whole registry (without file bytes) as nested plain data."""
    with registry.read() as conn:
        tables = {
            "partners": conn.execute(select(partners).order_by(partners.c.id)).all(),
            "agreements": conn.execute(select(agreements).order_by(agreements.c.id)).all(),
            "clauses": conn.execute(
                select(agreement_clauses).order_by(
                    agreement_clauses.c.agreement_id, agreement_clauses.c.seq
                )
            ).all(),
            "files": conn.execute(select(issued_files).order_by(issued_files.c.id)).all(),
            "versions": conn.execute(
                select(negotiated_versions).order_by(negotiated_versions.c.id)
            ).all(),
            "negotiated": conn.execute(
                select(negotiated_clauses).order_by(
                    negotiated_clauses.c.version_id, negotiated_clauses.c.seq
                )
            ).all(),
            "states": conn.execute(select(state_changes).order_by(state_changes.c.id)).all(),
        }
    clauses = grouped(tables["clauses"], "agreement_id")
    files = grouped(tables["files"], "agreement_id")
    states = grouped(tables["states"], "agreement_id")
    negotiated = grouped(tables["negotiated"], "version_id")
    versions = grouped(tables["versions"], "agreement_id")
    by_partner = grouped(tables["agreements"], "partner_id")
    return {
        "schema": "dsagen.registry/1",
        "partners": [
            {
                "partner": p.slug,
                "name": p.name,
                "created_at": p.created_at,
                "agreements": [
                    {
                        **_plain(a, drop=("id", "partner_id", "parameters")),
                        "id": a.id,
                        "parameters": json.loads(a.parameters),
                        "clauses": [
                            _plain(c, drop=("id", "agreement_id")) for c in clauses.get(a.id, [])
                        ],
                        "files": [
                            _plain(f, drop=("id", "agreement_id")) for f in files.get(a.id, [])
                        ],
                        "states": [
                            _plain(s, drop=("id", "agreement_id")) for s in states.get(a.id, [])
                        ],
                        "negotiated": [
                            {
                                **_plain(v, drop=("id", "partner_id", "agreement_id")),
                                "clauses": [
                                    _plain(c, drop=("id", "version_id"))
                                    for c in negotiated.get(v.id, [])
                                ],
                            }
                            for v in versions.get(a.id, [])
                        ],
                    }
                    for a in by_partner.get(p.id, [])
                ],
            }
            for p in tables["partners"]
        ],
    }


_JSON_COLUMNS = {
    "reasons",
    "params",
    "param_positions",
    "authors",
    "summary",
    "parameters",
    "param_values",
    "changes",
    "dates",
    "notes",
}


def _plain(row: Any, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        key: (json.loads(value) if key in _JSON_COLUMNS and isinstance(value, str) else value)
        for key, value in row._mapping.items()
        if key not in drop
    }


CSV_COLUMNS = (
    "partner",
    "agreement",
    "agreement_state",
    "record",
    "version",
    "state",
    "at",
    "file",
    "sha256",
    "seq",
    "clause_id",
    "family",
    "clause_version",
    "variant",
    "status",
    "position",
    "reasons",
    "values",
    "authors",
    "text",
)


def export_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export flattened to one row per clause, issued or negotiated (for CSV)."""
    rows: list[dict[str, Any]] = []
    for partner in data["partners"]:
        for a in partner["agreements"]:
            docx = next((f for f in a["files"] if f["format"] == "docx"), None)
            for c in a["clauses"]:
                rows.append(
                    {
                        "partner": partner["partner"],
                        "agreement": a["id"],
                        "agreement_state": a["state"],
                        "record": "issued",
                        "version": "",
                        "state": "",
                        "at": a["created_at"],
                        "file": (docx or {}).get("path") or "",
                        "sha256": (docx or {}).get("sha256", ""),
                        "seq": c["seq"],
                        "clause_id": c["clause_id"],
                        "family": c["family"],
                        "clause_version": c["version"],
                        "variant": c["variant"],
                        "status": "",
                        "position": c["position"],
                        "reasons": "; ".join(c["reasons"]),
                        "values": dumps(c["params"]),
                        "authors": "",
                        "text": c["text"],
                    }
                )
            for v in a["negotiated"]:
                for c in v["clauses"]:
                    rows.append(
                        {
                            "partner": partner["partner"],
                            "agreement": a["id"],
                            "agreement_state": a["state"],
                            "record": "negotiated",
                            "version": v["seq"],
                            "state": v["state"],
                            "at": v["received_at"],
                            "file": v["filename"],
                            "sha256": v["sha256"],
                            "seq": c["seq"],
                            "clause_id": c["clause_id"] or "",
                            "family": c["family"] or "",
                            "clause_version": c["clause_version"] or "",
                            "variant": c["variant_negotiated"] or "",
                            "status": c["status"],
                            "position": c["position"],
                            "reasons": "; ".join(c["reasons"]),
                            "values": dumps(c["param_values"]),
                            "authors": " ".join(c["authors"]),
                            "text": c["text"],
                        }
                    )
    return rows


def export_sqlite(registry: Registry, target: Path, *, force: bool = False) -> int:
    """Copy the whole registry (file bytes included) into a new SQLite registry file at
    `target`, e.g. a PostgreSQL registry for `dsagen browse`; returns the rows copied. The file
    appears only when complete."""
    from ..output import check_writable
    from .schema import guard_append_only, metadata

    check_writable(target, force=force)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{partial}")
    copied = 0
    try:
        with engine.begin() as out, registry.read() as conn:
            metadata.create_all(out)
            for table in metadata.sorted_tables:
                result = conn.execution_options(yield_per=500).execute(select(table))
                for rows in result.partitions():
                    out.execute(table.insert(), [dict(row._mapping) for row in rows])
                    copied += len(rows)
            guard_append_only(out)
        engine.dispose()
        partial.replace(target)
    except BaseException:
        engine.dispose()
        partial.unlink(missing_ok=True)
        raise
    return copied
