"""The Flask app factory: configuration -> store -> format registry -> the OAI blueprint.

``create_app`` is the one place the server reads its settings (``oai.config.load``, the loader
the command line uses too); it makes the process's one ``oai.verbs.Service`` (identity, store,
formats, token secret, clock), kept in ``app.extensions["granary"]``, from which the view
derives each request's ``Context`` (``Service.at``). Served by ``flask --app oai run`` or
``gunicorn 'oai:create_app()'``.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask, Response
from werkzeug.exceptions import InternalServerError

from oai import config, views
from oai.verbs import Service
from oai.web import pages
from schemas import default_registry
from schemas.learnt import LearntFormats

__all__ = ["Service", "create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Settings come from ``oai.config.DEFAULTS``, then the environment, then
    *test_config*; other *test_config* keys (``TESTING``...) go to Flask's config. A bad
    setting stops the start with a ``config.ConfigError`` naming it."""
    from store import RecordStore  # SQLAlchemy is only needed once an app is made

    settings = config.load(os.environ, test_config)
    app = Flask(__name__)
    # Form bodies are a few arguments; anything bigger is refused (413) before it is parsed.
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config.from_mapping({k: v for k, v in (test_config or {}).items()
                             if k not in config.DEFAULTS})
    store = RecordStore(settings.database_url)
    if settings.auto_migrate:
        store.upgrade()
    app.extensions["granary"] = Service(
        identity=settings.identity,
        store=store,
        # Formats learnt from partners are served too, re-read every few seconds.
        formats=LearntFormats(default_registry(), store.harvest.formats),
        secret=settings.secret_key or store.secret_key(),
    )
    app.register_blueprint(views.bp)
    app.register_blueprint(pages.bp)     # pages for people (oai/web/)
    app.register_error_handler(InternalServerError, _server_error)
    return app


def _server_error(exc: InternalServerError) -> Response:
    # Flask has logged the exception with its traceback already; the harvester gets a short
    # text and a 500, never an OAI error that would pretend its request was wrong.
    return Response("Internal server error: the request could not be answered. It has been "
                    "logged; please try again later.\n", status=500,
                    content_type="text/plain; charset=utf-8")
