import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fail, fmt_time, missing, require
from yuqing import repo
from yuqing.errors import YuqingError

who = require("admin")
st.title("通知死信队列")
with db() as session:
    counts = repo.notification_counts(session, viewer=who)
    dead = repo.dead_letters(session, viewer=who)
cols = st.columns(4)
for column, (status, label) in zip(cols, [("queued", "待发送"), ("sent", "已发送"), ("failed", "重试中"), ("dead", "死信")],
                                   strict=True):
    column.metric(label, counts.get(status, 0))
if "outbox_flash" in st.session_state:
    st.success(st.session_state.pop("outbox_flash"))
if not dead:
    st.success("没有死信：所有通知都已送达或仍在重试。")
    st.stop()
st.dataframe(pd.DataFrame([{"编号": n.id, "渠道": labels.label(labels.CHANNEL_LABELS, n.channel), "目标": n.target, "主题": n.subject, "尝试次数": n.attempts,
                            "最后错误": missing(n.last_error), "创建": fmt_time(n.created_at)} for n in dead]),
             hide_index=True, width="stretch", key="outbox_table")
choice = st.selectbox("重新排队的通知", [n.id for n in dead], key="outbox_choice")
if st.button("重新发送", key="outbox_requeue"):
    from flows.outbox import requeue_dead

    try:
        requeue_dead(notification_id=int(choice), actor=who.username)
    except YuqingError as exc:
        fail(exc)
    else:
        st.session_state["outbox_flash"] = f"通知 {choice} 已重新排队"
        st.rerun()
