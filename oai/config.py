"""The server's settings: documented defaults, read from the environment once by the app factory.

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
=========================  =====================================================================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from oai.identity import RepositoryIdentity
from store.syntax import is_email, is_repository_identifier

DEFAULTS: dict[str, str] = {
    "OAI_DATABASE_URL": "sqlite:///granary.db",
    "OAI_BASE_URL": "",
    "OAI_REPOSITORY_NAME": "Granary",
    "OAI_ADMIN_EMAIL": "",
    "OAI_REPOSITORY_IDENTIFIER": "granary.example.org",
    "OAI_PAGE_SIZE": "500",
    "OAI_SECRET_KEY": "",
    "OAI_AUTO_MIGRATE": "true",
}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting has a value the server cannot start with; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    identity: RepositoryIdentity
    secret_key: str | None     # None: use the store's own secret
    auto_migrate: bool


def load(environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from DEFAULTS, then *environ*, then *overrides* (the factory's test_config)."""
    raw: dict[str, Any] = dict(DEFAULTS)
    raw.update({k: v for k, v in environ.items() if k in DEFAULTS})
    raw.update({k: v for k, v in (overrides or {}).items() if k in DEFAULTS})

    def text(key: str) -> str:
        return str(raw[key]).strip()

    try:
        page_size = int(text("OAI_PAGE_SIZE"))
    except ValueError:
        raise ConfigError(f"OAI_PAGE_SIZE must be a whole number, not {raw['OAI_PAGE_SIZE']!r}")
    auto = raw["OAI_AUTO_MIGRATE"]
    if not isinstance(auto, bool):
        if str(auto).strip().lower() not in _TRUE | _FALSE:
            raise ConfigError(f"OAI_AUTO_MIGRATE must be true or false, not {auto!r}")
        auto = str(auto).strip().lower() in _TRUE
    if page_size < 1:
        raise ConfigError(f"OAI_PAGE_SIZE must be at least 1, not {page_size}")
    repo_id = text("OAI_REPOSITORY_IDENTIFIER")
    if not is_repository_identifier(repo_id):
        raise ConfigError(f"OAI_REPOSITORY_IDENTIFIER must be a domain name, not {repo_id!r}")
    emails = tuple(e.strip() for e in text("OAI_ADMIN_EMAIL").split(",") if e.strip())
    for email in emails:
        if not is_email(email):
            raise ConfigError(f"OAI_ADMIN_EMAIL: {email!r} is not an email address")
    if not text("OAI_REPOSITORY_NAME"):
        raise ConfigError("OAI_REPOSITORY_NAME is empty")
    if not text("OAI_DATABASE_URL"):
        raise ConfigError("OAI_DATABASE_URL is empty")
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
    )
