import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fmt_time, missing, require
from yuqing import repo

who = require("analyst", "supervisor", "admin")
st.title("数据源健康与模型版本")
with db() as session:
    sources = repo.list_sources(session)
    models = repo.list_model_versions(session)
st.subheader("数据源")
if sources:
    st.dataframe(pd.DataFrame([{
        "名称": labels.source_title(s.name, s.kind, s.config), "代码": s.name, "类型": labels.source_kind(s.kind),
        "地址": s.url, "启用": "是" if s.enabled else "否",
        "健康": "✗ 连续失败" if s.consecutive_failures >= 3 else ("⚠ 失败" if s.consecutive_failures else
                                                               ("✓ 正常" if s.last_ok_at else "未运行")),
        "连续失败": s.consecutive_failures, "最近运行": fmt_time(s.last_run_at), "最近成功": fmt_time(s.last_ok_at),
        "最近错误": missing(s.last_error), "上次条数": s.last_items, "累计条数": s.total_items,
    } for s in sources]), hide_index=True, width="stretch", key="system_sources")
else:
    st.info("还没有配置数据源（由管理员在命令行运行初始化命令，载入数据源配置文件）。")
st.subheader("模型版本")
if models:
    st.dataframe(pd.DataFrame([{
        "类型": labels.label(labels.MODEL_KIND_LABELS, m.kind), "版本": m.version, "使用中": "是" if m.active else "",
        "训练数据哈希": m.data_hash[:12], "指标": labels.metrics(m.metrics),
        "登记时间": fmt_time(m.created_at)} for m in models]), hide_index=True, width="stretch",
        key="system_models")
else:
    st.info("还没有登记的模型版本（分析时使用随产品发布的模型）。")
