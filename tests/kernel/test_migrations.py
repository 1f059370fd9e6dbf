from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from yuqing.db import get_engine
from yuqing.migrate import current_revision, head_revision, upgrade


def test_migrations_build_exactly_the_models(any_db):
    with any_db.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"
    assert current_revision(any_db) == head_revision()


def test_upgrading_again_keeps_every_row(any_db):
    with any_db.begin() as connection:
        connection.execute(text("INSERT INTO issue (title, summary, topic_prob, urgency, heat, post_count, source_count,"
                                " first_seen_at, last_seen_at, status, needs_triage, created_at, updated_at) VALUES"
                                " ('旧数据', '', 0, 3, 0, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'new', false,"
                                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(get_engine())
    with any_db.connect() as connection:
        assert connection.execute(text("SELECT title FROM issue")).scalars().all() == ["旧数据"]
