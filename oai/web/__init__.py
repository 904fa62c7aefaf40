"""Pages for people: the catalogue in a browser, found by search engines (README, "Pages for
people"). ``pages`` is the Flask blueprint (the routes), ``present`` turns store reads into
what the templates show (plain Python: cursors, citation tags, JSON-LD, the set tree),
``sitemap`` writes the sitemaps with lxml. The OAI-PMH endpoint (oai/views.py) is untouched.

Importing this package imports no Flask; ``oai.app`` imports ``oai.web.pages``.
"""
