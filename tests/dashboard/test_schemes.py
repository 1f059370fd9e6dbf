"""The 监测方案 and 预警 pages: an analyst creates a scheme (a bad query shows where it goes wrong),
sees it back-filled with its charts and exports, pauses, edits and deletes it; alerts stay listed
until acknowledged."""

from datetime import timedelta

from sqlmodel import select

from flows import watch
from flows.watch_rules import evaluate_rules, save
from tests.dashboard.conftest import app_as
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.models import Event, Post, SchemeMatch, WatchAlert


def _create(at, name, query):
    at.text_input(key="scheme_new_name").input(name)
    at.text_input(key="scheme_new_query").input(query)
    at.button(key="scheme_new_save").click().run()
    return at


def test_a_bad_query_is_refused_with_its_position(board):
    at = _create(app_as("ana", "views/schemes.py"), "坏方案", "噪音 AND (扰民")
    assert not at.exception
    assert any("字符处有误" in e.value for e in at.error)
    with session_scope() as session:
        assert repo.list_schemes(session) == []


def test_an_analyst_creates_a_scheme_sees_it_backfilled_and_exports_it(board, licheng):
    at = _create(app_as("ana", "views/schemes.py"), "噪音", "噪音 OR 施工")
    assert not at.exception
    assert any("新增命中" in s.value for s in at.success)
    with session_scope() as session:
        scheme = repo.get_scheme(session, name="噪音")
        matched = session.exec(select(SchemeMatch.post_id).where(SchemeMatch.scheme_id == scheme.id)).all()
        texts = {p.id: p.title + "\n" + p.text for p in session.exec(select(Post)).all()}
    assert matched and set(matched) == {pid for pid, text in texts.items() if "噪音" in text or "施工" in text}
    table = next(d.value for d in at.dataframe if "检索式" in d.value.columns)
    assert table.iloc[0]["命中"] == len(matched) and table.iloc[0]["回溯"] == "完成"
    assert len(at.get("vega_lite_chart")) == 2  # volume and sentiment share over time
    loud = next(d.value for d in at.dataframe if "传播量" in d.value.columns)
    assert list(loud["传播量"]) == sorted(loud["传播量"], reverse=True)
    assert any("本方案帖子" in d.value.columns for d in at.dataframe)  # the issues its posts belong to
    at.radio(key="scheme_grain").set_value("按天").run()
    assert not at.exception
    buttons = {b.proto.label for b in at.get("download_button")}
    assert {"导出 CSV", "导出 Excel"} <= buttons
    from dashboard.export import to_csv

    assert to_csv(["a"], [["=1+1"]]).decode("utf-8-sig").splitlines()[1] == "'=1+1"


def test_pause_edit_and_delete(board):
    watch.create(name="学校", query="学校")
    watch.backfill()
    at = app_as("ana", "views/schemes.py")
    at.button(key="scheme_pause").click().run()
    assert not at.exception
    with session_scope() as session:
        assert repo.get_scheme(session, name="学校").active is False
    at.text_input(key="scheme_edit_query").input("噪音 NEAR/5 扰民")
    at.button(key="scheme_edit_save").click().run()
    assert not at.exception
    with session_scope() as session:
        scheme = repo.get_scheme(session, name="学校")
        assert scheme.query == "噪音 NEAR/5 扰民" and scheme.version == 2
    at.checkbox(key="scheme_delete_sure").check().run()
    at.button(key="scheme_delete").click().run()
    assert not at.exception
    with session_scope() as session:
        assert repo.list_schemes(session) == []


def test_alerts_are_listed_until_acknowledged(board, licheng, monkeypatch):
    save(name="高危词", kind="terms", params={"window_minutes": 60 * 24 * 7}, level="red", profile=licheng)
    save(name="噪音声量", kind="volume", params={"window_minutes": 60 * 24 * 7, "threshold": 1}, level="yellow",
         profile=licheng)
    with session_scope() as session:
        post = session.exec(select(Post)).first()
        post.text += " 工人们要去区政府讨薪"
        post.fetched_at = now() - timedelta(minutes=5)
        session.add(post)
    fired = evaluate_rules(profile=licheng).fired
    assert len(fired) == 2
    at = app_as("ana", "views/warnings.py")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "预警" in d.value.columns)
    assert len(table) == 2 and any("讨薪" in t for t in table["预警"])
    at.selectbox(key="warnings_choice").set_value(fired[0]).run()
    at.button(key="warnings_ack").click().run()
    assert not at.exception
    with session_scope() as session:
        acked = session.get(WatchAlert, fired[0])
        assert acked.acknowledged_by == "ana"
        assert session.exec(select(Event).where(Event.kind == "acknowledged", Event.actor == "ana")).first()
    table = next(d.value for d in at.dataframe if "预警" in d.value.columns)
    assert len(table) == 1


def test_a_rule_is_validated_on_the_page(board):
    at = app_as("ana", "views/warnings.py")
    at.text_input(key="rule_name").input("负面")
    at.selectbox(key="rule_kind").set_value("negative")
    at.number_input(key="rule_share").set_value(0.0)
    at.button(key="rule_save").click().run()
    assert any("负面占比" in e.value for e in at.error)
    at.text_input(key="rule_name").input("负面")
    at.selectbox(key="rule_kind").set_value("negative")
    at.number_input(key="rule_share").set_value(0.5)
    at.button(key="rule_save").click().run()
    assert not at.exception and any("已保存" in s.value for s in at.success)


def test_a_unit_cannot_reach_the_schemes_or_the_alerts(board):
    watch.create(name="学校", query="学校")
    for page in ("views/schemes.py", "views/warnings.py"):
        at = app_as("unit_a")
        try:
            at.switch_page(page).run()
        except Exception:  # noqa: BLE001 - the page is not in this role's navigation at all
            continue
        assert not at.dataframe, page


def test_the_issue_page_offers_the_brief(board):
    from docx import Document

    from dashboard.brief import brief_docx_bytes, brief_html_bytes
    from yuqing.repo import Viewer

    at = app_as("ana")
    at.session_state["open_issue_id"] = board.hostile
    at.switch_page("views/issue.py").run()
    assert not at.exception
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"舆情专报（Word）", "舆情专报（HTML）"} <= labels
    page = brief_html_bytes(board.hostile, Viewer("ana", "analyst")).decode("utf-8")
    assert "网民主要观点" in page and "<script>" not in page
    import io

    document = Document(io.BytesIO(brief_docx_bytes(board.hostile, Viewer("ana", "analyst"))))
    assert any("研判建议" in p.text for p in document.paragraphs)
