"""Rows that analysts name (监测方案, 预警规则): listed in creation order, found by name or by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from yuqing.errors import NotFound

Row = TypeVar("Row", bound=SQLModel)


def list_named(session: Session, model: type[Row], *, active_only: bool = False) -> Sequence[Row]:
    statement = select(model)
    if active_only:
        statement = statement.where(model.active == True)  # noqa: E712
    return session.exec(statement.order_by(model.id)).all()


def get_named(session: Session, model: type[Row], label: str, *, name: str | None, row_id: int | None) -> Row:
    """By ``row_id`` when given, else by the (stripped) name; ``label`` names the kind of row in the error."""
    if row_id is not None:
        row = session.get(model, row_id)
    else:
        row = session.exec(select(model).where(model.name == (name or "").strip())).first()
    if row is None:
        raise NotFound(f"没有名为「{name}」的{label}" if row_id is None else f"{label} #{row_id} 不存在")
    return row
