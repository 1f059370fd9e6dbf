"""Migrations that add columns to tables already holding rows, on SQLite and PostgreSQL: 0009 (each
analysis's emotion; the analyses saved before it keep no emotion, never 中性), 0014 (each post's newest
emotion, kept by triggers) and 0015 (each assignment's hours to sign and to answer, kept by
triggers; 0016 indexes them by unit)."""

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, text

from yuqing.db import get_engine
from yuqing.migrate import alembic_config, current_revision, head_revision, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_db(request, settings_env):
    """An empty database (not migrated) on SQLite and, for real, on PostgreSQL."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_url")
    return get_engine()


def _columns(engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("analysis")}


def _indexes(engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("assignment")}


def test_0009_adds_emotion_to_existing_analyses_and_downgrades(fresh_db):
    upgrade(fresh_db, "0008")
    assert not {"emotion", "negative_intensity"} & _columns(fresh_db)
    with fresh_db.begin() as connection:
        connection.execute(text("INSERT INTO post (url, title, text, likes, reposts, comments, views, content_hash,"
                                " spam, fetched_at) VALUES ('http://127.0.0.1/p/1', '旧帖', '拆迁补偿太低', 0, 0, 0, 0,"
                                " 'h1', false, CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO analysis (post_id, model_version, topic_prob, relevant, relevance_score,"
                                " urgency, urgency_score, sentiment, sentiment_score, created_at) SELECT id, 'old', 0,"
                                " true, 1, 3, 0, 'negative', -0.5, CURRENT_TIMESTAMP FROM post"))
    upgrade(fresh_db)
    assert current_revision(fresh_db) == head_revision()
    with fresh_db.begin() as connection:
        old = connection.execute(text("SELECT sentiment, emotion, negative_intensity FROM analysis")).one()
        assert tuple(old) == ("negative", None, None)
        connection.execute(text("UPDATE analysis SET emotion = 'angry', negative_intensity = 0.875"))
        assert tuple(connection.execute(text("SELECT emotion, negative_intensity FROM analysis")).one()) == ("angry", 0.875)
    with fresh_db.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    assert not {"emotion", "negative_intensity"} & _columns(fresh_db)
    with fresh_db.connect() as connection:
        assert connection.execute(text("SELECT sentiment FROM analysis")).scalars().all() == ["negative"]


def _post_triggers(connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'post'::regclass AND NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'post'"
    return set(connection.execute(text(query)).scalars())


def test_0014_copies_each_posts_newest_emotion_and_downgrades(fresh_db):
    """Posts analysed before 0014 get their newest analysis's emotion ('' for one without, NULL for
    none); later analyses keep it current; the downgrade removes the copies and keeps the post
    table's other triggers (the post counts of 0010)."""
    upgrade(fresh_db, "0013")
    with fresh_db.begin() as connection:
        for n in (1, 2, 3):
            connection.execute(text("INSERT INTO post (url, title, text, likes, reposts, comments, views, content_hash,"
                                    f" spam, fetched_at) VALUES ('http://127.0.0.1/p/{n}', '旧帖', '拆迁', 0, 0, 0, 0,"
                                    f" 'h{n}', false, CURRENT_TIMESTAMP)"))
        analyse = ("INSERT INTO analysis (post_id, model_version, topic_prob, relevant, relevance_score, urgency,"
                   " urgency_score, sentiment, sentiment_score, emotion, negative_intensity, created_at) SELECT id, :v,"
                   " 0, true, 1, 3, 0, 'negative', -0.5, :e, :i, CURRENT_TIMESTAMP FROM post WHERE url = :u")
        connection.execute(text(analyse), {"v": "old", "e": "sad", "i": 0.25, "u": "http://127.0.0.1/p/1"})
        connection.execute(text(analyse), {"v": "new", "e": "angry", "i": 0.75, "u": "http://127.0.0.1/p/1"})
        connection.execute(text(analyse), {"v": "old", "e": None, "i": None, "u": "http://127.0.0.1/p/2"})
        before = _post_triggers(connection)
    upgrade(fresh_db)
    query = text("SELECT url, emotion, negative_intensity FROM post ORDER BY url")
    with fresh_db.begin() as connection:
        assert [tuple(row) for row in connection.execute(query)] == [
            ("http://127.0.0.1/p/1", "angry", 0.75), ("http://127.0.0.1/p/2", "", None), ("http://127.0.0.1/p/3", None, None)]
        connection.execute(text(analyse), {"v": "newer", "e": "fear", "i": 0.5, "u": "http://127.0.0.1/p/2"})
        assert tuple(connection.execute(query).all()[1]) == ("http://127.0.0.1/p/2", "fear", 0.5)
    with fresh_db.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    assert not {"emotion", "negative_intensity"} & {c["name"] for c in inspect(fresh_db).get_columns("post")}
    with fresh_db.begin() as connection:
        assert _post_triggers(connection) == before and before
        connection.execute(text(analyse), {"v": "newest", "e": "happy", "i": 0.0, "u": "http://127.0.0.1/p/3"})


