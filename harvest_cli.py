"""oai-harvest: the administrator's command line (init, demo, import, delete, sets, stats,
sources, harvest).

Configuration is read here and only here, by the server's own loader (``oai.config.load``: its
``DEFAULTS``, then the environment, then the options given, which take precedence), and passed
down as ``oai.config.Settings``; a bad setting is a usage error naming it. The subcommands are
in ``oai.cli`` and the work itself in ``oai.ingest`` and ``oai.harvest``. Exit codes: 0
success, 1 failure (one line on stderr naming the file, the place and the problem), 2 usage
error; ``harvest`` adds 3 (partial: records set aside) and 130 (interrupted), see
``oai.harvest.report``.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Mapping, Sequence

import oai.cli.catalog  # noqa: F401 - registers init, demo, import, delete, sets, stats
import oai.cli.harvesting  # noqa: F401 - registers sources, harvest
import oai.cli.validating  # noqa: F401 - registers validate
from oai import config
from oai.cli.base import COMMANDS, PROG, Failure, complain, redact

__all__ = ["COMMANDS", "PROG", "build_parser", "main", "redact"]


def build_parser() -> argparse.ArgumentParser:
    # The global options are accepted before or after the subcommand; SUPPRESS keeps a
    # subcommand's absent option from overwriting one given before it.
    shared = argparse.ArgumentParser(add_help=False)
    defaults = config.DEFAULTS
    shared.add_argument("--database", metavar="URL", default=argparse.SUPPRESS,
                        help="the store (else $OAI_DATABASE_URL, "
                             f"else {defaults['OAI_DATABASE_URL']})")
    shared.add_argument("--repository-identifier", metavar="DOMAIN", default=argparse.SUPPRESS,
                        help="the oai-identifier namespace: local ids become oai:DOMAIN:id "
                             "(else $OAI_REPOSITORY_IDENTIFIER, "
                             f"else {defaults['OAI_REPOSITORY_IDENTIFIER']})")
    parser = argparse.ArgumentParser(prog=PROG, parents=[shared],
                                     description="Granary's catalogue administration.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        sub = commands.add_parser(cmd.name, help=cmd.help, description=cmd.help,
                                  parents=[shared])
        cmd.configure(sub)
    return parser


# The options that stand for settings: given, they take precedence over the environment.
OPTION_SETTINGS = {"database": "OAI_DATABASE_URL",
                   "repository_identifier": "OAI_REPOSITORY_IDENTIFIER"}


def settings_from(args: argparse.Namespace, environ: Mapping[str, str],
                  parser: argparse.ArgumentParser) -> config.Settings:
    """The settings for this run: ``oai.config.load`` with the options given as overrides.
    A bad value is a usage error (exit 2) naming the setting, or the option it came from."""
    given = {key: getattr(args, option) for option, key in OPTION_SETTINGS.items()
             if getattr(args, option, None)}
    # A variable set to nothing counts as unset here, so the default applies (as it always
    # has for the command line; the server refuses an empty OAI_DATABASE_URL instead).
    try:
        return config.load({k: v for k, v in environ.items() if v.strip()}, given)
    except config.ConfigError as exc:
        # A value from an option needs no variable named: the operator has just typed it.
        parser.error(exc.problem if exc.setting in given else str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        settings = settings_from(args, os.environ, parser)   # the one read of the environment
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
