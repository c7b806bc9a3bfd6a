"""Steps that bring an older registry up to date (store.MIGRATIONS maps each version to its
step). Each runs inside the one migration transaction; append new steps, never edit old ones.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from .blobs import store_parts
from .schema import approvals, audit_events, blobs, documents, guard_append_only


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
        content = conn.execute(text("SELECT content FROM documents WHERE sha256 = :sha"),
                               {"sha": sha}).scalar_one()
        conn.execute(documents.update().where(documents.c.sha256 == sha)
                     .values(parts=store_parts(conn, bytes(content))))
    conn.execute(text("ALTER TABLE documents DROP COLUMN content"))
    guard_append_only(conn)
