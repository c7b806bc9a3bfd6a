"""Documents kept byte for byte, stored as shared, compressed pieces.

A DOCX is a ZIP: a few headers around each member's compressed data. Each stored document is a
manifest (JSON in `documents.parts`) naming, in order, its headers (one blob) and each member's
data. A member compressed the way dsagen and most tools compress (deflate at a standard level,
which recompressing reproduces exactly) is kept as its uncompressed content, so the styles,
theme and numbering of a thousand agreements are one blob each, and each `document.xml` is
compressed (zstd) against an earlier one of the same name (a dictionary): agreements generated
from one template differ in a few hundred words. A member whose compressed bytes cannot be
reproduced (another deflate implementation) is kept as those bytes. Reading a document back
rebuilds the bytes and checks their sha256.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import zstandard
from sqlalchemy import Connection, func, select

from ..errors import RegistryError
from ..output import deflated
from .schema import blobs, documents, issued_files

LEVEL = 9  # zstd: ~1.6 ms for a 30 KB document.xml against a base; 12 is 3x slower, no smaller
DEFLATE_LEVELS = (6, 9, 1)  # Python's zipfile default first; Word-style tools rarely match
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_WORTH_A_BASE = 0.5  # against a base, a blob must be at most this share of its plain size
_CLEARLY_WORTH_IT = 0.05  # ... or this share of its content (XML compresses to ~0.15-0.5)
BASE_WORTHY = 512  # bytes: a document's own small parts (properties, header, the ZIP's own
# headers) are half their size again against their kin; relationships compress on their own
Coder = TypeVar("Coder", zstandard.ZstdCompressor, zstandard.ZstdDecompressor)
HEADERS = "(zip headers)"  # the name the ZIP's headers and directory have among their kin


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------- splitting


def split(data: bytes) -> list[tuple[dict[str, Any], bytes, str]]:
    """(manifest entry, blob content, member name) for each piece, in file order: the ZIP's
    headers and directory as one piece, then each member's data. Anything that is not a plain
    ZIP is one raw piece."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            infos = sorted(package.infolist(), key=lambda info: info.header_offset)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return [({"raw": True}, data, "")]
    frame = bytearray()
    pieces: list[tuple[dict[str, Any], bytes, str]] = []
    cuts: list[tuple[int, int]] = []
    position = 0
    for info in infos:
        start = info.header_offset
        if start < position or start + _LOCAL_HEADER.size > len(data):
            return [({"raw": True}, data, "")]
        header = _LOCAL_HEADER.unpack_from(data, start)
        begin = start + _LOCAL_HEADER.size + header[9] + header[10]
        end = begin + info.compress_size
        if end > len(data):
            return [({"raw": True}, data, "")]
        frame += data[position:begin]
        cuts.append((len(frame), end - begin))
        pieces.append(_member(info, data[begin:end]))
        position = end
    frame += data[position:]
    return [({"frame": cuts}, bytes(frame), ""), *pieces]


def _member(info: zipfile.ZipInfo, raw: bytes) -> tuple[dict[str, Any], bytes, str]:
    if info.compress_type == zipfile.ZIP_DEFLATED:
        entry, content = _deflated(raw)
        return dict(entry), content, info.filename
    if info.compress_type == zipfile.ZIP_STORED:
        return {"stored": True}, raw, info.filename
    return {"raw": True}, raw, info.filename


@lru_cache(maxsize=64)
def _deflated(raw: bytes) -> tuple[tuple[tuple[str, Any], ...], bytes]:
    """A deflated member's manifest entry and content: its content and the level that
    reproduces its bytes, else the bytes as they are. Cached: the styles, theme and numbering
    of every agreement of a batch are the same bytes."""
    try:
        content = zlib.decompress(raw, -15)
    except zlib.error:
        return (("raw", True),), raw
    for level in DEFLATE_LEVELS:
        if deflated(content, level) == raw:
            return (("deflate", level),), content
    return (("raw", True),), raw


# ---------------------------------------------------------------------------------- storing


