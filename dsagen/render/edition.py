"""Draft or signing version: the words every renderer prints around the terms.

A draft goes back and forth in negotiation, so it says DRAFT and its date in the running header
and names the dsagen build on its cover. The signing version (`dsagen generate --final`) carries
neither: its signature page says which agreement it belongs to, so a page detached from the
document can still be matched to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..assemble import Agreement
from ..stamp import provenance_line
from ..textfilters import long_date


@dataclass(frozen=True)
class Edition:
    """What distinguishes the draft from the signing version of one agreement."""

    final: bool
    header: str  # the running header's text
    draft_legend: str  # "DRAFT 1 March 2026" on a draft, "" on the signing version
    provenance: str  # the generation stamp on a draft's cover, "" on the signing version
    signature_legend: str  # "[Signature page to ...]" on the signing version, "" on a draft


def edition(agreement: Agreement, *, final: bool = False) -> Edition:
    """The draft's or the signing version's legends for `agreement` (the draft's date is the
    agreement's Effective Date, so the same inputs always give the same document)."""
    reference = f"{agreement.title} · {agreement.reference}"
    if final:
        return Edition(
            True, reference, "", "", f"[Signature page to {agreement.title} {agreement.reference}]"
        )
    dated = (
        f" {long_date(agreement.effective_date, agreement.locale)}"
        if agreement.effective_date
        else ""
    )
    legend = f"DRAFT{dated}"
    return Edition(False, f"{legend} · {reference}", legend, provenance_line(agreement), "")
