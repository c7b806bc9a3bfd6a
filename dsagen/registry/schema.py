"""The registry's tables (the latest schema), and how values are written into them.

Timestamps are UTC ISO 8601 text and JSON columns hold canonical JSON text, so both sort and
compare the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)

from ..canonical import canonical_json
from ..errors import RegistryError
from .packing import PackedText

STATES = ("draft", "sent", "received", "executed", "superseded", "terminated")

metadata = MetaData()

#: One row: the schema version this database is at.
schema_info = Table(
    "dsagen_schema",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("migrated_at", String(32), nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("name", Text, nullable=False, default=""),
    Column("created_at", String(32), nullable=False),
)

#: Every agreement dsagen generated: one per partner x template x parameters x library.
agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("template_id", String(80), nullable=False),
    Column("template_version", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("effective_date", String(32)),
    Column("library_version", String(32), nullable=False),
    Column("library_digest", String(64), nullable=False),
    Column("library_root", Text),
    Column("params_digest", String(64), nullable=False),
    Column("parameters", PackedText, nullable=False),  # canonical JSON of every value
    Column("generator", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("cells", PackedText, nullable=False),  # JSON: family -> matrix cell, as issued
    Column("cell_kinds", Text, nullable=False),  # JSON: family -> cell kind
    UniqueConstraint(
        "partner_id", "template_id", "params_digest", "library_digest", name="uq_agreement_identity"
    ),
)

#: Each clause of a generated agreement as issued: provenance and the text read back from the
#: issued DOCX (so it compares like for like with negotiated copies).
agreement_clauses = Table(
    "agreement_clauses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agreement_id", ForeignKey("agreements.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("clause_id", String(80), nullable=False, index=True),
    Column("family", String(80), nullable=False),
    Column("title", Text, nullable=False),
    Column("version", String(32), nullable=False),
    Column("variant", String(80), nullable=False),
    Column("variant_position", String(16), nullable=False),
    Column("position", String(16), nullable=False),  # playbook position of what we issued
    Column("reasons", Text, nullable=False),  # JSON list of why it is not standard
    Column("params", PackedText, nullable=False),  # JSON: the parameters the clause text uses
    Column("param_positions", Text, nullable=False),  # JSON: name -> playbook position
    Column("text", PackedText, nullable=False),
    Column("text_digest", String(64)),  # dsagen.lock.text_digest of the clause file's text
)

#: Issued DOCX files (the standard later ingests compare with) and negotiated DOCX files as
#: received, by sha256. `parts` says how to rebuild the exact bytes from `blobs`
#: (dsagen.registry.blobs): the ZIP's own headers, then each member's data.
documents = Table(
    "documents",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("parts", Text, nullable=False),  # JSON manifest
)

#: Content-addressed, compressed pieces of documents, shared by every document that holds
#: them (the styles of a thousand agreements are one blob). A blob may be compressed against
#: another (`base`, a zstd dictionary): a negotiated copy's text against the issued one's.
blobs = Table(
    "blobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),  # of the uncompressed bytes
    Column("name", Text),  # the ZIP member it was first stored for (bases are found by name)
    Column("size", Integer, nullable=False),
    Column("codec", String(16), nullable=False),  # zstd | zstd-base
    Column("base", String(64)),  # sha256 of the blob used as dictionary
    Column("data", LargeBinary, nullable=False),
)

issued_files = Table(
    "issued_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agreement_id", ForeignKey("agreements.id"), nullable=False, index=True),
    Column("format", String(8), nullable=False),
    Column("path", Text),
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", Integer, nullable=False),
    Column("stored", Boolean, nullable=False),  # bytes kept in documents
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("agreement_id", "sha256", name="uq_issued_file"),
)

#: Every negotiated copy ingested, numbered per partner.
negotiated_versions = Table(
    "negotiated_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("agreement_id", ForeignKey("agreements.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("filename", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("document_modified", String(40)),
    Column("revisions", Integer, nullable=False),
    Column("authors", Text, nullable=False),  # JSON list
    Column("worst_severity", String(16)),
    Column("summary", Text, nullable=False),  # JSON: status -> count
    Column("untracked_changes", Integer, nullable=False),
    Column("cells", PackedText, nullable=False),  # JSON: family -> matrix cell, as negotiated
    Column("cell_kinds", Text, nullable=False),  # JSON: family -> cell kind
    UniqueConstraint("partner_id", "seq", name="uq_version_seq"),
)

negotiated_clauses = Table(
    "negotiated_clauses",
    metadata,
    Column("id", Integer, primary_key=True),
    # looked up through ix_negotiated_clauses_version_seq (an index of its own doubled it)
    Column("version_id", ForeignKey("negotiated_versions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("clause_id", String(80), index=True),  # None: a clause the partner added
    Column("family", String(80)),
    Column("title", Text, nullable=False),
    Column("clause_version", String(32)),
    Column("status", String(16), nullable=False),
    Column("severity", String(16)),
    Column("position", String(16), nullable=False),  # effective: standard .. walk-away, missing
    Column("reasons", Text, nullable=False),  # JSON list
    Column("variant_standard", String(80)),
    Column("variant_negotiated", String(80)),
    Column("parameters", Text, nullable=False),  # JSON list: name, standard, negotiated, ...
    Column("param_values", PackedText, nullable=False),  # JSON: the values as agreed
    Column("changes", PackedText, nullable=False),  # JSON list of word-level changes
    Column("authors", Text, nullable=False),  # JSON list of tracked-change authors
    Column("dates", Text, nullable=False),  # JSON list of tracked-change dates
    Column("untracked", Boolean, nullable=False),
    Column("notes", Text, nullable=False),  # JSON list
    Column("standard_text", PackedText),  # None when equal to text
    Column("text", PackedText, nullable=False),
)

state_changes = Table(
    "state_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agreement_id", ForeignKey("agreements.id"), nullable=False, index=True),
    Column("version_id", ForeignKey("negotiated_versions.id")),
    Column("previous", String(16)),
    Column("state", String(16), nullable=False),
    Column("at", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
)

#: Who approved which deviation of which version (append-only: see APPEND_ONLY). A version is
#: named by its file's sha256 (and its number when recorded), so an approval never moves to
#: another file when a mistaken ingest is forgotten and its number reused.
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("agreement_id", ForeignKey("agreements.id"), nullable=False, index=True),
    Column("version_sha256", String(64)),  # None: the agreement as issued
    Column("version_seq", Integer),
    Column("clause_id", Text, nullable=False),  # clause id, or the title of an added clause
    Column("position", String(16), nullable=False),  # what was approved: approval, walk-away..
    Column("reasons", Text, nullable=False),  # JSON list, as recorded at approval time
    Column("approved_by", Text, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("at", String(32), nullable=False),
)

#: Everything else the trail must show: forgotten ingests, executions forced past missing
#: approvals (append-only too).
audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", ForeignKey("partners.id"), nullable=False, index=True),
    Column("agreement_id", ForeignKey("agreements.id")),
    Column("kind", String(16), nullable=False),  # forget | override
    Column("actor", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("detail", Text, nullable=False),  # JSON
    Column("at", String(32), nullable=False),
)

APPEND_ONLY = ("approvals", "audit_events")

Index("ix_blobs_name_codec", blobs.c.name, blobs.c.codec)

Index("ix_agreement_clauses_family_seq", agreement_clauses.c.family, agreement_clauses.c.seq)

Index(
    "ix_negotiated_clauses_version_seq", negotiated_clauses.c.version_id, negotiated_clauses.c.seq
)


def guard_append_only(conn: Connection) -> None:
    """Refuse UPDATE and DELETE on the audit tables in the database itself, so the trail holds
    even against a tool other than dsagen writing by mistake."""
    if conn.dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                conn.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} "
                    f"ON {table} BEGIN SELECT RAISE(ABORT, 'the dsagen audit trail is "
                    "append-only'); END"
                )
        return
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION dsagen_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'the dsagen audit trail is append-only'; END $$ LANGUAGE plpgsql"
    )
    for table in APPEND_ONLY:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON "
            f"{table} FOR EACH ROW EXECUTE FUNCTION dsagen_append_only()"
        )


def dumps(value: Any) -> str:
    """JSON columns hold canonical JSON: sorted keys, dates as ISO strings."""
    return canonical_json(value)


def unknown_partner(conn: Connection, slug: str) -> RegistryError:
    """The error for a partner the registry does not know, with a suggestion."""
    from ..params import suggest

    known = [row[0] for row in conn.execute(select(partners.c.slug).order_by(partners.c.slug))]
    if not known:
        return RegistryError(
            f"unknown partner '{slug}': the registry has no partners yet "
            "(dsagen generate records them)"
        )
    listing = f"; known: {', '.join(known)}" if len(known) <= 12 else f" ({len(known)} known)"
    return RegistryError(f"unknown partner '{slug}'{suggest(slug, tuple(known))}{listing}")


def now() -> str:
    """UTC timestamp, ISO 8601 with milliseconds (sorts as text on every backend)."""
    stamp = dt.datetime.now(dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
