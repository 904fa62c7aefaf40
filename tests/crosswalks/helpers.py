"""Builders and readers the crosswalk tests share: MARCXML records from field tuples, MODS and
DataCite documents from inner XML, the fields of a rendered MARC record, the real-world
responses in ../shared/realworld (skipped outside CI when that folder is missing)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from schemas.marc_to_dc import MARC_NS

REALWORLD = Path(os.environ.get("OAI_REALWORLD_DIR")
                 or Path(__file__).resolve().parents[3] / "shared" / "realworld")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
M = f"{{{MARC_NS}}}"

Field = tuple[str, str, str, list[tuple[str, str]]]


def realworld(name: str) -> etree._Element:
    """The parsed file *name* of shared/realworld; skips (fails under CI) when absent."""
    path = REALWORLD / name
    if not path.is_file():
        reason = f"{path} is not there (the shared real-world responses)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(str(path), parser).getroot()


def fields(record: etree._Element) -> list[Field]:
    """The datafields of a MARCXML record as (tag, ind1, ind2, [(code, text), ...])."""
    return [(df.get("tag"), df.get("ind1"), df.get("ind2"),
             [(sf.get("code"), sf.text) for sf in df.findall(f"{M}subfield")])
            for df in record.findall(f"{M}datafield")]


def controls(record: etree._Element) -> dict[str, str]:
    return {c.get("tag"): c.text for c in record.findall(f"{M}controlfield")}


def marc(datafields: list[Field], *, leader: str = "00000nam a2200000 a 4500",
         f008: str | None = "240131s2024    xx      o     000 0 eng d",
         pretty: bool = False) -> etree._Element:
    """A MARCXML record to ingest, as a partner would send it (no 042 $a dc). With *pretty*,
    subfields are indented and wrapped as real files have them."""
    record = etree.Element(f"{M}record", nsmap={"marc": MARC_NS})
    etree.SubElement(record, f"{M}leader").text = leader
    if f008 is not None:
        etree.SubElement(record, f"{M}controlfield", tag="008").text = f008
    for tag, ind1, ind2, subs in datafields:
        df = etree.SubElement(record, f"{M}datafield", tag=tag, ind1=ind1, ind2=ind2)
        for code, text in subs:
            sf = etree.SubElement(df, f"{M}subfield", code=code)
            sf.text = f"\n      {text}\n    " if pretty else text
    return record


def wrap(inner: str, root: str, namespace: str) -> etree._Element:
    """``<root xmlns=namespace>inner</root>`` parsed."""
    return etree.fromstring(f'<{root} xmlns="{namespace}">{inner}</{root}>')


def pairs(values, element: str) -> list[tuple[str, str | None]]:  # noqa: ANN001
    """(value, lang) of the DC values of one element, in order."""
    return [(v.value, v.lang) for v in values if v.element == element]
