"""Documents kept as shared compressed pieces: rebuilt byte for byte, pieces shared across
agreements and versions, and a version-1 registry (whole files in `documents.content`)
migrated on both backends."""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import LargeBinary, func, inspect, select, text

from dsagen.registry import open_registry, store
from dsagen.registry.blobs import (
    Kept,
    load_document,
    pieces,
    split,
    store_document,
    store_documents,
)
from dsagen.registry.ingest import ingest
from dsagen.registry.schema import (
    agreement_clauses,
    agreements,
    blobs,
    documents,
    negotiated_clauses,
    negotiated_versions,
)
from tests.budget import examples
from tests.test_registry_fixtures import generate_and_record, negotiate, write_partners

pytest_plugins = ["tests.test_registry_fixtures"]  # postgres_server, registry_url


def _shas(url: str) -> dict[str, bytes]:
    with open_registry(url) as registry, registry.read() as conn:
        return {
            sha: load_document(conn, sha) or b""
            for sha in conn.execute(select(documents.c.sha256)).scalars()
        }


def test_documents_rebuild_byte_for_byte_and_share_their_pieces(
    tmp_path: Path, registry_url: str
) -> None:
    write_partners(tmp_path / "partners", 3)
    results = generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    back = negotiate(
        tmp_path / "out/mini-0000/mini.docx",
        tmp_path / "back.docx",
        replace=(("thirty-six (36)", "sixty (60)"),),
    )
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0000", back)
    kept = _shas(registry_url)
    issued = {r.files[0].sha256: Path(r.files[0].path).read_bytes() for r in results}
    assert {**issued, hashlib.sha256(back.read_bytes()).hexdigest(): back.read_bytes()} == kept
    with open_registry(registry_url) as registry, registry.read() as conn:
        styles = conn.execute(
            select(func.count()).select_from(blobs).where(blobs.c.name.like("%word/styles.xml"))
        ).scalar_one()
        against = conn.execute(
            select(func.count()).select_from(blobs).where(blobs.c.codec == "zstd-base")
        ).scalar_one()
        named = set(conn.execute(select(blobs.c.name).where(blobs.c.name.is_not(None))).scalars())
    assert styles == 1  # four documents, one copy of their styles
    assert "mini/word/document.xml" in named  # kin: compressed against the template's own
    assert against >= 3  # the later document.xml files are kept as differences


def test_a_batch_keeps_the_rows_that_one_document_at_a_time_keeps(tmp_path: Path) -> None:
    """Generate stores a few dozen documents in one statement; each is compressed against the
    base it would have had alone, a base stored earlier in the batch included."""
    write_partners(tmp_path / "partners", 4)
    results = generate_and_record(str(tmp_path / "warm.db"), tmp_path / "partners", tmp_path / "o")
    documents_kept = [
        (hashlib.sha256(data).hexdigest(), data)
        for data in (Path(r.files[0].path).read_bytes() for r in results)
    ]

    def kept(url: str, batches: list[list[tuple[str, bytes]]]) -> list[tuple[object, ...]]:
        open_registry(url, create=True).close()
        with open_registry(url) as registry:
            for batch in batches:
                registry.write(
                    lambda conn, batch=batch: store_documents(
                        conn, [Kept(sha, data, "mini", pieces(data)) for sha, data in batch]
                    )
                )
            with registry.read() as conn:
                assert all(load_document(conn, sha) == data for sha, data in documents_kept)
                return [
                    tuple(row)
                    for row in conn.execute(
                        select(blobs.c.sha256, blobs.c.codec, blobs.c.base, blobs.c.name).order_by(
                            blobs.c.id
                        )
                    )
                ]

    alone = kept(str(tmp_path / "alone.db"), [[document] for document in documents_kept])
    together = kept(str(tmp_path / "together.db"), [documents_kept + documents_kept[:1]])
    assert together == alone
    assert sum(codec == "zstd-base" for _, codec, _, _ in together) >= 3


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data, method, level in members:
            info = zipfile.ZipInfo(name, (2026, 1, 2, 3, 4, 6))
            info.compress_type = method
            package.writestr(info, data, compresslevel=level)
    return buffer.getvalue()


@settings(max_examples=examples(40), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["word/document.xml", "a.xml", "media/x.bin"]),
            st.binary(max_size=3000),
            st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
            st.integers(min_value=0, max_value=9),
        ),
        max_size=4,
        unique_by=lambda member: member[0],
    ),
    st.binary(max_size=64),
)
def test_any_zip_or_other_bytes_split_into_pieces_that_rebuild_it(members, junk) -> None:
    data = _zip(members) + junk
    for candidate in (data, junk):
        pieces = split(candidate)
        head = pieces[0][0]
        if "frame" in head:
            out, taken, frame = bytearray(), 0, pieces[0][1]
            for (cut, _), (entry, content, _) in zip(head["frame"], pieces[1:], strict=True):
                member = content
                if "deflate" in entry:
                    compressor = zlib.compressobj(entry["deflate"], zlib.DEFLATED, -15)
                    member = compressor.compress(content) + compressor.flush()
                out += frame[taken:cut] + member
                taken = cut
            rebuilt = bytes(out + frame[taken:])
        else:
            rebuilt = pieces[0][1]
        assert rebuilt == candidate


