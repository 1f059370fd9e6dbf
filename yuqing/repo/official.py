"""Official publications (the district's own sites; its recognised accounts are the setting
official_accounts, judged in flows/official.py): which sources are official, the issue a quoted
message title belongs to, and the replies recorded as evidence or as an issue's published answer."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from yuqing.models import OPEN_ISSUE_STATUSES, Issue, OfficialReply, Post, Source

OFFICIAL_KINDS = ("article", "rss", "json_api", "board")  # a site watch's finding is not a publication


def official_source_ids(session: Session) -> set[int]:
    """Sources the district itself publishes on (an owner unit set; site watches excepted)."""
    return set(session.exec(select(Source.id).where(Source.owner_unit != None,  # noqa: E711
                                                    col(Source.kind).in_(OFFICIAL_KINDS))).all())


def issue_of_message_title(session: Session, *, titles: Sequence[str], exclude_sources: set[int],
                           exclude_authors: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """(issue id, title) of the newest live issue holding a citizen's post titled exactly like one of
    `titles` (else an issue titled so), or None. Posts of official sources or accounts are not citizens'."""
    titles = [t for t in dict.fromkeys(t.strip() for t in titles) if t]
    if not titles:
        return None
    statement = (select(Post.issue_id, Post.title).join(Issue, Issue.id == Post.issue_id)
                 .where(col(Post.title).in_(titles), col(Issue.status).in_([s.value for s in OPEN_ISSUE_STATUSES])))
    if exclude_sources:
        statement = statement.where(col(Post.source_id).not_in(exclude_sources) | (Post.source_id == None))  # noqa: E711
    if exclude_authors:
        statement = statement.where(col(Post.author_hash).not_in(exclude_authors) | (Post.author_hash == None))  # noqa: E711
    row = session.exec(statement.order_by(col(Post.issue_id).desc())).first()
    if row is None:
        row = session.exec(select(Issue.id, Issue.title).where(col(Issue.title).in_(titles),
                                                               col(Issue.status).in_([s.value for s in OPEN_ISSUE_STATUSES]))
                           .order_by(col(Issue.id).desc())).first()
    return (row[0], row[1]) if row else None


def official_reply_of_post(session: Session, *, post_id: int) -> OfficialReply | None:
    return session.exec(select(OfficialReply).where(OfficialReply.post_id == post_id)).first()


def waiting_replies(session: Session, *, title: str) -> Sequence[OfficialReply]:
    """Replies kept as evidence that quote `title`: published before the message reached us."""
    return session.exec(select(OfficialReply).where(OfficialReply.issue_id == None,  # noqa: E711
                                                    OfficialReply.quoted_title == title.strip())).all()


def official_replies_of_issue(session: Session, *, issue_id: int) -> Sequence[OfficialReply]:
    return session.exec(select(OfficialReply).where(OfficialReply.issue_id == issue_id)
                        .order_by(OfficialReply.id)).all()
