"""Alembic environment: the target is the SQLModel metadata of yuqing.models."""

from alembic import context
from sqlmodel import SQLModel

import yuqing.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from yuqing.db import get_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(config.get_main_option("sqlalchemy.url") or None).connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `yuqing init` against a database")
run_migrations_online()
