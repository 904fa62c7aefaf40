"""A deterministic test catalogue written through the real store and the oai_dc crosswalk:
records spread over days, a set hierarchy, records sharing one datestamp, and tombstones.
"""
from __future__ import annotations

from store.record_types import DCValue, RecordDraft, SetInfo

REPO_ID = "granary.example.org"


def ident(i: int) -> str:
    return f"oai:{REPO_ID}:rec-{i:04d}"


def sets_for(i: int) -> tuple[str, ...]:
    sets = []
    if i % 3 == 0:
        sets.append("human-rights:trafficking")
    elif i % 3 == 1:
        sets.append("human-rights")
    if i % 5 == 0:
        sets.append("history")
    if i % 7 == 6:
        sets = []
    return tuple(sets)


def draft(i: int, *, title: str | None = None, sets: tuple[str, ...] | None = None) -> RecordDraft:
    from schemas import default_registry

    dc = (
        DCValue("title", title or f"Record number {i}", "en"),
        DCValue("creator", f"Author {i % 4}"),
        DCValue("subject", "Trafficking in persons" if i % 3 == 0 else "Human rights"),
        DCValue("date", f"{2000 + i % 20}"),
        DCValue("type", "Text"),
        DCValue("identifier", f"https://library.example.org/items/{i}"),
        DCValue("language", "en"),
    )
    disseminations = {f.prefix: f.serialize(dc) for f in default_registry().renderable()}
    return RecordDraft(identifier=ident(i), dc=dc, sets=sets_for(i) if sets is None else sets,
                       disseminations=disseminations)


def build(store, clock, n: int = 35, deleted: tuple[int, ...] = (4, 17, 30)) -> dict:
    """Writes *n* records (pairs share a datestamp), then deletes *deleted*. Returns facts."""
    with store.writer() as w:
        w.put_set(SetInfo("human-rights", "Human rights", "Publications on human rights."))
        w.put_set(SetInfo("human-rights:trafficking", "Trafficking in human beings"))
        w.put_set(SetInfo("history", "History"))
        w.put_set(SetInfo("empty-set", "A set with no records yet"))
    i = 0
    while i < n:
        clock.advance(6 * 3600)
        with store.writer() as w:
            for j in range(i, min(i + 2, n)):  # two records per transaction: equal datestamps
                w.put(draft(j))
        i += 2
    for d in deleted:
        clock.advance(6 * 3600)
        with store.writer() as w:
            w.delete(ident(d))
    return {"n": n, "deleted": set(map(ident, deleted))}
