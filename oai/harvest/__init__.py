"""Granary's harvester: partner OAI-PMH repositories read safely, page by page, into the store.

Two halves. The protocol client knows nothing of the store (no module of it imports
``store``): ``http`` (requests + urllib3 Retry: timeouts, backoff, Retry-After, compression,
politeness), ``xmlread`` (lxml with entities, DTDs and network off; removal of characters XML
forbids), ``parse`` (responses into ``models``), ``dates``, ``paging`` (every end-of-list
signal and a hard cap), ``client`` (``OAIClient``: the verbs, lists as committable ``Page``
streams, the GetRecord fallback), ``errors`` (typed errors; partners' ``<error>`` codes map
onto ``oai.errors``), ``policy`` (the one failure policy: error + situation -> action, with
every limit in ``HarvestPolicy``) and ``ahead`` (the next page fetched while one is written).

The store-facing half runs harvests: ``run`` (one source from Identify to its final status,
building the report from what each page did), ``walk`` (one list, each page written with its
checkpoint), ``mapping`` (a partner record -> our draft), ``continuation`` (an unfinished
harvest continued), ``partner_description`` (the partner's format and sets, kept for
serving), ``plan`` (full, incremental or range), ``jobs`` (several sources, for the CLI),
``sources`` (one-off sources and the administrator's listings), ``report`` and ``progress``.
"""
from oai.harvest.client import OAIClient
from oai.harvest.errors import (
    AccessDenied,
    BrokenPage,
    HarvestError,
    NotOAIResponse,
    PartnerError,
    RequestCapReached,
    ResponseTooLarge,
    TokenRejected,
    TransportError,
    UnexpectedStatus,
    UnsafeDocument,
)
from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.models import (
    FormatInfo,
    HarvestedRecord,
    Header,
    ListWindow,
    Page,
    PartnerIdentity,
    PartnerSet,
    Repair,
    ResumptionInfo,
    SetAside,
)
from oai.harvest.policy import HarvestPolicy

__all__ = [
    "AccessDenied", "BrokenPage", "FormatInfo", "HarvestError", "HarvestPolicy",
    "HarvestedRecord", "Header", "HttpClient", "HttpConfig", "ListWindow", "NotOAIResponse",
    "OAIClient", "Page", "PartnerError", "PartnerIdentity", "PartnerSet", "Repair",
    "RequestCapReached", "ResponseTooLarge", "ResumptionInfo", "SetAside", "TokenRejected",
    "TransportError", "UnexpectedStatus", "UnsafeDocument",
]
