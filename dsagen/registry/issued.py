"""What the registry issued, asked by a review outside the registry commands (diff, lint,
respond): the DOCX issued under a copy's reference, and whether a file is one we issued.

The database layer (SQLAlchemy, about 0.2 s to load) is loaded only when there is a registry
to ask: with none named and no default file in the working folder, or an SQLite file named
that does not exist, nothing is known to be issued and the answer costs a `stat`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ..config import DEFAULT_REGISTRY, project_registry
from ..errors import DsagenError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..provenance import Issued, IssuedRecords, Pointer

T = TypeVar("T")


def issued_records() -> IssuedRecords:
    """Look-ups in the registry dsagen would use (DSAGEN_REGISTRY, dsagen.toml's, else
    .dsagen/registry.db); with no registry there, nothing is known to be issued."""
    from ..provenance import IssuedRecords

    return IssuedRecords(_issued_for, _issued_file)


def _registry_here() -> bool:
    """Whether a registry may be there to open, decided without loading the database layer."""
    try:
        named = os.environ.get("DSAGEN_REGISTRY") or project_registry()
    except DsagenError:
        return False  # a dsagen.toml that cannot be read names no registry to ask
    if not named:
        return DEFAULT_REGISTRY.exists()
    return _may_exist(named)


def _may_exist(named: str) -> bool:
    """False only for an SQLite registry whose file is not there (nothing issued in it): a
    server's database may hold anything, so that question goes to the database layer. Paths
    resolve as the registry's own `locate` resolves them, from the working folder."""
    if named.startswith("sqlite:///"):
        named = named[len("sqlite:///") :].split("?", 1)[0]
    elif "://" in named:
        return True
    return (Path.cwd() / Path(named).expanduser()).exists()


def _in_registry(query: Callable[[Connection], T]) -> T | None:
    if not _registry_here():
        return None
    from .store import open_registry

    try:
        registry = open_registry(os.environ.get("DSAGEN_REGISTRY") or None)
    except DsagenError:
        return None  # no registry here: nothing recorded to compare with
    try:
        with registry.read() as conn:
            return query(conn)
    except DsagenError:
        return None
    finally:
        registry.close()


def _issued_for(pointer: Pointer) -> Issued | None:
    """The stored DOCX issued under the reference a copy names (the same issue: partner,
    reference, library version and parameter digest)."""
    from ..provenance import Issued

    def query(conn: Connection) -> tuple[bytes, str] | None:
        from sqlalchemy import select

        from .blobs import load_document
        from .schema import agreements, issued_files, partners

        row = conn.execute(
            select(issued_files.c.sha256, agreements.c.created_at)
            .select_from(agreements.join(partners).join(issued_files))
            .where(
                partners.c.slug == pointer.partner,
                agreements.c.reference == pointer.reference,
                agreements.c.library_version == (pointer.library_version or ""),
                agreements.c.params_digest == (pointer.params_digest or ""),
                issued_files.c.format == "docx",
                issued_files.c.stored.is_(True),
            )
            .order_by(agreements.c.id.desc())
            .limit(1)
        ).first()
        docx = load_document(conn, row[0]) if row is not None else None
        return None if row is None or docx is None else (docx, str(row[1]))

    found = _in_registry(query)
    if found is None:
        return None
    return Issued(pointer.reference, pointer.partner, found[0], found[1])


def _issued_file(sha: str) -> str | None:
    """'agreement #N (partner, reference)' when a file with this sha256 is one we issued."""

    def query(conn: Connection) -> str | None:
        from sqlalchemy import select

        from .schema import agreements, issued_files, partners

        row = conn.execute(
            select(agreements.c.id, agreements.c.reference, partners.c.slug)
            .select_from(issued_files.join(agreements).join(partners))
            .where(issued_files.c.sha256 == sha)
            .limit(1)
        ).first()
        return None if row is None else f"agreement #{row.id} ({row.slug}, {row.reference})"

    return _in_registry(query)
