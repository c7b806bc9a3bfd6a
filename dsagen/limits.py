"""Every bound dsagen puts on input from outside, in one place (docs/security.md lists them).

Each limit bounds a total as well as a part, because an attacker stays under any per-part
limit and multiplies the parts: 150 headers of 0.96 MB each, 150,000 one-word list items. The
values sit one to two orders of magnitude above the largest real documents and partner files
seen, so no real input comes near them; each is named in the error that enforces it.
"""

from __future__ import annotations

MB = 1024 * 1024

# -- a DOCX package (dsagen/read/package.py) -----------------------------------------------------
#: Largest DOCX file accepted. Real agreements are well under 5 MB.
MAX_FILE_BYTES = 50 * MB
#: Largest sum of the uncompressed sizes of all members (declared and actually read).
MAX_TOTAL_UNCOMPRESSED = 200 * MB
#: Largest compression ratio of a member over ``RATIO_MIN_SIZE``; XML compresses ~5-20:1.
MAX_RATIO = 100
#: Members smaller than this are never ratio-checked (small repetitive XML is normal).
RATIO_MIN_SIZE = 1 * MB
#: Most members a package may have (Word writes ~10-30; images add a few hundred at most).
MAX_MEMBERS = 10_000
#: Most XML parsed from one package, all parts together (body, headers, footers, notes,
#: comments, styles...). The largest real agreement seen has 0.8 MB.
MAX_XML_BYTES = 10 * MB
#: Most characters of text in one document, every view of every story together (body,
#: headers, footers, notes, comments). The largest real agreement seen has 70,000 (140,000 in
#: its two views); the comparison is near-linear in length, and `bench/diff.py` compares
#: 360,000-word agreements (3.3 million characters a view) as a command in seconds.
MAX_DOCUMENT_CHARS = 8_000_000

# -- a document's own properties (dsagen/read/properties.py) ---------------------------------
#: Longest custom property value parsed as JSON (dsagen writes a few kilobytes).
MAX_PROPERTY_CHARS = 1_000_000
#: Deepest nesting of lists and mappings in a property's JSON (dsagen writes three levels).
MAX_PROPERTY_DEPTH = 32
#: Most digits of a number in a property's JSON.
MAX_PROPERTY_DIGITS = 100

# -- YAML files (dsagen/yamlio.py) ---------------------------------------------------------------
#: Largest YAML file (partner file, clause, rule set). The largest shipped is 19 KB.
MAX_YAML_BYTES = 2_000_000
#: Most values (mappings, lists, scalars; aliases counted each time they are used) in one YAML
#: file. The largest shipped file has under 600.
MAX_YAML_NODES = 20_000
#: Longest number written in a YAML file, in characters.
MAX_NUMBER_CHARS = 100

# -- partner values (dsagen/params.py, dsagen/partners.py) ---------------------------------------
#: Longest one-line value (a name, an address). python-docx refuses core properties over 255
#: characters; the document title is shortened to fit, the agreement keeps the whole value.
MAX_LINE_CHARS = 500
#: Longest multi-line value (a purpose, a description).
MAX_TEXT_CHARS = 10_000
#: Most items in one list (research questions, datasets, fields of a dataset).
MAX_LIST_ITEMS = 200
#: Most list items in one partner file, all lists together.
MAX_PARTNER_ITEMS = 1_000
#: Most characters of text in one partner file, all values together.
MAX_PARTNER_CHARS = 100_000
#: Largest whole number a parameter may hold (15 digits: exact as a float too).
MAX_INTEGER = 10**15 - 1
