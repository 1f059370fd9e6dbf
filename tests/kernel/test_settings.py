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
