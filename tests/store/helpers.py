"""Small builders shared by the store tests."""
from __future__ import annotations

from datetime import datetime, timezone

from store.harvest_types import Checkpoint
from store.record_types import DCValue, Origin, RecordDraft

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)  # the clock fixture's start


def draft(n: int | str, *, title: str = "A title", sets: tuple[str, ...] = (),
          formats: tuple[str, ...] = ("oai_dc",), **kw) -> RecordDraft:
    """A record ``oai:test:<n>`` with one title and an xml blob per format naming the title."""
    ident = n if isinstance(n, str) else f"oai:test:{n:05d}"
    dc = kw.pop("dc", (DCValue("title", title), DCValue("creator", "Doe, J.", "en")))
    blobs = kw.pop("disseminations",
                   {p: f"<{p}>{title}</{p}>".encode() for p in formats})
    return RecordDraft(ident, dc=dc, sets=sets, disseminations=blobs, **kw)


def put(store, *drafts) -> list[str]:
    with store.writer() as w:
        return [w.put(d) for d in drafts]


PARTNER_URL = "https://partner.example.org/oai"
DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


def harvest_origin(source: str = "p", n: int = 1,
                   harvested: str = "2024-01-01T00:00:00Z") -> Origin:
    return Origin(source, PARTNER_URL, f"oai:partner:{n}", "2020-05-01", DC_NS, harvested)


def harvested(n: int, source: str = "p", **kw) -> RecordDraft:
    """Record *n* harvested from *source*, in its set partner:<source>."""
    return draft(f"oai:granary:{source}:{n}", origin=harvest_origin(source, n),
                 sets=(f"partner:{source}",), **kw)


def checkpoint(run_id: int, key: str = "", token: str | None = "t1", **kw) -> Checkpoint:
    """A checkpoint of source "p"'s list *key*."""
    return Checkpoint("p", key, run_id, "ListRecords", "oai_dc", key or None, None, None,
                      token, **kw)
