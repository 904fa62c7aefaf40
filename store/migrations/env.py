"""Alembic environment for the store's migrations, driven by ``store.migrate.upgrade``.

There is no alembic.ini: ``store.migrate`` builds the Alembic Config in code and hands over an
open connection (``config.attributes["connection"]``) that already holds the migration lock,
so this file only runs the scripts on it.

Adding a revision (for example the harvester's sources and runs tables):

1. add the tables to ``store/models.py``;
2. write ``versions/000N_<what>.py`` by hand with ``revision = "000N"`` and
   ``down_revision`` = the previous number, using ``op.create_table`` / ``op.add_column``
   (wrap column changes on SQLite in ``op.batch_alter_table``);
3. run ``tests/store/test_migrations.py``: it checks that the migrated schema equals
   ``store.models.metadata`` and that an older database upgrades with its rows intact.
"""
from __future__ import annotations

from alembic import context

from store.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through RecordStore.upgrade() (store.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
