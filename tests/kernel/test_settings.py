import re
from pathlib import Path

from yuqing.settings import PROJECT_ROOT, Settings, render_env_example


def test_env_example_lists_every_setting_with_its_description():
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    assert text == render_env_example(), "settings changed: regenerate .env.example (command in its header)"
    listed = set(re.findall(r"^# (YUQING_[A-Z_]+)=", text, flags=re.M))
    expected = {f"YUQING_{name.upper()}" for name in Settings.model_fields}
    assert listed == expected
    for field in Settings.model_fields.values():
        assert field.description and field.description in text


def test_database_url_defaults_to_sqlite_in_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("YUQING_DATA_DIR", str(tmp_path))
    assert Settings().resolved_database_url() == f"sqlite:///{(tmp_path / 'yuqing.db').as_posix()}"


def test_database_url_accepts_the_conventional_name(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:5432/x")
    assert Settings().resolved_database_url().startswith("postgresql+psycopg://")


def test_no_secret_is_committed():
    assert not (PROJECT_ROOT / ".env").exists() or ".env" in (PROJECT_ROOT / ".gitignore").read_text()
    assert Settings.model_fields["webhook_secret"].default == ""
    assert isinstance(PROJECT_ROOT, Path)


def test_crawl_settings_come_from_the_registry(monkeypatch):
    """YUQING_NEAR_DUP_DISTANCE and YUQING_STORE_BATCH are real settings: a crawl's Scrapy settings obey them."""
    from crawlers.settings import build_settings
    from yuqing.settings import reset_settings_cache

    def crawl_settings() -> dict:
        return build_settings({"name": "x", "kind": "board", "url": "http://127.0.0.1/"}, user_agent="ua",
                              max_page_bytes=1000, jobdir=None)

    defaults = crawl_settings()
    assert (defaults["YUQING_NEAR_DUP_DISTANCE"], defaults["YUQING_STORE_BATCH"]) == (5, 50)
    monkeypatch.setenv("YUQING_NEAR_DUP_DISTANCE", "7")
    monkeypatch.setenv("YUQING_STORE_BATCH", "3")
    reset_settings_cache()
    try:
        chosen = crawl_settings()
        assert (chosen["YUQING_NEAR_DUP_DISTANCE"], chosen["YUQING_STORE_BATCH"]) == (7, 3)
    finally:
        monkeypatch.delenv("YUQING_NEAR_DUP_DISTANCE")
        monkeypatch.delenv("YUQING_STORE_BATCH")
        reset_settings_cache()


def test_an_unknown_timezone_is_refused_in_chinese(monkeypatch):
    import pytest
    from pydantic import ValidationError

    monkeypatch.setenv("YUQING_TIMEZONE", "Asia/Atlantis")
    with pytest.raises(ValidationError, match="未知的时区"):
        Settings()


def test_importing_the_flows_package_touches_nothing(tmp_path):
    """No side effect at import: Prefect's folder and environment are set by configure_prefect alone."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["YUQING_DATA_DIR"] = str(tmp_path)
    code = ("import os, flows, flows.stages, flows.sla, crawlers.health; "
            "assert not any(k.startswith('PREFECT_') for k in os.environ), 'Prefect environment set at import'; "
            "assert not os.listdir(os.environ['YUQING_DATA_DIR']), 'folders created at import'; "
            "print(flows.configure_prefect())")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "prefect") and (tmp_path / "prefect").is_dir()
