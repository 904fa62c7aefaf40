"""RepositoryIdentity: what Identify says about this repository, decided once at startup and
passed down (nothing below the view reads configuration)."""
from __future__ import annotations

from dataclasses import dataclass, replace

from oai.datestamps import Granularity
from store.syntax import is_email, is_repository_identifier


@dataclass(frozen=True)
class RepositoryIdentity:
    repository_name: str
    admin_emails: tuple[str, ...]
    repository_identifier: str
    # None: the URL the harvester used (request.base_url), decided per request by the view.
    base_url: str | None = None
    # The store keeps whole-second datestamps, so seconds is our finest granularity (§3.3.2).
    granularity: Granularity = Granularity.SECONDS
    # §2.5.1: tombstones are kept for ever and revealed everywhere.
    deleted_record: str = "persistent"
    # §3.1.3/§4.2: extra encodings besides identity (which is never listed).
    compression: tuple[str, ...] = ("gzip", "deflate")
    page_size: int = 500

    def __post_init__(self) -> None:
        if not self.repository_name.strip():
            raise ValueError("the repository name is empty")
        if not self.admin_emails:
            raise ValueError("at least one admin email is needed (Identify, §4.2)")
        for email in self.admin_emails:
            if not is_email(email):
                raise ValueError(f"{email!r} is not an email address")
        if not is_repository_identifier(self.repository_identifier):
            raise ValueError(f"{self.repository_identifier!r} is not a domain name "
                             "(the oai-identifier repositoryIdentifier)")
        if self.page_size < 1:
            raise ValueError("the page size must be at least 1")

    @property
    def sample_identifier(self) -> str:
        """An identifier in the oai-identifier syntax our catalogue uses."""
        return f"oai:{self.repository_identifier}:rec-0001"

    def at(self, base_url: str) -> RepositoryIdentity:
        """This identity with *base_url* filled in (when the configuration left it open)."""
        return self if self.base_url else replace(self, base_url=base_url)