@dataclass(frozen=True)
class Piece:
    """One piece of a document as stored: its manifest entry, content and digest, and (for a
    piece never compressed against a base) its compressed bytes. Plain data, so the process
    that wrote the document can prepare it and the one holding the registry store it."""

    entry: dict[str, Any]
    content: bytes
    name: str  # the ZIP member's name; "" for the headers
    digest: str
    packed: bytes | None  # zstd of the content, when no base will be tried


def pieces(data: bytes, *, pack: bool = True) -> list[Piece]:
    """The document split for storing (dsagen.registry.record prepares this in the worker).
    `pack` compresses now each piece that will not be tried against a base; without it,
    only a piece not kept already is compressed, when it is stored."""
    return [
        Piece(
            entry,
            content,
            name,
            sha256(content),
            _compressor(None).compress(content)
            if pack and not _wants_base(entry, name, content)
            else None,
        )
        for entry, content, name in split(data)
    ]


def _wants_base(entry: dict[str, Any], name: str, content: bytes) -> bool:
    """A member or the ZIP's headers, not too small to be worth a base (a dictionary); a file
    that is not a ZIP has no kin."""
    return (bool(name) or "frame" in entry) and len(content) >= BASE_WORTHY


def _kin(family: str, piece: Piece) -> str:
    """The name a piece is stored under, where the next document of its family finds its
    base: the same member of a document of the same template."""
    if not family or not _wants_base(piece.entry, piece.name, piece.content):
        return ""
    return f"{family}/{piece.name or HEADERS}"


def store_document(
    conn: Connection,
    sha: str,
    data: bytes,
    family: str = "",
    prepared: list[Piece] | None = None,
) -> None:
    """Keep `data` (whose sha256 is `sha`) unless it is kept already. `family` (the template
    id) names the documents whose parts are alike, so each is compressed against its kin;
    `prepared` is `pieces(data)` when another process made it."""
    store_documents(conn, [Kept(sha, data, family, prepared)])


@dataclass(frozen=True)
class Kept:
    """A document to keep: its sha256, bytes and family (see store_document), and its pieces
    if another process split it already."""

    sha: str
    data: bytes
    family: str
    prepared: list[Piece] | None = None

    def pieces(self) -> list[Piece]:
        return self.prepared if self.prepared is not None else pieces(self.data, pack=False)


def store_documents(conn: Connection, batch: list[Kept]) -> None:
    """Keep each document of the batch not kept already (only those are split), in a few
    statements for the whole batch (generate records a few dozen agreements per transaction
    while its workers wait): the same rows as keeping them one after another."""
    known = _existing(conn, documents.c.sha256, {document.sha for document in batch})
    fresh: list[tuple[Kept, list[Piece]]] = []
    for document in batch:
        if document.sha not in known:
            known.add(document.sha)
            fresh.append((document, document.pieces()))
    if not fresh:
        return
    _store_pieces(conn, [(document.family, split_up) for document, split_up in fresh])
    conn.execute(
        documents.insert(),
        [
            {"sha256": d.sha, "size": len(d.data), "parts": _manifest(split_up)}
            for d, split_up in fresh
        ],
    )


def store_parts(conn: Connection, data: bytes) -> str:
    """Store a document's pieces, of no family (the migration that split the documents kept
    whole before knows none); returns its manifest (JSON)."""
    split_up = pieces(data, pack=False)
    _store_pieces(conn, [("", split_up)])
    return _manifest(split_up)


def _manifest(split_up: list[Piece]) -> str:
    return json.dumps(
        [{**piece.entry, "blob": piece.digest} for piece in split_up], separators=(",", ":")
    )


def _store_pieces(conn: Connection, families: list[tuple[str, list[Piece]]]) -> None:
    """The pieces not kept already, in one statement. Each is compressed against the latest
    blob of its kin stored on its own, which may be one this batch stores (and the database
    cannot return yet): those are kept at hand in `pending`."""
    kept = _existing(conn, blobs.c.sha256, {p.digest for _, split_up in families for p in split_up})
    new: dict[str, tuple[Piece, str]] = {}
    for family, split_up in families:
        for piece in split_up:
            if piece.digest not in kept and piece.digest not in new:
                new[piece.digest] = piece, _kin(family, piece)
    if not new:
        return
    bases = _bases(conn, {name for _, name in new.values() if name})
    pending: dict[str, bytes] = {}
    rows = []
    for piece, name in new.values():
        row = _blob_row(conn, piece, name, bases, pending)
        if name and row["codec"] == "zstd":  # on its own: the next of its kin's base
            bases[name] = piece.digest
            pending[piece.digest] = piece.content
        rows.append(row)
    conn.execute(blobs.insert(), rows)


