"""Harvest subcommands: sources (add, list, show, remove) and harvest (the work is in
oai.harvest; exit codes in oai.harvest.report)."""
from __future__ import annotations

import argparse
import sys

from oai.cli.base import Failure, Settings, command, complain, open_catalog, say


def _configure_sources(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a partner repository to harvest")
    add.add_argument("name", metavar="NAME", help="our name for it (letters, digits, _ . -)")
    add.add_argument("base_url", metavar="BASE_URL", help="its OAI-PMH base URL")
    add.add_argument("--prefix", dest="prefixes", action="append", metavar="P",
                     help="the metadataPrefix to harvest (default oai_dc); repeatable: the "
                     "first is the records' own format, an oai_dc after it is harvested for "
                     "the same records")
    add.add_argument("--set", dest="sets", action="append", default=[], metavar="SPEC",
                     help="harvest only this set (repeatable; default: everything)")
    add.add_argument("--delay", type=float, default=0.0, metavar="SECONDS",
                     help="pause between two requests to this partner")
    actions.add_parser("list", help="each source with its last run and record counts")
    show = actions.add_parser("show", help="a source's run history and set-aside records")
    show.add_argument("name", metavar="NAME")
    remove = actions.add_parser("remove", help="forget a source (its records stay)")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--purge", action="store_true",
                        help="also delete its records (they stay as tombstones)")


@command("sources", "manage harvest sources: add, list, show, remove", _configure_sources)
def run_sources(args: argparse.Namespace, settings: Settings) -> int:
    from oai.harvest.sources import list_lines, show_lines

    with open_catalog(settings) as catalog:
        state = catalog.store.harvest
        if args.action == "add":
            source = state.add_source(args.name, args.base_url,
                                      prefix=tuple(args.prefixes or ["oai_dc"]),
                                      sets=tuple(args.sets), delay=args.delay)
            say(f"source {source.name}: {source.base_url} ({source.prefix}); "
                f"its records go into the set partner:{source.name}")
            from oai.validate.preflight import preflight  # what harvests will work around

            for finding in preflight(source.base_url, settings.identity.admin_emails[0],
                                     prefix=source.prefix.split()[0],
                                     sets=tuple(source.sets)):
                say(f"warning: {finding.message}")
        elif args.action == "remove":
            purged = state.remove_source(args.name, purge=args.purge)
            say(f"source {args.name} removed" + (f"; {purged} records deleted" if args.purge
                                                 else "; its records stay"))
        else:
            try:
                lines = list(list_lines(state) if args.action == "list"
                             else show_lines(state, args.name))
            except LookupError as exc:
                raise Failure(str(exc)) from None
            for line in lines:
                say(line)
    return 0


def _configure_harvest(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    from oai.harvest.report import EXIT_CODES_HELP

    parser.epilog = EXIT_CODES_HELP
    parser.add_argument("targets", nargs="*", metavar="NAME|BASE_URL",
                        help="sources to harvest; a base URL harvests a partner once "
                             "(kept as a source named after its host)")
    parser.add_argument("--all", action="store_true", help="every source")
    parser.add_argument("--full", action="store_true", help="ignore the watermark")
    parser.add_argument("--from", dest="from_", metavar="DATE", help="harvest from DATE")
    parser.add_argument("--until", metavar="DATE", help="harvest until DATE")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="sources harvested at once (default 1)")
    parser.add_argument("--prefix", default="oai_dc", help="with a BASE_URL: the format")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="SPEC",
                        help="with a BASE_URL: harvest only this set (repeatable)")


@command("harvest", "harvest partner repositories: NAME..., --all or BASE_URL",
         _configure_harvest)
def run_harvest(args: argparse.Namespace, settings: Settings) -> int:
    from oai.harvest.jobs import Harvester
    from oai.harvest.jobs import run_sources as harvest_sources
    from oai.harvest.plan import HarvestOptions
    from oai.harvest.progress import Progress
    from oai.harvest.report import EXIT_USAGE, combined_exit
    from oai.harvest.sources import resolve
    from schemas import default_registry

    try:
        options = HarvestOptions(full=args.full, from_=args.from_, until=args.until,
                                 render_processes=settings.render_processes)
        if args.all == bool(args.targets) or args.jobs < 1:
            raise ValueError("name the sources to harvest, or give --all (not both); "
                             "--jobs must be at least 1")
    except ValueError as exc:
        complain(str(exc))
        return EXIT_USAGE
    with open_catalog(settings) as catalog:
        try:
            chosen, messages = resolve(catalog.store.harvest, args.targets, every=args.all,
                                       prefix=args.prefix, sets=tuple(args.sets))
        except LookupError as exc:
            complain(str(exc))
            return EXIT_USAGE
        for line in messages or ([] if chosen else
                                 ["no harvest sources yet (add one with: sources add NAME URL)"]):
            say(line)
        # The first adminEmail is the harvester's From header (harvester guidelines).
        identity = settings.identity
        harvester = Harvester(catalog.store, default_registry(), identity.repository_identifier,
                              identity.admin_emails[0])
        reports = harvest_sources(harvester, chosen, options, Progress.for_stream(sys.stderr),
                                  jobs=args.jobs, done=lambda r: say("\n".join(r.lines())))
    return combined_exit([r.exit_code for r in reports])
