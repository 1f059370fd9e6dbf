import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import countdown, db, flash, fmt_time, md_escape, open_issue, require, run_action
from dashboard.tables import AMBER, RED, deadline_mark, selected_id
from yuqing import lifecycle, repo
from yuqing.clock import now
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
PICK = "inbox_choice"
# a page of the most pressing items: a unit acts on the top of the list, and a page of 200 styled rows
# cost more to draw than the whole query (bench/dashboard.py)
PAGE_SIZE = 50
latest: dict = {}  # the rows the table just showed, so a full run reads the inbox once


def next_due(a):
    """The deadline the unit faces next (the rule of repo.unit_inbox's order): 签收 while unsigned, then the answer."""
    if a.status not in OPEN_ASSIGNMENT_STATUSES:
        return None
    if a.acknowledged_at is None and a.ack_due is not None:
        return a.ack_due
    return a.response_due or a.press_due


@st.fragment(run_every="30s")
def deadlines() -> None:
    page_number = int(st.session_state.get("inbox_page") or 1)
    with db() as session:
        rows, total = repo.unit_inbox(session, viewer=who, unit_code=unit_code, status=statuses, limit=PAGE_SIZE,
                                      offset=(page_number - 1) * PAGE_SIZE)
        if not rows and page_number > 1:  # fewer items now: back to the first page
            page_number = 1
            rows, total = repo.unit_inbox(session, viewer=who, unit_code=unit_code, status=statuses, limit=PAGE_SIZE)
    latest["rows"], latest["total"], latest["page"] = rows, total, page_number
    moment = now()
    if not rows:
        st.info("收件箱是空的：目前没有待办的交办事项。")
        return
    pages = max(1, -(-total // PAGE_SIZE))
    st.caption(f"共 {total} 项，按下一个时限排序（最紧迫的在前）；第 {page_number} / {pages} 页。{RED} 已超时，{AMBER} 2小时内到期。"
               f"点击一行办理。倒计时每 30 秒刷新（{fmt_time(moment)}）")
    frame = pd.DataFrame([{
        "事件": i.id, "标题": i.title, "紧急程度": labels.urgency(a.level, short=True),
        "状态": labels.assignment_status(a.status),
        "下一时限": deadline_mark(next_due(a), moment)
        + ("签收 " if a.acknowledged_at is None and a.ack_due else "答复 ") + countdown(next_due(a), moment)
        if next_due(a) else labels.MISSING,
        "角色": labels.assignment_role(a.role), "交办": a.id,
    } for a, i in rows])
    column = st.column_config
    event = st.dataframe(frame, hide_index=True, width="stretch",
                         key="inbox_table", on_select="rerun", selection_mode="single-row",
                         column_config={"事件": column.NumberColumn(width=60), "标题": column.TextColumn(width="large"),
                                        "紧急程度": column.TextColumn(width=70), "状态": column.TextColumn(width=70),
                                        "下一时限": column.TextColumn(width=190), "角色": column.TextColumn(width=50),
                                        "交办": column.NumberColumn(width=60)})
    chosen = selected_id(event, [a.id for a, _ in rows])
    if chosen is not None and chosen != st.session_state.get("inbox_clicked"):
        # a click picks the assignment to work on below (the whole page reruns to show it)
        st.session_state["inbox_clicked"] = st.session_state[PICK] = chosen
        st.rerun(scope="app")


deadlines()
rows = latest.get("rows", [])
if not rows:
    st.stop()
pages = max(1, -(-latest["total"] // PAGE_SIZE))
if pages > 1:
    st.selectbox("页码", list(range(1, pages + 1)), index=latest["page"] - 1, format_func=lambda n: f"第 {n} / {pages} 页",
                 key="inbox_page")
st.subheader("办理")
# the label must not change with the status, or the choice would reset after 签收
choices = {a.id: f"交办 {a.id} · 事件 #{i.id} {i.title[:30]}" for a, i in rows}
choice = st.selectbox("交办事项（或点击上表的一行）", list(choices), format_func=choices.get, key=PICK)
assignment, issue = next((a, i) for a, i in rows if a.id == choice)
st.caption(f"当前状态：{labels.assignment_status(assignment.status)}")
st.text(f"交办理由：{assignment.reason}")
if st.button("打开事件详情", key="inbox_open_issue"):
    open_issue(issue.id)
flash("inbox_flash")


def act(label: str, action, clear: tuple[str, ...] = ()) -> None:
    run_action(label, action, flash_key="inbox_flash", clear=clear)


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
                                                     url=url.strip()), clear=("inbox_response_text", "inbox_response_url"))
if assignment.status in OPEN_ASSIGNMENT_STATUSES:
    with st.form("return_form"):
        reason = st.text_input("退回理由（不属于本单位职责等）", key="inbox_return_reason")
        if st.form_submit_button("退回", key="inbox_return_submit"):
            act("已退回，将重新交办", lambda s: lifecycle.return_assignment(s, viewer=who, assignment_id=assignment.id,
                                                                   reason=reason), clear=("inbox_return_reason",))
if assignment.status == AssignmentStatus.RESPONDED:
    st.success(f"已于 {fmt_time(assignment.responded_at)} 答复。")
    st.text(assignment.response_text or "")
