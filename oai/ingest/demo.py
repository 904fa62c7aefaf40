"""The demo catalogue shipped with Granary: publications on human trafficking and the
international instruments and reports they name, in a small set hierarchy, with one tombstone.

The data lives in ``oai/ingest/data`` (``demo-catalogue.csv`` in the import CSV format,
``demo-sets.csv`` with set names and descriptions) so ``pip install .`` ships it. Loading it
is one transaction and idempotent: a second load reports every record unchanged.
"""
from __future__ import annotations

import csv
from importlib import resources
from typing import Iterator

from oai.ingest.catalog import Catalog
from store.types import SetInfo, WriteCounts

CATALOGUE = "demo-catalogue.csv"
SETS = "demo-sets.csv"


def _data(name: str):  # noqa: ANN202 - an importlib.resources Traversable
    return resources.files("oai.ingest").joinpath("data", name)


def demo_sets() -> Iterator[SetInfo]:
    """The named sets of the demo catalogue, parents first."""
    with _data(SETS).open("r", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            yield SetInfo(row["spec"], row["name"], row["description"].strip() or None)


def load_demo(catalog: Catalog) -> WriteCounts:
    """Write the demo sets and records into *catalog*'s store (one transaction)."""
    sets = list(demo_sets())
    with resources.as_file(_data(CATALOGUE)) as path:
        return catalog.import_file(path, "csv", sets=sets)
