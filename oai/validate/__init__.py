"""Judging an OAI-PMH endpoint, ours or anyone's, against the rules Granary keeps.

``validate(base_url, Options(...))`` runs the checks of the conformance list (A to I) and
returns a ``Report``: one ``Verdict`` per check (PASS, FAIL for a broken MUST, WARN for a broken
SHOULD, SKIP), each failure with the request that shows it and what came back. ``preflight``
is the short look ``sources add`` takes: what the harvester will have to work around.

Plain Python, lxml and the harvester's HTTP client; no Flask, no SQLAlchemy, nothing from the
store but its syntax rules. Modules: ``checks`` (the catalogue and verdicts), ``probe``
(requests and the envelope), ``identify``, ``lists``, ``records``, ``errorcases``, ``quality``,
``schemas`` (the official XSDs, offline), ``run`` and ``preflight``.
"""
from oai.validate.checks import CATALOGUE, Check, Level, Outcome, Verdict
from oai.validate.run import Options, Report, validate

__all__ = ["CATALOGUE", "Check", "Level", "Options", "Outcome", "Report", "Verdict",
           "validate"]