IN_CHUNK = 500  # values per IN (...): record_generation may keep thousands of documents in
# one transaction, whose pieces would pass SQLite's limit on bound variables (999 before 3.32)


def _existing(conn: Connection, column: Any, values: set[str]) -> set[str]:
    """Which of `values` the column holds."""
    ordered = sorted(values)
    found: set[str] = set()
    for start in range(0, len(ordered), IN_CHUNK):
        chunk = ordered[start : start + IN_CHUNK]
        found.update(row[0] for row in conn.execute(select(column).where(column.in_(chunk))))
    return found


def _bases(conn: Connection, names: set[str]) -> dict[str, str]:
    """For each name, the latest blob stored under it on its own (not against another): the
    base its next kin is compressed against."""
    if not names:
        return {}
    latest = (
        select(func.max(blobs.c.id))
        .where(blobs.c.name.in_(names), blobs.c.codec == "zstd")
        .group_by(blobs.c.name)
    )
    return {
        row.name: row.sha256
        for row in conn.execute(select(blobs.c.name, blobs.c.sha256).where(blobs.c.id.in_(latest)))
    }


def _blob_row(
    conn: Connection, piece: Piece, name: str, bases: dict[str, str], pending: dict[str, bytes]
) -> dict[str, Any]:
    codec, base, data = "zstd", bases.get(name) if name else None, piece.packed
    if base is not None and data is None:
        against = _compressor(base, conn, pending.get(base)).compress(piece.content)
        if _pays(against, piece.content):
            codec, data = "zstd-base", against
        else:
            base = None
    else:
        base = None
    if data is None:
        data = _compressor(None).compress(piece.content)
    return {
        "sha256": piece.digest,
        "size": len(piece.content),
        "codec": codec,
        "base": base,
        "name": name or None,
        "data": data,
    }


def _pays(against: bytes, content: bytes) -> bool:
    """Is compressing against the base worth the dependency on it? Far below what plain
    compression reaches on XML, it is without compressing twice to find out."""
    if len(against) <= len(content) * _CLEARLY_WORTH_IT:
        return True
    return len(against) <= len(_compressor(None).compress(content)) * _WORTH_A_BASE


@lru_cache(maxsize=64)
def _dictionary(base: str, content: bytes) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


KEPT = 32  # (de)compressors against a base kept, about 1.4 MB each: a batch of three
# templates uses about 15 bases (five kin names each); with room for 8, they evicted each other
# and every document fetched its bases again
_BASE_COMPRESSORS: OrderedDict[str, zstandard.ZstdCompressor] = OrderedDict()  # by base sha256


def _kept(kept: OrderedDict[str, Coder], base: str, make: Callable[[], Coder]) -> Coder:
    """kept[base], made on a miss; the least recently used goes once there are KEPT."""
    found = kept.get(base)
    if found is None:
        found = kept[base] = make()
        if len(kept) > KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(base)
    return found


def _compressor(
    base: str | None, conn: Connection | None = None, content: bytes | None = None
) -> zstandard.ZstdCompressor:
    """The compressor for plain blobs, or against a base (its `content`, else read from the
    registry); kept, since loading a dictionary costs more than compressing one document
    with it."""
    if base is None or conn is None:
        return _plain_compressor()
    return _kept(
        _BASE_COMPRESSORS,
        base,
        lambda: zstandard.ZstdCompressor(
            level=LEVEL,
            dict_data=_dictionary(base, content if content is not None else get_blob(conn, base)),
        ),
    )


@lru_cache(maxsize=1)
def _plain_compressor() -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=LEVEL)


# ---------------------------------------------------------------------------------- reading


def get_blob(conn: Connection, digest: str) -> bytes:
    return _blobs(conn, {digest})[digest]


