"""Login with hashed passwords, lockout after repeated failures, logout; the navigation follows the role."""

from tests.dashboard.conftest import PASSWORD, app_as
from yuqing import auth, repo
from yuqing.auth import MAX_FAILED_LOGINS
from yuqing.db import session_scope


def _login(at, username, password):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_login_shows_the_roles_pages_and_logout_forgets_the_user(board):
    at = app_as(None)
    assert at.title[0].value == "舆情监测与回应平台" and not at.metric
    _login(at, "ana", PASSWORD)
    assert not at.exception and not at.error
    assert at.session_state["auth"]["role"] == "analyst"
    assert at.title[0].value == "态势概览"  # the analyst's first page
    at.switch_page("views/account.py").run()
    at.button(key="logout").click().run()
    assert "auth" not in at.session_state
    assert at.title[0].value == "舆情监测与回应平台"

def test_the_login_page_loads_the_table_and_chart_code_while_the_user_types(board):
    """A table and a chart below the form, hidden by the page's style, so that the browser has their code
    before 态势概览 needs it; the login itself reads nothing into them."""
    at = app_as(None)
    assert len(at.dataframe) == 1 and len(at.get("vega_lite_chart")) == 1
    assert any(".st-key-login_preload {display: none}" in h.proto.body for h in at.get("html"))


def test_each_role_lands_on_its_own_first_page(board):
    for username, title in (("unit_a", "待办收件箱"), ("sup", "单位回应合规"), ("root", "用户管理"), ("ana", "态势概览")):
        at = _login(app_as(None), username, PASSWORD)
        assert not at.exception, username
        assert at.title[0].value == title, username


def test_wrong_passwords_lock_the_account_and_an_admin_unlocks_it(board):
    at = app_as(None)
    for _ in range(MAX_FAILED_LOGINS):
        _login(at, "unit_a", "not-the-password")
        assert any("用户名或密码错误" in e.value for e in at.error)
    _login(at, "unit_a", PASSWORD)  # the right password no longer helps while locked
    assert any("锁定" in e.value for e in at.error) and "auth" not in at.session_state
    with session_scope() as session:
        user = repo.get_user(session, username="unit_a")
        assert auth.is_locked(user) and user.password_hash.startswith("$argon2")
    admin = app_as("root", "views/admin_users.py")
    assert any("锁定" in str(v) for v in admin.dataframe[0].value["锁定"])
    admin.selectbox(key="user_target").set_value("unit_a").run()
    admin.button(key="user_unlock").click().run()
    assert not admin.exception and "已解锁" in admin.success[0].value
    _login(at, "unit_a", PASSWORD)
    assert at.session_state["auth"]["unit_code"] == "kaiyuan"


def test_unknown_user_and_inactive_user_get_the_same_message(board):
    at = _login(app_as(None), "nobody", PASSWORD)
    first = at.error[0].value
    with session_scope() as session:
        auth.set_active(session, username="sup", active=False)
    at = _login(app_as(None), "sup", PASSWORD)
    assert at.error[0].value == first and "auth" not in at.session_state
