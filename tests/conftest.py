"""Shared fixtures: a fresh database per test, the region profiles, and one Prefect harness per session.

Which database the suite runs on: SQLite by default; the whole DB-touching part of the suite runs on
a fresh PostgreSQL database per test with ``--db=postgres`` or ``YUQING_TEST_DB=postgres`` (server from
``YUQING_TEST_POSTGRES_URL``, default postgres@127.0.0.1:5432; tests skip with the reason when it does not
answer). In that mode only tests that use the database fixtures are collected, and ``any_db[sqlite]``
twins are deselected: the default run covers them.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

for _name in ("YUQING_DATABASE_URL", "DATABASE_URL", "YUQING_PROFILE", "YUQING_FAKE_NOW"):
    os.environ.pop(_name, None)

# Prefect reads its settings at import: keep its state inside a throwaway folder and never phone home.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="yuqing-prefect-test-"))
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
from flows import configure_prefect  # noqa: E402

configure_prefect(_PREFECT_HOME)

# The property tests draw the same examples on every run, so a suite that passed passes again; the
# random search for new failures is scripts/fuzz.py (or HYPOTHESIS_PROFILE=explore).
from hypothesis import settings as _hypothesis  # noqa: E402

_hypothesis.register_profile("repeatable", derandomize=True)
_hypothesis.register_profile("explore", derandomize=False)
_hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

from yuqing.db import dispose_engines, get_engine  # noqa: E402
from yuqing.settings import get_settings, reset_settings_cache  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


DB_CHOICES = ("sqlite", "postgres")
DB_FIXTURES = ("settings_env", "db", "any_db", "postgres_url")


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=DB_CHOICES, default=None,
        help="database the DB fixtures use: sqlite (default) or postgres (a fresh database per test on "
             "YUQING_TEST_POSTGRES_URL); also set by the environment variable YUQING_TEST_DB",
    )


def suite_database(config) -> str:
    """The database the suite runs on: --db, else YUQING_TEST_DB, else sqlite."""
    choice = config.getoption("--db") or os.environ.get("YUQING_TEST_DB", "").strip().lower() or "sqlite"
    if choice not in DB_CHOICES:
        raise pytest.UsageError(f"YUQING_TEST_DB={choice!r}: expected one of {', '.join(DB_CHOICES)}")
    return choice


def pytest_report_header(config):
    return f"yuqing test database: {suite_database(config)}"


def pytest_collection_modifyitems(config, items):
    if suite_database(config) != "postgres":
        return
    # On PostgreSQL run only what touches the database; the SQLite-named twin of an any_db test is
    # the default run's job (its postgres twin runs here).
    keep, drop = [], []
    for item in items:
        uses_db = any(name in getattr(item, "fixturenames", ()) for name in DB_FIXTURES)
        callspec = getattr(item, "callspec", None)
        sqlite_twin = callspec is not None and callspec.params.get("any_db") == "sqlite"
        (keep if uses_db and not sqlite_twin else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def settings_env(request, tmp_path, monkeypatch):
    """Settings pointing at a private data folder and a private database: a SQLite file in it by default,
    a fresh PostgreSQL database in the suite's postgres mode (see the module docstring)."""
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
    if suite_database(request.config) == "postgres":
        with _fresh_postgres_database() as url:
            monkeypatch.setenv("YUQING_DATABASE_URL", url)
            reset_settings_cache()
            dispose_engines()
            yield get_settings()
            dispose_engines()
            reset_settings_cache()
        return
    reset_settings_cache()
    dispose_engines()
    yield get_settings()
    dispose_engines()
    reset_settings_cache()


@pytest.fixture
def db(settings_env):
    """A migrated, empty database with the licheng profile's units loaded; yields the engine."""
    from yuqing import repo
    from yuqing.db import session_scope
    from yuqing.migrate import upgrade
    from yuqing.profile import load_profile

    engine = get_engine()
    upgrade(engine)
    with session_scope() as session:
        repo.sync_units(session, units=load_profile("licheng").units.values())
    return engine


POSTGRES_ADMIN_URL = os.environ.get(
    "YUQING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reachable() -> str | None:
    """None when the server answers, else the reason to skip."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_ADMIN_URL)
    try:
        psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                        dbname=url.database, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL not reachable at {url.host}:{url.port} ({exc.__class__.__name__}: {str(exc)[:120]})"
    return None


_POSTGRES_SKIP: list[str | None] = []  # asked once per session: a dead server should not cost 3 s per test


@contextmanager
def _fresh_postgres_database():
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards (skips when no server)."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    if not _POSTGRES_SKIP:
        _POSTGRES_SKIP.append(_postgres_reachable())
    if _POSTGRES_SKIP[0]:
        pytest.skip(_POSTGRES_SKIP[0])
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    connect = dict(host=admin.host, port=admin.port or 5432, user=admin.username, password=admin.password,
                   dbname=admin.database, autocommit=True)
    with psycopg.connect(**connect) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with psycopg.connect(**connect) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(tmp_path, monkeypatch):
    """A fresh PostgreSQL database for one test, dropped afterwards; settings point at it."""
    with _fresh_postgres_database() as url:
        monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
        monkeypatch.setenv("YUQING_DATABASE_URL", url)
        reset_settings_cache()
        dispose_engines()
        yield url
        dispose_engines()
        reset_settings_cache()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db(request, settings_env):
    """The `db` fixture on SQLite and, for real, on PostgreSQL."""
    from yuqing import repo
    from yuqing.db import session_scope
    from yuqing.migrate import upgrade
    from yuqing.profile import load_profile

    if request.param == "postgres":
        request.getfixturevalue("postgres_url")
    engine = get_engine()
    upgrade(engine)
    with session_scope() as session:
        repo.sync_units(session, units=load_profile("licheng").units.values())
    return engine


@pytest.fixture(scope="session")
def licheng():
    from yuqing.profile import load_profile

    return load_profile("licheng")


@pytest.fixture(scope="session")
def prefect_harness():
    """One ephemeral Prefect API for the whole session (starting one costs ~9 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 that the e-mail channel delivers to; `.messages` holds what arrived."""
    from tests.servers import SmtpSink

    sink = SmtpSink().start()
    monkeypatch.setenv("YUQING_SMTP_PORT", str(sink.port))
    reset_settings_cache()
    yield sink
    sink.stop()
