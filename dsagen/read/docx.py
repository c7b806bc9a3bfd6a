"""Read a DOCX into accept/reject views, revisions, stories and properties.

The walking itself (ECMA-376 Part 1 §17.13.5 "Revisions", ``reference/comparison.md`` §4) lives
in :mod:`dsagen.read.walk`; headers, footers, notes, comments and text boxes are assembled into
:class:`Story` objects in :mod:`dsagen.read.stories`. This module opens the package, finds the
story parts through the document's relationships and reads the package-level properties.
"""

from __future__ import annotations

import hashlib
import posixpath
import re

from lxml import etree

from dsagen.limits import MAX_DOCUMENT_CHARS
from dsagen.ooxml import W_NS, W
from dsagen.read.inline import decimal, style_hiding
from dsagen.read.model import (
    EMPHASIS_FLAGS,
    REVISION_KINDS,
    STORY_KINDS,
    ReadDocument,
    Revision,
    Story,
    ViewParagraph,
)
from dsagen.read.package import MAIN_PART, DocxPackage, PathOrBytes, open_docx
from dsagen.read.stories import (
    comment_stories,
    header_footer_stories,
    note_stories,
    text_box_stories,
)
from dsagen.read.walk import Found, StoryWalker

__all__ = [
    "EMPHASIS_FLAGS",
    "REVISION_KINDS",
    "STORY_KINDS",
    "W_NS",
    "ReadDocument",
    "Revision",
    "Story",
    "ViewParagraph",
    "read_docx",
]

STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CUSTOM_PROPS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"
_ID_PARTS = ("header", "footer", "footnotes", "endnotes", "comments")


def read_docx(source: PathOrBytes, *, name: str | None = None) -> ReadDocument:
    """Read a DOCX (path or bytes) into accept/reject views, revisions, stories and properties.

    Raises :class:`~dsagen.errors.DocumentError` for anything that is not a safe, readable DOCX.
    """
    package = open_docx(source, name=name)
    relationships = _relationships(package, "word/_rels/document.xml.rels", "word")
    related = _related_parts(relationships)
    story_parts = [part for kind in _ID_PARTS for part in related[kind]]
    package.reserve_xml([MAIN_PART, *story_parts])  # refused before anything is parsed
    roots = {MAIN_PART: package.xml(MAIN_PART)}
    for part in story_parts:
        roots[part] = package.xml(part)

    revisions: list[Revision | None] = []
    found = Found()
    fingerprints = _Fingerprints(package)
    found.fingerprint, found.link_target = fingerprints.of, fingerprints.link
    styles = next((part for kind, part, _ in relationships if kind == "styles"), None)
    found.style_hiding = dict(package.derived(styles, _hiding) if styles else ())
    body = _body(package, roots[MAIN_PART])
    accepted, rejected = StoryWalker(MAIN_PART, revisions, found, body=True).walk(body)
    views = {
        part: StoryWalker(part, revisions, found).walk(roots[part])
        for kind in ("header", "footer")
        for part in related[kind]
    }
    parts_by_id = {rel_id: part for _, part, rel_id in relationships}
    stories = header_footer_stories(found.sections, parts_by_id, views, related)
    for kind, parts in (("footnote", related["footnotes"]), ("endnote", related["endnotes"])):
        for number, part in enumerate(parts):
            notes = note_stories(kind, part, roots[part], revisions, found)
            if number == 0:  # Word writes one notes part; numbering belongs to the first
                stories += notes
    for number, part in enumerate(related["comments"]):
        comments = comment_stories(part, roots[part], revisions, found)
        if number == 0:
            stories += comments
    stories += text_box_stories(found)

    _check_text_total(
        package,
        [*accepted, *rejected, *(p for story in stories for p in story.accepted + story.rejected)],
    )

    def story_text(part: str) -> str:
        return "\n".join(paragraph.text for paragraph in views[part][0] if paragraph.text)

    return ReadDocument(
        path=package.label,
        accepted=tuple(accepted),
        rejected=tuple(rejected),
        revisions=tuple(r for r in revisions if r is not None),
        core_properties=_core_properties(package),
        custom_properties=_custom_properties(package),
        headers=tuple(story_text(part) for part in related["header"]),
        footers=tuple(story_text(part) for part in related["footer"]),
        max_id=max(max_id(root) for root in roots.values()),
        stories=tuple(stories),
    )


