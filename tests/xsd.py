"""Offline validation against the official OAI-PMH schemas in ../shared/xsd (or $OAI_SCHEMA_DIR).

The schemas import each other by absolute URL; a resolver maps each URL to the local copy
(lxml never touches the network). OAI-PMH.xsd alone cannot check <metadata>, <about> or
<description> (strict wildcards), so a small driver schema imports every namespace we serve.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from lxml import etree

_HERE = Path(__file__).resolve().parent
_CANDIDATES = [
    os.environ.get("OAI_SCHEMA_DIR"),
    str(_HERE.parent.parent / "shared" / "xsd"),
]

# namespace -> canonical schema URL; every payload namespace Granary may serve.
IMPORTS = {
    "http://www.openarchives.org/OAI/2.0/": "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier":
        "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    "http://www.openarchives.org/OAI/2.0/provenance":
        "http://www.openarchives.org/OAI/2.0/provenance.xsd",
    "http://www.openarchives.org/OAI/2.0/friends/": "http://www.openarchives.org/OAI/2.0/friends.xsd",
    "http://www.loc.gov/MARC21/slim": "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
}


def schema_dir() -> Path | None:
    for cand in _CANDIDATES:
        if cand and (Path(cand) / "OAI-PMH.xsd").is_file():
            return Path(cand)
    return None


class _CatalogResolver(etree.Resolver):
    """Maps every canonical schema URL (http or https) to the file of the same name."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.extra = {
            "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
            "http://www.w3.org/2001/xml.xsd": "xml.xsd",
            "http://www.loc.gov/mods/xml.xsd": "xml.xsd",
            "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
        }

    def resolve(self, system_url, public_id, context):  # noqa: ANN001,ANN201
        url = (system_url or "").replace("https://", "http://")
        name = self.extra.get(url) or url.rsplit("/", 1)[-1]
        path = self.folder / name
        if path.is_file():
            return self.resolve_filename(str(path), context)
        return None


def load_validator() -> tuple[Callable[[bytes], None] | None, str]:
    folder = schema_dir()
    if folder is None:
        return None, ("official schemas not found: put them in ../shared/xsd or set "
                      "OAI_SCHEMA_DIR")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_CatalogResolver(folder))
    xs = "http://www.w3.org/2001/XMLSchema"
    driver = etree.Element(f"{{{xs}}}schema", nsmap={"xs": xs})
    for ns, url in IMPORTS.items():
        etree.SubElement(driver, f"{{{xs}}}import", namespace=ns, schemaLocation=url)
    driver = etree.fromstring(etree.tostring(driver), parser)  # so imports use our resolver
    schema = etree.XMLSchema(driver)

    def validate(body: bytes) -> None:
        doc = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        if not schema.validate(doc):
            errors = "\n".join(str(e) for e in schema.error_log)
            raise AssertionError(f"response is not schema-valid:\n{errors}\n---\n"
                                 f"{body[:2000].decode('utf-8', 'replace')}")

    return validate, ""
