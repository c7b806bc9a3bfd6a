"""Properties of the respond core: a countered value is always acceptable, and our answer
written on top of the partner's revisions makes the paragraph read as we propose while
rejecting everything still gives what it read before anyone changed it."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsagen.library import load_library
from dsagen.params import Param
from dsagen.positions import rank
from dsagen.read.docx import read_docx
from dsagen.read.package import read_document_bytes
from dsagen.redline import Overlay, Rewrite, Stamp, render_redline
from dsagen.respond.plan import nearest_acceptable
from tests.budget import examples
from tests.conftest import EXAMPLES, ROOT

RETURNED = ROOT / "examples" / "negotiated" / "gravy-uf-v2.docx"
PHRASE = "days before submitting any Publication"


def _countered_params() -> list[Param]:
    return [
        p
        for clause in load_library().clauses.values()
        for p in clause.params.values()
        if p.playbook is not None
        and p.playbook.standard is not None
        and p.type in ("int", "float", "enum", "bool")
    ]


@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_nearest_acceptable_value_is_standard_or_a_fallback(data: st.DataObject) -> None:
    param = data.draw(st.sampled_from(_countered_params()))
    if param.type == "int":
        value = data.draw(st.integers(int(param.min or 0), int(param.max or 10_000)))
    elif param.type == "float":
        value = data.draw(st.floats(param.min or 0.0, param.max or 100.0))
    elif param.type == "enum":
        value = data.draw(st.sampled_from(param.choices))
    else:
        value = data.draw(st.booleans())
    assert param.playbook is not None
    countered = nearest_acceptable(param, value)
    assert rank(param.playbook.position(countered)) <= rank("fallback"), (
        param.name,
        value,
        countered,
    )
    if rank(param.playbook.position(value)) <= rank("fallback") and param.type != "float":
        assert param.playbook.position(countered) != "walk-away"


@lru_cache(maxsize=1)
def _layered() -> bytes:
    """The returned example with the partner's silent edits tracked under their name."""
    from dsagen.review import load_standard

    standard = load_standard(EXAMPLES / "gravy-uf.yaml", load_library())
    return render_redline(
        standard.docx, read_document_bytes(RETURNED), author="Partner", date="2026-01-01T00:00:00Z"
    )


_WORDS = st.sampled_from(
    [
        "fifteen",
        "(15)",
        "calendar",
        "business",
        "days",
        "the",
        "Provider",
        "shall",
        "not",
        "ten",
        ",",
    ]
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 3), st.lists(_WORDS, max_size=3)),
        min_size=1,
        max_size=4,
    )
)
def test_our_answer_reads_as_proposed_and_rejects_to_the_original(
    edits: list[tuple[int, int, list[str]]],
) -> None:
    layered = _layered()
    before = read_docx(layered)
    index, paragraph = next((i, p) for i, p in enumerate(before.accepted) if PHRASE in p.text)
    rejected_before = [p.text for p in before.rejected]
    words = paragraph.text.split(" ")
    for position, removed, added in edits:  # a random rewording of the partner's text
        at = position % (len(words) + 1)
        words[at : at + removed] = added
    target = " ".join(w for w in words if w)
    overlay = Overlay(layered, Stamp("Us", "2026-02-01T00:00:00Z"))
    group = [overlay.paragraphs[i] for i in paragraph.sources]
    overlay.rewrite(Rewrite(group, target))
    after = read_docx(overlay.write())
    assert after.accepted[index].text == target
    assert [p.text for p in after.rejected] == rejected_before
    assert {r.author for r in after.revisions} <= {
        "Partner",
        "Us",
        "Counsel, Gulf Coast State University",
    }
