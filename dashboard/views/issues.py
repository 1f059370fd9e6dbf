import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fmt_time, load_names, require
from dashboard.tables import highlighted, issue_table, marked
from yuqing import repo
from yuqing.models import OPEN_ISSUE_STATUSES, TERRITORIAL_UNIT_KINDS

PAGE_SIZE = 25  # a screen of rows: a longer page costs more to draw than its query (bench/dashboard.py)
who = require("analyst", "supervisor", "admin")
st.title("事件列表")
with db() as session:
    names = load_names(session)
    places = [u.code for u in repo.list_units(session) if u.kind in TERRITORIAL_UNIT_KINDS]
with st.form("issue_filters"):
    query = st.text_input("全文检索（中文分词）", key="issues_query", placeholder="例如：噪音扰民、拖欠工资")
    cols = st.columns(4)
    status = cols[0].multiselect("状态", list(labels.ISSUE_STATUS_LABELS), format_func=labels.issue_status,
                                 default=[s.value for s in OPEN_ISSUE_STATUSES], key="issues_status",
                                 placeholder=labels.PLACEHOLDER)
    urgency = cols[1].multiselect("紧急程度", [1, 2, 3, 4], format_func=labels.urgency, key="issues_urgency",
                                  placeholder=labels.PLACEHOLDER)
    topic = cols[2].text_input("领域（一级分类）", key="issues_topic")
    jurisdiction = cols[3].selectbox("属地", [None, *places], format_func=lambda c: "全部" if c is None else names.place(c),
                                     key="issues_jurisdiction")
    triage_only = st.checkbox("只看待人工研判", key="issues_triage")
    st.form_submit_button("检索", key="issues_search")
with db() as session:
    repo.index_issues_for_search(session, limit=300)  # the pipeline's newest issues; a backlog catches up over renders
    filters = {"query": query, "status": status, "urgency": urgency, "topic": topic.strip() or None,
               "jurisdiction": jurisdiction, "needs_triage": True if triage_only else None}
    page_number = int(st.session_state.get("issues_page") or 1)
    issues, total = repo.search_issues(session, viewer=who, **filters, limit=PAGE_SIZE,
                                       offset=(page_number - 1) * PAGE_SIZE)
    if not issues and page_number > 1:  # new filters, fewer pages: back to the first
        page_number = 1
        issues, total = repo.search_issues(session, viewer=who, **filters, limit=PAGE_SIZE)
pages = max(1, -(-total // PAGE_SIZE))
st.caption(f"共 {total} 个事件；第 {page_number} / {pages} 页，每页 {PAGE_SIZE} 个。点击一行打开事件。")
if not issues:
    st.info("没有符合条件的事件。")
    st.stop()
searching = bool(query and query.strip())
snippets = {i.id: repo.match_snippet(f"{i.title}。{i.summary}", query) for i in issues} if searching else {}
rows = []
for i in issues:
    row = {"编号": i.id, "标题": i.title, "紧急程度": labels.urgency(i.urgency, short=True),
           "状态": labels.issue_status(i.status), "属地": names.place(i.jurisdiction) if i.jurisdiction else labels.MISSING,
           "领域": labels.missing(i.topic), "热度": round(i.heat, 1), "帖子": i.post_count,
           "首次发现": fmt_time(i.first_seen_at), "待研判": bool(i.needs_triage)}
    if searching:
        row = {"编号": i.id, "匹配片段": marked(snippets[i.id]), **{k: v for k, v in row.items() if k != "编号"}}
    rows.append(row)
column = st.column_config
issue_table(pd.DataFrame(rows), [i.id for i in issues], key="issues_table",
            编号=column.NumberColumn(width=60), 标题=column.TextColumn(width="large"),
            匹配片段=column.TextColumn(width="large", help="【】中是与检索词匹配的文字"),
            紧急程度=column.TextColumn(width=70), 状态=column.TextColumn(width=70), 属地=column.TextColumn(width=110),
            领域=column.TextColumn(width=100), 热度=column.NumberColumn(width=60), 帖子=column.NumberColumn(width=60),
            首次发现=column.TextColumn(width=130), 待研判=column.CheckboxColumn(width=60))
if searching:
    with st.expander("匹配片段（高亮显示检索词）", expanded=True):
        st.markdown("  \n".join(f"**#{i.id}** {highlighted(snippets[i.id])}" for i in issues[:10]))
if pages > 1:
    st.selectbox("页码", list(range(1, pages + 1)), index=page_number - 1, format_func=lambda n: f"第 {n} / {pages} 页",
                 key="issues_page")
