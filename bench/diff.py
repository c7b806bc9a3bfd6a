"""Benchmark `dsagen diff --json --redline` on a 200-clause (~90,000-word) agreement.

The negotiated copy has about 80 scattered word edits, one moved clause and one deleted clause,
made silently (no tracking). Prints the end-to-end wall time of the command (process start
included), the best of several runs.

    .venv/bin/python bench/diff.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import write_library, write_partner  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def make_negotiated(standard: Path, target: Path, edits: int, seed: int = 3) -> dict[str, int]:
    import zipfile

    from dsagen.render.docx import deterministic_zip

    rng = random.Random(seed)
    with zipfile.ZipFile(standard) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    body = root.find(W + "body")
    headings = [p for p in body.iter(W + "p")
                if p.find(f"{W}pPr/{W}pStyle") is not None
                and p.find(f"{W}pPr/{W}pStyle").get(W + "val") == "DsaHeading"]
    clauses = []
    for k, heading in enumerate(headings[:-1]):
        block, node = [heading], heading.getnext()
        while node is not None and node is not headings[k + 1]:
            block.append(node)
            node = node.getnext()
        clauses.append(block)
    # Delete one clause, move another to a later position.
    for element in clauses[50]:
        body.remove(element)
    moved = clauses[20]
    anchor = clauses[150][-1]
    for element in reversed(moved):
        body.remove(element)
        anchor.addnext(element)
    body_paragraphs = [p for block in clauses[60:190] for p in block[1:]]
    done = 0
    for paragraph in rng.sample(body_paragraphs, edits):
        texts = [t for t in paragraph.iter(W + "t") if t.text and len(t.text.split()) > 5]
        if not texts:
            continue
        node = rng.choice(texts)
        words = node.text.split(" ")
        position = rng.randrange(1, len(words) - 1)
        words[position] = rng.choice(["promptly", "reasonably", "sixty", "material", "not"])
        node.text = " ".join(words)
        done += 1
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                                standalone=True)
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    target.write_bytes(deterministic_zip(buffer.getvalue()))
    return {"edits": done, "moved": 1, "deleted": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=80)
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    dsagen = [sys.executable, "-m", "dsagen"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        library = write_library(tmp_path / "lib", clauses=200, paragraphs=8,
                                words_per_paragraph=56)
        partner = write_partner(tmp_path / "bench-partner.yaml", 1, random.Random(1))
        subprocess.run([*dsagen, "generate", str(partner), "--library", str(library), "--out",
                        str(tmp_path / "out"), "--format", "docx"], check=True,
                       capture_output=True, cwd=root)
        standard = tmp_path / "out" / "bench-partner" / "bench.docx"
        negotiated = tmp_path / "negotiated.docx"
        made = make_negotiated(standard, negotiated, args.edits)
        from dsagen.read.docx import read_docx

        words = sum(len(p.text.split()) for p in read_docx(standard).accepted)
        command = [*dsagen, "diff", str(standard), str(negotiated), "--json", "--redline",
                   str(tmp_path / "redline.docx"), "--force", "--library", str(library)]
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = subprocess.run(command, capture_output=True, cwd=root)
            times.append(time.perf_counter() - start)
            if result.returncode not in (0, 1):
                sys.exit(result.stderr.decode())
        report = json.loads(result.stdout)
        print(f"standard: {words} words, 200 clauses; negotiated: {made['edits']} word edits, "
              f"1 moved clause, 1 deleted clause")
        print(f"found: {report['summary']}")
        print(f"dsagen diff --json --redline: best {min(times):.2f} s, "
              f"median {sorted(times)[len(times) // 2]:.2f} s over {len(times)} runs "
              f"(target < 1 s)")


if __name__ == "__main__":
    main()
