"""The value rules the crosswalks share (schemas/xwalk_values.py, schemas/xwalk_ids.py):
text in and out, xml:lang, language codes, identifier routing, formats, DCMI Type terms."""
from __future__ import annotations

import pytest

from schemas.xwalk_ids import (
    classify,
    doi_url,
    format_kind,
    is_access_statement,
    isbn_digits,
    isbn_urn,
    issn_form,
)
from schemas.xwalk_values import dcmi_type, in_text, marc_language, out_text, xml_lang


@pytest.mark.parametrize("raw, expected", [
    ("  padded  ", "padded"),
    ("a\x00b\x0bc\x1dd\x1ee\x1ff\x1bg", "abcdefg"),     # C0 controls incl. ISO 2709 terminators
    ("no\ufffe\uffffnon\ud800chars", "nononchars"),
    ("keeps\ttab", "keeps\ttab"),
    (None, ""),
])
def test_out_text(raw, expected):
    assert out_text(raw) == expected


@pytest.mark.parametrize("raw, lines, expected", [
    ("\n    wrapped\n    text  ", False, "wrapped text"),
    ("Cafe\u0301", False, "Caf\u00e9"),                              # NFC
    ("M\u00c3\u00bcller", False, "M\u00fcller"),                      # double-encoded UTF-8
    ("\u00c3\u00a9t\u00c3\u00a9", False, "\u00e9t\u00e9"),
    ("caf\u00e9 \u00c3\u00a9", False, "caf\u00e9 \u00c3\u00a9"),      # mixed: left alone
    ("ctrl\x0bchar", False, "ctrlchar"),
    ("one\n\n\n\n  two   words\nthree", True, "one\n\ntwo words\nthree"),
    ("", False, ""),
])
def test_in_text(raw, lines, expected):
    assert in_text(raw, lines=lines) == expected


@pytest.mark.parametrize("lang, expected", [
    ("en", "en"), ("en_US", "en-US"), ("de-CH", "de-CH"), ("  fr ", "fr"),
    ("english language", None), ("x" * 9, None), ("", None), (None, None),
])
def test_xml_lang(lang, expected):
    assert xml_lang(lang) == expected


@pytest.mark.parametrize("value, code", [
    ("en", "eng"), ("EN", "eng"), ("en-GB", "eng"), ("pt_BR", "por"), ("de", "ger"),
    ("deu", "ger"), ("ger", "ger"), ("fra", "fre"), ("nld", "dut"), ("zho", "chi"),
    ("ces", "cze"), ("ell", "gre"), ("zh", "chi"), ("ja", "jpn"), ("und", "und"),
    ("English", None), ("xx", None), ("e", None),
])
def test_marc_language(value, code):
    assert marc_language(value) == code


@pytest.mark.parametrize("value, digits", [
    ("978-3-16-148410-0", "9783161484100"), ("9780306406157", "9780306406157"),
    ("0-306-40615-2", "0306406152"), ("0 306 40615 2", "0306406152"),
    ("ISBN 0-8044-2957-X", "080442957X"), ("isbn:080442957x", "080442957X"),
    ("urn:isbn:9780306406157", "9780306406157"), ("0306406152 (pbk.)", "0306406152"),
    ("978-3-16-148410-1", None), ("0-306-40615-3", None), ("123", None),
    ("977-3-16-148410-0", None),
])
def test_isbn_checksums(value, digits):
    assert isbn_digits(value) == digits


@pytest.mark.parametrize("value, form", [
    ("0378-5955", "0378-5955"), ("03785955", "0378-5955"), ("ISSN 2049-3630", "2049-3630"),
    ("0317-847X", None), ("0378-5954", None), ("1234", None),
])
def test_issn_checksums(value, form):
    assert issn_form(value) == form


@pytest.mark.parametrize("value, kind, normal", [
    ("https://repo.example.org/x", "url", "https://repo.example.org/x"),
    ("ftp://ftp.example.org/f", "url", "ftp://ftp.example.org/f"),
    ("10.1234/abcd", "doi", "10.1234/abcd"),
    ("doi:10.1234/abcd", "doi", "10.1234/abcd"),
    ("https://dx.doi.org/10.1234/ABCD", "doi", "10.1234/ABCD"),
    ("hdl:1234/5678", "hdl", "1234/5678"),
    ("urn:nbn:de:101", "urn", "urn:nbn:de:101"),
    ("urn:isbn:9780306406157", "isbn", "9780306406157"),
    ("urn:issn:0378-5955", "issn", "0378-5955"),
    ("oai:example.org:1", "other", "oai:example.org:1"),
    ("2024", "other", "2024"),
])
def test_identifier_routing(value, kind, normal):
    assert tuple(classify(value)) == (kind, normal)


def test_normal_forms_written_back():
    assert doi_url("doi:10.1/x") == "https://doi.org/10.1/x"
    assert doi_url("https://doi.org/10.1/x") == "https://doi.org/10.1/x"
    assert isbn_urn("0-306-40615-2 (pbk.)") == "urn:isbn:0306406152"
    # a harvested ISBN with a wrong check digit is still kept, as its digits
    assert isbn_urn("0-306-40615-3") == "urn:isbn:0306406153"
    assert isbn_urn("no isbn here") is None


@pytest.mark.parametrize("value, kind", [
    ("application/pdf", "mime"), ("text/html; charset=utf-8", "mime"),
    ("application/vnd.ms-excel", "mime"), ("12 p.", "extent"), ("3 MB", "extent"),
    ("1 map, 46 x 52 cm.", "extent"), ("paper", "medium"), ("PDF", "medium"),
])
def test_format_kind(value, kind):
    assert format_kind(value) == kind


def test_access_statements():
    assert is_access_statement("info:eu-repo/semantics/openAccess")
    assert is_access_statement("info:eu-repo/semantics/embargoedAccess")
    assert not is_access_statement("https://creativecommons.org/licenses/by/4.0/")
    assert not is_access_statement("Open access for all")


@pytest.mark.parametrize("value, term", [
    ("Text", "Text"), ("text", "Text"), ("still image", "StillImage"),
    ("Interactive Resource", "InteractiveResource"), ("movingimage", "MovingImage"),
    ("Article", None), ("", None),
])
def test_dcmi_type(value, term):
    assert dcmi_type(value) == term
