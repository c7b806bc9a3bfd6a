"""The DOCX container: dsagen writes its ZIP directly (so compressed members can be cached);
it must be exactly what Python's zipfile writes with the same fixed settings, and read back."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from dsagen.output import FIXED_ZIP_TIME, deflated, zip_members
from tests.budget import examples


def _zipfile_reference(members: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            target.writestr(info, data, compresslevel=6)
    return out.getvalue()


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda n: not n.startswith("/"))


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(
        st.tuples(names, st.binary(max_size=4000) | st.text(max_size=3000).map(str.encode)),
        max_size=8,
        unique_by=lambda m: m[0],
    )
)
def test_written_zip_is_zipfiles_own_bytes_and_reads_back(members: list[tuple[str, bytes]]):
    written = zip_members(members)
    assert written == _zipfile_reference(members)
    with zipfile.ZipFile(io.BytesIO(written)) as package:
        assert package.testzip() is None
        assert [(i.filename, package.read(i)) for i in package.infolist()] == members


def test_the_same_member_is_compressed_once() -> None:
    deflated.cache_clear()
    styles = b"<w:styles>" + b"<w:style/>" * 500 + b"</w:styles>"
    for reference in range(5):
        zip_members([("word/styles.xml", styles), ("docProps/core.xml", str(reference).encode())])
    info = deflated.cache_info()
    assert info.hits >= 4 and info.misses == 6  # styles once, each core.xml once
