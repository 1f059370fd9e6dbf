import pandas as pd
import streamlit as st

from dashboard.common import ISSUE_STATUS_LABELS, URGENCY_LABELS, db, fmt_time, open_issue, require
from yuqing import repo
from yuqing.models import OPEN_ISSUE_STATUSES

PAGE_SIZE = 50
who = require("analyst", "supervisor", "admin")
st.title("事件列表")
with st.form("issue_filters"):
    query = st.text_input("全文检索（中文分词）", key="issues_query", placeholder="例如：噪音扰民、拖欠工资")
    cols = st.columns(4)
    status = cols[0].multiselect("状态", list(ISSUE_STATUS_LABELS), format_func=ISSUE_STATUS_LABELS.get,
                                 default=[s.value for s in OPEN_ISSUE_STATUSES], key="issues_status")
    urgency = cols[1].multiselect("紧急程度", [1, 2, 3, 4], format_func=URGENCY_LABELS.get, key="issues_urgency")
    topic = cols[2].text_input("领域（一级分类）", key="issues_topic")
    jurisdiction = cols[3].text_input("属地", key="issues_jurisdiction")
    triage_only = st.checkbox("只看待人工研判", key="issues_triage")
    st.form_submit_button("检索", key="issues_search")
page_number = st.number_input("页码", min_value=1, value=1, step=1, key="issues_page")
with db() as session:
    repo.index_issues_for_search(session, limit=300)  # the pipeline's newest issues; a backlog catches up over renders
    issues, total = repo.search_issues(
        session, viewer=who, query=query, status=status, urgency=urgency, topic=topic.strip() or None,
        jurisdiction=jurisdiction.strip() or None, needs_triage=True if triage_only else None,
        limit=PAGE_SIZE, offset=(int(page_number) - 1) * PAGE_SIZE)
st.caption(f"共 {total} 个事件；第 {int(page_number)} 页，每页 {PAGE_SIZE} 个。")
if not issues:
    st.info("没有符合条件的事件。")
    st.stop()
frame = pd.DataFrame([{
    "编号": i.id, "标题": i.title, "领域": i.topic or "—", "紧急程度": URGENCY_LABELS.get(i.urgency, i.urgency),
    "属地": i.jurisdiction or "—", "状态": ISSUE_STATUS_LABELS.get(i.status, i.status), "热度": round(i.heat, 1),
    "帖子": i.post_count, "首次发现": fmt_time(i.first_seen_at), "待研判": "是" if i.needs_triage else "",
} for i in issues])
st.dataframe(frame, hide_index=True, width="stretch", key="issues_table")
choice = st.selectbox("打开事件", [i.id for i in issues],
                      format_func=lambda n: f"#{n} " + next(i.title for i in issues if i.id == n)[:40],
                      key="issues_open_choice")
if st.button("查看详情", key="issues_open"):
    open_issue(choice)
