"""StoreError: the one exception the store raises for input it refuses."""
from __future__ import annotations


class StoreError(Exception):
    """A write the store refuses (bad setSpec, bad identifier, ...); the message says why."""
