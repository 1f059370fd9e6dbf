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


def test_the_audit_log_refuses_update_and_delete(any_db):
    import pytest
    from sqlalchemy.exc import DBAPIError

    with any_db.begin() as connection:
        connection.execute(text("INSERT INTO event (at, actor, kind) VALUES (CURRENT_TIMESTAMP, 'ana', 'note')"))
    for statement in ("UPDATE event SET actor = 'mallory'", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"), any_db.begin() as connection:
            connection.execute(text(statement))
    with any_db.connect() as connection:
        assert connection.execute(text("SELECT actor FROM event")).scalars().all() == ["ana"]


def test_an_existing_database_upgrades_from_the_first_revision_without_loss(settings_env):
    engine = get_engine()
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO notification (channel, target, subject, body, dedupe_key, status, attempts,"
                                " next_attempt_at, created_at) VALUES ('email', 'a@b', 's', '正文', 'k1', 'queued', 0,"
                                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT body, claimed_by FROM notification")).one()
    assert tuple(row) == ("正文", None)
    assert current_revision(engine) == head_revision()
