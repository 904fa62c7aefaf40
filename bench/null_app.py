"""The floor of a small request: a WSGI app that answers every request with constant bytes
(an Identify, a one-header ListIdentifiers, or a GetRecord of a few Dublin Core values),
doing no OAI-PMH work at all. Served by the same gunicorn as Granary and asked by the same
client, it shows what the HTTP server and the client cost alone: no server can answer a
small request faster than this on the machine, whatever it does inside.

    gunicorn --pythonpath bench null_app:app
"""
from __future__ import annotations

from urllib.parse import parse_qs

from lxml import etree

OAI = "http://www.openarchives.org/OAI/2.0/"
DC = "http://purl.org/dc/elements/1.1/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
IDENTIFIER = "oai:null.example:1"


def _answer(verb: str) -> bytes:
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = "2026-01-01T00:00:00Z"
    etree.SubElement(root, f"{{{OAI}}}request", verb=verb).text = "http://127.0.0.1/oai"
    body = etree.SubElement(root, f"{{{OAI}}}{verb}")
    if verb == "Identify":
        for name, value in (("repositoryName", "null"), ("baseURL", "http://127.0.0.1/oai"),
                            ("protocolVersion", "2.0"), ("adminEmail", "null@example.org"),
                            ("earliestDatestamp", "2005-01-01T00:00:00Z"),
                            ("deletedRecord", "persistent"),
                            ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
            etree.SubElement(body, f"{{{OAI}}}{name}").text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    header = etree.SubElement(body if verb == "ListIdentifiers"
                              else etree.SubElement(body, f"{{{OAI}}}record"), f"{{{OAI}}}header")
    etree.SubElement(header, f"{{{OAI}}}identifier").text = IDENTIFIER
    etree.SubElement(header, f"{{{OAI}}}datestamp").text = "2005-01-01T00:00:00Z"
    if verb == "GetRecord":
        metadata = etree.SubElement(header.getparent(), f"{{{OAI}}}metadata")
        dc = etree.SubElement(metadata, f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC})
        for name in ("title", "creator", "subject", "description", "date", "language"):
            etree.SubElement(dc, f"{{{DC}}}{name}").text = f"a {name} of some length, " * 3
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


ANSWERS = {verb: _answer(verb) for verb in ("Identify", "ListIdentifiers", "GetRecord")}


def app(environ, start_response):
    verb = parse_qs(environ.get("QUERY_STRING", "")).get("verb", ["Identify"])[0]
    body = ANSWERS.get(verb, ANSWERS["Identify"])
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
