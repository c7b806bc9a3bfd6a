"""w:settings children stand in schema order in every DOCX dsagen writes (Word's validator and
strict consumers reject a settings part whose children are out of the CT_Settings sequence)."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from dsagen.ooxml import SETTINGS_ORDER, W, set_setting, settings_in_order
from dsagen.report.redline_docx import render_redline
from tests.docx_edits import enrich
from tests.test_compare_property import _standard


def _settings(docx: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return etree.fromstring(package.read("word/settings.xml"))


def test_the_issued_agreement_has_its_settings_in_schema_order() -> None:
    settings = _settings(_standard())
    assert settings.find(W + "updateFields") is not None
    assert settings_in_order(settings)


def test_the_redline_turns_tracking_on_in_schema_order() -> None:
    issued = _standard()
    settings = _settings(render_redline(issued, enrich(issued)))
    assert settings.find(W + "trackRevisions") is not None
    assert settings_in_order(settings)


@given(
    present=st.lists(st.sampled_from(SETTINGS_ORDER), unique=True),
    added=st.sampled_from(SETTINGS_ORDER),
    unknown_at=st.integers(min_value=0),
)
def test_set_setting_keeps_any_settings_part_in_order(
    present: list[str], added: str, unknown_at: int
) -> None:
    settings = etree.Element(W + "settings")
    for tag in sorted(present, key=SETTINGS_ORDER.index):
        etree.SubElement(settings, tag)
    extension = etree.Element("{http://schemas.microsoft.com/office/word/2010/wordml}docId")
    settings.insert(unknown_at % (len(settings) + 1), extension)
    element = set_setting(settings, etree.Element(added))
    assert settings_in_order(settings)
    assert [child for child in settings if child.tag == added] == [element]
    assert extension.getparent() is settings
