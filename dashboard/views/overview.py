from datetime import datetime, time, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from dashboard.common import URGENCY_LABELS, db, require
from yuqing import repo
from yuqing.clock import local_zone, now, to_local

who = require("analyst", "supervisor", "admin")
st.title("态势概览")
days = st.segmented_control("时间范围", options=[7, 30, 90], default=30, format_func=lambda d: f"近{d}天",
                            key="overview_days") or 30
moment = now()
day_start = datetime.combine(to_local(moment).date(), time.min, tzinfo=local_zone())
since = moment - timedelta(days=days)
with db() as session:
    stats = repo.dashboard_overview(session, viewer=who, day_start=day_start, day_end=day_start + timedelta(days=1))
    volume = repo.topic_volume_by_day(session, viewer=who, since=since)
    places = repo.issue_counts_by(session, viewer=who, field="jurisdiction", since=since)
    moods = repo.issue_counts_by(session, viewer=who, field="sentiment", since=since)
    spikes = repo.topic_spikes(session, viewer=who, at=moment)

cols = st.columns(4)
cols[0].metric("今日新帖", stats["posts_today"])
cols[1].metric("今日新事件", stats["issues_today"])
cols[2].metric("超期未办", stats["overdue"])
cols[3].metric("待人工研判", stats["triage"])
st.subheader("未办结事件（按紧急程度）")
cols = st.columns(4)
for column, level in zip(cols, (1, 2, 3, 4), strict=True):
    column.metric(URGENCY_LABELS[level], stats["open_by_urgency"][level])

st.subheader("热点突增")
if spikes:
    st.dataframe(pd.DataFrame([{"领域": s["topic"], "近24小时新事件": s["last_24h"], "此前日均": s["daily_average"],
                                "倍数": s["ratio"]} for s in spikes]), hide_index=True, key="overview_spikes")
else:
    st.info("近24小时没有明显突增的领域。")

st.subheader("各领域事件量（按日）")
if volume:
    frame = pd.DataFrame(volume, columns=["日期", "领域", "事件数", "帖子数"])
    st.altair_chart(alt.Chart(frame).mark_bar().encode(x="日期:N", y="事件数:Q", color="领域:N",
                                                       tooltip=["日期", "领域", "事件数", "帖子数"]),
                    width="stretch", key="overview_volume")
else:
    st.info("所选时间范围内还没有事件。")

left, right = st.columns(2)
with left:
    st.subheader("属地分布")
    if places:
        frame = pd.DataFrame(places, columns=["属地", "事件数"])
        st.altair_chart(alt.Chart(frame).mark_bar().encode(y=alt.Y("属地:N", sort="-x"), x="事件数:Q"),
                        width="stretch", key="overview_places")
    else:
        st.info("暂无属地数据。")
with right:
    st.subheader("情感倾向")
    if moods:
        frame = pd.DataFrame(moods, columns=["情感", "事件数"])
        st.altair_chart(alt.Chart(frame).mark_arc().encode(theta="事件数:Q", color="情感:N"),
                        width="stretch", key="overview_sentiment")
    else:
        st.info("暂无情感数据。")
