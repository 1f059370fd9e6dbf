"""Chinese full-text search over issues: the term index (IssueTerm) and the filtered, paged query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, func, or_, select

from yuqing.clock import now
from yuqing.models import Issue, IssueTerm
from yuqing.repo.access import Viewer, _restrict_issues
from yuqing.search import query_terms, search_terms


def index_issues_for_search(session: Session, *, limit: int = 5000) -> int:
    """Bring the search index (IssueTerm) up to date for issues new or changed since last indexed;
    returns how many issues were (re)indexed. Cheap when nothing changed: one indexed query."""
    # the stale ids come from the (search_indexed_at, updated_at) index alone (migration 0012); ordered
    # or limited there, the database would walk every issue row instead, so the lowest ids are picked here
    stale_ids = session.exec(select(Issue.id).where(
        or_(Issue.search_indexed_at == None, Issue.search_indexed_at < Issue.updated_at))).all()  # noqa: E711
    if not stale_ids:
        return 0
    stale = session.exec(select(Issue.id, Issue.title, Issue.summary)
                         .where(col(Issue.id).in_(sorted(stale_ids)[:limit])).order_by(Issue.id)).all()
    if not stale:
        return 0
    ids = [row[0] for row in stale]
    session.execute(delete(IssueTerm).where(col(IssueTerm.issue_id).in_(ids)))
    rows = [{"term": term, "issue_id": issue_id} for issue_id, title, summary in stale
            for term in search_terms(f"{title}\n{summary[:200]}")]
    if rows:  # Core insert: no ORM bookkeeping for thousands of tiny rows
        session.connection().execute(insert(IssueTerm.__table__), rows)
    session.execute(update(Issue).where(col(Issue.id).in_(ids)).values(search_indexed_at=now()))
    session.flush()
    return len(ids)


def search_issues(
    session: Session,
    *,
    viewer: Viewer,
    query: str | None = None,
    status: Sequence[str] | None = None,
    urgency: Sequence[int] | None = None,
    topic: str | None = None,
    jurisdiction: str | None = None,
    needs_triage: bool | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Issue], int]:
    """One page of issues matching the filters and the Chinese full-text query, and the total count.
    Every query term must match (jieba terms of title and summary)."""
    statement = _restrict_issues(select(Issue), viewer)
    if query and query.strip():
        terms = query_terms(query)
        if not terms:
            return [], 0
        for term in terms[:8]:
            statement = statement.where(col(Issue.id).in_(select(IssueTerm.issue_id).where(IssueTerm.term == term)))
    if status:
        statement = statement.where(col(Issue.status).in_(status))
    if urgency:
        statement = statement.where(col(Issue.urgency).in_(urgency))
    if topic:
        statement = statement.where(Issue.topic == topic)
    if jurisdiction:
        statement = statement.where(Issue.jurisdiction == jurisdiction)
    if needs_triage is not None:
        statement = statement.where(Issue.needs_triage == needs_triage)
    if since:
        statement = statement.where(Issue.last_seen_at >= since)
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    statement = statement.order_by(col(Issue.urgency), col(Issue.heat).desc(), col(Issue.id).desc())
    return list(session.exec(statement.offset(max(offset, 0)).limit(min(max(limit, 1), 500))).all()), int(total)


def recent_issue_choices(session: Session, *, viewer: Viewer, limit: int = 300) -> list[tuple[int, str]]:
    """(id, title) of the issues seen most recently that the viewer may read, newest first: the
    choices of an issue picker (pages offer these instead of a typed number)."""
    statement = _restrict_issues(select(Issue.id, Issue.title), viewer).where(Issue.status != "merged")
    rows = session.exec(statement.order_by(col(Issue.last_seen_at).desc(), col(Issue.id).desc()).limit(limit)).all()
    return [(int(i), str(t)) for i, t in rows]


def match_snippet(text: str, query: str, *, width: int = 18, longest: int = 80) -> list[tuple[str, bool]]:
    """The part of `text` around the query's first match, as (segment, matched) pairs in order, so a
    page can highlight the matched terms and escape every segment itself. Without a match: the start
    of the text. Matching is case-insensitive on the same terms the search uses."""
    text = " ".join(str(text or "").split())
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    for term in search_terms(query or ""):
        start = lowered.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = lowered.find(term, start + len(term))
    if not spans:
        return [(text[:longest] + ("…" if len(text) > longest else ""), False)] if text else []
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        if start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    left = max(0, merged[0][0] - width)
    right = min(len(text), max(merged[0][1] + width, left + longest // 2))
    right = min(len(text), max([right] + [end for start, end in merged if end <= left + longest]))
    segments: list[tuple[str, bool]] = [("…", False)] if left else []
    cursor = left
    for start, end in merged:
        if start >= right:
            break
        if start > cursor:
            segments.append((text[cursor:start], False))
        segments.append((text[max(start, cursor):min(end, right)], True))
        cursor = min(end, right)
    if cursor < right:
        segments.append((text[cursor:right], False))
    if right < len(text):
        segments.append(("…", False))
    return segments
