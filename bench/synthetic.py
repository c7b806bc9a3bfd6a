"""Synthetic clause libraries and partners for the benchmarks (no legal meaning, real structure)."""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

WORDS = (
    "recipient provider data research purpose security retention agreement shall "
    "within days notice publication review confidential information institution "
    "researcher dataset access environment approval results erasure certificate "
    "authorised personnel obligations termination applicable law written consent"
).split()


def sentence(rng: random.Random, length: int) -> str:
    words = [rng.choice(WORDS) for _ in range(length)]
    return " ".join(words).capitalize() + "."


def write_library(
    root: Path, clauses: int, paragraphs: int, words_per_paragraph: int, seed: int = 7
) -> Path:
    """A library of `clauses` numbered clauses plus preamble and signatures, one template."""
    rng = random.Random(seed)
    (root / "clauses").mkdir(parents=True, exist_ok=True)
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "clauses" / "preamble.yaml").write_text(
        textwrap.dedent("""\
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
        """)
    )
    names = []
    for index in range(clauses):
        clause_id = f"c{index:03d}"
        names.append(clause_id)
        body = "\n\n".join(
            sentence(rng, words_per_paragraph // 2)
            + " "
            + sentence(rng, words_per_paragraph - words_per_paragraph // 2)
            for _ in range(paragraphs)
        )
        text = textwrap.indent(body, "      ")
        (root / "clauses" / f"{clause_id}.yaml").write_text(
            f"id: {clause_id}\ntitle: Clause {index} {rng.choice(WORDS).title()}\n"
            f"family: general\nversion: 1.0.0\nvariants:\n  standard:\n    text: |\n{text}\n"
        )
    (root / "clauses" / "signatures.yaml").write_text(
        textwrap.dedent("""\
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
        """)
    )
    entries = "\n".join(f"  - {n}" for n in ["preamble", *names, "signatures"])
    (root / "templates" / "bench.yaml").write_text(
        f"id: bench\ntitle: Benchmark Agreement\nversion: 1.0.0\nclauses:\n{entries}\n"
    )
    return root


def write_partner(path: Path, index: int, rng: random.Random) -> Path:
    path.write_text(
        textwrap.dedent(f"""\
        template: bench
        agreement_reference: BENCH-{index:04d}
        effective_date: 2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}
        provider_name: Provider {index} Inc.
        recipient_name: University {index}
        retention_months: {rng.choice([36, 36, 36, 48, 60])}
        signatories:
          - {{party: provider, organisation: Provider {index} Inc., name: A. Person, title: CEO}}
          - {{party: recipient, organisation: University {index}, name: B. Person, title: Dean}}
        """)
    )
    return path


# Timing commands as users run them -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
DSAGEN = [sys.executable, "-m", "dsagen"]


def load() -> float:
    """The 1-minute load average: printed beside every figure, since the machine is shared."""
    return os.getloadavg()[0]


@dataclass
class Timing:
    """Wall seconds of one command over several fresh-process runs, with the load at each."""

    name: str
    times: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds of the processes it ran

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def line(self, target: str = "") -> str:
        loads = f"load {min(self.loads):.2f}-{max(self.loads):.2f}"
        best = f"best {min(self.times):.2f} s, " if len(self.times) > 1 else ""
        return (
            f"{self.name}: median {self.median:.2f} s wall, "
            f"{statistics.median(self.cpu):.2f} s CPU ({best}{len(self.times)} run(s), "
            f"{loads})" + (f"  target: {target}" if target else "")
        )


def user_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment as a user's shell would have it: Python's compiled bytecode
    kept and reused, as an installed dsagen has it (pip compiles on install). Without this, a
    PYTHONDONTWRITEBYTECODE inherited from a development setup makes every run compile
    dsagen's modules again (0.2 s of each command)."""
    user = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    user.setdefault("PYTHONPYCACHEPREFIX", str(PYCACHE))
    return {**user, **(env or {})}


PYCACHE = Path(tempfile.gettempdir()) / "dsagen-bench-pycache"  # out of the checkout


def run_command(
    command: list[str],
    *,
    ok: tuple[int, ...] = (0,),
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """(wall seconds, result) of one fresh process; exits with its stderr if it failed."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, cwd=cwd, env=user_environment(env))
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return seconds, done


def interleaved(commands: dict[str, Callable[[], object]], runs: int) -> dict[str, Timing]:
    """Each command once per round, rounds repeated: the load the machine is under falls on
    every command alike, so the ratio of medians is fair even when the figures are not."""
    timings = {name: Timing(name) for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            before, cpu = load(), _children_cpu()
            start = time.perf_counter()
            command()
            timings[name].times.append(time.perf_counter() - start)
            timings[name].cpu.append(_children_cpu() - cpu)
            timings[name].loads.append(max(before, load()))
    return timings


def _children_cpu() -> float:
    """CPU seconds of every finished child process (and theirs: workers included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ratio_line(ours: Timing, anchor: Timing) -> str:
    cpu = statistics.median(ours.cpu) / statistics.median(anchor.cpu)
    return (
        f"  ratio {ours.name} / {anchor.name}: {ours.median / anchor.median:.2f}x wall, "
        f"{cpu:.2f}x CPU (medians of {len(ours.times)} interleaved runs)"
    )


def soffice() -> str | None:
    """The LibreOffice binary, if installed (an anchor some benchmarks compare against)."""
    return shutil.which("soffice") or shutil.which("libreoffice")
