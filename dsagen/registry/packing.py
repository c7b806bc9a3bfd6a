"""Clause texts stored compressed: zstd against a fixed dictionary of dsagen's own clause
wording (texts-1.zdict: the example agreements' clauses as generated when it was made), so a
3 KB clause takes a few hundred bytes. The dictionary never changes: a later one would get a
new format byte, and every stored text names the format it was written in.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import zstandard
from sqlalchemy import Dialect, LargeBinary
from sqlalchemy.types import TypeDecorator

FORMAT_1 = b"\x01"  # zstd level 12 with texts-1.zdict


@lru_cache(maxsize=1)
def _dictionary() -> zstandard.ZstdCompressionDict:
    content = resources.files(__package__).joinpath("texts-1.zdict").read_bytes()
    return zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


@lru_cache(maxsize=1)
def _compressor() -> zstandard.ZstdCompressor:
    return zstandard.ZstdCompressor(level=12, dict_data=_dictionary())


@lru_cache(maxsize=1)
def _decompressor() -> zstandard.ZstdDecompressor:
    return zstandard.ZstdDecompressor(dict_data=_dictionary())


@lru_cache(maxsize=2048)
def pack(text: str) -> bytes:
    """Cached: most clauses read the same in agreement after agreement of a batch."""
    return FORMAT_1 + _compressor().compress(text.encode("utf-8"))


def unpack(value: bytes | memoryview | str) -> str:
    """A stored text: packed, or plain (SQLite rows and PostgreSQL columns from before)."""
    if isinstance(value, str):
        return value
    return unpack_utf8(value).decode("utf-8")


def unpack_utf8(value: bytes | memoryview | str) -> bytes:
    """A stored text as UTF-8, not decoded (JSON written out as it is stored)."""
    if isinstance(value, str):
        return value.encode("utf-8")
    data = bytes(value)
    if data[:1] == FORMAT_1:
        return _decompressor().decompress(data[1:])
    return data


class PackedText(TypeDecorator[str]):
    """A text column stored packed; reads and writes str."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else pack(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else unpack(value)
