"""MetadataFormat and FormatRegistry: how a metadata format plugs into Granary.

A format is a prefix, a namespace, a schema URL and a crosswalk from the stored Dublin Core
values to an lxml element (``render``), plus optionally the way back (``ingest``). Adding a
format = one module that builds a MetadataFormat, one ``register()`` line in
``schemas/__init__.py``, one round-trip test.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

from lxml import etree

from store.record_types import DCValue

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    namespace: str
    schema: str
    # Stored Dublin Core -> the format's root element, carrying xsi:schemaLocation (§3.4).
    # None for formats we only re-serve verbatim (harvested in that format).
    render: Callable[[Sequence[DCValue]], etree._Element] | None = None
    # The format's root element -> Dublin Core values, for formats we can read in.
    ingest: Callable[[etree._Element], tuple[DCValue, ...]] | None = None

    def serialize(self, dc: Sequence[DCValue]) -> bytes:
        """The bytes the store keeps for this format (made once, at write time)."""
        if self.render is None:
            raise ValueError(f"{self.prefix} has no crosswalk from Dublin Core")
        return etree.tostring(self.render(dc), encoding="utf-8")


class FormatRegistry:
    """Formats by prefix, in registration order (ListMetadataFormats lists them so)."""

    def __init__(self, formats: Sequence[MetadataFormat] = ()) -> None:
        self._by_prefix: dict[str, MetadataFormat] = {}
        for fmt in formats:
            self.register(fmt)

    def register(self, fmt: MetadataFormat) -> None:
        if fmt.prefix in self._by_prefix:
            raise ValueError(f"metadata format {fmt.prefix!r} registered twice")
        # OAI-PMH §3.4: the prefix "all" is reserved.
        if fmt.prefix == "all":
            raise ValueError("the metadataPrefix 'all' is reserved by OAI-PMH §3.4")
        self._by_prefix[fmt.prefix] = fmt

    def get(self, prefix: str) -> MetadataFormat | None:
        return self._by_prefix.get(prefix)

    def __contains__(self, prefix: object) -> bool:
        return prefix in self._by_prefix

    def __iter__(self) -> Iterator[MetadataFormat]:
        return iter(self._by_prefix.values())

    def by_namespace(self, namespace: str) -> MetadataFormat | None:
        return next((f for f in self if f.namespace == namespace), None)

    def renderable(self) -> list[MetadataFormat]:
        """The formats every record of our own catalogue is disseminated in."""
        return [f for f in self if f.render is not None]
