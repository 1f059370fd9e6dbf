import pandas as pd
import streamlit as st

from dashboard.common import ASSIGNMENT_STATUS_LABELS, URGENCY_LABELS, countdown, db, fmt_time, open_issue, require
from dashboard.export import to_csv, to_xlsx
from yuqing import repo
from yuqing.clock import now

PAGE_SIZE = 100
who = require("supervisor", "analyst", "admin")
st.title("超期清单")
page_number = st.number_input("页码", min_value=1, value=1, step=1, key="overdue_page")
moment = now()
with db() as session:
    rows, total = repo.overdue_page(session, viewer=who, at=moment, limit=PAGE_SIZE,
                                    offset=(int(page_number) - 1) * PAGE_SIZE)
    names = repo.unit_names(session)
if not rows:
    st.success("目前没有超期未办的交办事项。")
    st.stop()
st.caption(f"共 {total} 项超期（签收或答复时限已过且未办结）。")
header = ["交办", "事件", "标题", "单位", "紧急程度", "状态", "签收时限", "答复时限", "超时"]
table = [[a.id, i.id, i.title, names.get(a.unit_code, a.unit_code), URGENCY_LABELS.get(a.level, a.level),
          ASSIGNMENT_STATUS_LABELS.get(a.status, a.status), fmt_time(a.ack_due), fmt_time(a.response_due or a.press_due),
          countdown(a.response_due or a.press_due or a.ack_due, moment)] for a, i in rows]
st.dataframe(pd.DataFrame(table, columns=header), hide_index=True, width="stretch", key="overdue_table")
cols = st.columns(3)
cols[0].download_button("导出 CSV", lambda: to_csv(header, table), file_name="overdue.csv", mime="text/csv", key="overdue_csv")
cols[1].download_button("导出 Excel", lambda: to_xlsx(header, table, title="超期清单"), file_name="overdue.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="overdue_xlsx")
choice = st.selectbox("打开事件", sorted({i.id for _, i in rows}), key="overdue_open_choice")
if st.button("查看详情", key="overdue_open"):
    open_issue(choice)
