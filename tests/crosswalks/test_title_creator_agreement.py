"""The title and the creators of every format match those of the record's oai_dc: for each DC
record, render marc21 and mods, read them back, compare with the DC input. Records: the
repository's own test data, the real oai_dc responses in shared/realworld, hand-made edge cases
and generated ones.

Reading collapses runs of whitespace and normalises to NFC (crosswalks.md §6: layout is not
content), so the DC side is compared through the same ``in_text`` rule; MARC has no xml:lang
and picks its 245 by language (§6), so MARC titles are compared as a set and without language.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from schemas.marc21 import MARC21
from schemas.mods import MODS
from schemas.oai_dc import OAI_DC_NS, read_dc
from schemas.xwalk_values import in_text, xml_lang
from store.record_types import DCValue as D
from store.syntax import clean_text
from tests.crosswalks.helpers import realworld

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"

EDGE_CASES = [
    (D("title", "The Hobbit", "en"), D("creator", "Tolkien, J. R. R.")),
    (D("title", "Haupttitel", "de"), D("title", "Main title", "en"), D("language", "en"),
     D("creator", "ACME Lab"), D("creator", "Doe, Jane"), D("creator", "Beta Group")),
    (D("title", "Results, 2024."), D("creator", "Doe, Jane,"), D("creator", "Roe, R. ;")),
    (D("title", "Bad\x0bchar"), D("creator", "Ünal, Ayşe"), D("contributor", "Ünal, Ayşe")),
    (D("title", "Same"), D("title", "Same"), D("creator", "X"), D("creator", "X")),
    (D("title", "Wrapped\n   over  lines"), D("creator", "Müller, Hans", "de_DE")),
    (D("creator", "No title at all"),),
    (D("title", "No creator"), D("contributor", "Only, A. Contributor")),
    (),
]


def _oai_dc_records(root: etree._Element) -> list[tuple[D, ...]]:
    return [read_dc(dc)[0] for dc in root.iter(f"{{{OAI_DC_NS}}}dc")]


def _dedupe(items: list) -> list:
    return list(dict.fromkeys(items))


def check_agreement(dc: tuple[D, ...]) -> None:
    titles = [(in_text(v.value), xml_lang(v.lang)) for v in dc if v.element == "title"]
    creators = [(in_text(v.value), xml_lang(v.lang)) for v in dc if v.element == "creator"]
    titles = _dedupe([t for t in titles if t[0]])
    creators = _dedupe([c for c in creators if c[0]])

    marc = MARC21.ingest(etree.fromstring(MARC21.serialize(dc)))
    assert sorted({v.value for v in marc if v.element == "title"}) == sorted(
        {t for t, _ in titles})
    assert [v.value for v in marc if v.element == "creator"] == _dedupe([c for c, _ in creators])

    mods = MODS.ingest(etree.fromstring(MODS.serialize(dc)))
    assert [(v.value, v.lang) for v in mods if v.element == "title"] == titles
    assert [(v.value, v.lang) for v in mods if v.element == "creator"] == creators


@pytest.mark.parametrize("dc", EDGE_CASES)
def test_edge_cases(dc):
    check_agreement(dc)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.xml")))
def test_records_of_the_test_data(name):
    records = _oai_dc_records(etree.parse(str(DATA / name)).getroot())
    for dc in records:
        check_agreement(dc)


@pytest.mark.parametrize("name, at_least", [
    ("listrecords_pmc_oai_dc_page1_token.xml", 50),
    ("getrecord_arxiv_oai_dc_utf8.xml", 1),
    ("listrecords_dataverse_deleted_lastpage.xml", 3),
])
def test_real_oai_dc_records(validate, name, at_least):
    records = _oai_dc_records(realworld(name))
    assert len(records) >= at_least
    for dc in records:
        assert any(v.element == "title" for v in dc)
        check_agreement(dc)
        validate(MARC21.serialize(dc))
        validate(MODS.serialize(dc))


_values = st.text(min_size=0, max_size=30).map(clean_text)
_langs = st.none() | st.sampled_from(["en", "de", "fr", "en_US", "pt-BR", "x y"])
_elements = st.sampled_from(["title", "creator", "contributor", "subject", "language", "date",
                             "identifier", "type"])
_dc = st.builds(D, _elements, _values, _langs)


@settings(max_examples=300, deadline=None)
@given(st.lists(_dc, max_size=12).map(tuple))
def test_generated_records(dc):
    check_agreement(dc)
