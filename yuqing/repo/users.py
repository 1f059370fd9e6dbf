"""Dashboard user accounts (passwords are yuqing.auth's business)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from yuqing.errors import AccessDenied
from yuqing.models import User
from yuqing.repo.access import Viewer


def get_user(session: Session, *, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def save_user(session: Session, *, user: User) -> User:
    session.add(user)
    session.flush()
    return user


def admin_users(session: Session, *, viewer: Viewer) -> Sequence[User]:
    if viewer.role != "admin":
        raise AccessDenied(f"用户 {viewer.username} 无权管理用户")
    return session.exec(select(User).order_by(User.role, User.username)).all()


def user_display_names(session: Session) -> dict[str, str]:
    """username → the name people know her by (the audit log records usernames)."""
    return {name: shown or name for name, shown in session.exec(select(User.username, User.display_name)).all()}
