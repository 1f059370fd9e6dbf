from datetime import datetime, timedelta

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, require
from dashboard.export import to_csv, to_xlsx
from dashboard.tables import chart
from yuqing import repo
from yuqing.clock import now
from yuqing.repo import Viewer
from yuqing.settings import get_settings

who = require("supervisor", "analyst", "admin")
st.title("单位回应合规")
st.caption("按时率 = 按时答复 ÷（已答复 + 未办结且已超时），括号里是它判定的件数：在办且未到时限的事项还不能算按时或超时。"
           "办结率 = 已答复 ÷（交办 − 退回）。统计所选期间内交办的事项。")
days = st.selectbox("统计期间", [7, 30, 90, 365], index=1, format_func=lambda d: f"近{d}天", key="compliance_days")


@st.cache_data(ttl=60, show_spinner="正在统计各单位…", max_entries=32)
def _compliance(username: str, role: str, days: int, minute: str, database: str):
    # a minute-old ranking is fresh enough: switching the period back and forth or several supervisors
    # opening the page must not recount every assignment and its timestamps each time
    viewer = Viewer(username=username, role=role)
    with db() as session:
        rows = repo.compliance_since(session, viewer=viewer, since=datetime.fromisoformat(minute) - timedelta(days=days),
                                     at=datetime.fromisoformat(minute))
        return rows, repo.unit_names(session)


rows, names = _compliance(who.username, who.role, int(days), now().replace(second=0, microsecond=0).isoformat(),
                          get_settings().resolved_database_url())
rows = list(rows)
if not rows:
    st.info("所选期间内没有交办事项。")
    st.stop()


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def hours(value):
    return round(value, 1) if value is not None else None


# worst first: the supervisors act on the bottom of the ranking; a rate judged on few items ranks below
# the same rate judged on many, and units with nothing judged yet come last
rows.sort(key=lambda r: (r.on_time_rate is None, r.on_time_rate if r.on_time_rate is not None else 0, -r.rate_basis,
                         r.unit_code))
ranking = pd.DataFrame([{
    "单位": names.get(r.unit_code, r.unit_code), "按时率": percent(r.on_time_rate), "办结率": percent(r.closure_rate),
    "说明": f"按时 {r.done_on_time}/{r.rate_basis} 件 · 已答复 {r.done} · 在办 {r.open_pending} · 超期 {r.open_overdue}",
} for r in rows])
st.subheader("按时率排名（由低到高）")
judged = ranking.dropna(subset=["按时率"])
if judged.empty:
    st.info("所选期间内还没有可判定按时与否的事项（都在办且未到时限）。")
else:
    unit = {"field": "单位", "type": "nominal", "sort": list(judged["单位"]), "title": None}
    rate = {"field": "按时率", "type": "quantitative"}
    chart(judged, {"height": max(160, 26 * len(judged)), "layer": [
        {"mark": "bar", "encoding": {
            "y": unit, "x": rate | {"title": "按时率（%）", "scale": {"domain": [0, 100]}},
            "color": rate | {"legend": None, "scale": {"domain": [0, 60, 90, 100],
                                                       "range": ["#c62828", "#ef6c00", "#fbc02d", "#2e7d32"]}},
            "tooltip": [{"field": "单位", "type": "nominal"}, rate, {"field": "办结率", "type": "quantitative"},
                        {"field": "说明", "type": "nominal"}]}},
        {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
         "encoding": {"y": unit, "x": rate, "text": {"field": "说明", "type": "nominal"}}}]}, key="compliance_ranking")
waiting = ranking[ranking["按时率"].isna()]
if not waiting.empty:
    st.caption("尚无可判定事项：" + "；".join(f"{u}（{n}）" for u, n in zip(waiting["单位"], waiting["说明"], strict=True)))

header = ["单位", "按时率(%)", "判定件数", "办结率(%)", "交办", "已答复", "按时答复", "在办未超期", "超时未办", "退回", "督办",
          "签收中位时长(小时)", "答复中位时长(小时)"]
table = [[names.get(r.unit_code, r.unit_code), percent(r.on_time_rate), r.rate_basis, percent(r.closure_rate), r.assignments,
          r.done, r.done_on_time, r.open_pending, r.open_overdue, r.returned, r.escalated, hours(r.median_hours_to_sign),
          hours(r.median_hours_to_respond)] for r in rows]
# rates and medians as text: a missing one reads 「—」, never None or an empty cell
shown = pd.DataFrame([[labels.MISSING if v is None else (f"{v:.1f}" if isinstance(v, float) else v) for v in row]
                      for row in table], columns=header)
column = st.column_config
st.dataframe(shown, hide_index=True, width="stretch", key="compliance_table",
             column_config={"单位": column.TextColumn(width=150), "超时未办": column.NumberColumn(help="未办结且已超过签收或答复时限")})
cols = st.columns(2)
exported = [[labels.missing(v) for v in row] for row in table]
cols[0].download_button("导出 CSV", lambda: to_csv(header, exported), file_name="compliance.csv", mime="text/csv",
                        key="compliance_csv")
cols[1].download_button("导出 Excel", lambda: to_xlsx(header, exported, title="单位回应合规"), file_name="compliance.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="compliance_xlsx")
