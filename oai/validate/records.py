"""Records and their datestamps (checks F1 to F9, D1, D2, D5, D6, D9): GetRecord, the
selective-harvesting windows of §2.7.1 at both granularities, sets, deleted records.
"""
from __future__ import annotations

from oai.datestamps import Granularity, parse_request_date
from oai.validate.identify import Identity
from oai.validate.lists import Item, read_items, walk
from oai.validate.probe import Probe, oai
from store.syntax import set_ancestors

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


def check_items(probe: Probe, items: list[Item], ident: Identity, *, records: bool) -> None:
    """F2, F6, F8, F9 over the items a walk brought back."""
    v = probe.verdicts
    for item in items:
        try:
            date = parse_request_date(item.datestamp)
        except ValueError:
            v.fail("F2", item.request, f"{item.identifier}: datestamp {item.datestamp!r}")
            continue
        # §3.3.2: every datestamp at the repository's finest granularity, the declared one.
        v.ok("F2", date.granularity is ident.granularity, item.request,
             f"{item.identifier}: datestamp {item.datestamp!r}, granularity "
             f"{ident.granularity.value}")
        if ident.earliest is not None:
            # §4.2: earliestDatestamp is a guaranteed lower bound.
            v.ok("F9", date.moment >= ident.earliest, item.request,
                 f"{item.identifier}: datestamp {item.datestamp} before earliestDatestamp "
                 f"{ident.earliest_text}")
        if item.deleted:
            # §2.5.1: deletedRecord "no" means no deleted record is ever shown.
            v.ok("F8", ident.deleted_record != "no", item.request,
                 f"{item.identifier} is deleted, but deletedRecord is 'no'")
            if records:
                v.ok("F8", item.metadata is None, item.request,
                     f"the deleted record {item.identifier} carries metadata")
        elif records:
            v.ok("F6", item.metadata is not None and bool(item.identifier), item.request,
                 f"the record {item.identifier!r} has no metadata")


def pick(items: list[Item]) -> Item | None:
    """The first live record with a usable identifier and datestamp (OAI-VAL's {id})."""
    return next((i for i in items if not i.deleted and i.identifier and i.datestamp), None)


def check_get_record(probe: Probe, item: Item, prefix: str, ident: Identity) -> None:
    """F1, F4 (POST) and D9 for one identifier."""
    v = probe.verdicts
    query = [("verb", "GetRecord"), ("identifier", item.identifier), ("metadataPrefix", prefix)]
    for check_id, ex in (("F1", probe.get(query)), ("F4", probe.raw("POST", query))):
        got = read_items(ex, "GetRecord")
        found = got[0] if got else None
        good = (found is not None and found.identifier == item.identifier and found.datestamp
                and found.metadata is not None
                and (prefix != "oai_dc" or found.metadata.tag == f"{{{OAI_DC_NS}}}dc"))
        v.ok(check_id, bool(good), ex.request, ex.describe())
        if found is not None:
            check_items(probe, [found], ident, records=True)
    formats = probe.get([("verb", "ListMetadataFormats"), ("identifier", item.identifier)])
    body = formats.verb("ListMetadataFormats")
    prefixes = [(f.findtext(oai("metadataPrefix")) or "").strip()
                for f in (body.findall(oai("metadataFormat")) if body is not None else [])]
    v.ok("D9", prefix in prefixes, formats.request, formats.describe() + f": {prefixes}")


def check_windows(probe: Probe, item: Item, prefix: str, ident: Identity,
                  max_pages: int) -> None:
    """F5 (the record is inside its own from=until window) and F7 (a one-datestamp window
    holds only that datestamp), at the declared granularity and at days (§2.7.1)."""
    v = probe.verdicts
    grains = [ident.granularity] + ([Granularity.DAY]
                                    if ident.granularity is Granularity.SECONDS else [])
    for grain in grains:
        stamp = item.datestamp[:10] if grain is Granularity.DAY else item.datestamp
        window = [("metadataPrefix", prefix), ("from", stamp), ("until", stamp)]
        seen = walk(probe, "ListIdentifiers", window, max_pages, "D3")
        ids = {i.identifier for i in seen.items}
        if grain is ident.granularity:
            v.ok("F5", item.identifier in ids or not seen.complete, seen.first.request,
                 seen.first.describe() + f": {item.identifier} missing")
        for other in seen.items:
            same = other.datestamp[:10] if grain is Granularity.DAY else other.datestamp
            v.ok("F7", same == stamp, other.request,
                 f"{other.identifier} has datestamp {other.datestamp}, outside {stamp}")
        v.ok("F7", bool(ids), seen.first.request, seen.first.describe())


def check_fixed_windows(probe: Probe, prefix: str, set_spec: str | None) -> None:
    """D5, D6: a window in 2000 gives a list or noRecordsMatch, with or without a set."""
    for check_id, extra in (("D5", []), ("D6", [("set", set_spec)] if set_spec else None)):
        if extra is None:
            probe.verdicts.skip(check_id, "no set to ask for")
            continue
        ex = probe.get([("verb", "ListIdentifiers"), ("metadataPrefix", prefix), *extra,
                        ("from", "2000-01-01"), ("until", "2000-01-01")])
        probe.verdicts.ok(check_id, ex.verb("ListIdentifiers") is not None
                          or ex.errors == ["noRecordsMatch"], ex.request, ex.describe())


def check_set_members(probe: Probe, items: list[Item], set_spec: str) -> None:
    """F3: a header selected by set=S carries S or a descendant of S (§2.6)."""
    for item in items:
        inside = any(set_spec in set_ancestors(spec) for spec in item.sets)
        probe.verdicts.ok("F3", inside, item.request,
                          f"{item.identifier} has setSpecs {list(item.sets)}")
