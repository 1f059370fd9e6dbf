"""Chinese everywhere a user looks: every page names states, roles, sentiments, levels, actions,
actors, sources, units and places in words (dashboard/labels.py), and shows — for a missing value."""

import re

import pytest

from dashboard import labels
from tests.dashboard.conftest import UNIT_A, app_as
from yuqing import lifecycle, repo
from yuqing.db import session_scope
from yuqing.repo import Viewer

ANALYST = Viewer("ana", "analyst")
CODES = set(labels.ISSUE_STATUS_LABELS) | set(labels.ASSIGNMENT_STATUS_LABELS) | set(labels.SENTIMENT_LABELS) | {
    "None", "nan", "NaT", "flow:cluster", "flow:route", "flow:notify", "lead", "manual", "email"}


def _cells(at) -> list[str]:
    values = [str(v) for frame in at.dataframe for column in frame.value.columns for v in frame.value[column]]
    values += [str(c) for frame in at.dataframe for c in frame.value.columns]
    values += [str(m.value) for m in at.metric] + [str(t.value) for t in at.text]
    values += [str(e.value) for kind in ("markdown", "caption", "subheader") for e in getattr(at, kind)]
    return values


def _raw_codes(at) -> set[str]:
    """Cells that are nothing but a code (a state, a sentiment, None…)."""
    return {value for value in _cells(at) if value.strip() in CODES}


def test_the_label_table_names_every_code():
    assert labels.state("assigned") == "已交办" and labels.state("acknowledged") == "已签收"
    assert labels.state("urgency 2") == "2级" and labels.state(None) == labels.MISSING == "—"
    assert labels.sentiment("negative") == "负面" and labels.sentiment(None) == "—"
    assert labels.SENTIMENT_COLORS == {"负面": "#d62728", "中性": "#9e9e9e", "正面": "#2ca02c"}
    assert labels.sentiment_colors(["正面", "负面"]) == ["#2ca02c", "#d62728"]
    assert labels.rule("manual") == "人工指定" and labels.rule("place:lead") == "属地规则"
    assert labels.rule("explicit:kaiyuan-temple") == "明确规则（kaiyuan-temple）"
    assert labels.event_note("email → a7@example.invalid") == "邮件 → a7@example.invalid"
    assert labels.contact("head_email") == "负责人邮件" and labels.contact("wecom") == "企业微信"
    names = labels.Names(units={"a7": "开元街道办事处"}, users={"ana": "王分析"},
                         sources={"demo_board": "演示·问政留言板"})
    assert names.actor("flow:cluster") == "系统（事件归并）" and names.actor("flow:route") == "系统（自动交办）"
    assert names.actor("cli") == "命令行" and names.actor("ana") == "王分析" and names.actor("flow:new") == "系统"
    assert names.source("demo_board") == "演示·问政留言板" and names.place("a7") == "开元街道办事处"
    assert names.place(None) == "未识别" and names.unit(None) == "—"
    assert labels.source_title("demo_x", "board", {}) == "留言板"  # a slug without a title: named by kind
    assert labels.source_title("问政留言板", "board", {}) == "问政留言板"
    assert labels.missing(None) == labels.missing(float("nan")) == labels.missing("") == "—"


def test_source_titles_come_from_sources_yaml():
    from yuqing.sources import load_sources

    sources, problems = load_sources(demo_url="http://127.0.0.1:9")
    assert not problems
    titles = {s.name: s.config_dict().get("title") for s in sources}
    assert titles["demo_board"] == "演示·问政留言板" and all(titles.values())


def _issue_page(username, issue_id):
    at = app_as(username)
    at.session_state["open_issue_id"] = issue_id
    return at.switch_page("views/issue.py").run()


