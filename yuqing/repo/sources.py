"""Crawl sources: their definitions and their health after each run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from yuqing.clock import now
from yuqing.errors import NotFound
from yuqing.models import Post, Source
from yuqing.sources import cadence


def upsert_source(
    session: Session, *, name: str, kind: str, url: str, owner_unit: str | None = None, config: dict | None = None,
    enabled: bool = True,
) -> Source:
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        source = Source(name=name, kind=kind, url=url)
    source.kind, source.url, source.owner_unit, source.config, source.enabled = kind, url, owner_unit, config, enabled
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, *, name: str) -> Source:
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        raise NotFound(f"没有名为「{name}」的数据源")
    return source


def list_sources(session: Session) -> Sequence[Source]:
    return session.exec(select(Source).order_by(Source.name)).all()


def site_watch_source_ids(session: Session) -> set[int]:
    return set(session.exec(select(Source.id).where(Source.kind == "site_watch")).all())


def site_owner_of_issue(session: Session, *, issue_id: int) -> str | None:
    """The owner unit of the district website whose site watch found this issue, if any."""
    statement = (select(Source.owner_unit).join(Post, col(Post.source_id) == col(Source.id))
                 .where(Post.issue_id == issue_id, Source.kind == "site_watch", col(Source.owner_unit).is_not(None))
                 .order_by(Post.id).limit(1))
    return session.exec(statement).first()


def record_source_run(session: Session, *, name: str, items: int, error: str | None = None,
                      started_at: datetime | None = None) -> Source:
    """Update a source's health after a crawl: success resets the failure count, an error raises it.
    `last_run_at` is when the run started, so a source's cadence does not drift by its crawl time."""
    source = get_source(session, name=name)
    moment = now()
    source.last_run_at = started_at or moment
    source.last_items = items
    source.total_items += items
    if error:
        source.last_error, source.last_error_at = error[:2000], moment
        source.consecutive_failures += 1
    else:
        source.last_ok_at = moment
        source.consecutive_failures = 0
    session.add(source)
    session.flush()
    return source


# a source due this close to a scheduler tick is crawled on that tick rather than one tick late
DUE_SLACK = timedelta(seconds=2)


def next_due_at(source: Source) -> datetime | None:
    """When the source is next due for a crawl (None: never run, so due now)."""
    if source.last_run_at is None:
        return None
    last = source.last_run_at if source.last_run_at.tzinfo else source.last_run_at.replace(tzinfo=UTC)
    return last + cadence(source.kind, source.config)


def due_sources(session: Session, *, at: datetime | None = None) -> list[str]:
    """The enabled sources whose cadence says they are due at `at`, the longest-waiting first."""
    at = at or now()
    due = []
    for source in list_sources(session):
        if not source.enabled:
            continue
        when = next_due_at(source)
        if when is None or when - DUE_SLACK <= at:
            due.append((when or datetime.min.replace(tzinfo=UTC), source.name))
    return [name for _, name in sorted(due)]


def source_health(session: Session, *, at: datetime | None = None) -> list[dict]:
    """One row per source for the dashboard and the health alerts: last run/success/error, failures in a
    row, items of the last run and in total, hours since the last new item, and its alert thresholds."""
    at = at or now()
    last_new = dict(session.exec(select(Post.source_id, func.max(Post.fetched_at)).group_by(Post.source_id)).all())
    rows = []
    for source in list_sources(session):
        newest = last_new.get(source.id)
        if newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=at.tzinfo)
        config = source.config or {}
        rows.append({
            "name": source.name, "kind": source.kind, "url": source.url, "owner_unit": source.owner_unit,
            "enabled": source.enabled, "last_run_at": source.last_run_at, "last_ok_at": source.last_ok_at,
            "last_error_at": source.last_error_at, "last_error": source.last_error,
            "consecutive_failures": source.consecutive_failures, "last_items": source.last_items,
            "total_items": source.total_items, "last_new_post_at": newest,
            "hours_since_new_post": None if newest is None else round((at - newest).total_seconds() / 3600, 1),
            "silent_after_hours": float(config.get("silent_after_hours", 48)),
            "max_failures": int(config.get("max_failures", 3)),
            "every": cadence(source.kind, config), "next_due_at": next_due_at(source),
        })
    return rows
