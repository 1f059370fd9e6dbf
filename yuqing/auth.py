"""Passwords (argon2) and lockout. Nothing here knows about Streamlit."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session

from yuqing import repo
from yuqing.clock import now
from yuqing.errors import AuthError, BadInput
from yuqing.models import ROLES, User

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def check_password_policy(password: str) -> None:
    """The one password policy (new accounts, resets, users changing their own)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise BadInput(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")
    if password != password.strip():
        raise BadInput("密码的开头和结尾不能是空格")
    if len(set(password)) < 4:
        raise BadInput("密码过于简单：请使用至少 4 个不同的字符")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session, *, username: str, password: str, role: str, unit_code: str | None = None, display_name: str = ""
) -> User:
    if role not in ROLES:
        raise BadInput(f"角色必须是 {'、'.join(ROLES)} 之一")
    if role == "unit" and not unit_code:
        raise BadInput("责任单位账户必须指定所属单位")
    check_password_policy(password)
    if repo.get_user(session, username=username) is not None:
        raise BadInput(f"用户名「{username}」已存在")
    user = User(
        username=username, password_hash=hash_password(password), role=role, unit_code=unit_code,
        display_name=display_name or username,
    )
    return repo.save_user(session, user=user)


def authenticate(session: Session, *, username: str, password: str) -> User:
    """Check a password; after MAX_FAILED_LOGINS failures the account is locked for LOCKOUT."""
    user = repo.get_user(session, username=username)
    # one message for every failure, so the form does not reveal which usernames exist
    failure = AuthError("用户名或密码错误")
    if user is None or not user.active:
        raise failure
    moment = now()
    if user.locked_until and user.locked_until > moment:
        raise AuthError(f"账户已锁定，请于 {LOCKOUT.seconds // 60} 分钟后再试")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = moment + LOCKOUT
            user.failed_logins = 0
        repo.save_user(session, user=user)
        raise failure from None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = moment
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return repo.save_user(session, user=user)


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > now())


def reset_password(session: Session, *, username: str, password: str | None = None) -> str:
    """An admin sets a new password (generated unless given); returns it so it can be shown once.
    A reset also lifts a lockout."""
    user = repo.get_user(session, username=username)
    if user is None:
        raise BadInput(f"没有用户「{username}」")
    password = password or generate_password()
    check_password_policy(password)
    user.password_hash, user.failed_logins, user.locked_until = hash_password(password), 0, None
    repo.save_user(session, user=user)
    return password


def change_password(session: Session, *, username: str, current: str, new: str, repeat: str) -> User:
    """A user changes her own password: the current one proves it is her, the new one is typed twice
    and must meet the policy and differ from the current one."""
    user = repo.get_user(session, username=username)
    if user is None or not user.active:
        raise AuthError("账户不存在或已停用")
    try:
        _hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise AuthError("当前密码不正确") from None
    if new != repeat:
        raise BadInput("两次输入的新密码不一致")
    if new == current:
        raise BadInput("新密码不能与当前密码相同")
    check_password_policy(new)
    user.password_hash = hash_password(new)
    return repo.save_user(session, user=user)


def unlock(session: Session, *, username: str) -> User:
    user = repo.get_user(session, username=username)
    if user is None:
        raise BadInput(f"没有用户「{username}」")
    user.failed_logins, user.locked_until = 0, None
    return repo.save_user(session, user=user)


def set_active(session: Session, *, username: str, active: bool) -> User:
    user = repo.get_user(session, username=username)
    if user is None:
        raise BadInput(f"没有用户「{username}」")
    user.active = active
    return repo.save_user(session, user=user)


def login(*, username: str, password: str) -> User:
    """authenticate() in its own transaction that is committed even when the password is wrong:
    a caller whose session rolls back on the AuthError would otherwise never count the failure,
    and the lockout would never trigger."""
    from yuqing.db import session_scope

    failure: AuthError | None = None
    with session_scope() as session:
        try:
            return authenticate(session, username=username, password=password)
        except AuthError as exc:
            failure = exc
    raise failure