def test_the_issue_page_names_states_sentiment_actors_units_and_places(board):
    at = _issue_page("ana", board.hostile)
    assert not at.exception
    assert not _raw_codes(at), _raw_codes(at)
    texts = "\n".join(t.value for t in at.text)
    assert re.search(r"情感：(负面|中性|正面|—)", texts)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["状态"] == "已交办" and metrics["属地"] != UNIT_A
    events = next(d.value for d in at.dataframe if "执行者" in d.value.columns)
    assert "系统（事件归并）" in set(events["执行者"])
    assert set(events["从"]) | set(events["到"]) <= set(labels.STATE_LABELS.values()) | {"—", "1级", "2级", "3级", "4级"}
    analyses = next(d.value for d in at.dataframe if "二级分类" in d.value.columns)
    assert set(analyses["情感"]) <= {"负面", "中性", "正面"}
    routing = next(d.value for d in at.dataframe if "理由" in d.value.columns)
    assert "开元街道办事处" in set(routing["单位"]) and "人工指定" in set(routing["规则"])
    assert set(routing["答复"]) == {"—"}
    assert any("来源：问政留言板" in c.value for c in at.caption)


def test_the_timeline_page_names_states_and_actors(board):
    at = app_as("sup", "views/timeline.py")
    at.selectbox(key="timeline_issue").set_value(board.issue_a).run()
    assert not at.exception
    events = at.dataframe[1].value
    assert "已交办" in set(events["到"]) or "待签收" in set(events["到"])
    assert not _raw_codes(at), _raw_codes(at)


@pytest.mark.parametrize("username,pages", [
    ("ana", ["views/overview.py", "views/issues.py", "views/timeline.py", "views/overdue.py", "views/system.py",
             "views/account.py"]),
    ("sup", ["views/compliance.py", "views/overdue.py", "views/weekly.py", "views/system.py"]),
    ("root", ["views/admin_users.py", "views/admin_units.py", "views/admin_rules.py", "views/admin_outbox.py"]),
    ("unit_a", ["views/inbox.py", "views/account.py"]),
])
def test_no_page_shows_a_raw_code(board, username, pages):
    for page in pages:
        at = app_as(username, page)
        assert not at.exception, page
        assert not _raw_codes(at), (page, _raw_codes(at))


def test_system_page_names_sources_by_title(board):
    at = app_as("ana", "views/system.py")
    table = at.dataframe[0].value
    assert list(table["类型"]) == ["留言板"] and list(table["名称"]) == ["问政留言板"]


def test_login_errors_are_all_chinese(board):
    at = app_as(None)
    at.text_input(key="login_username").input("nobody")
    at.text_input(key="login_password").input("whatever-it-is")
    at.button(key="login_submit").click().run()
    message = at.error[0].value
    assert "用户名或密码错误" in message and not re.search(r"[A-Za-z]", message)


def test_lifecycle_errors_reach_the_user_in_chinese(board):
    with session_scope() as session:
        lifecycle.acknowledge(session, viewer=Viewer("unit_a", "unit", UNIT_A), assignment_id=board.assignment_a)
    at = app_as("unit_a", "views/inbox.py")
    at.selectbox(key="inbox_choice").set_value(board.assignment_a).run()
    at.text_area(key="inbox_response_text").input("经核查，已整改。")
    at.text_input(key="inbox_response_url").input("ftp://x")
    at.button(key="inbox_respond_submit").click().run()
    assert [e.value for e in at.error] == ["操作未完成：公开链接必须以 http:// 或 https:// 开头"]


def test_the_streamlit_toolbar_is_in_viewer_mode():
    from pathlib import Path

    from dashboard.launch import dashboard_command

    command = dashboard_command(8501)
    assert command[command.index("--client.toolbarMode") + 1] == "minimal"
    config = (Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'toolbarMode = "minimal"' in config


def test_actors_are_shown_by_display_name(board):
    with session_scope() as session:
        user = repo.get_user(session, username="ana")
        user.display_name = "王分析"
        repo.save_user(session, user=user)
        lifecycle.add_note(session, viewer=ANALYST, issue_id=board.issue_a, note="已电话核实")
    at = _issue_page("ana", board.issue_a)
    events = next(d.value for d in at.dataframe if "执行者" in d.value.columns)
    assert "王分析" in set(events["执行者"]) and "ana" not in set(events["执行者"])
