"""Granary's OAI-PMH protocol layer and web endpoint.

Only ``create_app`` touches Flask, and it is imported lazily, so ``import oai.harvest`` or
``import oai.verbs`` never pulls Flask in. ``flask --app oai run`` and
``gunicorn 'oai:create_app()'`` both find the factory here.
"""


def create_app(test_config=None):  # noqa: ANN001,ANN201 - thin forwarder
    from oai.app import create_app as _create_app

    return _create_app(test_config)
