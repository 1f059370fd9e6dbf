import pytest

from yuqing.auth import MAX_FAILED_LOGINS, authenticate, create_user
from yuqing.db import session_scope
from yuqing.errors import AuthError, BadInput


def test_password_is_hashed_and_checked(db):
    with session_scope() as session:
        user = create_user(session, username="ana", password="correct horse 1", role="analyst")
        assert "correct horse" not in user.password_hash and user.password_hash.startswith("$argon2")
    with session_scope() as session:
        assert authenticate(session, username="ana", password="correct horse 1").role == "analyst"


def test_repeated_failures_lock_the_account(db):
    with session_scope() as session:
        create_user(session, username="ana", password="correct horse 1", role="analyst")
    for _ in range(MAX_FAILED_LOGINS):
        with session_scope() as session, pytest.raises(AuthError, match="用户名或密码错误"):
            authenticate(session, username="ana", password="nope")
    with session_scope() as session, pytest.raises(AuthError, match="已锁定"):
        authenticate(session, username="ana", password="correct horse 1")


def test_unknown_user_gets_the_same_message(db):
    with session_scope() as session, pytest.raises(AuthError, match="^用户名或密码错误$"):
        authenticate(session, username="ghost", password="whatever")


def test_weak_passwords_and_unitless_unit_users_are_refused(db):
    with session_scope() as session, pytest.raises(BadInput):
        create_user(session, username="a", password="short", role="analyst")
    with session_scope() as session, pytest.raises(BadInput):
        create_user(session, username="u", password="long enough pw", role="unit")
