"""oai-harvest: the administrator's command line (init, demo, import, delete, sets, stats,
sources, harvest).

Configuration is read here and only here (options, then the environment, then defaults) and
passed down as ``Settings``; the work itself lives in ``oai.ingest`` and ``oai.harvest``. Each
subcommand is one function registered with ``@command``. Exit codes: 0 success, 1 failure
(one line on stderr naming the file, the place and the problem), 2 usage error; ``harvest``
adds 3 (partial: records set aside) and 130 (interrupted), see ``oai.harvest.report``.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

if TYPE_CHECKING:
    from oai.ingest import Catalog
    from store.types import WriteCounts

PROG = "oai-harvest"
DEFAULT_DATABASE_URL = "sqlite:///granary.db"


@dataclass(frozen=True)
class Settings:
    """Everything a subcommand may need from the environment, resolved once in main()."""

    database_url: str
    repository_identifier: str
    admin_email: str = ""       # the harvester's From header (OAI_ADMIN_EMAIL)


class Failure(Exception):
    """A command failed for a reason worth one line on stderr (exit code 1)."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str,
            configure: Callable[[argparse.ArgumentParser], None] = lambda parser: None):
    """Register the decorated ``run(args, settings) -> exit code`` as subcommand *name*."""
    def register(run: Callable[[argparse.Namespace, Settings], int]):
        COMMANDS[name] = Command(name, help, configure, run)
        return run
    return register


def say(message: str) -> None:
    print(message, file=sys.stdout)


def complain(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def redact(url: str) -> str:
    """*url* without its password, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


@contextmanager
def open_catalog(settings: Settings) -> Iterator[Catalog]:
    """The catalogue on the configured database, its schema created or upgraded first."""
    from oai.ingest import Catalog
    from schemas import default_registry
    from store import RecordStore

    store = RecordStore(settings.database_url)
    try:
        store.upgrade()
        yield Catalog(store, default_registry(), settings.repository_identifier)
    finally:
        store.close()


def counts_text(counts: WriteCounts) -> str:
    return (f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged, "
            f"{counts.deleted} deleted")


# -- subcommands ----------------------------------------------------------------------------
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
                        help="oai_dc XML (one record, many, or a saved OAI-PMH response) or CSV")
    parser.add_argument("--format", choices=("csv", "xml"), dest="kind",
                        help="the files' format (default: from the extension or the content)")


@command("import", "import XML or CSV files, each whole or not at all", _configure_import)
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
    from store.types import SetInfo

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


# -- harvesting partners --------------------------------------------------------------------
def _configure_sources(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a partner repository to harvest")
    add.add_argument("name", metavar="NAME", help="our name for it (letters, digits, _ . -)")
    add.add_argument("base_url", metavar="BASE_URL", help="its OAI-PMH base URL")
    add.add_argument("--prefix", default="oai_dc", help="the metadataPrefix to harvest")
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
            source = state.add_source(args.name, args.base_url, prefix=args.prefix,
                                      sets=tuple(args.sets), delay=args.delay)
            say(f"source {source.name}: {source.base_url} ({source.prefix}); "
                f"its records go into the set partner:{source.name}")
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
    from oai.harvest.jobs import Harvester, run_sources as harvest_sources
    from oai.harvest.plan import HarvestOptions
    from oai.harvest.progress import Progress
    from oai.harvest.report import EXIT_USAGE, combined_exit
    from oai.harvest.sources import resolve
    from schemas import default_registry

    try:
        options = HarvestOptions(full=args.full, from_=args.from_, until=args.until)
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
        harvester = Harvester(catalog.store, default_registry(), settings.repository_identifier,
                              settings.admin_email)
        reports = harvest_sources(harvester, chosen, options, Progress.for_stream(sys.stderr),
                                  jobs=args.jobs, done=lambda r: say("\n".join(r.lines())))
    return combined_exit([r.exit_code for r in reports])


# -- entry point ----------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    # The global options are accepted before or after the subcommand; SUPPRESS keeps a
    # subcommand's absent option from overwriting one given before it.
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                        help=f"the store (else $OAI_DATABASE_URL, else {DEFAULT_DATABASE_URL})")
    shared.add_argument("--repository-identifier", metavar="DOMAIN", default=argparse.SUPPRESS,
                        help="the oai-identifier namespace: local ids become oai:DOMAIN:id "
                             "(else $OAI_REPOSITORY_IDENTIFIER, else granary.example.org)")
    parser = argparse.ArgumentParser(prog=PROG, parents=[shared],
                                     description="Granary's catalogue administration.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        sub = commands.add_parser(cmd.name, help=cmd.help, description=cmd.help,
                                  parents=[shared])
        cmd.configure(sub)
    return parser


def settings_from(args: argparse.Namespace, environ: dict[str, str],
                  parser: argparse.ArgumentParser) -> Settings:
    from oai.ingest import DEFAULT_REPOSITORY_IDENTIFIER, check_repository_identifier

    url = (getattr(args, "database", None) or environ.get("OAI_DATABASE_URL")
           or DEFAULT_DATABASE_URL)
    repo = (getattr(args, "repository_identifier", None)
            or environ.get("OAI_REPOSITORY_IDENTIFIER") or DEFAULT_REPOSITORY_IDENTIFIER)
    try:
        check_repository_identifier(repo)
    except ValueError as exc:
        parser.error(str(exc))      # exits with 2: a usage error
    # Like the server's Identify: the first of OAI_ADMIN_EMAIL, else admin@<repository>.
    emails = [e.strip() for e in environ.get("OAI_ADMIN_EMAIL", "").split(",") if e.strip()]
    if emails and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", emails[0]):
        parser.error(f"OAI_ADMIN_EMAIL: {emails[0]!r} is not an email address")
    return Settings(url, repo, emails[0] if emails else f"admin@{repo}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        settings = settings_from(args, dict(os.environ), parser)
    except SystemExit as exc:      # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    from store import StoreError

    try:
        return COMMANDS[args.command].run(args, settings)
    except (Failure, StoreError) as exc:
        complain(str(exc))
    except KeyboardInterrupt:
        # Every write is a whole transaction: an interrupted harvest resumes next time.
        complain("interrupted")
        return 130
    except Exception as exc:    # noqa: BLE001 - the database or the disk, not the input
        # Never a traceback for the operator: one line saying what could not be done.
        complain(f"{args.command} failed on {redact(settings.database_url)}: "
                 f"{type(exc).__name__}: {_first_line(exc)}")
    return 1


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


if __name__ == "__main__":
    sys.exit(main())
