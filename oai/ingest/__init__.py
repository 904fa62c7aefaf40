"""Importing catalogues: readers of oai_dc XML (bare records, wrappers, saved OAI-PMH
responses) and CSV, and the service that writes each file into the store in one transaction.

    catalog = Catalog(store, default_registry(), "granary.example.org")
    counts = catalog.import_file("books.csv")       # WriteCounts, or IngestError

Records are named by the oai-identifier rules of ``oai.identity`` (``make_identifier``).
"""
from oai.ingest.catalog import Catalog, demo_sets, detect_kind, load_demo
from oai.ingest.csv_reader import read_csv
from oai.ingest.items import IngestError, SourceItem
from oai.ingest.xml_reader import read_xml

__all__ = [
    "Catalog", "IngestError", "SourceItem", "demo_sets", "detect_kind", "load_demo", "read_csv",
    "read_xml",
]
