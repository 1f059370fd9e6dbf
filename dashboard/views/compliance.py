from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard.common import db, require
from dashboard.export import to_csv, to_xlsx
from yuqing import repo
from yuqing.clock import now

who = require("supervisor", "analyst", "admin")
st.title("单位回应合规")
st.caption("按时率 = 按时答复 ÷（已答复 + 未办结且已超时）；统计所选期间内交办的事项。")
days = st.selectbox("统计期间", [7, 30, 90, 365], index=1, format_func=lambda d: f"近{d}天", key="compliance_days")
with db() as session:
    rows = repo.compliance_since(session, viewer=who, since=now() - timedelta(days=int(days)))
    names = repo.unit_names(session)
if not rows:
    st.info("所选期间内没有交办事项。")
    st.stop()


def hours(value):
    return round(value, 1) if value is not None else None


header = ["单位", "交办", "已答复", "按时答复", "超时未办", "按时率", "签收中位时长(小时)", "答复中位时长(小时)", "退回", "督办"]
table = [[names.get(r.unit_code, r.unit_code), r.assignments, r.done, r.done_on_time, r.open_overdue,
          None if r.on_time_rate is None else round(r.on_time_rate * 100, 1), hours(r.median_hours_to_sign),
          hours(r.median_hours_to_respond), r.returned, r.escalated] for r in rows]
frame = pd.DataFrame(table, columns=header).rename(columns={"按时率": "按时率(%)"})
st.dataframe(frame, hide_index=True, width="stretch", key="compliance_table")
cols = st.columns(2)
cols[0].download_button("导出 CSV", lambda: to_csv(header, table), file_name="compliance.csv", mime="text/csv",
                        key="compliance_csv")
cols[1].download_button("导出 Excel", lambda: to_xlsx(header, table, title="单位回应合规"), file_name="compliance.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="compliance_xlsx")
