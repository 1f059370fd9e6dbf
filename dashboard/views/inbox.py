import pandas as pd
import streamlit as st

from dashboard.common import (
    ASSIGNMENT_STATUS_LABELS,
    URGENCY_LABELS,
    countdown,
    db,
    fmt_time,
    md_escape,
    open_issue,
    require,
    run_action,
)
from yuqing import lifecycle, repo
from yuqing.models import OPEN_ASSIGNMENT_STATUSES, AssignmentStatus

who = require("unit", "analyst", "admin")
st.title("待办收件箱")
with db() as session:
    names = repo.unit_names(session)
if who.role == "unit":
    unit_code = who.unit_code
    st.caption(f"{md_escape(names.get(unit_code, unit_code))} 的交办事项")
else:
    unit_code = st.selectbox("代单位查看（电话报告时由分析员代录）", sorted(names), format_func=lambda c: names.get(c, c),
                             key="inbox_unit")
show_all = st.toggle("包含已办结/已退回", key="inbox_show_all")
statuses = None if show_all else [*OPEN_ASSIGNMENT_STATUSES, AssignmentStatus.RESPONDED]


@st.fragment(run_every="30s")
def deadlines() -> None:
    from yuqing.clock import now

    with db() as session:
        rows, total = repo.unit_inbox(session, viewer=who, unit_code=unit_code, status=statuses, limit=200)
        moment = now()
        overdue = repo.overdue_ids(session, viewer=who, assignment_ids=[a.id for a, _ in rows], at=moment)
    if not rows:
        st.info("收件箱是空的：目前没有待办的交办事项。")
        return
    st.caption(f"共 {total} 项 · 倒计时每 30 秒刷新（{fmt_time(moment)}）")
    st.dataframe(pd.DataFrame([{
        "交办": a.id, "事件": i.id, "标题": i.title, "紧急程度": URGENCY_LABELS.get(a.level, a.level),
        "角色": "牵头" if a.role == "lead" else "协办", "状态": ASSIGNMENT_STATUS_LABELS.get(a.status, a.status),
        "签收倒计时": countdown(a.ack_due, moment) if a.acknowledged_at is None and a.status == AssignmentStatus.NOTIFIED
        else "已签收",
        "答复倒计时": countdown(a.response_due or a.press_due, moment) if a.status in OPEN_ASSIGNMENT_STATUSES else "—",
        "超期": "⚠ 超期" if a.id in overdue else "",
    } for a, i in rows]), hide_index=True, width="stretch", key="inbox_table")


deadlines()
with db() as session:
    rows, _ = repo.unit_inbox(session, viewer=who, unit_code=unit_code, status=statuses, limit=200)
if not rows:
    st.stop()
choice = st.selectbox("办理交办事项", [a.id for a, _ in rows],
                      # the label must not change with the status, or the choice would reset after 签收
                      format_func=lambda n: next(f"交办 {a.id} · 事件 #{i.id} {i.title[:30]}" for a, i in rows if a.id == n),
                      key="inbox_choice")
st.caption(f"当前状态：{ASSIGNMENT_STATUS_LABELS.get(next(a.status for a, _ in rows if a.id == choice))}")
assignment, issue = next((a, i) for a, i in rows if a.id == choice)
st.text(f"交办理由：{assignment.reason}")
if st.button("打开事件详情", key="inbox_open_issue"):
    open_issue(issue.id)


def act(label: str, action) -> None:
    run_action(label, action, flash_key="inbox_flash")


if assignment.status == AssignmentStatus.NOTIFIED:
    if st.button("签收", key="inbox_ack", type="primary"):
        act("已签收", lambda s: lifecycle.acknowledge(s, viewer=who, assignment_id=assignment.id))
if assignment.status in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RESPONDING, AssignmentStatus.RESPONDED):
    with st.form("progress_form", clear_on_submit=True):
        note = st.text_area("办理进展", key="inbox_progress_text")
        if st.form_submit_button("报告进展", key="inbox_progress_submit"):
            act("进展已报告", lambda s: lifecycle.report_progress(s, viewer=who, assignment_id=assignment.id, note=note))
if assignment.status in (AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.RESPONDING):
    with st.form("respond_form"):
        text = st.text_area("答复内容（将公开发布的回应）", key="inbox_response_text")
        url = st.text_input("公开发布链接（http/https）", key="inbox_response_url")
        if st.form_submit_button("提交答复", key="inbox_respond_submit"):
            act("答复已提交", lambda s: lifecycle.respond(s, viewer=who, assignment_id=assignment.id, text=text,
                                                     url=url.strip()))
if assignment.status in OPEN_ASSIGNMENT_STATUSES:
    with st.form("return_form"):
        reason = st.text_input("退回理由（不属于本单位职责等）", key="inbox_return_reason")
        if st.form_submit_button("退回", key="inbox_return_submit"):
            act("已退回，将重新交办", lambda s: lifecycle.return_assignment(s, viewer=who, assignment_id=assignment.id,
                                                                   reason=reason))
if assignment.status == AssignmentStatus.RESPONDED:
    st.success(f"已于 {fmt_time(assignment.responded_at)} 答复。")
    st.text(assignment.response_text or "")
if "inbox_flash" in st.session_state:
    st.success(st.session_state.pop("inbox_flash"))
