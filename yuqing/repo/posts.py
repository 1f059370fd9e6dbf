"""Posts: the crawl store (batch insert, re-crawl updates, duplicate lookups), the pipeline's queues
of posts to analyse and to group, and the analyses saved for them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from yuqing.clock import now
from yuqing.errors import NotFound
from yuqing.models import Analysis, Post, PostMetric, Source
from yuqing.repo.access import Viewer
from yuqing.repo.issues import get_issue


def known_posts(session: Session, *, urls: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """canonical url → (post id, crawl signature) for the urls already stored (incremental crawls)."""
    urls = list(urls)
    if not urls:
        return {}
    rows = session.exec(select(Post.url, Post.id, Post.crawl_signature).where(col(Post.url).in_(urls))).all()
    return {url: (post_id, signature) for url, post_id, signature in rows}


def insert_crawled_posts(session: Session, *, rows: list[dict]) -> dict[str, int]:
    """Insert a batch of new posts (dicts of Post columns) in one statement; url → new id. A URL that
    is already stored (another crawler was faster) is skipped by the unique URL, not an error."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - other databases: one row at a time behind a savepoint
        return _insert_posts_one_by_one(session, rows)
    statement = dialect_insert(Post).on_conflict_do_nothing(index_elements=["url"]).returning(Post.url, Post.id)
    return {url: post_id for url, post_id in session.execute(statement, rows).all()}


def _insert_posts_one_by_one(session: Session, rows: list[dict]) -> dict[str, int]:
    from sqlalchemy.exc import IntegrityError

    ids = {}
    for row in rows:
        post = Post(**row)
        try:
            with session.begin_nested():
                session.add(post)
        except IntegrityError:
            continue
        ids[post.url] = post.id
    return ids


def add_post_metrics(session: Session, *, rows: list[dict]) -> None:
    """Engagement points (post_id, likes, reposts, comments, views[, at]) in one statement."""
    if rows:
        from sqlalchemy import insert

        moment = now()
        session.execute(insert(PostMetric), [{"at": moment, **row} for row in rows])


def first_posts_with_content(session: Session, *, content_hashes: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]:
    """content hash → (id, source id, duplicate_of_id) of the first post with it, for the hashes stored."""
    hashes = list(set(content_hashes))
    if not hashes:
        return {}
    rows = session.execute(
        select(Post.content_hash, Post.id, Post.source_id, Post.duplicate_of_id)
        .where(col(Post.content_hash).in_(hashes)).order_by(Post.id)
    ).all()
    first: dict[str, tuple[int, int | None, int | None]] = {}
    for content_hash, post_id, source_id, duplicate_of in rows:
        first.setdefault(content_hash, (post_id, source_id, duplicate_of))
    return first


def recent_simhashes(session: Session, *, since: datetime, limit: int = 200_000) -> list[tuple[int, str, int | None]]:
    """(id, simhash, duplicate_of_id) of posts fetched since `since`, oldest first (near-duplicate index)."""
    return [tuple(row) for row in session.exec(
        select(Post.id, Post.simhash, Post.duplicate_of_id)
        .where(Post.fetched_at >= since, Post.simhash != None)  # noqa: E711
        .order_by(Post.id).limit(limit)
    ).all()]


def update_crawled_post(
    session: Session, *, post_id: int, signature: str | None, likes: int, reposts: int, comments: int, views: int,
    reply_text: str | None, reply_at: datetime | None,
) -> bool:
    """A re-crawl saw a known post again: keep its engagement (with a PostMetric point when it changed),
    its reply and signature current. Returns whether anything changed."""
    post = session.get(Post, post_id)
    if post is None:
        raise NotFound(f"帖子 #{post_id} 不存在")
    metrics = (likes, reposts, comments, views)
    metrics_changed = metrics != (post.likes, post.reposts, post.comments, post.views)
    changed = metrics_changed or signature != post.crawl_signature or (reply_text or None) != post.reply_text
    if not changed:
        return False
    if metrics_changed:
        session.add(PostMetric(post_id=post_id, likes=likes, reposts=reposts, comments=comments, views=views))
    post.likes, post.reposts, post.comments, post.views = metrics
    post.crawl_signature = signature
    if reply_text:
        post.reply_text, post.reply_at = reply_text, reply_at
    post.updated_at = now()
    session.add(post)
    session.flush()
    return True