def test_0015_stores_each_assignments_hours_and_downgrades(fresh_db):
    """Assignments signed and answered before 0015 get their hours; later writes keep them current
    (on PostgreSQL before the row is written, on SQLite right after); the downgrade removes them."""
    upgrade(fresh_db, "0014")
    insert_issue = ("INSERT INTO issue (title, summary, topic_prob, urgency, heat, post_count, source_count, first_seen_at,"
                    " last_seen_at, status, needs_triage, created_at, updated_at) VALUES ('旧事件', '', 0, 3, 0, 0, 0,"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'assigned', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    assign = ("INSERT INTO assignment (issue_id, unit_code, role, rule_id, reason, level, status, created_at,"
              " acknowledged_at, responded_at, updated_at) SELECT max(id), :unit, 'lead', 'r', '', 3, 'notified',"
              " :created, :signed, :answered, :created FROM issue")
    created = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with fresh_db.begin() as connection:
        connection.execute(text(insert_issue))
        connection.execute(text(assign), {"unit": "kaiyuan", "created": created, "signed": created + timedelta(hours=1.5),
                                          "answered": created + timedelta(hours=30)})
        connection.execute(text(insert_issue))
        connection.execute(text(assign), {"unit": "lizhong", "created": created, "signed": None, "answered": None})
    upgrade(fresh_db)
    query = text("SELECT unit_code, hours_to_sign, hours_to_respond FROM assignment ORDER BY unit_code")
    with fresh_db.begin() as connection:
        (first, sign, answer), (second, *none) = connection.execute(query).all()
        assert (first, second, none) == ("kaiyuan", "lizhong", [None, None])
        assert sign == pytest.approx(1.5, abs=1e-6) and answer == pytest.approx(30, abs=1e-6)
        connection.execute(text("UPDATE assignment SET acknowledged_at = :at WHERE unit_code = 'lizhong'"),
                           {"at": created + timedelta(hours=26)})
        assert connection.execute(query).all()[1][1] == pytest.approx(26, abs=1e-6)
        connection.execute(text(insert_issue))
        connection.execute(text(assign), {"unit": "haibin", "created": created, "signed": created + timedelta(hours=2),
                                          "answered": None})
        assert connection.execute(query).all()[0][1:] == (pytest.approx(2, abs=1e-6), None)  # haibin sorts first
    hours_indexes = {"ix_assignment_hours", "ix_assignment_sign_hours", "ix_assignment_respond_hours"}
    assert hours_indexes & _indexes(fresh_db) == hours_indexes - {"ix_assignment_hours"}  # 0016's, by unit
    for revision, kept in (("0015", {"ix_assignment_hours"}), ("0014", set())):
        with fresh_db.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
        assert hours_indexes & _indexes(fresh_db) == kept
    assert not {"hours_to_sign", "hours_to_respond"} & {c["name"] for c in inspect(fresh_db).get_columns("assignment")}
    with fresh_db.begin() as connection:  # no trigger left behind that writes the dropped columns
        connection.execute(text(insert_issue))
        connection.execute(text(assign), {"unit": "changtai", "created": created, "signed": created, "answered": None})
