"""The packages the redline reads and writes: story parts, relationships, content types, ids.

The output starts as the negotiated package; parts we rewrite are parsed once and serialised at
the end. Objects deleted from the standard (images, hyperlinks, footnotes) need their targets in
the output, so relationships are imported here with fresh ids (OPC, ECMA-376 Part 2 §9-10).
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile

from lxml import etree

from ..ooxml import CT_NS, REL_NS, R, W, set_setting
from ..output import zip_members
from ..read.docx import max_id
from ..read.package import DocxPackage, open_docx
from .formats import Styles
from .ooxml import W_ID

DOCUMENT = "word/document.xml"
_REL = "{" + REL_NS + "}Relationship"
_CT = "{" + CT_NS + "}"
RELATIONSHIP_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#: Parts whose w:id values share Word's one annotation counter (comparison.md §3.5).
ID_PART_KINDS = ("header", "footer", "footnotes", "endnotes", "comments")


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


class Package:
    """One opened DOCX: parts parsed on demand, relationships resolved per part."""

    def __init__(self, data: bytes, label: str) -> None:
        self.source: DocxPackage = open_docx(data, name=label)
        self.roots: dict[str, etree._Element] = {}
        self._digests: dict[str, str] = {}
        self._styles: Styles | None = None

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = self._read_styles("word/styles.xml")
        return self._styles

    def _read_styles(self, name: str) -> Styles:
        """The standard's styles, only read: once per distinct styles part (DocxPackage.derived;
        every redline of one agreement has the same)."""
        return self.source.derived(name, Styles) if self.has(name) else Styles(None)

    def has(self, part: str) -> bool:
        return part in self.roots or self.source.has(part)

    def xml(self, part: str) -> etree._Element:
        root = self.roots.get(part)
        if root is None:
            root = self.roots[part] = self.source.xml(part)
        return root

    def bytes_of(self, part: str) -> bytes:
        return self.source.read(part)

    def relationships(self, part: str) -> dict[str, etree._Element]:
        """rId -> w:Relationship element of `part`."""
        name = rels_name(part)
        if not self.has(name):
            return {}
        return {rel.get("Id", ""): rel for rel in self.xml(name).iter(_REL)}

    def target(self, part: str, rel: etree._Element) -> str | None:
        """The internal part a relationship points at, or None for an external target."""
        if rel.get("TargetMode") == "External":
            return None
        target = str(rel.get("Target", ""))
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))

    def related(self, part: str, kind: str) -> list[str]:
        """Internal parts related to `part` by relationship type `kind` (e.g. "header"), in
        natural name order (header1, header2, ... header10), as the reader orders them."""
        found = []
        for rel in self.relationships(part).values():
            if rel.get("Type", "").rsplit("/", 1)[-1] == kind:
                name = self.target(part, rel)
                if name and self.has(name) and name not in found:
                    found.append(name)
        return sorted(found, key=_natural_key)

    def reference_digest(self, part: str, rid: str) -> str:
        """What an r:id points at, as a value equal across packages: an external URL, or a
        digest of the target part's bytes (an unchanged image compares equal)."""
        rel = self.relationships(part).get(rid)
        if rel is None:
            return "missing:" + rid
        target = self.target(part, rel)
        if target is None:
            return "url:" + str(rel.get("Target", ""))
        digest = self._digests.get(target)
        if digest is None:
            data = self.bytes_of(target) if self.has(target) else b""
            digest = self._digests[target] = hashlib.sha1(data).hexdigest()
        return "part:" + digest

    def content_type(self, part: str) -> str | None:
        types = self.xml("[Content_Types].xml")
        for override in types.iter(_CT + "Override"):
            if override.get("PartName", "").lstrip("/") == part:
                return _optional_text(override.get("ContentType"))
        extension = part.rsplit(".", 1)[-1].lower()
        for default in types.iter(_CT + "Default"):
            if default.get("Extension", "").lower() == extension:
                return _optional_text(default.get("ContentType"))
        return None


