"""Granary's harvester: partner OAI-PMH repositories read safely, page by page.

This package owns the network and the parsing, not the store: ``http`` (requests + urllib3
Retry: timeouts, backoff, Retry-After, compression, politeness), ``xmlread`` (lxml with
entities, DTDs and network off; removal of characters XML forbids), ``parse`` (responses into
``models``), ``paging`` (every end-of-list signal and a hard cap) and ``client``
(``OAIClient``: the verbs, lists as committable ``Page`` streams, the GetRecord fallback).
Errors are in ``errors``; partners' ``<error>`` codes map onto ``oai.errors``.
"""
from oai.harvest.client import OAIClient
from oai.harvest.errors import (AccessDenied, BrokenPage, HarvestError, NotOAIResponse,
                                PartnerError, RequestCapReached, ResponseTooLarge,
                                TokenRejected, TransportError, UnexpectedStatus,
                                UnsafeDocument)
from oai.harvest.http import HttpClient, HttpConfig
from oai.harvest.models import (FormatInfo, HarvestedRecord, Header, ListWindow, Page,
                                PartnerIdentity, PartnerSet, Repair, ResumptionInfo, SetAside)
from oai.harvest.paging import ListPolicy

__all__ = [
    "AccessDenied", "BrokenPage", "FormatInfo", "HarvestError", "HarvestedRecord", "Header",
    "HttpClient", "HttpConfig", "ListPolicy", "ListWindow", "NotOAIResponse", "OAIClient",
    "Page", "PartnerError", "PartnerIdentity", "PartnerSet", "Repair", "RequestCapReached",
    "ResponseTooLarge", "ResumptionInfo", "SetAside", "TokenRejected", "TransportError",
    "UnexpectedStatus", "UnsafeDocument",
]
