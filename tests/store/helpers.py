"""Small builders shared by the store tests."""
from __future__ import annotations

from datetime import datetime, timezone

from store.types import DCValue, RecordDraft

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
