from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fmt_time, load_names, local_naive, md_escape, require
from dashboard.tables import chart
from yuqing import repo
from yuqing.errors import NotFound

MIN_BAR = timedelta(minutes=2)  # an instant (退回, 办结) still shows as a sliver
TIME = "%Y-%m-%d %H:%M"  # Vega's default time formats are English (Dec 07, 03 PM)
who = require("supervisor", "analyst", "admin")
st.title("办理时间线")
st.caption("由审计日志回放：每个单位的 交办 → 签收 → 办理 → 答复 → 办结（或退回）。")
with db() as session:
    choices = dict(repo.recent_issue_choices(session, viewer=who))
wanted = st.session_state.get("timeline_issue")
if wanted is not None and wanted not in choices:  # an issue opened from elsewhere, older than the list
    choices = {int(wanted): f"事件 #{int(wanted)}", **choices}
issue_id = st.selectbox("选择事件（最近有动态的在前，可输入标题搜索）", list(choices), index=None, key="timeline_issue",
                        placeholder="请选择事件", format_func=lambda n: f"#{n} {choices.get(n, '')[:40]}")
if issue_id is None:
    st.info("请选择要回放的事件。")
    st.stop()
try:
    with db() as session:
        issue = repo.get_issue(session, viewer=who, issue_id=int(issue_id))
        bars = repo.issue_gantt(session, viewer=who, issue_id=int(issue_id))
        events = repo.timeline(session, viewer=who, issue_id=int(issue_id))
        names = load_names(session)
except NotFound:
    st.error(f"事件 #{int(issue_id)} 不存在。")
    st.stop()
st.subheader(f"事件 #{issue.id}")
st.text(issue.title)  # untrusted: never markdown
if not events:
    st.info("此事件还没有审计记录。")
    st.stop()
frame = pd.DataFrame([{"对象": names.units.get(b["lane"], b["lane"]), "阶段": b["stage"], "开始": local_naive(b["start"]),
                       "结束": local_naive(max(b["end"], b["start"] + MIN_BAR)),
                       "进行中": "是" if b["open"] else ""} for b in bars])
chart(frame, {"mark": "bar", "encoding": {
    "x": {"field": "开始", "type": "temporal", "title": "时间", "axis": {"format": "%m-%d %H:%M"}},
    "x2": {"field": "结束"}, "y": {"field": "对象", "type": "nominal", "title": None},
    "color": {"field": "阶段", "type": "nominal"},
    "tooltip": [{"field": "对象", "type": "nominal"}, {"field": "阶段", "type": "nominal"},
                {"field": "开始", "type": "temporal", "format": TIME}, {"field": "结束", "type": "temporal", "format": TIME},
                {"field": "进行中", "type": "nominal"}]}}, key="timeline_gantt")
# the same path in words, one line per unit (readable without the chart, and by screen readers)
lanes: dict[str, list[str]] = {}
for bar in bars:
    lanes.setdefault(bar["lane"], []).append(bar["stage"])
for lane, path in lanes.items():
    st.markdown(f"**{md_escape(names.units.get(lane, lane))}**：{' → '.join(path)}")
st.dataframe(frame.assign(开始=[fmt_time(b["start"]) for b in bars], 结束=[fmt_time(b["end"]) for b in bars]),
             hide_index=True, width="stretch", key="timeline_bars")
st.dataframe(pd.DataFrame([{"时间": fmt_time(e.at), "操作": labels.event_kind(e.kind), "执行者": names.actor(e.actor),
                            "单位": names.unit(e.unit_code), "从": labels.state(e.from_state),
                            "到": labels.state(e.to_state), "说明": labels.event_note(e.note)} for e in events]),
             hide_index=True, width="stretch", key="timeline_events")
