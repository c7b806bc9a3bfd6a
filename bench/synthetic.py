"""Synthetic clause libraries and partners for the benchmarks (no legal meaning, real structure)."""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

WORDS = ("recipient provider data research purpose security retention agreement shall "
         "within days notice publication review confidential information institution "
         "researcher dataset access environment approval results erasure certificate "
         "authorised personnel obligations termination applicable law written consent").split()


def sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def write_library(root: Path, clauses: int, paragraphs: int, words_per_paragraph: int,
                  seed: int = 7) -> Path:
    """A library of `clauses` numbered clauses plus preamble and signatures, one template."""
    rng = random.Random(seed)
    (root / "clauses").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "clauses" / "preamble.yaml").write_text(textwrap.dedent("""\
        id: preamble
        title: Parties
        family: parties
        version: 1.0.0
        numbered: false
        params:
          agreement_reference: {type: str, required: true, help: Reference.}
          effective_date: {type: date, required: true, help: Effective date.}
          provider_name: {type: str, required: true, help: Provider.}
          recipient_name: {type: str, required: true, help: Recipient.}
          retention_months:
            type: int
            default: 36
            min: 1
            max: 120
            help: Months of retention.
            playbook: {standard: 36, fallback: [48, 60], walk_away: {max: 60}}
        variants:
          standard:
            text: |
              This agreement is made on {{ effective_date | long_date }} between {{ provider_name }}
              and {{ recipient_name }}; data is kept for {{ retention_months | num_words }} months.
        """))
    names = []
    for index in range(clauses):
        clause_id = f"c{index:03d}"
        names.append(clause_id)
        body = "\n\n".join(
            sentence(rng, words_per_paragraph // 2) + " " + sentence(rng, words_per_paragraph
                                                                      - words_per_paragraph // 2)
            for _ in range(paragraphs))
        text = textwrap.indent(body, "      ")
        (root / "clauses" / f"{clause_id}.yaml").write_text(
            f"id: {clause_id}\ntitle: Clause {index} {rng.choice(WORDS).title()}\n"
            f"family: general\nversion: 1.0.0\nvariants:\n  standard:\n    text: |\n{text}\n")
    (root / "clauses" / "signatures.yaml").write_text(textwrap.dedent("""\
        id: signatures
        title: Signatures
        family: signatures
        version: 1.0.0
        kind: signatures
        params:
          signatories:
            type: list
            required: true
            items:
              type: object
              fields:
                party: {type: str, required: true}
                organisation: {type: str, required: true}
                name: {type: str, required: true}
                title: {type: str, required: true}
        variants:
          standard:
            text: Signed by the parties' authorised representatives.
        """))
    entries = "\n".join(f"  - {n}" for n in ["preamble", *names, "signatures"])
    (root / "templates" / "bench.yaml").write_text(
        f"id: bench\ntitle: Benchmark Agreement\nversion: 1.0.0\nclauses:\n{entries}\n")
    return root


def write_partner(path: Path, index: int, rng: random.Random) -> Path:
    path.write_text(textwrap.dedent(f"""\
        template: bench
        agreement_reference: BENCH-{index:04d}
        effective_date: 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}
        provider_name: Provider {index} Inc.
        recipient_name: University {index}
        retention_months: {rng.choice([36, 36, 36, 48, 60])}
        signatories:
          - {{party: provider, organisation: Provider {index} Inc., name: A. Person, title: CEO}}
          - {{party: recipient, organisation: University {index}, name: B. Person, title: Dean}}
        """))
    return path
