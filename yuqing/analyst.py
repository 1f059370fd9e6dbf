"""Analyst actions on issues that the lifecycle module does not already cover: merging two issues,
and label corrections kept as training feedback. Each writes one audit event (plus a feedback row
per corrected label); the dashboard and the CLI call these, never the tables directly. Status changes
go through yuqing.lifecycle."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from yuqing import lifecycle, repo
from yuqing.clock import now
from yuqing.errors import AccessDenied, BadInput
from yuqing.models import Issue, IssueStatus, Post
from yuqing.repo import Viewer


def merge_issue(session: Session, *, viewer: Viewer, issue_id: int, into_id: int, note: str = "") -> Issue:
    """Merge issue `issue_id` into `into_id`: its posts move over, it becomes `merged`, and both
    timelines record the merge. Assignments stay where they are (their audit trail is evidence)."""
    if not viewer.may_edit_issues:
        raise AccessDenied(f"用户 {viewer.username} 无权合并事件")
    if issue_id == into_id:
        raise BadInput("不能把事件合并到它自己")
    source = repo.get_issue(session, viewer=viewer, issue_id=issue_id)
    target = repo.get_issue(session, viewer=viewer, issue_id=into_id)
    if source.status == IssueStatus.MERGED:
        if source.merged_into_id == into_id:
            return target  # merged there already (a double click): nothing changes
        raise BadInput(f"事件 #{issue_id} 已合并到 #{source.merged_into_id}")
    if target.status in (IssueStatus.MERGED, IssueStatus.DISMISSED):
        state = "已合并" if target.status == IssueStatus.MERGED else "已排除"
        raise BadInput(f"事件 #{into_id} {state}，请合并到仍在处理的事件")
    moment = now()
    session.execute(update(Post).where(col(Post.issue_id) == source.id).values(issue_id=target.id))
    stats = repo.issue_post_stats(session, issue_id=target.id)
    target.post_count, target.source_count = stats["posts"], stats["sources"]
    target.first_seen_at = min(target.first_seen_at, source.first_seen_at)
    target.last_seen_at = max(target.last_seen_at, source.last_seen_at)
    target.heat = max(target.heat, source.heat)
    target.urgency = min(target.urgency, source.urgency)  # the more urgent label wins
    target.updated_at = moment
    session.add(target)
    text = note.strip()[:2000] or None
    lifecycle.mark_merged(session, viewer=viewer, issue=source, into=target, note=text, at=moment)
    repo.record_event(session, actor=viewer.username, kind="merged", issue_id=target.id, note=text,
                      data={"from": source.id})
    return target


def correct_with_feedback(
    session: Session, *, viewer: Viewer, issue_id: int, topic: str | None = None, urgency: int | None = None,
    jurisdiction: str | None = None, model_version: str | None = None,
) -> Issue:
    """Correct the model's labels (lifecycle.correct_labels writes the audit event) and keep each
    change as a LabelFeedback row, the training feedback a later `train` reads."""
    issue = repo.get_issue(session, viewer=viewer, issue_id=issue_id)
    before = {"topic": issue.topic, "urgency": issue.urgency, "jurisdiction": issue.jurisdiction}
    wanted = {"topic": topic or None, "urgency": urgency, "jurisdiction": jurisdiction or None}
    issue = lifecycle.correct_labels(session, viewer=viewer, issue_id=issue_id, **wanted)
    text = f"{issue.title}\n{issue.summary}"
    for field, value in wanted.items():
        if value is not None and before[field] != value:
            repo.record_label_feedback(session, viewer=viewer, issue_id=issue_id, field=field, old_value=before[field],
                                       new_value=value, model_version=model_version, text=text)
    return issue
