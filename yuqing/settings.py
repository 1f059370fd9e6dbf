"""Every setting of the product, in one documented registry.

Values come from the environment (prefix ``YUQING_``) or a ``.env`` file in the working
directory. ``.env.example`` lists the same fields; a test keeps the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from yuqing.demo_urls import BOARD_PORT

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YUQING_", env_file=".env", extra="ignore",
                                      use_attribute_docstrings=True)

    data_dir: Path = PROJECT_ROOT / "var"
    """Where the SQLite database, crawl state, exports and logs live."""
    database_url: str = Field(default="", validation_alias=AliasChoices("YUQING_DATABASE_URL", "DATABASE_URL"))
    """SQLAlchemy URL of the database; empty means a SQLite file in data_dir (e.g. postgresql+psycopg://user@127.0.0.1:5432/yuqing). DATABASE_URL is accepted too."""
    config_dir: Path = PROJECT_ROOT / "config"
    """Folder holding region profiles (profiles/NAME/) and sources.yaml."""
    profile: str = "licheng"
    """Region profile to use (a folder under config_dir/profiles)."""
    model_dir: Path = PROJECT_ROOT / "nlp" / "models"
    """Folder of trained models and their model cards; a shipped model lives here."""
    timezone: str = "Asia/Shanghai"
    """Time zone for deadlines, working days, report days and the schedules of `yuqing serve` (an IANA name)."""
    demo_host: str = "127.0.0.1"
    """Address the shipped demo site binds to."""
    demo_port: int = BOARD_PORT
    """Port of the shipped demo site (0 picks a free one)."""
    dashboard_port: int = 8501
    """Port of the Streamlit dashboard."""
    crawl_user_agent: str = "yuqing-monitor/0.1 (+https://example.invalid/yuqing; contact: yuqing-ops@example.invalid)"
    """User-Agent the crawlers send; must name a contact."""
    crawl_max_page_bytes: int = 10 * 1024 * 1024
    """Largest page a crawler downloads; a bigger one is cancelled and logged."""
    crawl_timeout_seconds: float = 1800
    """A crawl of one source running longer than this is stopped and counted as failed."""
    redis_url: str = ""
    """Redis URL of the shared crawl frontier (e.g. redis://127.0.0.1:6379/0); set, every crawler process of a source shares one request queue and dupefilter; empty means each crawl runs on its own."""
    near_dup_distance: int = Field(default=5, ge=0, le=64)
    """SimHash bits (of 64) within which two posts are the same text: the crawl links a repost to the first post, and grouping puts it in that post's issue (reposts differ by 0-5 bits, unrelated posts by 16 or more)."""
    author_salt: str = "yuqing"
    """Salt of the author hashes (posts keep no author name, only sha256(salt:source:name)); the crawl and the 预警 watched-account rule use the same. Change it only on a new database: old hashes stop matching."""
    official_accounts: str = Field(
        default="",
        description="The district's recognised official accounts (政务微博 and the like), as 数据源名:账号名 separated by "
        "commas, e.g. licheng_weibo_search:鲤城发布: a post by one is an official publication, like one on the district's "
        "own sites (an answer to a citizen's message closes the loop; otherwise kept as evidence, never a new task).",
    )
    store_batch: int = Field(default=50, ge=1, le=100_000)
    """Posts a crawl writes to the database per commit (a crawl sharing a Redis frontier commits every post)."""
    triage_min_topic_prob: float = 0.55
    """Below this topic probability an issue goes to the analysts' triage queue."""
    cluster_window_hours: int = 72
    """Posts further apart than this are never grouped into one issue."""
    cluster_min_similarity: float = 0.5
    """Minimum title/text similarity (0..1) for a post to join an existing issue."""
    smtp_host: str = "127.0.0.1"
    """SMTP server for e-mail alerts."""
    smtp_port: int = 1025
    """SMTP port for e-mail alerts."""
    smtp_sender: str = "yuqing@localhost"
    """From address of e-mail alerts."""
    webhook_secret: str = ""
    """HMAC secret for the generic signed webhook (never commit it)."""
    dingtalk_secret: str = ""
    """Signing secret of the DingTalk group robots (加签), if they use one."""
    feishu_secret: str = ""
    """Signing secret of the Feishu group robots (签名校验), if they use one."""
    sms_gateway_url: str = ""
    """URL of the SMS gateway webhook; SMS alerts are POSTed there as JSON."""
    notify_max_attempts: int = 6
    """Delivery attempts before a notification becomes a dead letter."""
    notify_timeout_seconds: float = 10.0
    """Timeout of one delivery (SMTP or HTTP), so a hanging receiver cannot stall the outbox."""
    notify_lease_seconds: int = 120
    """How long a worker holds a claimed notification before another worker may retry it."""
    stage_batch_size: int = Field(default=200, ge=1, le=1_000_000)
    """Rows a pipeline stage (analyse, group, route) reads, processes and commits at a time: larger batches go faster, smaller ones commit and renew the stage lease more often."""
    stage_lease_seconds: int = 600
    """How long a pipeline stage (analyse, group, route) is held by one worker before another may take it over; renewed after every batch."""
    fake_now: str = ""
    """ISO timestamp that replaces the clock (tests and drills of deadlines); empty means real time."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知的时区 {value!r}（YUQING_TIMEZONE 应是 IANA 名称，如 Asia/Shanghai）") from None
        return value

    @field_validator("official_accounts")
    @classmethod
    def _accounts_written_right(cls, value: str) -> str:
        from yuqing.authors import account_entries

        try:
            account_entries(value)
        except ValueError as exc:
            raise ValueError(f"YUQING_OFFICIAL_ACCOUNTS 中的{exc}") from None
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'yuqing.db').as_posix()}"

    def profile_dir(self, name: str | None = None) -> Path:
        return self.config_dir / "profiles" / (name or self.profile)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()


_EXAMPLE_DEFAULTS = {"data_dir": "var", "config_dir": "config", "model_dir": "nlp/models"}


def render_env_example() -> str:
    """The text of .env.example: every field, its description and its default (a test keeps them equal)."""
    lines = [
        "# Every setting of yuqing (yuqing/settings.py); copy to .env and change what you need.",
        "# Secrets belong in the environment or an untracked .env, never in the repository.",
        "# Regenerate with: python -c 'from yuqing.settings import render_env_example as r; print(r(), end=\"\")' > .env.example",
        "",
    ]
    for name, field in Settings.model_fields.items():
        default = _EXAMPLE_DEFAULTS.get(name, field.default)
        lines += [f"# {field.description}", f"# YUQING_{name.upper()}={default}", ""]
    return "\n".join(lines)