def _hiding(styles: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple(style_hiding(styles).items())


def _check_text_total(package: DocxPackage, paragraphs: list[ViewParagraph]) -> None:
    """Comparing costs more than reading: refuse a document whose text, every view of every
    story together, is beyond any real agreement's."""
    total = sum(len(paragraph.text) for paragraph in paragraphs)
    if total > MAX_DOCUMENT_CHARS:
        raise package.error(
            f"too much text: {total:,} characters in all parts together "
            f"(limit: {MAX_DOCUMENT_CHARS:,})"
        )


def _body(package: DocxPackage, root: etree._Element) -> etree._Element:
    if isinstance(root.tag, str) and root.tag.startswith("{" + STRICT_W_NS + "}"):
        raise package.error(
            "Strict Open XML documents are not supported: save as 'Word Document (*.docx)'"
        )
    body = root.find(W + "body")
    if root.tag != W + "document" or body is None:
        raise package.error(f"{MAIN_PART} is not a WordprocessingML document (no w:body)")
    return body


# -- package-level parts ----------------------------------------------------------------------


class _Fingerprints:
    """Short digests of what a drawing points to (picture, chart, diagram data), and where a
    hyperlink leads, per part."""

    def __init__(self, package: DocxPackage) -> None:
        self.package = package
        # part -> (relationship id -> part it points to, relationship id -> hyperlink target)
        self.relations: dict[str, tuple[dict[str, str], dict[str, str]]] = {}

    def _relations(self, part: str) -> tuple[dict[str, str], dict[str, str]]:
        """A part's relationships, read once for both lookups."""
        found = self.relations.get(part)
        if found is None:
            folder, name = posixpath.split(part)
            rels = posixpath.join(folder, "_rels", name + ".rels")
            targets: dict[str, str] = {}
            links: dict[str, str] = {}
            if self.package.has(rels):
                for rel in self.package.xml(rels).iter(_REL + "Relationship"):
                    rel_id, target = rel.get("Id", ""), rel.get("Target", "")
                    if rel.get("Type", "").endswith("/hyperlink"):
                        links[rel_id] = target[:500]
                    elif (resolved := _internal(self.package, rel, folder)) is not None:
                        targets[rel_id] = resolved
            found = self.relations[part] = (targets, links)
        return found

    def link(self, part: str, rel_id: str) -> str:
        return self._relations(part)[1].get(rel_id, "")

    def of(self, part: str, relationship_ids: list[str]) -> str:
        targets = self._relations(part)[0]
        digest = hashlib.sha256()
        found = False
        for rel_id in relationship_ids:
            target = targets.get(rel_id)
            if target is not None:
                digest.update(self.package.read(target))
                found = True
        return digest.hexdigest()[:6] if found else ""


def _relationships(package: DocxPackage, rels_part: str,
                   base: str) -> list[tuple[str, str, str]]:  # fmt: skip
    """(type suffix, resolved part name, Id) for each internal relationship in ``rels_part``."""
    if not package.has(rels_part):
        return []
    found = []
    for rel in package.xml(rels_part).iter(_REL + "Relationship"):
        resolved = _internal(package, rel, base)
        if resolved is not None:
            found.append((rel.get("Type", "").rsplit("/", 1)[-1], resolved, rel.get("Id", "")))
    return found


def _internal(package: DocxPackage, rel: etree._Element, base: str) -> str | None:
    """The package part an internal relationship points to, if the package has it."""
    target = rel.get("Target", "")
    if rel.get("TargetMode") == "External" or not target:
        return None
    if target.startswith("/"):
        resolved = target.lstrip("/")
    else:
        resolved = posixpath.normpath(posixpath.join(base, target))
    return resolved if package.has(resolved) else None


def _related_parts(relationships: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    related: dict[str, list[str]] = {kind: [] for kind in _ID_PARTS}
    for kind, part, _ in relationships:
        if kind in related and part not in related[kind]:
            related[kind].append(part)
    for kind in related:
        related[kind].sort(key=_natural_key)
    return related


def _natural_key(name: str) -> list[tuple[int, str]]:
    """header2 before header10; numbers compare by length then digits, never through int()."""
    key = []
    for number, token in enumerate(re.split(r"([0-9]+)", name)):
        digits = token.lstrip("0") if number % 2 else token
        key.append((len(digits), digits) if number % 2 else (-1, token))
    return key


def _package_part(package: DocxPackage, kind: str, default: str) -> str | None:
    for found_kind, part, _ in _relationships(package, "_rels/.rels", ""):
        if found_kind == kind:
            return part
    return default if package.has(default) else None


def _core_properties(package: DocxPackage) -> dict[str, str]:
    part = _package_part(package, "core-properties", "docProps/core.xml")
    if part is None:
        return {}
    properties = {}
    for child in package.xml(part):
        if isinstance(child.tag, str) and child.text and child.text.strip():
            properties[etree.QName(child).localname] = child.text.strip()
    return properties


def _custom_properties(package: DocxPackage) -> dict[str, str]:
    part = _package_part(package, "custom-properties", "docProps/custom.xml")
    if part is None:
        return {}
    properties = {}
    for prop in package.xml(part).iter(_CUSTOM_PROPS + "property"):
        name = prop.get("name")
        if name is not None:
            value = next(iter(prop), None)
            properties[name] = (value.text or "") if value is not None else ""
    return properties


_W_IDS = etree.XPath("//@w:id", namespaces={"w": W_NS}, smart_strings=False)


def max_id(root: etree._Element) -> int:
    """The largest plain decimal ``w:id`` (ids over nine digits are ignored, never parsed),
    read by XPath: the attributes alone, not a Python step per element."""
    ids = (decimal(value) for value in _W_IDS(root))
    return max((value for value in ids if value is not None), default=0)
