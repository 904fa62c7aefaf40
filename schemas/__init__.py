"""Metadata formats and crosswalks. ``default_registry()`` is what the server and the CLI use."""
from schemas.base import FormatRegistry, MetadataFormat


def default_registry() -> FormatRegistry:
    from schemas.oai_dc import OAI_DC

    return FormatRegistry([OAI_DC])


__all__ = ["FormatRegistry", "MetadataFormat", "default_registry"]