def test_a_file_that_is_not_a_zip_is_kept_whole(tmp_path: Path) -> None:
    url = str(tmp_path / "registry.db")
    open_registry(url, create=True).close()
    data = b"%PDF-1.7 not a zip at all" * 40
    sha = hashlib.sha256(data).hexdigest()
    with open_registry(url) as registry:
        registry.write(lambda conn: store_document(conn, sha, data))
        with registry.read() as conn:
            assert load_document(conn, sha) == data


def _back_to_version_1(url: str) -> None:
    """Rebuild the version-1 shape: whole files in documents.content, no clause digests, no
    blobs, approvals or audit tables, stamped 1."""
    with open_registry(url) as registry:

        def work(conn) -> None:
            files = {
                sha: load_document(conn, sha)
                for sha in conn.execute(select(documents.c.sha256)).scalars()
            }
            binary = conn.dialect.type_compiler_instance.process(LargeBinary())
            conn.execute(text(f"ALTER TABLE documents ADD COLUMN content {binary}"))
            for sha, data in files.items():
                conn.execute(
                    text("UPDATE documents SET content = :data WHERE sha256 = :sha"),
                    {"data": data, "sha": sha},
                )
            conn.execute(text("ALTER TABLE documents DROP COLUMN parts"))
            conn.execute(text("ALTER TABLE agreement_clauses DROP COLUMN text_digest"))
            _unpack_texts(conn)
            for table in ("approvals", "audit_events", "blobs"):
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("UPDATE dsagen_schema SET version = 1"))

        registry.write(work)


PACKED = (
    (agreements, ("parameters", "cells")),
    (negotiated_versions, ("cells",)),
    (agreement_clauses, ("text", "params")),
    (negotiated_clauses, ("text", "standard_text", "param_values", "changes")),
)


def _unpack_texts(conn) -> None:
    """Clause texts, values, cells and changes back to plain text columns, as version 1 had
    them."""
    for table, columns in PACKED:
        rows = conn.execute(select(table.c.id, *(table.c[c] for c in columns))).all()
        for column in columns:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text(f"ALTER TABLE {table.name} ALTER COLUMN {column} TYPE text USING ''")
                )
        for row in rows:
            conn.execute(
                text(
                    f"UPDATE {table.name} SET "
                    + ", ".join(f"{c} = :{c}" for c in columns)
                    + " WHERE id = :id"
                ),
                {"id": row.id, **{c: getattr(row, c) for c in columns}},
            )


def _texts(url: str) -> list[tuple[str, ...]]:
    with open_registry(url) as registry, registry.read() as conn:
        return [
            tuple(row)
            for table, columns in PACKED
            for row in conn.execute(
                select(*(table.c[column] for column in columns)).order_by(table.c.id)
            )
        ]


def test_a_version_1_registry_is_migrated_with_every_file_intact(
    tmp_path: Path, registry_url: str
) -> None:
    write_partners(tmp_path / "partners", 2)
    generate_and_record(registry_url, tmp_path / "partners", tmp_path / "out")
    back = negotiate(
        tmp_path / "out/mini-0001/mini.docx",
        tmp_path / "back.docx",
        replace=(("thirty-six (36)", "sixty (60)"),),
    )
    with open_registry(registry_url) as registry:
        ingest(registry, "mini-0001", back)
    before, texts = _shas(registry_url), _texts(registry_url)
    _back_to_version_1(registry_url)
    with open_registry(registry_url) as registry, registry.read() as conn:
        assert store.schema_version(conn) == store.SCHEMA_VERSION
        columns = {c["name"] for c in inspect(conn).get_columns("documents")}
        assert "content" not in columns and "parts" in columns
        assert {"approvals", "audit_events", "blobs"} <= set(inspect(conn).get_table_names())
    assert _shas(registry_url) == before
    assert _texts(registry_url) == texts
    again = negotiate(
        tmp_path / "out/mini-0000/mini.docx",
        tmp_path / "again.docx",
        replace=(("thirty-six (36)", "forty-eight (48)"),),
    )
    with open_registry(registry_url) as registry:  # the migrated standard compares as before
        assert ingest(registry, "mini-0000", again).deviations[0]["position"] == "fallback"
