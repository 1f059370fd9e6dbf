"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL with --postgres-url
or YUQING_TEST_POSTGRES_URL), the region profiles, and one Prefect harness per session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Prefect reads these at import: keep its state inside a throwaway folder and never phone home.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="yuqing-prefect-test-"))
os.environ["PREFECT_HOME"] = str(_PREFECT_HOME)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
for _name in ("YUQING_DATABASE_URL", "DATABASE_URL", "YUQING_PROFILE", "YUQING_FAKE_NOW"):
    os.environ.pop(_name, None)

from yuqing.db import dispose_engines, get_engine  # noqa: E402
from yuqing.settings import get_settings, reset_settings_cache  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture
def settings_env(tmp_path, monkeypatch):
    """Settings pointing at a private data folder (and so a private SQLite file)."""
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path / "var"))
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
