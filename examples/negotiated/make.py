"""Rebuild examples/negotiated/gravy-uf-v2.docx: the Gravy/UF agreement as the university's counsel
returns it, edited in LibreOffice (a real client), partly with change tracking and partly without.

    .venv/bin/python examples/negotiated/make.py      (needs LibreOffice + python3-uno)

Edits (see examples/negotiated/README.md for what `dsagen diff` reports):
- tracked, by "Counsel, Gulf Coast State University": retention 36 -> 60 months (a pre-approved
  fallback) and breach notice 48 -> 72 hours (a pre-approved fallback);
- untracked: publication review cut from 30 to 10 days (beyond walk-away), a new indemnity
  sentence in the liability clause (needs approval) and quotation marks put around a word in
  the fees clause (needs approval: only white space and quote style are cosmetic).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from dsagen.assemble import assemble  # noqa: E402
from dsagen.library import load_library  # noqa: E402
from dsagen.partners import load_partner  # noqa: E402
from dsagen.render.docx import render_docx  # noqa: E402
from tests.lo import client  # noqa: E402

PARTNER = ROOT / "examples" / "partners" / "gravy-uf.yaml"
TARGET = Path(__file__).with_name("gravy-uf-v2.docx")
TRACKED = [
    {"op": "replace", "find": "thirty-six (36) months after the Effective Date",
     "replace": "sixty (60) months after the Effective Date"},
    {"op": "replace", "find": "within forty-eight (48) hours after the Recipient",
     "replace": "within seventy-two (72) hours after the Recipient"},
]
UNTRACKED = [
    {"op": "replace", "find": "At least thirty (30) days before submitting",
     "replace": "At least ten (10) days before submitting"},
    {"op": "insert_after", "find": "Each Party is responsible, to the extent permitted",
     "text": "The Provider shall indemnify the Recipient against any third-party claim arising "
             "from the Provider's collection of the Data."},
    {"op": "replace", "find": "any period after termination. No other charge",
     "replace": "any period after termination. No other \u201ccharge\u201d"},
]


def main() -> None:
    library = load_library()
    standard = TARGET.with_name("standard.tmp.docx")
    tracked = TARGET.with_name("tracked.tmp.docx")
    standard.write_bytes(render_docx(assemble(load_partner(PARTNER, library), library)))
    try:
        client.edit(standard, tracked, TRACKED, track_changes=True,
                    author="Counsel, Gulf Coast State University")
        client.edit(tracked, TARGET, UNTRACKED, track_changes=False)
    finally:
        standard.unlink(missing_ok=True)
        tracked.unlink(missing_ok=True)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
