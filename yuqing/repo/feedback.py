"""Analysts' label corrections kept as training feedback."""

from __future__ import annotations

from sqlmodel import Session, col, select

from yuqing.errors import AccessDenied
from yuqing.models import LabelFeedback
from yuqing.repo.access import Viewer, _require_overview


def record_label_feedback(session: Session, *, viewer: Viewer, issue_id: int, field: str, old_value,
                          new_value, model_version: str | None, text: str):
    if not viewer.may_edit_issues:
        raise AccessDenied(f"用户 {viewer.username} 无权修正标签")
    row = LabelFeedback(issue_id=issue_id, field=field, old_value=None if old_value is None else str(old_value)[:100],
                        new_value=str(new_value)[:100], model_version=model_version, text=text[:5000],
                        actor=viewer.username)
    session.add(row)
    session.flush()
    return row


def label_corrections(session: Session, *, field: str) -> list[tuple[str, str]]:
    """(text the model saw, corrected value) of every issue whose `field` an analyst corrected; the
    latest correction of an issue wins (an analyst may correct a correction). For retraining."""
    latest: dict[int, tuple[str, str]] = {}
    for row in session.exec(select(LabelFeedback).where(LabelFeedback.field == field).order_by(LabelFeedback.id)):
        latest[row.issue_id] = (row.text, row.new_value)
    return list(latest.values())


def list_label_feedback(session: Session, *, viewer: Viewer, issue_id: int | None = None, limit: int = 200):
    _require_overview(viewer)
    statement = select(LabelFeedback)
    if issue_id is not None:
        statement = statement.where(LabelFeedback.issue_id == issue_id)
    return session.exec(statement.order_by(col(LabelFeedback.id).desc()).limit(limit)).all()
