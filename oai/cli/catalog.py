"""Catalogue subcommands: init, demo, import, delete, sets, stats, formats (the work is in
oai.ingest)."""
from __future__ import annotations

import argparse

from oai.cli.base import (
    Failure,
    Settings,
    command,
    complain,
    counts_text,
    open_catalog,
    redact,
    say,
)


@command("init", "create the database, or upgrade it to the newest schema (records are kept)")
def run_init(args: argparse.Namespace, settings: Settings) -> int:
    with open_catalog(settings):
        say(f"database ready: {redact(settings.database_url)}")
    return 0


@command("demo", "init, then load the demo catalogue (running it again changes nothing)")
def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from oai.ingest import load_demo

    with open_catalog(settings) as catalog:
        counts = load_demo(catalog)
        sets = sum(1 for _ in catalog.sets())
    say(f"demo catalogue: {counts_text(counts)}; {sets} sets")
    return 0


def _configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="XML (oai_dc, MARCXML or MODS records, one or many, or a saved "
                        "OAI-PMH response), CSV, or binary MARC 21 (ISO 2709, UTF-8 or MARC-8)")
    parser.add_argument("--format", choices=("csv", "xml", "marc"), dest="kind",
                        help="the files' format (default: from the extension or the content)")


@command("import", "import XML, CSV or MARC files, each whole or not at all", _configure_import)
def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from oai.ingest import IngestError

    status = 0
    with open_catalog(settings) as catalog:
        for path in args.files:
            try:
                counts = catalog.import_file(path, args.kind)
            except IngestError as exc:
                # Each file is its own transaction: report this one, go on with the next.
                complain(f"{exc} (nothing imported from this file)")
                status = 1
                continue
            say(f"{path}: {counts_text(counts)}")
    return status


def _configure_delete(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("identifiers", nargs="+", metavar="ID",
                        help="an item identifier, or the local id of one of our records")


@command("delete", "delete records (they stay as tombstones)", _configure_delete)
def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    status = 0
    with open_catalog(settings) as catalog:
        try:
            outcomes = catalog.delete(args.identifiers)
        except ValueError as exc:
            raise Failure(str(exc)) from None
    for identifier, outcome in outcomes:
        if outcome == "missing":
            complain(f"{identifier}: no such record")
            status = 1
        else:
            say(f"{identifier}: {'deleted' if outcome == 'deleted' else 'already deleted'}")
    return status


def _configure_sets(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a set, or rename it")
    add.add_argument("spec", metavar="SPEC", help="the setSpec, e.g. human-rights:trafficking")
    add.add_argument("name", metavar="NAME", help="the setName")
    add.add_argument("--description", metavar="TEXT", help="free text (served as oai_dc)")
    actions.add_parser("list", help="list the sets")


@command("sets", "manage sets: add SPEC NAME [--description TEXT], list", _configure_sets)
def run_sets(args: argparse.Namespace, settings: Settings) -> int:
    from store.record_types import SetInfo

    with open_catalog(settings) as catalog:
        if args.action == "add":
            try:
                catalog.add_set(SetInfo(args.spec, args.name, args.description))
            except ValueError as exc:
                raise Failure(str(exc)) from None
            say(f"set {args.spec}: {args.name}")
            return 0
        found = False
        for info in catalog.sets():
            found = True
            say(f"{info.spec}\t{info.name}")
        if not found:
            say("no sets yet")
    return 0


@command("stats", "count records, deletions, sets and formats")
def run_stats(args: argparse.Namespace, settings: Settings) -> int:
    with open_catalog(settings) as catalog:
        stats = catalog.store.stats()
    for key, value in stats.items():
        say(f"{key}: {value}")
    return 0


def _configure_formats(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    rebuild = actions.add_parser(
        "rebuild", help="render formats for the records already stored (resumable)")
    rebuild.add_argument("--prefix", action="append", default=[], metavar="P",
                         help="a format to render (repeatable; default: every rendered format)")
    rebuild.add_argument("--all", action="store_true", dest="everything",
                         help="render for every record, not only those lacking the format "
                         "(after a crosswalk changed)")
    actions.add_parser("list", help="list the formats every record is served in")


@command("formats", "formats: list; rebuild [--prefix P] [--all] for the stored records",
         _configure_formats)
def run_formats(args: argparse.Namespace, settings: Settings) -> int:
    from oai.ingest.rebuild import rebuild

    with open_catalog(settings) as catalog:
        if args.action == "list":
            for fmt in catalog.registry.renderable():
                say(f"{fmt.prefix}\t{fmt.namespace}\t{fmt.schema}")
            return 0
        try:
            counts = rebuild(catalog.store, catalog.registry, args.prefix,
                             everything=args.everything)
        except ValueError as exc:
            raise Failure(str(exc)) from None
    say(f"formats rebuilt: {counts.read} records read, {counts.written} written")
    return 0
