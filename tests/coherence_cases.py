"""Partner files over a covering set of parameter combinations, and an independent reader that
finds contradictions in the text an agreement reads (used by test_coherence.py).

The reader is written from the contradictions counsel found in the shipped examples (issue 11),
not from rules/coherence.yaml: it looks at the rendered agreement the way a lawyer would, so a
rule that stops matching its contradiction fails the test instead of passing silently.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dsagen.assemble import Agreement
from dsagen.library import Library
from dsagen.textfilters import american

# -- partner files ----------------------------------------------------------------------------
PARTIES: dict[str, Any] = {
    "agreement_reference": "DSA-2026-901",
    "effective_date": dt.date(2026, 3, 1),
    "provider_name": "Northwind Data Cooperative",
    "provider_entity": "a Delaware non-profit corporation",
    "provider_address": "1 Harbor Street, Wilmington, Delaware 19801, United States",
    "recipient_name": "Lakeside University",
    "recipient_entity": "a Michigan non-profit corporation",
    "recipient_address": "2 College Road, Ann Arbor, Michigan 48109, United States",
    "institution_type": "private_university",
    "principal_investigator": {
        "name": "Dr. Ada Quinn",
        "title": "Associate Professor",
        "department": "School of Public Health",
        "email": "aquinn@lakeside.example.edu",
    },
    "notice_email_provider": "legal@northwind.example.org",
    "notice_email_recipient": "contracts@lakeside.example.edu",
    "signatories": [
        {
            "party": "provider",
            "organisation": "Northwind Data Cooperative",
            "name": "Sam Reyes",
            "title": "General Counsel",
        },
        {
            "party": "recipient",
            "organisation": "Lakeside University",
            "name": "Lee Park",
            "title": "Director, Research Contracts",
        },
        {
            "party": "co_signatory",
            "organisation": "Hillcrest College",
            "name": "Jo Marsh",
            "title": "Vice President for Research",
        },
    ],
}
CO_SIGNATORY = {
    "name": "Hillcrest College",
    "entity": "an Ohio non-profit corporation",
    "address": "3 Hill Road, Oberlin, Ohio 44074, United States",
    "notice_email": "research@hillcrest.example.edu",
}
CLEAN_FIELDS = ["study code", "visit date", "age band", "outcome, coded as in the dictionary"]
IDENTIFYING_FIELDS = ["study code", "patient name", "medical record number", "visit date"]
RESEARCH: dict[str, Any] = {
    "research_purpose": "To measure how access to clinics changed between 2023 and 2025.",
    "research_questions": ["whether travel times to clinics changed, by county and year"],
    "datasets": [
        {
            "name": "Visits file",
            "description": "one record per clinic visit",
            "fields": CLEAN_FIELDS,
            "period": "1 January 2023 to 31 December 2025",
        }
    ],
    "data_categories": ["platform_data"],
    "ferpa_destruction_days": 30,
    "hipaa_covered_entity": "Northwind Health System, Inc.",
    "gdpr_supervisory_authority": "the Hessian Commissioner for Data Protection and Freedom of "
    "Information",
    "gdpr_member_state": "Germany",
    "fee": "USD 5,000",
    "additional_researchers": [
        {
            "name": "Dr. Max Hale",
            "title": "Research Fellow",
            "email": "mhale@hillcrest.example.edu",
            "institution": "Hillcrest College",
        }
    ],
}
OPEN_DATA: dict[str, Any] = {
    "open_dataset": {
        "name": "Rainfall Grid",
        "version": "1.0.0",
        "description": "daily rainfall on a 4-kilometre grid",
        "location": "https://data.northwind.example.org/rainfall/1.0.0",
    },
    "licence": "CDLA-Permissive-2.0",
    "liability_cap": "USD 10,000",
}
NDA: dict[str, Any] = {"nda_purpose": "evaluating a possible research collaboration"}
BASE: dict[str, dict[str, Any]] = {
    "research-dsa": {**PARTIES, **RESEARCH},
    "data-license": {**PARTIES, **OPEN_DATA},
    "mutual-nda": {**PARTIES, **NDA},
}
# Dimensions that are not an enum or a bool of the schema but decide coherence: which regulated
# data the agreement carries, which law governs it, what the fields list, who co-signs.
EXTRA: dict[str, dict[str, list[Any]]] = {
    "research-dsa": {
        "data_categories": [
            ["platform_data"],
            ["education_records"],
            ["health_limited_data_set"],
            ["eu_personal_data", "location_data"],
            ["aggregated_statistics", "public_data"],
        ],
        "governing_law": [
            "the State of Delaware",
            "the Federal Republic of Germany",
            "England and Wales",
        ],
        "fields": ["clean", "identifying"],
        "co_signatory_named": [True, False],
    },
    "data-license": {
        "governing_law": ["the State of New York", "the Federal Republic of Germany"],
        "co_signatory_named": [True, False],
    },
    "mutual-nda": {
        "governing_law": ["the State of Illinois", "England and Wales"],
        "co_signatory_named": [True, False],
    },
}


def dimensions(library: Library, template_id: str) -> dict[str, list[Any]]:
    """Every enum and bool parameter of the template, with all its values, plus EXTRA."""
    template = library.template(template_id)
    dims: dict[str, list[Any]] = {}
    for entry in template.entries:
        for param in library.clause(entry.clause_id).params.values():
            if param.type == "bool":
                dims[param.name] = [False, True]
            elif param.type == "enum":
                dims[param.name] = list(param.choices)
    dims.update(EXTRA[template_id])
    return dims


def pairwise(dims: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """A covering array of strength 2, built greedily: every value of every dimension meets
    every value of every other dimension in at least one row. Deterministic."""
    names = list(dims)
    uncovered = {
        (a, va, b, vb)
        for a, b in itertools.combinations(names, 2)
        for va in range(len(dims[a]))
        for vb in range(len(dims[b]))
    }
    rows: list[dict[str, Any]] = []
    while uncovered:
        row: dict[str, int] = {}
        first = next(iter(sorted(uncovered)))
        row[first[0]], row[first[2]] = first[1], first[3]
        for name in names:
            if name in row:
                continue
            row[name] = max(
                range(len(dims[name])),
                key=lambda v, n=name: sum(
                    1 for other, ov in row.items() if (_pair(names, n, v, other, ov)) in uncovered
                ),
            )
        for a, b in itertools.combinations(names, 2):
            uncovered.discard((a, row[a], b, row[b]))
        rows.append({name: dims[name][index] for name, index in row.items()})
    return rows


def _pair(names: list[str], a: str, va: int, b: str, vb: int) -> tuple[str, int, str, int]:
    return (a, va, b, vb) if names.index(a) < names.index(b) else (b, vb, a, va)


def partner_data(template_id: str, combination: dict[str, Any]) -> dict[str, Any]:
    """The partner file for one combination (a plain mapping, ready for YAML)."""
    data: dict[str, Any] = {"template": template_id, **BASE[template_id]}
    for name, value in combination.items():
        if name == "fields":
            dataset = dict(data["datasets"][0])
            dataset["fields"] = IDENTIFYING_FIELDS if value == "identifying" else CLEAN_FIELDS
            data["datasets"] = [dataset]
        elif name == "co_signatory_named":
            data["co_signatories"] = [CO_SIGNATORY] if value else []
        elif name == "locale" and value is None:
            continue
        else:
            data[name] = value
    return data


# -- the reader -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Contradiction:
    """Two clauses of one agreement that say incompatible things."""

    name: str
    clause: str
    other: str


def clause_texts(agreement: Agreement) -> dict[str, str]:
    return {s.clause_id: " ".join(p.text for p in s.paragraphs) for s in agreement.sections}


def _has(texts: dict[str, str], clause: str, *phrases: str) -> bool:
    """The clause says one of the phrases (in either spelling)."""
    text = american(texts.get(clause, "")).lower()
    return any(american(p).lower() in text for p in phrases)


Reader = Callable[[dict[str, str], Agreement], bool]
READERS: list[tuple[str, str, str, Reader]] = []


def reader(name: str, clause: str, other: str) -> Callable[[Reader], Reader]:
    def register(function: Reader) -> Reader:
        READERS.append((name, clause, other, function))
        return function

    return register


def _enclave(t: dict[str, str]) -> bool:
    return _has(t, "security", "shall not be transferred to the Recipient")


@reader("enclave data deleted by the Recipient", "data_description", "security")
def _enclave_description(t: dict[str, str], _: Agreement) -> bool:
    return _enclave(t) and _has(t, "data_description", "Recipient shall delete that information")


@reader("enclave data deleted or returned", "deidentification", "security")
def _enclave_deidentification(t: dict[str, str], _: Agreement) -> bool:
    return _enclave(t) and _has(t, "deidentification", "delete or return them")


@reader("enclave data destroyed and shredded", "retention", "security")
def _enclave_retention(t: dict[str, str], _: Agreement) -> bool:
    return _enclave(t) and _has(t, "retention", "destroy all Data held by it", "shredding")


@reader("enclave data destroyed on termination", "term", "security")
def _enclave_term(t: dict[str, str], _: Agreement) -> bool:
    return _enclave(t) and _has(t, "term", "the Recipient shall destroy the Data")


@reader("enclave records destroyed on withdrawal", "ethics", "security")
def _enclave_consent(t: dict[str, str], _: Agreement) -> bool:
    return _enclave(t) and bool(
        re.search(
            r"Recipient shall stop using [^.]{0,60} and shall "
            r"destroy them",
            t.get("ethics", ""),
        )
    )


@reader("no other field, yet additional fields", "data_description", "data_description")
def _additional_fields(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "data_description", "may request additional fields") and bool(
        re.search(
            r"shall not request or accept, any other field or record\.", t["data_description"]
        )
    )


@reader("key never disclosed, yet the Recipient identifies students", "ethics", "data_description")
def _pseudonym_key(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "data_description", "shall never be disclosed to the Recipient") and _has(
        t,
        "ethics",
        "list of the participating students' study codes",
        "Recipient shall keep a record of every consent",
    )


@reader(
    "central IT administers, yet only researchers may have the Data", "prohibited_uses", "security"
)
def _administrators(t: dict[str, str], _: Agreement) -> bool:
    run_by_others = _has(t, "security", "central research computing", "owns or controls")
    return run_by_others and not _has(t, "prohibited_uses", "System Administrator")


@reader(
    "the limited data set only for researchers, yet administrators run it", "hipaa_lds", "security"
)
def _administrators_hipaa(t: dict[str, str], _: Agreement) -> bool:
    run_by_others = _has(t, "security", "central research computing", "owns or controls")
    return run_by_others and "hipaa_lds" in t and not _has(t, "hipaa_lds", "System Administrators")


@reader("SCC Module One, yet the Provider decides on breach notices", "breach", "gdpr")
def _gdpr_breach(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "gdpr", "Module One") and _has(t, "breach", "The Provider shall decide whether")


@reader("a single extract, yet a continuous transfer", "gdpr", "data_description")
def _transfer(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "data_description", "single extract") and _has(
        t, "gdpr", "transfer is continuous"
    )


@reader("civil law, yet common-law liability exclusions", "liability", "governing_law")
def _civil_law(t: dict[str, str], _: Agreement) -> bool:
    german = _has(t, "governing_law", "Germany")
    return german and (
        _has(t, "liability", "indirect or consequential loss")
        or not _has(t, "liability", "gross negligence")
    )


@reader("a one-off fee, yet invoiced in advance or refunded per period", "fees", "data_description")
def _fee_timing(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "data_description", "single extract") and _has(
        t, "fees", "in advance", "in respect of any period after termination"
    )


@reader("open-data representations without a remedy", "liability", "open_data")
def _representations(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "open_data", "The Provider represents") and not _has(
        t,
        "liability",
        "does not limit the Provider's liability to the Recipient for breach of "
        "the representations",
    )


@reader("the agreed cap missing", "liability", "open_data")
def _cap(t: dict[str, str], agreement: Agreement) -> bool:
    cap = str(agreement.parameters.get("liability_cap") or "")
    return "open_data" in t and bool(cap) and cap not in t.get("liability", "")


@reader("CDLA-Permissive said to require attribution", "ip", "licence")
def _attribution(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "licence", "Permissive - Version 2.0") and _has(
        t, "ip", "Licence itself requires attribution", "License itself requires attribution"
    )


@reader(
    "aggregation by the Provider, yet record-level data (or the reverse)",
    "deidentification",
    "data_description",
)
def _aggregation(t: dict[str, str], _: Agreement) -> bool:
    aggregated = _has(t, "data_description", "aggregate statistics only")
    technique_aggregates = _has(t, "deidentification", "The Data shall consist only of aggregate")
    record_level = _has(
        t,
        "deidentification",
        "every combination of their values is shared",
        "synthetic records generated by the Provider",
    )
    return (technique_aggregates and not aggregated) or (aggregated and record_level)


@reader("a limited data set listing excluded identifiers", "data_description", "deidentification")
def _lds_fields(t: dict[str, str], _: Agreement) -> bool:
    lds = _has(t, "data_description", "as a limited data set within the meaning")
    return lds and bool(
        re.search(r"fields:[^.]*\b(patient name|medical record number)", t["data_description"])
    )


@reader("a co-signatory that the agreement does not name", "signatures", "preamble")
def _co_signatory(t: dict[str, str], agreement: Agreement) -> bool:
    signing = {
        s["organisation"]
        for s in agreement.parameters.get("signatories") or []
        if s.get("party") == "co_signatory"
    }
    return any(name not in t.get("preamble", "") for name in signing)


@reader("each a Receiving Party, yet one is the Recipient", "preamble", "nda_obligations")
def _nda_names(t: dict[str, str], _: Agreement) -> bool:
    return _has(t, "nda_obligations", "Receiving Party") and '(the "Recipient")' in t.get(
        "preamble", ""
    )


def contradictions(agreement: Agreement) -> Iterator[Contradiction]:
    texts = clause_texts(agreement)
    for name, clause, other, read in READERS:
        if read(texts, agreement):
            yield Contradiction(name, clause, other)