def posts_to_analyze(session: Session, *, limit: int = 500) -> Sequence[Post]:
    return session.exec(
        select(Post).where(Post.analyzed_at == None).order_by(Post.id).limit(limit)  # noqa: E711
    ).all()


def count_posts_to_analyze(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Post).where(Post.analyzed_at == None)).one()  # noqa: E711


def posts_to_cluster(session: Session, *, limit: int = 500) -> Sequence[tuple[Post, Analysis]]:
    statement = (
        select(Post, Analysis)
        .join(Analysis, Analysis.post_id == Post.id)
        .where(Post.analyzed_at != None, Post.clustered_at == None)  # noqa: E711
        .order_by(Post.published_at, Post.id)
        .limit(limit)
    )
    return session.exec(statement).all()


def save_analyses(session: Session, *, pairs: Sequence[tuple[Post, Analysis]]) -> list[Analysis]:
    """Save each post's analysis and mark the post analysed. Idempotent per (post, model version): a
    re-run replaces nothing and duplicates nothing. One query for what exists and one flush for the
    whole batch, instead of a round trip per post (the analyse stage's database cost at scale)."""
    if not pairs:
        return []
    versions = {analysis.model_version for _, analysis in pairs}
    existing = {
        (row.post_id, row.model_version): row
        for row in session.exec(
            select(Analysis).where(
                col(Analysis.post_id).in_([post.id for post, _ in pairs]), col(Analysis.model_version).in_(versions)
            )
        ).all()
    }
    moment = now()
    saved = []
    for post, analysis in pairs:
        kept = existing.get((post.id, analysis.model_version))
        if kept is None:
            analysis.post_id = post.id
            session.add(analysis)
            kept = existing[(post.id, analysis.model_version)] = analysis
        post.analyzed_at = moment
        session.add(post)
        saved.append(kept)
    session.flush()
    return saved


def issue_posts_with_analysis(session: Session, *, viewer: Viewer, issue_id: int, limit: int = 50, offset: int = 0
                              ) -> list[tuple[Post, str | None, Analysis | None]]:
    """The issue's posts in order of publication (newest model analysis and source name with each),
    at most `limit` from `offset`."""
    get_issue(session, viewer=viewer, issue_id=issue_id)
    posts = session.exec(select(Post, Source.name).join(Source, Source.id == Post.source_id, isouter=True)
                         .where(Post.issue_id == issue_id).order_by(Post.published_at, Post.id)
                         .offset(offset).limit(limit)).all()
    ids = [p.id for p, _ in posts]
    latest: dict[int, Analysis] = {}
    if ids:
        for analysis in session.exec(select(Analysis).where(col(Analysis.post_id).in_(ids)).order_by(Analysis.id)).all():
            latest[analysis.post_id] = analysis
    return [(post, source, latest.get(post.id)) for post, source in posts]


def issue_emotion_mix(session: Session, *, viewer: Viewer, issue_id: int) -> tuple[dict[str | None, int], float | None]:
    """(emotion class → number of the issue's posts, mean negative intensity) over every post of the
    issue, each by its newest analysis; None counts the posts analysed before emotions were kept
    (migration 0009) and is left out of the mean, which is None when no post has an intensity."""
    get_issue(session, viewer=viewer, issue_id=issue_id)
    # each post carries its newest analysis's emotion (kept by triggers, migration 0014): one index range
    rows = session.exec(select(Post.emotion, func.count(), func.avg(Post.negative_intensity),
                               func.count(Post.negative_intensity))
                        .where(Post.issue_id == issue_id, Post.emotion != None).group_by(Post.emotion)).all()  # noqa: E711
    counts = {emotion or None: int(n) for emotion, n, _, _ in rows}  # '': analysed before emotions were kept
    weighed = sum(int(k) for *_, k in rows)
    total = sum(float(mean) * int(k) for _, _, mean, k in rows if k)
    return counts, (round(total / weighed, 4) if weighed else None)
