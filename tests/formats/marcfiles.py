"""Binary MARC 21 (ISO 2709) files for the import tests, built with pymarc: UTF-8 records, a
MARC-8 record (its bytes patched in: pymarc writes UTF-8 only), a truncated file."""
from __future__ import annotations

from pathlib import Path

from pymarc import Field, Record, Subfield

# A valid MARC 21 Leader (MARC21slim.xsd checks its pattern): a book, full level.
LEADER = "00000nam a2200000 i 4500"


def record(control: str, title: str, creator: str = "Smith, Jane,") -> Record:
    rec = Record(leader=LEADER)
    rec.add_field(Field(tag="001", data=control))
    rec.add_field(Field(tag="008", data="240131s2024    xx            000 0 eng d"))
    rec.add_field(Field(tag="100", indicators=["1", " "], subfields=[Subfield("a", creator)]))
    rec.add_field(Field(tag="245", indicators=["1", "0"],
                        subfields=[Subfield("a", title + " /")]))
    rec.add_field(Field(tag="650", indicators=[" ", "0"], subfields=[Subfield("a", "Rivers")]))
    return rec


def utf8_file(path: Path, *titles: str) -> Path:
    path.write_bytes(b"".join(record(f"rec-{i}", t).as_marc() for i, t in enumerate(titles)))
    return path


def marc8_file(path: Path) -> Path:
    """One MARC-8 record titled "José and the sea": MARC-8 puts the combining acute (0xE2)
    before its base letter; Leader/09 blank says MARC-8."""
    raw = bytearray(record("m8-1", "Jos`e and the sea").as_marc())
    raw[9:10] = b" "
    path.write_bytes(bytes(raw).replace(b"`", b"\xe2"))
    return path
