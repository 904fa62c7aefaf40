"""Importing catalogues: readers of oai_dc XML (bare records, wrappers, saved OAI-PMH
responses) and CSV, and the service that writes each file into the store in one transaction.

    catalog = Catalog(store, default_registry(), "granary.example.org")
    counts = catalog.import_file("books.csv")       # WriteCounts, or IngestError
"""
from oai.ingest.catalog import Catalog, demo_sets, detect_kind, load_demo
from oai.ingest.csv_reader import read_csv
from oai.ingest.items import (
    DEFAULT_REPOSITORY_IDENTIFIER, IngestError, SourceItem, check_repository_identifier,
    escape_local, make_identifier,
)
from oai.ingest.xml_reader import read_xml

__all__ = [
    "Catalog", "DEFAULT_REPOSITORY_IDENTIFIER", "IngestError", "SourceItem",
    "check_repository_identifier", "demo_sets", "detect_kind", "escape_local", "load_demo",
    "make_identifier", "read_csv", "read_xml",
]
