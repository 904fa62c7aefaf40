"""The official schemas, read offline: where they are, how their imports resolve, and one
validator for a whole OAI-PMH response.

The schemas import each other by absolute URL; a resolver maps each URL (http or https) to the
local copy of the same name, so lxml never touches the network while validating. OAI-PMH.xsd
alone cannot check <metadata>, <about> or <description> (their wildcards are strict), so a small
driver schema imports every payload namespace whose schema is in the folder (the trick OVAL
uses). The folder is ``$OAI_SCHEMA_DIR``, else a cache folder that ``fetch_missing`` fills
once from the official URLs when a network exists.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XS = "http://www.w3.org/2001/XMLSchema"

# namespace -> canonical schema URL, for every payload namespace the driver imports.
IMPORTS = {
    OAI_NS: "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier":
        "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
    "http://www.openarchives.org/OAI/2.0/provenance":
        "http://www.openarchives.org/OAI/2.0/provenance.xsd",
    "http://www.openarchives.org/OAI/2.0/friends/": "http://www.openarchives.org/OAI/2.0/friends.xsd",
    "http://www.loc.gov/MARC21/slim": "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
}
# MODS is imported only when its schema is in the folder (it is large, and optional). 3.6, not
# the current 3.8: libxml2 cannot compile 3.8 (duplicate attribute use 'IDREF').
OPTIONAL_IMPORTS = {
    "http://www.loc.gov/mods/v3": "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd",
}
# URLs the schemas import, mapped to a file whose name is not the URL's last segment.
_ALIASES = {
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2009/01/xml.xsd": "xml.xsd",
    "http://www.loc.gov/mods/xml.xsd": "xml.xsd",
}
# Where each file comes from when the cache has to be filled (the schemas' own imports).
_DEPENDENCIES = {
    "simpledc20021212.xsd": "http://dublincore.org/schemas/xmls/simpledc20021212.xsd",
    "xml.xsd": "http://www.w3.org/2001/xml.xsd",
    "xlink.xsd": "http://www.loc.gov/standards/xlink/xlink.xsd",
}


def file_name(url: str) -> str:
    """The local file that stands for schema *url*."""
    url = url.strip().replace("https://", "http://")
    return _ALIASES.get(url) or url.rsplit("/", 1)[-1]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "granary" / "xsd"


def schema_dir(candidates: Iterable[str | os.PathLike | None] = ()) -> Path | None:
    """The first folder holding OAI-PMH.xsd among ``$OAI_SCHEMA_DIR``, *candidates* and the
    cache folder; None when none does."""
    for cand in (os.environ.get("OAI_SCHEMA_DIR"), *candidates, cache_dir()):
        if cand and (Path(cand) / "OAI-PMH.xsd").is_file():
            return Path(cand)
    return None


def fetch_missing(folder: Path, get: Callable[[str], bytes]) -> list[str]:
    """Download into *folder* every schema (and import) it lacks, by *get(url)* -> bytes
    (the harvester's HTTP client). Returns the problems met; a file that cannot be had is
    left out, and its namespace is then not checked."""
    folder.mkdir(parents=True, exist_ok=True)
    # OAI-PMH.xsd first (IMPORTS starts with it): without it nothing can be checked.
    wanted = {file_name(u): u for u in (*IMPORTS.values(), *OPTIONAL_IMPORTS.values())}
    wanted.update(_DEPENDENCIES)
    problems = []
    for name, url in wanted.items():
        path = folder / name
        if path.is_file():
            continue
        try:
            data = get(url)
            etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
        except Exception as exc:  # noqa: BLE001 - any failure leaves this one schema out
            problems.append(f"{url}: {exc}")
            if name == "OAI-PMH.xsd":
                break   # no network, most likely: the others would fail the same way
            continue
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return problems


class CatalogResolver(etree.Resolver):
    """Maps every canonical schema URL (http or https) to the file of the same name."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, system_url, public_id, context):  # noqa: ANN001,ANN201 - lxml's API
        path = self.folder / file_name(system_url or "")
        if path.is_file():
            return self.resolve_filename(str(path), context)
        return None


@dataclass(frozen=True)
class Schemas:
    """A compiled driver schema and the namespaces it checks."""

    folder: Path
    schema: etree.XMLSchema
    namespaces: frozenset[str]

    def problems(self, doc: etree._Element | bytes) -> list[str]:
        """Every schema error in *doc* (a parsed response or its bytes); [] when valid."""
        if isinstance(doc, bytes):
            doc = etree.fromstring(doc, etree.XMLParser(resolve_entities=False,
                                                        no_network=True))
        if self.schema.validate(doc):
            return []
        return [f"line {e.line}: {e.message}" for e in self.schema.error_log]


def load(folder: Path) -> Schemas:
    """Compile the driver schema from *folder*; OPTIONAL_IMPORTS only when present.
    Raises etree.XMLSchemaParseError when a schema does not compile."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(CatalogResolver(folder))
    imports = dict(IMPORTS)
    imports.update({ns: url for ns, url in OPTIONAL_IMPORTS.items()
                    if (folder / file_name(url)).is_file()})
    driver = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
    for ns, url in imports.items():
        etree.SubElement(driver, f"{{{XS}}}import", namespace=ns, schemaLocation=url)
    # Parsed again through our parser, so that the imports go through the resolver.
    root = etree.fromstring(etree.tostring(driver), parser)
    return Schemas(folder, etree.XMLSchema(root), frozenset(imports))


def find_and_load(candidates: Iterable[str | os.PathLike | None] = ()
                  ) -> tuple[Schemas | None, str]:
    """The schemas from the first folder that has them, or None and the reason why not."""
    folder = schema_dir(candidates)
    if folder is None:
        return None, ("official schemas not found: set OAI_SCHEMA_DIR to a folder holding "
                      f"OAI-PMH.xsd and its companions, or let them be fetched into {cache_dir()}")
    try:
        return load(folder), ""
    except etree.XMLSchemaParseError as exc:
        return None, f"the schemas in {folder} do not compile: {exc}"
