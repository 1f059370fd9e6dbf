"""Admins: users, units and contacts, routing rules and SLA policy (validated before saving), the
dead-letter queue; source health and model versions are visible."""

from sqlmodel import select

from tests.dashboard.conftest import app_as
from yuqing import auth, repo
from yuqing.db import session_scope
from yuqing.errors import AuthError
from yuqing.models import ModelVersion, Notification, Unit
from yuqing.settings import get_settings


def test_create_a_user_and_reset_a_password(board):
    at = app_as("root", "views/admin_users.py")
    assert not at.exception
    at.text_input(key="user_new_name").input("unit_lz2")
    at.selectbox(key="user_new_role").set_value("unit")
    at.selectbox(key="user_new_unit").set_value("lizhong")
    at.button(key="user_create").click().run()
    message = at.success[0].value
    assert "初始密码" in message
    password = message.rsplit("：", 1)[1]
    assert auth.login(username="unit_lz2", password=password).unit_code == "lizhong"
    at.selectbox(key="user_target").set_value("unit_lz2").run()
    at.button(key="user_reset").click().run()
    new_password = at.success[0].value.rsplit("：", 1)[1]
    assert new_password != password
    auth.login(username="unit_lz2", password=new_password)
    try:
        auth.login(username="unit_lz2", password=password)
    except AuthError:
        pass
    else:
        raise AssertionError("the old password still works")


def test_a_unit_user_without_a_unit_is_refused(board):
    at = app_as("root", "views/admin_users.py")
    at.text_input(key="user_new_name").input("nobody_unit")
    at.selectbox(key="user_new_role").set_value("unit")
    at.button(key="user_create").click().run()
    assert any("必须指定所属单位" in e.value for e in at.error)


def test_routing_rules_are_validated_before_saving(board):
    path = get_settings().profile_dir() / "routing.yaml"
    original = path.read_text(encoding="utf-8")
    at = app_as("root", "views/admin_rules.py")
    assert not at.exception
    at.text_area(key="rules_text_routing.yaml").input(original + "\nexplicit:\n  - {id: broken, keywords: [x], unit: no_such_unit}\n")
    at.button(key="rules_save").click().run()
    assert any("no_such_unit" in e.value for e in at.error)
    assert path.read_text(encoding="utf-8") == original
    changed = original.replace("explicit:", "explicit:\n  - {id: test_rule, keywords: [测试路段], unit: kaiyuan}", 1)
    assert changed != original
    at.text_area(key="rules_text_routing.yaml").input(changed)
    at.button(key="rules_save").click().run()
    assert not at.error and "校验通过" in at.success[0].value
    assert "test_rule" in path.read_text(encoding="utf-8")


def test_sla_policy_is_validated(board):
    path = get_settings().profile_dir() / "profile.yaml"
    original = path.read_text(encoding="utf-8")
    at = app_as("root", "views/admin_rules.py")
    at.radio(key="rules_file").set_value("profile.yaml").run()
    broken = original.replace("levels:", "levels_typo:", 1)
    at.text_area(key="rules_text_profile.yaml").input(broken)
    at.button(key="rules_save").click().run()
    assert at.error and path.read_text(encoding="utf-8") == original


def test_units_and_contacts_edit_syncs_the_units_table(board):
    path = get_settings().profile_dir() / "units.yaml"
    original = path.read_text(encoding="utf-8")
    at = app_as("root", "views/admin_units.py")
    assert not at.exception and at.dataframe
    at.text_area(key="units_yaml").input(original.replace("kaiyuan@example.invalid", "kaiyuan-new@example.invalid", 1))
    at.button(key="units_save").click().run()
    assert not at.error and "已保存" in at.success[0].value
    with session_scope() as session:
        unit = session.exec(select(Unit).where(Unit.code == "kaiyuan")).one()
    assert unit.contacts["email"] == "kaiyuan-new@example.invalid"
    at.text_area(key="units_yaml").input("- {code: BAD CODE, name: x, kind: street}\n")
    at.button(key="units_save").click().run()
    assert at.error and "kaiyuan-new@example.invalid" in path.read_text(encoding="utf-8")


def test_dead_letters_can_be_requeued(board):
    at = app_as("root", "views/admin_outbox.py")
    assert any("没有死信" in s.value for s in at.success)
    with session_scope() as session:
        session.add(Notification(channel="email", target="kaiyuan@example.invalid", subject="【舆情交办】", body="正文",
                                 dedupe_key="test:dead:1", status="dead", attempts=6, last_error="SMTP 550"))
    at.run()
    assert set(at.dataframe[0].value["最后错误"]) == {"SMTP 550"}
    at.button(key="outbox_requeue").click().run()
    assert not at.exception
    with session_scope() as session:
        row = session.exec(select(Notification).where(Notification.dedupe_key == "test:dead:1")).one()
    assert (row.status, row.attempts) == ("queued", 0)


def test_source_health_and_model_versions_are_visible(board):
    with session_scope() as session:
        repo.record_source_run(session, name="问政留言板", items=0, error="HTTP 503 from board")
        repo.record_source_run(session, name="问政留言板", items=0, error="HTTP 503 from board")
        session.add(ModelVersion(kind="topic", version="2026.11-a", data_hash="abc123def4567890", path="nlp/models/topic.joblib",
                                 metrics={"macro_f1": 0.871}))
    for username in ("ana", "sup", "root"):
        at = app_as(username, "views/system.py")
        assert not at.exception
        sources = at.dataframe[0].value
        assert list(sources["连续失败"]) == [2] and "HTTP 503" in sources["最近错误"][0]
        assert "⚠" in sources["健康"][0]
        models = at.dataframe[1].value
        assert models["版本"][0] == "2026.11-a" and "宏平均 F1 0.871" in models["指标"][0]
