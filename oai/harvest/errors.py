"""Everything that can stop a harvest request, as typed errors.

Hierarchy::

    HarvestError                 base; ``url`` names the request that failed
    ├── TransportError           the partner could not be reached or did not answer in time,
    │                            after every retry (never a silent None: sickle#39)
    ├── AccessDenied             HTTP 401/403: stop the source (guidelines: terminate on 403)
    ├── UnexpectedStatus         another HTTP status without an OAI-PMH body
    ├── ResponseTooLarge         the (decompressed) body passed the configured limit
    ├── NotOAIResponse           well-formed, but not an OAI-PMH document (an HTML page, ...)
    ├── BrokenPage               not well-formed even after removing forbidden characters:
    │   │                        undefined entity, truncated body, bad encoding, ...
    │   └── UnsafeDocument       a DTD or entity declarations (billion laughs, XXE): refused
    ├── PartnerError             the partner answered with OAI-PMH <error> (any HTTP status)
    │   └── TokenRejected        badResumptionToken: restart the list from a datestamp
    └── RequestCapReached        a list used more requests than allowed; it never loops forever

``ANSWER_ERRORS`` are the errors of a partner that answered, but not with what was asked
(an OAI error, a broken page, something not OAI-PMH): about that request, not the connection.
What to do about any of them is decided in ``policy``, nowhere else.

``PartnerError.error`` is the ``oai.errors`` instance for the partner's code, so server and
harvester share one error vocabulary. Outcomes that end a list normally (noRecordsMatch, an
empty token, ...) are not errors: they are reported on the last ``Page``.
"""
from __future__ import annotations

from typing import Any

from oai.errors import OAIError, from_code


class HarvestError(Exception):
    """A request to a partner failed; the message says which URL and why.

    Raised from a list, ``token`` is the resumption token of the failed request (None for a
    first request) and ``window`` the list's selection (a ``models.ListWindow``).
    """

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.token: str | None = None
        # A models.ListWindow; not imported here: models' own imports raise these errors.
        self.window: Any = None


class TransportError(HarvestError):
    """Network errors, timeouts or 429/5xx answers outlasted every retry."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message, url)
        self.status = status


class AccessDenied(HarvestError):
    """HTTP 401 or 403: the partner refuses us; retrying would not help."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered HTTP {status}: access denied; the source is stopped "
                         "until an administrator looks at it", url)
        self.status = status


class UnexpectedStatus(HarvestError):
    """An HTTP status we cannot act on, with a body that is not an OAI-PMH response."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url} answered HTTP {status} without an OAI-PMH response", url)
        self.status = status


class ResponseTooLarge(HarvestError):
    """The body passed the size limit (a decompression bomb or a runaway server)."""


class NotOAIResponse(HarvestError):
    """The body is XML (or HTML) but not an OAI-PMH response."""


class BrokenPage(HarvestError):
    """The body is not well-formed XML even after the repairs we allow ourselves.

    ``kind`` is one of ``"undefined-entity"``, ``"truncated"``, ``"encoding"``,
    ``"not-well-formed"`` or ``"unsafe"``; ``body`` holds the raw bytes, for quarantine and for
    a report to the partner. Raised by a list, its ``window`` is what to take through the
    ListIdentifiers + GetRecord fallback.
    """

    def __init__(self, message: str, url: str | None = None, *, kind: str,
                 body: bytes = b"") -> None:
        super().__init__(message, url)
        self.kind = kind
        self.body = body


class UnsafeDocument(BrokenPage):
    """A DOCTYPE or entity declaration: refused before anything is expanded or fetched."""

    def __init__(self, message: str, url: str | None = None, *, body: bytes = b"") -> None:
        super().__init__(message, url, kind="unsafe", body=body)


class PartnerError(HarvestError):
    """The partner answered with one or more OAI-PMH <error> elements."""

    def __init__(self, error: OAIError, url: str | None = None, *,
                 http_status: int = 200, all_errors: tuple[OAIError, ...] = (),
                 response_date: str = "") -> None:
        super().__init__(f"{url} answered {error.code}: {error.message}", url)
        self.error = error
        self.code = error.code
        self.http_status = http_status
        self.all_errors = all_errors or (error,)
        self.response_date = response_date

    @classmethod
    def from_codes(cls, pairs: list[tuple[str, str]], url: str | None, *,
                   http_status: int = 200, response_date: str = "") -> PartnerError:
        """The error for the partner's (code, message) pairs; the first code decides the class."""
        errors = [from_code(code, message) for code, message in pairs]
        first = errors[0]
        kind = TokenRejected if first.code == "badResumptionToken" else cls
        return kind(first, url, http_status=http_status, all_errors=tuple(errors),
                    response_date=response_date)


class TokenRejected(PartnerError):
    """badResumptionToken: the token is invalid or expired. The run loop restarts the list
    from its last committed datestamp (sickle#19: tokens are volatile)."""


class RequestCapReached(HarvestError):
    """A list asked for more pages than the configured cap: something loops."""


# The partner answered, but not with what was asked (see the module docstring).
ANSWER_ERRORS = (PartnerError, BrokenPage, NotOAIResponse)
