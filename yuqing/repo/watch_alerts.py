"""预警: the rules, the alerts they fired (one per episode: the unique episode key is inserted with
insert-or-ignore, so two workers never both fire), the analysts' acknowledgement, and the windowed
counts the rules are evaluated on. Rule validation and evaluation are flows/watch.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from yuqing.clock import now
from yuqing.errors import AccessDenied, BadInput, NotFound
from yuqing.models import Analysis, Post, SchemeMatch, Source, WatchAlert, WatchRule
from yuqing.repo.access import Viewer
from yuqing.repo.events import record_event
from yuqing.repo.named import get_named, list_named


def list_rules(session: Session, *, active_only: bool = False) -> Sequence[WatchRule]:
    return list_named(session, WatchRule, active_only=active_only)


def get_rule(session: Session, *, name: str | None = None, rule_id: int | None = None) -> WatchRule:
    return get_named(session, WatchRule, "预警规则", name=name, row_id=rule_id)


def save_rule(session: Session, *, rule: WatchRule, actor: str) -> WatchRule:
    """Insert or update a (validated) rule, on the audit log."""
    clash = session.exec(select(WatchRule.id).where(WatchRule.name == rule.name)).first()
    if clash is not None and clash != rule.id:
        raise BadInput(f"已有名为「{rule.name}」的预警规则")
    created = rule.id is None
    rule.updated_at = now()
    session.add(rule)
    session.flush()
    record_event(session, actor=actor, kind="edited", to_state="rule " + ("created" if created else "changed"),
                 note=f"预警规则「{rule.name}」" + ("新建" if created else "修改"),
                 data={"rule_id": rule.id, "kind": rule.kind, "params": rule.params, "level": rule.level,
                       "scheme_id": rule.scheme_id, "units": rule.units, "active": rule.active})
    return rule


def delete_rule(session: Session, *, rule: WatchRule, actor: str) -> bool:
    """Delete a rule that never fired; one that did is deactivated (its alerts stay on record).
    Returns whether it was deleted."""
    fired = session.exec(select(WatchAlert.id).where(WatchAlert.rule_id == rule.id)).first() is not None
    record_event(session, actor=actor, kind="edited", to_state="rule " + ("disabled" if fired else "deleted"),
                 note=f"预警规则「{rule.name}」" + ("已停用（曾触发，保留记录）" if fired else "删除"),
                 data={"rule_id": rule.id})
    if fired:
        rule.active, rule.updated_at = False, now()
        session.add(rule)
    else:
        session.delete(rule)
    session.flush()
    return not fired


def insert_alert(session: Session, *, values: dict) -> int | None:
    """Insert an alert unless its episode key is taken; the new id, or None when another worker (or
    an earlier pass) already fired this episode."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (dialect_insert(WatchAlert).values(**values)
                 .on_conflict_do_nothing(index_elements=["episode_key"]).returning(WatchAlert.id))
    return session.execute(statement).scalar()


def last_alert(session: Session, *, rule_id: int) -> WatchAlert | None:
    return session.exec(select(WatchAlert).where(WatchAlert.rule_id == rule_id)
                        .order_by(col(WatchAlert.id).desc())).first()


def count_alerts(session: Session, *, rule_id: int) -> int:
    return session.exec(select(func.count()).select_from(WatchAlert).where(WatchAlert.rule_id == rule_id)).one()


def end_episode(session: Session, *, alert: WatchAlert, at: datetime) -> None:
    alert.ended_at = at
    session.add(alert)
    session.flush()


def open_alerts(session: Session, *, viewer: Viewer, include_acknowledged: bool = False, limit: int = 200
                ) -> Sequence[WatchAlert]:
    if not viewer.sees_everything:
        raise AccessDenied(f"用户 {viewer.username} 无权查看预警")
    statement = select(WatchAlert)
    if not include_acknowledged:
        statement = statement.where(WatchAlert.acknowledged_at == None)  # noqa: E711
    return session.exec(statement.order_by(col(WatchAlert.fired_at).desc(), col(WatchAlert.id).desc())
                        .limit(limit)).all()


def acknowledge_alert(session: Session, *, viewer: Viewer, alert_id: int, note: str = "") -> WatchAlert:
    if not viewer.may_edit_issues:
        raise AccessDenied(f"用户 {viewer.username} 无权确认预警")
    alert = session.get(WatchAlert, alert_id)
    if alert is None:
        raise NotFound(f"预警 #{alert_id} 不存在")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now(), viewer.username
        session.add(alert)
        record_event(session, actor=viewer.username, kind="acknowledged", to_state="alert acknowledged",
                     note=f"签收预警 #{alert.id}：{alert.title}" + (f"（{note}）" if note else ""),
                     data={"alert_id": alert.id, "rule_id": alert.rule_id}, dedupe_key=f"alert-ack:{alert.id}")
        session.flush()
    return alert


# ---------------------------------------------------------------- what the rules look at


def _window_posts(scheme_id: int | None, since: datetime, until: datetime, *, touched: bool = False):
    """Posts that arrived (or, with touched, changed) in [since, until), of the scheme or all."""
    arrived = (Post.fetched_at >= since) & (Post.fetched_at < until)
    if touched:  # a re-crawl that raised a post's reach makes it current again
        arrived = or_(arrived, (Post.updated_at >= since) & (Post.updated_at < until))
    statement = select(Post).where(arrived)
    if scheme_id is not None:
        statement = statement.join(SchemeMatch, SchemeMatch.post_id == Post.id).where(SchemeMatch.scheme_id == scheme_id)
    return statement


def window_count(session: Session, *, scheme_id: int | None, since: datetime, until: datetime) -> int:
    inner = _window_posts(scheme_id, since, until).with_only_columns(Post.id).subquery()
    return session.exec(select(func.count()).select_from(inner)).one()


def window_sentiments(session: Session, *, scheme_id: int | None, since: datetime, until: datetime) -> list[str | None]:
    """The newest analysis's sentiment of every analysed post in the window."""
    ids = [row for row in session.exec(_window_posts(scheme_id, since, until).with_only_columns(Post.id)).all()]
    latest: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        for pid, sentiment in session.execute(select(Analysis.post_id, Analysis.sentiment)
                                              .where(col(Analysis.post_id).in_(ids[start:start + 500]))
                                              .order_by(Analysis.id)).all():
            latest[pid] = sentiment
    return list(latest.values())


def window_post_rows(session: Session, *, scheme_id: int | None, since: datetime, until: datetime,
                     touched: bool = False, limit: int = 20_000) -> list[tuple]:
    """(id, title, text, url, likes + reposts + comments, author_hash, source name) of the window's posts."""
    inner = _window_posts(scheme_id, since, until, touched=touched).subquery()
    rows = session.execute(
        select(inner.c.id, inner.c.title, inner.c.text, inner.c.url,
               inner.c.likes + inner.c.reposts + inner.c.comments, inner.c.author_hash, Source.name)
        .join(Source, Source.id == inner.c.source_id, isouter=True).order_by(inner.c.id).limit(limit)
    ).all()
    return [tuple(row) for row in rows]
