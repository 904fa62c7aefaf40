"""The error vocabulary: explicit codes, table lookup, several errors at once."""
from __future__ import annotations

import pytest

from oai import errors
from oai.errors import (
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoMetadataFormats,
    NoRecordsMatch,
    NoSetHierarchy,
    OAIError,
    OAIErrorGroup,
    UnknownOAIError,
)

SPEC_CODES = {
    "badArgument": BadArgument, "badResumptionToken": BadResumptionToken, "badVerb": BadVerb,
    "cannotDisseminateFormat": CannotDisseminateFormat, "idDoesNotExist": IdDoesNotExist,
    "noMetadataFormats": NoMetadataFormats, "noRecordsMatch": NoRecordsMatch,
    "noSetHierarchy": NoSetHierarchy,
}


@pytest.mark.parametrize("code,cls", SPEC_CODES.items())
def test_every_spec_code_has_its_class(code, cls):
    assert cls.code == code
    assert errors.by_code(code) is cls
    assert issubclass(cls, OAIError)
    err = errors.from_code(code, "partner text")
    assert type(err) is cls and err.message == "partner text" and err.code == code


def test_codes_table_is_exactly_the_spec():
    assert errors.CODES == set(SPEC_CODES)


def test_no_metadata_formats_is_not_lost():
    # The plural code is where deriving class names from codes goes wrong in other clients.
    assert errors.by_code("noMetadataFormats") is NoMetadataFormats
    assert errors.by_code("noMetadataFormat") is None


def test_unknown_code_is_kept_verbatim():
    assert errors.by_code("tooManyRequests") is None
    err = errors.from_code("tooManyRequests", "slow down")
    assert isinstance(err, UnknownOAIError) and isinstance(err, OAIError)
    assert err.code == "tooManyRequests" and err.message == "slow down"


def test_default_and_given_messages():
    assert BadVerb().message == BadVerb.default_message
    assert BadVerb("").message == BadVerb.default_message
    assert str(IdDoesNotExist("gone")) == "gone"
    single = NoRecordsMatch("none")
    assert single.errors == (single,)


def test_group_flattens_and_keeps_order():
    a, b, c = BadArgument("a"), BadArgument("b"), CannotDisseminateFormat("c")
    inner = OAIErrorGroup([a, b])
    group = OAIErrorGroup([inner, c])
    assert group.errors == (a, b, c)
    assert group.codes == ("badArgument", "badArgument", "cannotDisseminateFormat")
    assert group.code == "badArgument"
    assert "a" in group.message and "c" in group.message
    with pytest.raises(ValueError):
        OAIErrorGroup([])


def test_raise_all():
    errors.raise_all([])  # nothing to raise
    one = NoSetHierarchy("no sets")
    with pytest.raises(NoSetHierarchy) as got:
        errors.raise_all([one])
    assert got.value is one
    with pytest.raises(OAIErrorGroup) as many:
        errors.raise_all([BadArgument("x"), BadArgument("y")])
    assert [e.message for e in many.value.errors] == ["x", "y"]


def test_catching_the_base_catches_every_error():
    for cls in SPEC_CODES.values():
        with pytest.raises(OAIError):
            raise cls()
    with pytest.raises(OAIError):
        raise OAIErrorGroup([BadVerb()])
