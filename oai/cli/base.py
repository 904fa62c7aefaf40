"""The command line's shared pieces: the subcommand registry, output, the catalogue.

``harvest_cli.main`` resolves the configuration once with the server's own loader
(``oai.config.load``: its defaults, then the environment, then the options) and hands the
resulting ``oai.config.Settings`` to the subcommand; subcommands live in ``oai.cli.catalog`` and
``oai.cli.harvesting`` and register themselves with ``@command``.
"""
from __future__ import annotations

import argparse
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from oai.config import Settings

if TYPE_CHECKING:
    from oai.ingest import Catalog
    from store.record_types import WriteCounts

PROG = "oai-harvest"


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
        yield Catalog(store, default_registry(), settings.identity.repository_identifier,
                      render_processes=settings.render_processes)
    finally:
        store.close()


def counts_text(counts: WriteCounts) -> str:
    return (f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged, "
            f"{counts.deleted} deleted")
