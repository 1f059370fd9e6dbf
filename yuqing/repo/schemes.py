"""监测方案 (watch schemes): the schemes, the posts they matched (insert-or-ignore on the unique pair,
so two workers or a re-run never double a match), the keyset batches of history a back-fill reads,
and the per-scheme aggregates of the scheme page. Matching itself is flows/watch.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from yuqing.clock import now
from yuqing.errors import BadInput
from yuqing.models import Analysis, Issue, Post, Scheme, SchemeMatch, Source, WatchRule
from yuqing.repo.named import get_named, list_named


def list_schemes(session: Session, *, active_only: bool = False) -> Sequence[Scheme]:
    return list_named(session, Scheme, active_only=active_only)


def get_scheme(session: Session, *, name: str | None = None, scheme_id: int | None = None) -> Scheme:
    return get_named(session, Scheme, "监测方案", name=name, row_id=scheme_id)


def create_scheme(session: Session, *, name: str, query: str, places: list[str], sources: list[str],
                  owner: str) -> Scheme:
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput("方案名称不能为空，且不超过 100 个字")
    if session.exec(select(Scheme.id).where(Scheme.name == name)).first() is not None:
        raise BadInput(f"已有名为「{name}」的监测方案")
    moment = now()
    scheme = Scheme(name=name, query=query, places=places, sources=sources, owner=owner, created_at=moment,
                    updated_at=moment)
    session.add(scheme)
    session.flush()
    return scheme


def update_scheme(session: Session, *, scheme: Scheme, query: str | None = None, places: list[str] | None = None,
                  sources: list[str] | None = None, new_name: str | None = None) -> bool:
    """Change a scheme. A change of what it matches bumps the version, drops the old matches and
    restarts the back-fill from the first post; returns whether that happened."""
    if new_name is not None and new_name.strip() != scheme.name:
        new_name = new_name.strip()
        if not new_name or len(new_name) > 100:
            raise BadInput("方案名称不能为空，且不超过 100 个字")
        if session.exec(select(Scheme.id).where(Scheme.name == new_name)).first() is not None:
            raise BadInput(f"已有名为「{new_name}」的监测方案")
        scheme.name = new_name
    changed = False
    for field, value in (("query", query), ("places", places), ("sources", sources)):
        if value is not None and value != getattr(scheme, field):
            setattr(scheme, field, value)
            changed = True
    if changed:
        scheme.version += 1
        scheme.backfill_cursor = 0
        session.execute(delete(SchemeMatch).where(SchemeMatch.scheme_id == scheme.id))
    scheme.updated_at = now()
    session.add(scheme)
    session.flush()
    return changed


def set_scheme_active(session: Session, *, scheme: Scheme, active: bool) -> None:
    """Pause or resume; a resumed scheme is back-filled from its cursor, so the posts that arrived
    during the pause (not matched at ingest) are matched too."""
    if active and not scheme.active:
        scheme.backfilled_version = 0
    scheme.active, scheme.updated_at = active, now()
    session.add(scheme)
    session.flush()


def delete_scheme(session: Session, *, scheme: Scheme) -> int:
    """Delete a scheme and its matches (returns how many). A scheme with 预警 rules is refused."""
    rules = session.exec(select(WatchRule.name).where(WatchRule.scheme_id == scheme.id)).all()
    if rules:
        raise BadInput(f"方案「{scheme.name}」仍有预警规则（{'、'.join(rules)}），请先删除这些规则")
    gone = session.execute(delete(SchemeMatch).where(SchemeMatch.scheme_id == scheme.id)).rowcount
    session.delete(scheme)
    session.flush()
    return gone


def insert_matches(session: Session, *, rows: list[dict]) -> int:
    """Insert (scheme_id, post_id, matched_terms, matched_at) rows; a pair already stored is skipped
    by the unique constraint (insert-or-ignore), never doubled. Returns how many were new."""
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    table = SchemeMatch.__table__
    # One driver-level executemany with the two typed values converted by their own processors:
    # SQLAlchemy's per-row bind processing of a batch was most of the cost of matching at ingest.
    terms, at = (table.c[name].type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value)
                 for name in ("matched_terms", "matched_at"))
    params = [(row["scheme_id"], row["post_id"], terms(row["matched_terms"]), at(row["matched_at"])) for row in rows]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    result = connection.exec_driver_sql(
        f"INSERT INTO {table.name} (scheme_id, post_id, matched_terms, matched_at) VALUES ({mark}, {mark}, {mark}, "
        f"{mark}) ON CONFLICT (scheme_id, post_id) DO NOTHING", params)
    return result.rowcount


def active_schemes_signature(session: Session) -> tuple:
    """Changes whenever an active scheme is added, edited, paused, resumed or deleted: a matcher
    built for one signature stays valid while it holds. Asked once per analysed batch, so it is sent
    as plain SQL (the same on SQLite and PostgreSQL), without building a statement each time."""
    return tuple(session.connection().exec_driver_sql(
        f"SELECT count(*), max(id), max(updated_at), sum(version) FROM {Scheme.__tablename__} WHERE active").one())


def schemes_to_backfill(session: Session, *, name: str | None = None) -> Sequence[Scheme]:
    statement = select(Scheme).where(Scheme.active == True, Scheme.backfilled_version < Scheme.version)  # noqa: E712
    if name:
        statement = statement.where(Scheme.name == name)
    return session.exec(statement.order_by(Scheme.id)).all()


def count_posts_after(session: Session, *, after_id: int) -> int:
    return session.exec(select(func.count()).select_from(Post)
                        .where(Post.id > after_id, Post.analyzed_at != None)).one()  # noqa: E711


def posts_after(session: Session, *, after_id: int, limit: int) -> list[tuple]:
    """The next batch of analysed posts by keyset on id: (id, title, text, text_simplified, source name,
    places, jurisdiction) with the newest analysis; only the columns matching needs, never whole rows."""
    rows = session.execute(
        select(Post.id, Post.title, Post.text, Post.text_simplified, Source.name)
        .join(Source, Source.id == Post.source_id, isouter=True)
        .where(Post.id > after_id, Post.analyzed_at != None)  # noqa: E711
        .order_by(Post.id).limit(limit)
    ).all()
    if not rows:
        return []
    places = analysis_places(session, post_ids=[row[0] for row in rows])
    return [(pid, title, text, simplified, source, *places.get(pid, ((), None)))
            for pid, title, text, simplified, source in rows]


def analysis_places(session: Session, *, post_ids: list[int]) -> dict[int, tuple[tuple, str | None]]:
    """post id → (places, jurisdiction) of its newest analysis."""
    out: dict[int, tuple[tuple, str | None]] = {}
    for pid, places, jurisdiction in session.execute(
        select(Analysis.post_id, Analysis.places, Analysis.jurisdiction)
        .where(col(Analysis.post_id).in_(post_ids)).order_by(Analysis.id)
    ).all():
        out[pid] = (tuple(places or ()), jurisdiction)
    return out


def advance_backfill(session: Session, *, scheme_id: int, version: int, cursor: int, done: bool) -> bool:
    """Move a scheme's back-fill cursor forward (never back), for the version it was read at; False
    when the scheme was edited meanwhile (the batch belongs to an old version)."""
    values: dict = {"backfill_cursor": cursor}
    if done:
        values["backfilled_version"] = version
    result = session.execute(update(Scheme).where(Scheme.id == scheme_id, Scheme.version == version,
                                                  Scheme.backfill_cursor <= cursor).values(**values))
    return bool(result.rowcount)


def source_names(session: Session) -> dict[int, str]:
    return {sid: name for sid, name in session.execute(select(Source.id, Source.name)).all()}


def match_counts(session: Session) -> dict[int, int]:
    return {sid: int(n) for sid, n in session.execute(
        select(SchemeMatch.scheme_id, func.count()).group_by(SchemeMatch.scheme_id)).all()}


# ---------------------------------------------------------------- the scheme page's aggregates


def _matched(scheme_id: int, since: datetime | None):
    statement = (select(Post, Source.name, Source.kind, SchemeMatch.matched_terms)
                 .join(SchemeMatch, SchemeMatch.post_id == Post.id)
                 .join(Source, Source.id == Post.source_id, isouter=True)
                 .where(SchemeMatch.scheme_id == scheme_id))
    if since is not None:
        statement = statement.where(Post.fetched_at >= since)
    return statement


def scheme_posts(session: Session, *, scheme_id: int, since: datetime | None = None, limit: int = 5000
                 ) -> list[dict]:
    """The scheme's matched posts (newest first, at most `limit`) with source, analysis and issue:
    the rows the scheme page charts and exports."""
    rows = session.execute(_matched(scheme_id, since).order_by(col(Post.id).desc()).limit(limit)).all()
    ids = [post.id for post, *_ in rows]
    latest: dict[int, Analysis] = {}
    for start in range(0, len(ids), 500):
        for analysis in session.exec(select(Analysis).where(col(Analysis.post_id).in_(ids[start:start + 500]))
                                     .order_by(Analysis.id)).all():
            latest[analysis.post_id] = analysis
    out = []
    for post, source, kind, terms in rows:
        analysis = latest.get(post.id)
        out.append({
            "post_id": post.id, "title": post.title, "text": post.text, "url": post.url, "source": source or "",
            "platform": kind or "", "at": post.published_at or post.fetched_at, "fetched_at": post.fetched_at,
            "reach": post.likes + post.reposts + post.comments, "sentiment": analysis.sentiment if analysis else None,
            "places": list(analysis.places or ()) if analysis else [],
            "jurisdiction": analysis.jurisdiction if analysis else None,
            "keywords": list(analysis.keywords or ()) if analysis else [],
            "relevant": analysis.relevant if analysis else None, "issue_id": post.issue_id,
            "matched_terms": "; ".join(terms or ()),
        })
    return out


def scheme_issues(session: Session, *, scheme_id: int, limit: int = 50) -> list[tuple[Issue, int]]:
    """The issues the scheme's posts belong to, with how many of its posts each holds."""
    rows = session.execute(
        select(Post.issue_id, func.count()).join(SchemeMatch, SchemeMatch.post_id == Post.id)
        .where(SchemeMatch.scheme_id == scheme_id, Post.issue_id != None)  # noqa: E711
        .group_by(Post.issue_id).order_by(func.count().desc()).limit(limit)
    ).all()
    issues = {i.id: i for i in session.exec(select(Issue).where(col(Issue.id).in_([r[0] for r in rows]))).all()}
    return [(issues[iid], int(n)) for iid, n in rows if iid in issues]

