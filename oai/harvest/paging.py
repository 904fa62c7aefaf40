"""When does a list end? Every signal real servers give, and a hard cap. Pure: no I/O.

OAI-PMH §3.5 says the last page carries an empty resumptionToken, but partners also end
lists by sending no token, by repeating a token (metha: "would spill the disk"), by serving
the same records for every token (kor#55), by a token after the true last page
(invenio-app-rdm#2715) or by empty pages with tokens - sometimes 30 of them *before* the
first records (librisxl#1812), so an empty page alone is not an end. A harvest must never
loop forever: ``RequestCapReached`` stops a list that uses too many requests. The limits are
the ``policy.HarvestPolicy``'s; what to do about a failed request is ``policy.classify``'s.
"""
from __future__ import annotations

from collections import deque

from oai.harvest.errors import RequestCapReached
from oai.harvest.models import ResumptionInfo
from oai.harvest.policy import HarvestPolicy


class EndDetector:
    """Follows one list page by page and says, for each, the next token or why it ends."""

    def __init__(self, policy: HarvestPolicy, received: int | None = 0) -> None:
        self.policy = policy
        self.received = received          # records so far in this list; None when unknown
        self.requests = 0
        self.empty_run = 0
        self.tokens: set[str] = set()
        self._recent: deque[frozenset[str]] = deque(maxlen=policy.remember_pages)
        self.expect_end = False           # completeListSize reached, but a token came anyway

    def count_request(self) -> None:
        self.requests += 1
        if self.requests > self.policy.max_requests:
            raise RequestCapReached(f"the list needed more than {self.policy.max_requests} "
                                    "requests; stopped so that it cannot loop forever")

    def used(self, token: str | None) -> None:
        """Note a token we asked with (a resumed list starts from one)."""
        if token:
            self.tokens.add(token)

    def decide(self, identifiers: list[str],
               resumption: ResumptionInfo | None) -> tuple[str | None, str | None]:
        """(next token, None) to go on, or (None, end reason) when the list is complete."""
        if self.received is not None:
            self.received += len(identifiers)
        seen = set().union(*self._recent) if self._recent else set()
        repeated = bool(identifiers) and all(i in seen for i in identifiers)
        self._recent.append(frozenset(identifiers))
        if resumption is None:
            return None, "no-token"
        token = resumption.token
        if token is None:
            return None, "empty-token"
        if repeated:
            return None, "repeated-identifiers"
        if token in self.tokens:
            return None, "repeated-token"
        self.tokens.add(token)
        self.empty_run = self.empty_run + 1 if not identifiers else 0
        if self.empty_run >= self.policy.max_empty_pages:
            return None, "empty-pages"
        if self._reached(resumption, len(identifiers)):
            if self.policy.trust_complete_list_size:
                return None, "complete-list-size"
            self.expect_end = True
        else:
            self.expect_end = False
        return token, None

    def _reached(self, resumption: ResumptionInfo, on_page: int) -> bool:
        size = resumption.complete_list_size
        if size is None:
            return False
        # §3.5: cursor counts the records returned *before* this page, starting at 0.
        if resumption.cursor is not None:
            return resumption.cursor + on_page >= size
        return self.received is not None and self.received >= size
