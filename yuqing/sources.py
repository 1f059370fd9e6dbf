"""Crawl sources as data: ``config/sources.yaml``, validated at load.

The file has two lists. ``sources:`` are the real channels a deployment watches. ``demo:`` are the
shipped demo sites' sources; they are loaded only with ``demo_url`` (``yuqing demo`` passes the
running board's URL) or when the active profile is ``demo``. Their placeholders ({demo_url},
{demo_gov_url}, {demo_weibo_url}) are filled by yuqing.demo_urls, where the demo's ports live.

Every entry: ``name`` (a slug), ``kind`` (one of KINDS), ``url``, optional ``owner_unit``,
``enabled`` and ``config`` (kind-specific options plus the common limits of CommonOptions).
A bad entry is reported by name in the problems list and the others still load.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from yuqing import demo_urls as demo_urls_module
from yuqing.errors import ConfigError, describe_validation, one_of
from yuqing.settings import get_settings

KINDS = ("rss", "board", "article", "json_api", "site_watch")
# how often each kind is checked unless its entry says `every:` (a board or Weibo search every minute,
# a feed every 5 minutes, a portal every 15, the site watch hourly)
DEFAULT_EVERY = {"board": "1m", "json_api": "1m", "rss": "5m", "article": "15m", "site_watch": "1h"}


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CommonOptions(_Options):
    """Limits and politeness every kind understands (the crawler core reads them)."""

    max_pages: int = Field(default=50, ge=1, le=100_000, description="most list/feed/API pages one crawl fetches")
    max_items: int = Field(default=5000, ge=1, description="most items one crawl stores")
    depth_limit: int = Field(default=5, ge=1, le=50)
    concurrency: int = Field(default=4, ge=1, le=32, description="concurrent requests to the source's domain")
    download_delay: float = Field(default=0.25, ge=0, le=60, description="seconds between requests (AutoThrottle adapts)")
    obey_robots: bool = True
    retries: int = Field(default=3, ge=0, le=10, description="retries of a failed page (5xx, 429, timeouts)")
    retry_backoff: float = Field(default=1.0, ge=0, le=600, description="seconds before the first retry; doubles each time")
    silent_after_hours: float = Field(default=48, gt=0, description="alert when no new item for this long")
    max_failures: int = Field(default=3, ge=1, description="alert after this many failed runs in a row")
    every: str | None = Field(default=None, description="how often to crawl: 30s, 1m, 15m, 1h (default by kind)")
    timezone: str | None = Field(default=None, description="zone of the times the source prints (default: YUQING_TIMEZONE)")
    title: str | None = Field(default=None, max_length=60, description="the name people read on the dashboard")

    @field_validator("every")
    @classmethod
    def _cadence(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_every(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"timezone {value!r} is not a time zone name (e.g. Asia/Shanghai)") from exc
        return value


def _parse_every(text: str) -> timedelta:
    from yuqing.profile import Duration

    duration = Duration.parse(text)
    if duration.working_days or not 10 / 60 <= duration.minutes <= 7 * 1440:
        raise ValueError(f"every {text!r} must be between 10s and 7d (e.g. 1m, 15m, 1h)")
    return timedelta(minutes=duration.minutes)


def cadence(kind: str, config: dict | None) -> timedelta:
    """How often a source is crawled: its `every:` or the default of its kind."""
    return _parse_every((config or {}).get("every") or DEFAULT_EVERY.get(kind, "15m"))


FieldSelector = str | dict[str, str]  # "css::text" or {"css": "...", "re": "..."} / {"xpath": ...}


class BoardList(_Options):
    item: str = Field(min_length=1, description="CSS of one message row on a list page")
    link: FieldSelector = Field(description="selector of the detail link inside the row")
    id: FieldSelector | None = None
    title: FieldSelector | None = None
    time: FieldSelector | None = None
    signature: list[FieldSelector] = Field(
        default_factory=list, description="row parts whose change means the post changed (likes, reply status)"
    )
    next: FieldSelector | None = Field(default=None, description="selector of the next-page link")


class BoardDetail(_Options):
    title: FieldSelector
    body: FieldSelector
    author: FieldSelector | None = None
    published: FieldSelector | None = None
    likes: FieldSelector | None = None
    reposts: FieldSelector | None = None
    comments: FieldSelector | None = None
    views: FieldSelector | None = None
    reply: FieldSelector | None = None
    reply_time: FieldSelector | None = None
    id: FieldSelector | None = None


class BoardOptions(CommonOptions):
    list: BoardList
    detail: BoardDetail
    stop_after_known: int = Field(
        default=20, ge=1, description="stop paginating after this many known, unchanged rows in a row"
    )


class RssOptions(CommonOptions):
    follow: bool = Field(default=False, description="fetch each entry's page and read it with `detail`")
    detail: BoardDetail | None = None


class OpenOptions(CommonOptions):
    """Kinds implemented outside the crawler core validate their own options at crawl start."""

    model_config = ConfigDict(extra="allow")


OPTION_MODELS: dict[str, type[CommonOptions]] = {"rss": RssOptions, "board": BoardOptions}


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=100)
    kind: Annotated[str, AfterValidator(one_of(KINDS))]
    url: str
    owner_unit: str | None = None
    enabled: bool = True
    title: str | None = Field(default=None, max_length=60)  # the name people read (演示·问政留言板)
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"url {value!r} must start with http:// or https://")
        return value

    def options(self) -> CommonOptions:
        """The validated options of this source's kind (defaults filled in)."""
        config = {**self.config, "title": self.title} if self.title else self.config
        return OPTION_MODELS.get(self.kind, OpenOptions).model_validate(config)

    def config_dict(self) -> dict[str, Any]:
        """What is stored in Source.config: the options with defaults filled in."""
        return self.options().model_dump(mode="json")


def sources_file() -> Path:
    return get_settings().config_dir / "sources.yaml"


def load_sources(demo_url: str | None = None, path: Path | None = None, *,
                 demo_urls: dict[str, str] | None = None) -> tuple[list[SourceSpec], list[str]]:
    """(valid sources, problems). A problem names the file, the entry and what is wrong.
    A file that cannot be read at all raises ConfigError. `demo_urls` overrides the other demo
    placeholders (``{"demo_gov_url": …, "demo_weibo_url": …}``)."""
    path = path or sources_file()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read sources: {exc}") from exc
    if not isinstance(document, dict):
        raise ConfigError(f"{path}: expected a mapping with `sources:` (and optionally `demo:`)")
    entries: list[tuple[str, Any]] = [("sources", e) for e in document.get("sources") or []]
    demo_values = demo_urls_module.source_urls(demo_url, demo_urls)
    if demo_values:
        entries += [("demo", e) for e in document.get("demo") or []]
    specs: list[SourceSpec] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, (section, entry) in enumerate(entries):
        label = entry.get("name") if isinstance(entry, dict) and entry.get("name") else f"{section}[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{path.name}: {label}: an entry must be a mapping")
            continue
        data = dict(entry)
        if demo_values and isinstance(data.get("url"), str):
            data["url"] = demo_urls_module.fill(data["url"], demo_values)
        try:
            spec = SourceSpec.model_validate(data)
            spec.options()
        except ValidationError as exc:
            problems.append(f"{path.name}: {label}: {describe_validation(exc, 'entry')}")
            continue
        if spec.name in seen:
            problems.append(f"{path.name}: {label}: duplicate source name")
            continue
        seen.add(spec.name)
        specs.append(spec)
    return specs, problems
