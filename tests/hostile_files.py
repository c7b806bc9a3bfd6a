"""Builders of crafted inputs an attacker would send, shared by the tests and bench/hostile.py:
each is small on disk and expensive to process without a bound on the total."""

from __future__ import annotations

import io
import re
import zipfile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER_TYPE = R_NS + "/header"
HEADER_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"


def many_headers(docx: bytes, *, count: int = 150, part_bytes: int = 960_000) -> bytes:
    """`docx` with `count` extra header parts of about `part_bytes` each: every part stays just
    under the per-member compression-ratio check (1 MB), the file stays under 1 MB."""
    paragraph = "<w:p><w:r><w:t>Confidential draft</w:t></w:r></w:p>"
    body = paragraph * (part_bytes // len(paragraph))
    header = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:hdr xmlns:w="{W_NS}">{body}</w:hdr>'
    ).encode()
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    rels = parts["word/_rels/document.xml.rels"].decode()
    types = parts["[Content_Types].xml"].decode()
    added = "".join(
        f'<Relationship Id="rIdHostile{n}" Type="{HEADER_TYPE}" Target="hostile{n}.xml"/>'
        for n in range(count)
    )
    rels = rels.replace("</Relationships>", added + "</Relationships>")
    overrides = "".join(
        f'<Override PartName="/word/hostile{n}.xml" ContentType="{HEADER_CT}"/>'
        for n in range(count)
    )
    types = types.replace("</Types>", overrides + "</Types>")
    parts["word/_rels/document.xml.rels"] = rels.encode()
    parts["[Content_Types].xml"] = types.encode()
    for n in range(count):
        parts[f"word/hostile{n}.xml"] = header
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data, compresslevel=9)
    return buffer.getvalue()


def many_list_items(
    partner_yaml: str, *, key: str = "research_questions", count: int = 150_000
) -> str:
    """The partner file with `count` short items added to the list under `key`."""
    match = re.search(rf"^{re.escape(key)}:\n", partner_yaml, flags=re.M)
    assert match is not None, key
    items = "".join(f"  - q{n}\n" for n in range(count))
    return partner_yaml[: match.end()] + items + partner_yaml[match.end() :]
