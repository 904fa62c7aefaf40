"""oai-harvest: the administrator's command line (init, demo, import, delete, sets, stats,
sources, harvest).

Configuration is read here and only here (options, then the environment, then defaults) and
passed down as ``Settings``; the subcommands are in ``oai.cli`` and the work itself in
``oai.ingest`` and ``oai.harvest``. Exit codes: 0 success, 1 failure (one line on stderr naming
the file, the place and the problem), 2 usage error; ``harvest`` adds 3 (partial: records set
aside) and 130 (interrupted), see ``oai.harvest.report``.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Sequence

import oai.cli.catalog  # noqa: F401 - registers init, demo, import, delete, sets, stats
import oai.cli.harvesting  # noqa: F401 - registers sources, harvest
import oai.cli.validating  # noqa: F401 - registers validate
from oai.cli.base import (COMMANDS, DEFAULT_DATABASE_URL, PROG, Failure, Settings, complain,
                          redact)

__all__ = ["COMMANDS", "PROG", "build_parser", "main", "redact"]


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
