"""docxtpl, the anchor bench/generate.py times DOCX generation against: one process renders a
docxtpl template of the same agreement for every partner file, as a docxtpl user's script
would.

    .venv/bin/python bench/docxtpl_anchor.py TEMPLATE.docx PARTNERS/ OUT/

`make_template` turns a DOCX dsagen generated into that template: the partner's reference and
party names become {{ agreement_reference }}, {{ provider_name }} and {{ recipient_name }}.
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FIELDS = ("agreement_reference", "provider_name", "recipient_name")


def make_template(docx: Path, partner: Path, target: Path) -> None:
    """A docxtpl template of `docx`: `partner`'s values replaced by Jinja placeholders."""
    import yaml

    values = yaml.safe_load(partner.read_text())
    source = io.BytesIO(docx.read_bytes())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(source) as package,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for item in package.infolist():
            data = package.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                for name in FIELDS:
                    text = text.replace(escape(str(values[name])), "{{ " + name + " }}")
                data = text.encode("utf-8")
            copy.writestr(item, data)
    target.write_bytes(out.getvalue())


def main() -> None:
    import yaml
    from docxtpl import DocxTemplate

    template, partners, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    for partner in sorted(partners.glob("*.yaml")):
        values = yaml.safe_load(partner.read_text())
        document = DocxTemplate(template)
        document.render({name: values.get(name, "") for name in FIELDS})
        document.save(out / f"{partner.stem}.docx")


if __name__ == "__main__":
    main()
