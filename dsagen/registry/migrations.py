"""Steps that bring an older registry up to date (store.MIGRATIONS maps each version to its
step). Each runs inside the one migration transaction; append new steps, never edit old ones.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, bindparam, select, text

from .blobs import store_parts
from .schema import (
    agreement_clauses,
    agreements,
    approvals,
    audit_events,
    blobs,
    documents,
    guard_append_only,
    negotiated_clauses,
    negotiated_versions,
)

BATCH = 2000


def to_2(conn: Connection) -> None:
    """Version 2: documents as shared compressed pieces (blobs), approvals and the audit
    trail, each issued clause's text digest (unknown for agreements recorded before: outdated
    compares their versions only); every kept document is moved into blobs, one at a time."""
    for table in (blobs, approvals, audit_events):
        table.create(conn)
    conn.execute(text("ALTER TABLE documents ADD COLUMN parts TEXT NOT NULL DEFAULT '[]'"))
    conn.execute(text("ALTER TABLE agreement_clauses ADD COLUMN text_digest VARCHAR(64)"))
    shas = [row[0] for row in conn.execute(text("SELECT sha256 FROM documents ORDER BY sha256"))]
    for sha in shas:
        content = conn.execute(
            text("SELECT content FROM documents WHERE sha256 = :sha"), {"sha": sha}
        ).scalar_one()
        conn.execute(
            documents.update()
            .where(documents.c.sha256 == sha)
            .values(parts=store_parts(conn, bytes(content)))
        )
    conn.execute(text("ALTER TABLE documents DROP COLUMN content"))
    guard_append_only(conn)


def to_3(conn: Connection) -> None:
    """Version 3: clause texts packed (dsagen.registry.packing), a batch of rows at a time."""
    _pack_columns(
        conn,
        (
            (agreement_clauses, ("text",)),
            (negotiated_clauses, ("text", "standard_text")),
        ),
    )


def to_4(conn: Connection) -> None:
    """Version 4: parameter values, matrix cells and word changes packed like clause texts
    (together more than a quarter of the registry); the index of negotiated clauses by version
    alone dropped (the one by version and position serves the same lookups)."""
    _pack_columns(
        conn,
        (
            (agreements, ("parameters", "cells")),
            (negotiated_versions, ("cells",)),
            (agreement_clauses, ("params",)),
            (negotiated_clauses, ("param_values", "changes")),
        ),
    )
    conn.execute(text("DROP INDEX IF EXISTS ix_negotiated_clauses_version_id"))


def to_5(conn: Connection) -> None:
    """Version 5: issued clauses indexed by family and position, so the matrix finds its
    column order in a few lookups per family."""
    conn.execute(
        text(
            "CREATE INDEX IF NOT EXISTS ix_agreement_clauses_family_seq "
            "ON agreement_clauses (family, seq)"
        )
    )


def _pack_columns(conn: Connection, tables: tuple[tuple[Table, tuple[str, ...]], ...]) -> None:
    """Text columns become packed ones (PostgreSQL: bytea first), every row rewritten."""
    for table, columns in tables:
        if conn.dialect.name == "postgresql":
            for column in columns:
                conn.execute(
                    text(
                        f"ALTER TABLE {table.name} ALTER COLUMN {column} TYPE bytea "
                        f"USING convert_to({column}, 'UTF8')"
                    )
                )
        _pack_rows(conn, table, columns)


def _pack_rows(conn: Connection, table: Table, columns: tuple[str, ...]) -> None:
    last = 0
    update = (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values({column: bindparam(column) for column in columns})
    )
    while True:
        rows = conn.execute(
            select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            update, [{"row_id": row.id, **{c: getattr(row, c) for c in columns}} for row in rows]
        )
        last = rows[-1].id
