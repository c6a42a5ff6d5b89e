"""Alembic environment: runs on the connection EQM hands over, or on alembic.ini's URL."""

from alembic import context
from sqlalchemy import create_engine

from brain.store.schema import metadata

config = context.config


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if (connection := config.attributes.get("connection")) is not None:
    run(connection)
else:  # the alembic CLI, for writing new migrations: alembic -c brain/store/alembic.ini ...
    with create_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
        run(connection)
