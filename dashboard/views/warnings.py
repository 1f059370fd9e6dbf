"""预警: the alerts the rules fired, open until an analyst acknowledges them, and the rules themselves."""

import pandas as pd
import streamlit as st

from dashboard.common import db, fmt_time, md_escape, require, run_action
from flows import watch_rules
from yuqing import repo
from yuqing.errors import YuqingError

FLASH = "warnings_flash"
LEVEL_ICONS = {"red": "🔴 红色", "orange": "🟠 橙色", "yellow": "🟡 黄色"}

who = require("analyst", "admin", "supervisor")
st.title("预警")
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH))

show_all = st.checkbox("显示已签收的预警", key="warnings_all")
with db() as session:
    alerts = repo.open_alerts(session, viewer=who, include_acknowledged=show_all)
    rules = repo.list_rules(session)
    schemes = {s.id: s.name for s in repo.list_schemes(session)}
rule_names = {r.id: r.name for r in rules}
if not alerts:
    st.info("没有未签收的预警。" if not show_all else "还没有触发过预警。")
else:
    st.dataframe(pd.DataFrame([{
        "编号": a.id, "级别": LEVEL_ICONS.get(a.level, a.level), "触发时间": fmt_time(a.fired_at), "预警": a.title,
        "详情": a.detail, "规则": rule_names.get(a.rule_id, a.rule_id), "周期": "已结束" if a.ended_at else "持续中",
        "签收": f"{a.acknowledged_by} {fmt_time(a.acknowledged_at)}" if a.acknowledged_at else "",
    } for a in alerts]), hide_index=True, width="stretch", key="warnings_table")
    waiting = [a for a in alerts if a.acknowledged_at is None]
    if waiting and who.may_edit_issues:
        cols = st.columns([2, 2, 1])
        chosen = cols[0].selectbox("签收预警", [a.id for a in waiting], key="warnings_choice",
                                   format_func=lambda n: f"#{n} " + next(a.title for a in waiting if a.id == n)[:40])
        note = cols[1].text_input("签收说明（可选）", key="warnings_note")
        if cols[2].button("签收", key="warnings_ack"):
            run_action(f"已签收预警 #{chosen}", lambda s: repo.acknowledge_alert(s, viewer=who, alert_id=chosen,
                                                                            note=note.strip()), flash_key=FLASH)

st.subheader("预警规则")
if rules:
    st.dataframe(pd.DataFrame([{
        "名称": r.name, "范围": f"方案「{schemes.get(r.scheme_id, '?')}」" if r.scheme_id else "全网",
        "条件": watch_rules.describe(r), "级别": LEVEL_ICONS.get(r.level, r.level),
        "另通知单位": "、".join(r.units or ()) or "—", "状态": "启用" if r.active else "已停用",
    } for r in rules]), hide_index=True, width="stretch", key="warnings_rules")
if not who.may_edit_issues:
    st.stop()
with st.expander("新建预警规则"), st.form("warnings_new_rule"):
    cols = st.columns(3)
    name = cols[0].text_input("规则名称", key="rule_name")
    kind = cols[1].selectbox("类型", list(watch_rules.KINDS), format_func=watch_rules.KINDS.get, key="rule_kind")
    level = cols[2].selectbox("级别", list(watch_rules.LEVELS), format_func=watch_rules.LEVELS.get, key="rule_level")
    cols = st.columns(3)
    scheme = cols[0].selectbox("范围", ["", *schemes.values()], format_func=lambda n: n or "全网", key="rule_scheme")
    window = cols[1].number_input("时间窗口（分钟）", min_value=5, max_value=10080, value=60, key="rule_window")
    threshold = cols[2].number_input("阈值（声量 / 传播量）", min_value=1, value=50, key="rule_threshold")
    cols = st.columns(3)
    factor = cols[0].number_input("激增倍数", min_value=1.0, value=3.0, step=0.5, key="rule_factor")
    share = cols[1].number_input("负面占比", min_value=0.0, max_value=1.0, value=0.6, step=0.05, key="rule_share")
    min_posts = cols[2].number_input("最少帖数", min_value=1, value=10, key="rule_min_posts")
    terms = st.text_input("高危词（逗号分隔；留空用内置词表）", key="rule_terms",
                          placeholder="、".join(watch_rules.DEFAULT_RISK_TERMS))
    authors = st.text_input("关注账号（数据源名:账号名，逗号分隔；只保存加盐哈希）", key="rule_authors")
    units = st.text_input("另通知单位代码（逗号分隔，可选）", key="rule_units")
    if st.form_submit_button("校验并保存", key="rule_save"):
        from flows.watch import clean_list

        params = {"window_minutes": int(window), "threshold": int(threshold), "factor": float(factor),
                  "share": float(share), "min_posts": int(min_posts), "min_count": int(min_posts)}
        if terms.strip():
            params["terms"] = clean_list(terms)
        if authors.strip():
            params["authors"] = [a.strip() for a in authors.replace("，", ",").split(",") if a.strip()]
        try:
            watch_rules.save(name=name, kind=kind, params=params, level=level, scheme=scheme or None,
                             units=clean_list(units), actor=who.username)
        except YuqingError as exc:
            st.error(f"未保存：{md_escape(exc)}")
        else:
            st.session_state[FLASH] = f"已保存预警规则「{name.strip()}」"
            st.rerun()
