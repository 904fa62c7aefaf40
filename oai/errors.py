"""The OAI-PMH error vocabulary (§3.6), shared by the server and the harvester.

Hierarchy::

    OAIError                  an error reported in an OAI-PMH <error> element
    ├── BadArgument           badArgument
    ├── BadResumptionToken    badResumptionToken
    ├── BadVerb               badVerb
    ├── CannotDisseminateFormat
    ├── IdDoesNotExist
    ├── NoMetadataFormats
    ├── NoRecordsMatch
    ├── NoSetHierarchy
    └── OAIErrorGroup         several of the above at once (§3.6: report all errors found)

Every class names its spec code explicitly and ``by_code`` is a table, not a name derivation:
deriving class names from codes is how ``noMetadataFormats`` silently became a generic error in
other clients. The server raises these classes; the harvester raises the same ones (through
``from_code``) when a partner answers with ``<error>``.
"""
from __future__ import annotations

from typing import ClassVar, Iterable


class OAIError(Exception):
    """An error reported to the harvester in an OAI-PMH <error> element (HTTP 200, §3.1.2.2)."""

    code: ClassVar[str] = ""
    default_message: ClassVar[str] = "The request could not be answered."

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message else self.default_message
        super().__init__(self.message)

    @property
    def errors(self) -> tuple[OAIError, ...]:
        """The individual errors to report: one <error> element each."""
        return (self,)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadArgument(OAIError):
    """The request includes illegal arguments, is missing required arguments, includes a
    repeated argument, or values for arguments have an illegal syntax."""

    code = "badArgument"
    default_message = "The request has an illegal, missing or repeated argument."


class BadResumptionToken(OAIError):
    """The value of the resumptionToken argument is invalid or expired."""

    code = "badResumptionToken"
    default_message = "The resumptionToken is invalid or expired."


class BadVerb(OAIError):
    """Value of the verb argument is not a legal OAI-PMH verb, the verb argument is missing,
    or the verb argument is repeated."""

    code = "badVerb"
    default_message = "The verb is missing, repeated or not an OAI-PMH verb."


class CannotDisseminateFormat(OAIError):
    """The metadata format identified by the value given for the metadataPrefix argument is
    not supported by the item or by the repository."""

    code = "cannotDisseminateFormat"
    default_message = "The metadata format is not supported by the item or the repository."


class IdDoesNotExist(OAIError):
    """The value of the identifier argument is unknown or illegal in this repository."""

    code = "idDoesNotExist"
    default_message = "The identifier is unknown in this repository."


class NoMetadataFormats(OAIError):
    """There are no metadata formats available for the specified item."""

    code = "noMetadataFormats"
    default_message = "There are no metadata formats available for this item."


class NoRecordsMatch(OAIError):
    """The combination of the values of the from, until, set and metadataPrefix arguments
    results in an empty list."""

    code = "noRecordsMatch"
    default_message = "No records match the request."


class NoSetHierarchy(OAIError):
    """The repository does not support sets."""

    code = "noSetHierarchy"
    default_message = "This repository does not support sets."


_BY_CODE: dict[str, type[OAIError]] = {
    cls.code: cls
    for cls in (BadArgument, BadResumptionToken, BadVerb, CannotDisseminateFormat,
                IdDoesNotExist, NoMetadataFormats, NoRecordsMatch, NoSetHierarchy)
}
CODES: frozenset[str] = frozenset(_BY_CODE)


def by_code(code: str) -> type[OAIError] | None:
    """The class for a spec error code, or None for a code the spec does not define."""
    return _BY_CODE.get(code)


class UnknownOAIError(OAIError):
    """A partner's <error> whose code the spec does not define; ``code`` is kept verbatim."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code  # type: ignore[misc]  # per instance: whatever the partner sent


def from_code(code: str, message: str | None = None) -> OAIError:
    """An error instance for *code* (as read from a partner's <error code=...>)."""
    cls = by_code(code)
    return cls(message) if cls is not None else UnknownOAIError(code, message)


class OAIErrorGroup(OAIError):
    """Several errors reported together, each in its own <error> element (§3.6, G§8).

    ``code`` is the first error's, so code that looks at one code still works.
    """

    def __init__(self, errors: Iterable[OAIError]) -> None:
        flat: list[OAIError] = []
        for err in errors:
            flat.extend(err.errors)
        if not flat:
            raise ValueError("an OAIErrorGroup needs at least one error")
        self._errors = tuple(flat)
        self.code = flat[0].code  # type: ignore[misc]
        super().__init__("; ".join(e.message for e in flat))

    @property
    def errors(self) -> tuple[OAIError, ...]:
        return self._errors

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(e.code for e in self._errors)


def raise_all(errors: Iterable[OAIError]) -> None:
    """Raise nothing for no errors, the error itself for one, an OAIErrorGroup for several."""
    found = list(errors)
    if len(found) == 1:
        raise found[0]
    if found:
        raise OAIErrorGroup(found)