def _blobs(conn: Connection, digests: set[str]) -> dict[str, bytes]:
    """The contents of blobs, in one query (and one more for the bases they were compressed
    against that are not among them)."""
    rows = (
        conn.execute(
            select(blobs.c.sha256, blobs.c.codec, blobs.c.base, blobs.c.data).where(
                blobs.c.sha256.in_(digests)
            )
        ).all()
        if digests
        else []
    )
    missing = digests - {row.sha256 for row in rows}
    if missing:
        raise RegistryError(
            f"the registry lost a stored piece of a document (blob {min(missing)[:12]})"
        )
    bases = {row.base for row in rows if row.codec == "zstd-base"} - digests
    contents = _blobs(conn, bases) if bases else {}
    for row in sorted(rows, key=lambda row: row.codec == "zstd-base"):  # bases first
        data = bytes(row.data)
        if row.codec == "zstd-base":
            contents[row.sha256] = _decompressor(row.base, contents[row.base]).decompress(data)
        else:
            contents[row.sha256] = _plain_decompressor().decompress(data)
    return contents


_BASE_DECOMPRESSORS: OrderedDict[str, zstandard.ZstdDecompressor] = OrderedDict()  # by base


def _decompressor(base: str, content: bytes) -> zstandard.ZstdDecompressor:
    """Kept, like the compressors: a batch reads many documents against one base."""
    return _kept(
        _BASE_DECOMPRESSORS,
        base,
        lambda: zstandard.ZstdDecompressor(dict_data=_dictionary(base, content)),
    )


@lru_cache(maxsize=1)
def _plain_decompressor() -> zstandard.ZstdDecompressor:
    return zstandard.ZstdDecompressor()


_DEFLATED: dict[tuple[str, int], bytes] = {}  # (blob, level) -> member bytes, for shared parts


def load_document(conn: Connection, sha: str) -> bytes | None:
    """The document's exact bytes, or None when it is not kept."""
    row = conn.execute(select(documents.c.parts).where(documents.c.sha256 == sha)).first()
    return None if row is None else _rebuilt(conn, sha, row.parts)


def _rebuilt(conn: Connection, sha: str, parts: str) -> bytes:
    """A kept document's bytes from its manifest, checked against its sha256."""
    manifest = json.loads(parts)
    if len(_DEFLATED) >= 256:  # bounded; emptied between documents, never while one is read
        _DEFLATED.clear()
    contents = _blobs(
        conn,
        {
            entry["blob"]
            for entry in manifest
            if (entry["blob"], entry.get("deflate")) not in _DEFLATED
        },
    )
    pieces = [_piece(entry, contents) for entry in manifest]
    head = manifest[0]
    if "frame" not in head:
        data = pieces[0]
    else:
        out, taken = bytearray(), 0
        frame = pieces[0]
        for (cut, _), member in zip(head["frame"], pieces[1:], strict=True):
            out += frame[taken:cut] + member
            taken = cut
        data = bytes(out + frame[taken:])
    if sha256(data) != sha:
        raise RegistryError(
            f"stored document {sha[:12]} does not rebuild byte for byte (this "
            f"Python's zlib {zlib.ZLIB_RUNTIME_VERSION} compresses differently)"
        )
    return data


def _piece(entry: dict[str, Any], contents: dict[str, bytes]) -> bytes:
    """A member's bytes as the ZIP holds them. Recompressing is most of the cost of reading a
    document back, so a member seen twice (styles, theme, numbering: every agreement of a
    template has the same) is recompressed once."""
    digest, level = entry["blob"], entry.get("deflate")
    if level is None:
        return contents[digest]
    found = _DEFLATED.get((digest, level))
    if found is None:
        found = _DEFLATED[(digest, level)] = deflated(contents[digest], level)
    return found


def issued_docx(conn: Connection, agreement_id: int) -> bytes | None:
    """The DOCX issued for an agreement (the latest kept), as issued."""
    row = conn.execute(
        select(issued_files.c.sha256, documents.c.parts)
        .join(documents, documents.c.sha256 == issued_files.c.sha256)
        .where(issued_files.c.agreement_id == agreement_id, issued_files.c.stored.is_(True))
        .order_by(issued_files.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _rebuilt(conn, row.sha256, row.parts)
