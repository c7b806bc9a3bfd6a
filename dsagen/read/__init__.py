"""Reading partner documents: safe DOCX package access and revision-aware OOXML views."""

from dsagen.read.docx import REVISION_KINDS, ReadDocument, Revision, ViewParagraph, read_docx
from dsagen.read.package import DocxPackage, open_docx

__all__ = [
    "REVISION_KINDS",
    "DocxPackage",
    "ReadDocument",
    "Revision",
    "ViewParagraph",
    "open_docx",
    "read_docx",
]