class OutputPackage(Package):
    """The negotiated package being turned into the redline."""

    def __init__(self, data: bytes, standard: Package) -> None:
        super().__init__(data, "negotiated")
        self.data = data
        self.standard = standard
        self.added: dict[str, bytes] = {}
        self.next_id = self._max_id() + 1
        self._imported: dict[tuple[str, str, str], str] = {}
        self._orphans = self._orphaned_comments()

    def _read_styles(self, name: str) -> Styles:
        # Parsed as every part of the output is: it is written back from what was parsed.
        return Styles(self.xml(name) if self.has(name) else None)

    # -- comments ---------------------------------------------------------------------------
    def _orphaned_comments(self) -> set[str]:
        """Ids of the standard's comments that the partner's copy still holds, word for word,
        but no longer anchors (they deleted the commented text without tracking)."""
        ours, theirs = (_comment_texts(package) for package in (self, self.standard))
        anchored = {
            reference.get(W_ID, "")
            for part in [
                DOCUMENT,
                *(
                    p
                    for kind in ("header", "footer", "footnotes", "endnotes")
                    for p in self.related(DOCUMENT, kind)
                ),
            ]
            for reference in self.xml(part).iter(W + "commentReference")
        }
        return {
            key for key, text in ours.items() if key not in anchored and theirs.get(key) == text
        }

    def take_orphaned_comment(self, comment_id: str) -> bool:
        """True once for an orphaned comment: its reference may come back with the restored
        standard text, so that reject-all shows the comment where the standard had it."""
        if comment_id in self._orphans:
            self._orphans.discard(comment_id)
            return True
        return False

    # -- ids --------------------------------------------------------------------------------
    def _max_id(self) -> int:
        parts = [DOCUMENT] + [p for kind in ID_PART_KINDS for p in self.related(DOCUMENT, kind)]
        return max((max_id(self.xml(part)) for part in parts), default=0)

    def new_id(self) -> str:
        """One counter for revisions, bookmarks and ranges, above every id of the partner."""
        value = self.next_id
        self.next_id += 1
        return str(value)

    # -- parts and relationships -------------------------------------------------------------
    def has(self, part: str) -> bool:
        return part in self.added or super().has(part)

    def bytes_of(self, part: str) -> bytes:
        return self.added[part] if part in self.added else super().bytes_of(part)

    def xml(self, part: str) -> etree._Element:
        if part not in self.roots and part in self.added:
            self.roots[part] = etree.fromstring(self.added[part])
        return super().xml(part)

    def add_relationship(
        self, part: str, rel_type: str, target: str, external: bool = False
    ) -> str:
        """A new relationship from `part`; returns its fresh rId."""
        name = rels_name(part)
        if not self.has(name):
            self.added[name] = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<Relationships xmlns="' + REL_NS.encode() + b'"/>'
            )
        rels = self.xml(name)
        existing = {rel.get("Id") for rel in rels.iter(_REL)}
        number = len(existing) + 1
        while f"rIdDsagen{number}" in existing:
            number += 1
        rid = f"rIdDsagen{number}"
        rel = etree.SubElement(rels, _REL, Id=rid, Type=rel_type)
        if external:
            rel.set("Target", target)
            rel.set("TargetMode", "External")
        else:
            rel.set("Target", posixpath.relpath(target, posixpath.dirname(part)))
        return rid

    def add_part(self, name: str, data: bytes, content_type: str | None) -> None:
        self.added[name] = data
        if content_type:
            self.declare_content_type(name, content_type)

    def declare_content_type(self, part: str, content_type: str) -> None:
        if self.content_type(part) == content_type:
            return
        types = self.xml("[Content_Types].xml")
        extension = part.rsplit(".", 1)[-1].lower()
        has_default = any(
            d.get("Extension", "").lower() == extension for d in types.iter(_CT + "Default")
        )
        if not has_default and "." in part:
            default = etree.Element(_CT + "Default", Extension=extension, ContentType=content_type)
            first_override = types.find(_CT + "Override")
            (first_override.addprevious if first_override is not None else types.append)(default)
        else:
            etree.SubElement(types, _CT + "Override", PartName="/" + part, ContentType=content_type)

    def import_relationship(self, standard_part: str, rid: str, part: str) -> str:
        """Make the standard's relationship `rid` (from `standard_part`) available from `part`
        of the output; copies the target part (an image, say) when the output lacks it."""
        key = (standard_part, rid, part)
        if key in self._imported:
            return self._imported[key]
        rel = self.standard.relationships(standard_part).get(rid)
        if rel is None:
            return rid
        rel_type = rel.get("Type", "")
        target = self.standard.target(standard_part, rel)
        if target is None:
            new = self.add_relationship(part, rel_type, rel.get("Target", ""), external=True)
        else:
            data = self.standard.bytes_of(target)
            name = self._free_name(target, data)
            if not self.has(name):
                self.add_part(name, data, self.standard.content_type(target))
            new = self.add_relationship(part, rel_type, name)
        self._imported[key] = new
        return new

    def _free_name(self, target: str, data: bytes) -> str:
        if not self.has(target) or self.bytes_of(target) == data:
            return target
        folder, name = posixpath.split(target)
        stem, dot, extension = name.rpartition(".")
        digest = hashlib.sha1(data).hexdigest()[:10]
        return posixpath.join(folder, f"{stem or name}-standard-{digest}{dot}{extension}")

    def import_references(self, element: etree._Element, standard_part: str, part: str) -> None:
        """Rewrite every r:* attribute of a subtree cloned from the standard (r:id of a
        hyperlink, r:embed of an image...) to a relationship of the output part."""
        for node in element.iter():
            for name, value in node.attrib.items():
                if name.startswith(R):
                    node.set(name, self.import_relationship(standard_part, value, part))

    # -- settings and output -------------------------------------------------------------------
    def track_revisions(self) -> None:
        """w:trackRevisions on, in CT_Settings order, so the reader's own edits are tracked."""
        name = "word/settings.xml"
        if not self.has(name):
            return
        settings = self.xml(name)
        if settings.find(W + "trackRevisions") is None:
            set_setting(settings, etree.Element(W + "trackRevisions"))

    def serialise(self, level: int = 6) -> bytes:
        """The package as a deterministic ZIP: the partner's parts in their order, then the
        parts added, by name (deflated at `level`; see zip_members)."""
        with zipfile.ZipFile(io.BytesIO(self.data)) as source:
            names = [item.filename for item in source.infolist()]
        names += sorted(set(self.added) - set(names))
        return zip_members([(name, self._part_bytes(name)) for name in names], level)

    def _part_bytes(self, name: str) -> bytes:
        root = self.roots.get(name)
        if root is not None:
            return bytes(
                etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            )
        return self.bytes_of(name)


def _natural_key(name: str) -> list[object]:
    return [int(token) if token.isdigit() else token for token in re.split(r"(\d+)", name)]


def _comment_texts(package: Package) -> dict[str, str]:
    """Comment id -> author and text, for the package's comments part."""
    parts = package.related(DOCUMENT, "comments")
    if not parts:
        return {}
    return {
        comment.get(W_ID, ""): comment.get(W + "author", "") + "\n" + "".join(comment.itertext())
        for comment in package.xml(parts[0]).iter(W + "comment")
    }


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
