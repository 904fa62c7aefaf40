"""Metadata formats and crosswalks. ``default_registry()`` is what the server and the CLI use.

Every record is served in each registered format that has a crosswalk from Dublin Core
(``renderable()``); ``schemas.reading`` decides which crosswalk reads a record's own metadata
into Dublin Core. Adding a format: one module, one line below, one round-trip test.
"""
from schemas.base import FormatRegistry, MetadataFormat


def default_registry() -> FormatRegistry:
    from schemas.marc21 import MARC21
    from schemas.mods import MODS
    from schemas.oai_dc import OAI_DC

    registry = FormatRegistry([OAI_DC])
    registry.register(MARC21)
    registry.register(MODS)
    return registry


__all__ = ["FormatRegistry", "MetadataFormat", "default_registry"]
