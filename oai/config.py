"""Granary's settings, for the server and the command line alike: the documented defaults
(``DEFAULTS``), and ``load``, which layers the environment and then overrides on top of them and
checks the result. It is called once per process: by the app factory (``oai.create_app``, with
its ``test_config`` as overrides) and by the CLI's entry point (``harvest_cli.main``, with the
options given, ``--database`` and ``--repository-identifier``, as overrides).

=========================  =====================================================================
OAI_DATABASE_URL           SQLAlchemy URL of the catalogue. Default ``sqlite:///granary.db``
                           (a file in the working directory); PostgreSQL via
                           ``postgresql+psycopg://user@host/db``.
OAI_BASE_URL               The baseURL Identify and <request> report. Unset: the URL the
                           harvester used (scheme, host and path, no query), which is what
                           validators compare it with. Set it behind a proxy or on a mirror.
OAI_REPOSITORY_NAME        Identify repositoryName. Default ``Granary``.
OAI_ADMIN_EMAIL            Identify adminEmail; several separated by commas. Default
                           ``admin@`` + the repository identifier.
OAI_REPOSITORY_IDENTIFIER  The domain name of our oai-identifiers (``oai:<this>:<local>``).
                           Default ``granary.example.org``.
OAI_PAGE_SIZE              Records (or sets) per page of a list. Default 500, the top of the
                           100-500 that DRIVER and OVAL recommend: each request costs about
                           as much as 100 records do, so larger pages harvest faster.
OAI_SECRET_KEY             The key that signs resumption tokens. Unset: a random key the store
                           makes once and keeps in the database, so every server process on the
                           same database accepts the others' tokens.
OAI_AUTO_MIGRATE           ``true`` (default): bring the database schema up to date at startup.
OAI_RENDER_PROCESSES       Worker processes an import or a harvest renders formats in, once it
                           has more than 2,000 records (``schemas.rendering``). Unset: one a
                           core but the one reading and writing (at most four); ``0``: render
                           in the importing or harvesting process itself.
=========================  =====================================================================

The rules a value must follow have their own homes (``store.syntax`` for e-mail addresses,
``oai.identity`` for the repository identifier); a ``ConfigError`` names the setting to fix.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from oai.identity import RepositoryIdentity, check_repository_identifier
from store.syntax import is_email

DEFAULTS: dict[str, str] = {
    "OAI_DATABASE_URL": "sqlite:///granary.db",
    "OAI_BASE_URL": "",
    "OAI_REPOSITORY_NAME": "Granary",
    "OAI_ADMIN_EMAIL": "",
    "OAI_REPOSITORY_IDENTIFIER": "granary.example.org",
    "OAI_PAGE_SIZE": "500",
    "OAI_SECRET_KEY": "",
    "OAI_AUTO_MIGRATE": "true",
    "OAI_RENDER_PROCESSES": "",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting has a value Granary cannot start with; the message names the setting.

    ``setting`` is its variable name; ``problem`` says what is wrong with the value without
    naming the variable (for the CLI, when the value came from one of its options instead).
    """

    def __init__(self, message: str, *, setting: str | None = None,
                 problem: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        self.problem = problem or message


@dataclass(frozen=True)
class Settings:
    """Everything a process needs from its configuration, resolved once."""

    database_url: str
    identity: RepositoryIdentity
    secret_key: str | None     # None: use the store's own secret
    auto_migrate: bool
    render_processes: int | None = None   # None: as many as the cores allow


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from DEFAULTS, then *environ*, then *overrides* (the factory's test_config, the
    CLI's options); keys that are not settings are ignored. ConfigError for a bad value."""
    raw: dict[str, Any] = dict(DEFAULTS)
    raw.update({k: v for k, v in environ.items() if k in DEFAULTS})
    raw.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})

    def text(key: str) -> str:
        return str(raw[key]).strip()

    try:
        page_size = int(text("OAI_PAGE_SIZE"))
    except ValueError:
        raise ConfigError(f"OAI_PAGE_SIZE must be a whole number, not {raw['OAI_PAGE_SIZE']!r}",
                          setting="OAI_PAGE_SIZE") from None
    auto = raw["OAI_AUTO_MIGRATE"]
    if not isinstance(auto, bool):
        if str(auto).strip().lower() not in _TRUE | _FALSE:
            raise ConfigError(f"OAI_AUTO_MIGRATE must be true or false, not {auto!r}",
                              setting="OAI_AUTO_MIGRATE")
        auto = str(auto).strip().lower() in _TRUE
    processes = text("OAI_RENDER_PROCESSES")
    if processes and not (processes.isascii() and processes.isdigit()):
        raise ConfigError("OAI_RENDER_PROCESSES must be a whole number, 0 or more, not "
                          f"{raw['OAI_RENDER_PROCESSES']!r}", setting="OAI_RENDER_PROCESSES")
    if page_size < 1:
        raise ConfigError(f"OAI_PAGE_SIZE must be at least 1, not {page_size}",
                          setting="OAI_PAGE_SIZE")
    repo_id = text("OAI_REPOSITORY_IDENTIFIER")
    try:
        check_repository_identifier(repo_id)
    except ValueError as exc:
        raise ConfigError(f"OAI_REPOSITORY_IDENTIFIER: {exc}",
                          setting="OAI_REPOSITORY_IDENTIFIER", problem=str(exc)) from None
    emails = tuple(e.strip() for e in text("OAI_ADMIN_EMAIL").split(",") if e.strip())
    for email in emails:
        if not is_email(email):
            raise ConfigError(f"OAI_ADMIN_EMAIL: {email!r} is not an email address",
                              setting="OAI_ADMIN_EMAIL")
    if not text("OAI_REPOSITORY_NAME"):
        raise ConfigError("OAI_REPOSITORY_NAME is empty", setting="OAI_REPOSITORY_NAME")
    if not text("OAI_DATABASE_URL"):
        raise ConfigError("OAI_DATABASE_URL is empty", setting="OAI_DATABASE_URL")
    try:
        identity = RepositoryIdentity(
            repository_name=text("OAI_REPOSITORY_NAME"),
            admin_emails=emails or (f"admin@{repo_id}",),
            repository_identifier=repo_id,
            base_url=text("OAI_BASE_URL") or None,
            page_size=page_size,
        )
    except ValueError as exc:
        raise ConfigError(f"invalid repository settings: {exc}") from None
    return Settings(
        database_url=text("OAI_DATABASE_URL"),
        identity=identity,
        secret_key=text("OAI_SECRET_KEY") or None,
        auto_migrate=auto,
        render_processes=int(processes) if processes else None,
    )
