import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import countdown, db, fmt_time, require
from dashboard.export import to_csv, to_xlsx
from dashboard.tables import RED, issue_table
from yuqing import repo
from yuqing.clock import now

PAGE_SIZE = 50
EXPORT_LIMIT = 1_000_000  # the whole list (items created past due since the page was drawn included)
who = require("supervisor", "analyst", "admin")
st.title("超期清单")
page_number = int(st.session_state.get("overdue_page") or 1)
moment = now()
with db() as session:
    rows, total = repo.overdue_page(session, viewer=who, at=moment, limit=PAGE_SIZE,
                                    offset=(page_number - 1) * PAGE_SIZE)
    names = repo.unit_names(session)
if not rows and total:  # past the last page (items were done meanwhile): show the last one
    st.session_state["overdue_page"] = -(-total // PAGE_SIZE)
    st.rerun()
if not rows:
    st.success("目前没有超期未办的交办事项。")
    st.stop()
pages = max(1, -(-total // PAGE_SIZE))
st.caption(f"共 {total} 项超期（签收或答复时限已过且未办结），超时最久的在前；第 {page_number} / {pages} 页。点击一行打开事件。")


def missed(a):
    """The deadline that was missed first: 签收 while unsigned, else the answer (repo's order)."""
    return ("签收", a.ack_due) if a.acknowledged_at is None and a.ack_due else ("答复", a.response_due or a.press_due)


header = ["交办", "事件", "标题", "单位", "紧急程度", "状态", "签收时限", "答复时限", "超时"]


def lines(pairs) -> list[list]:
    return [[a.id, i.id, i.title, names.get(a.unit_code, a.unit_code), labels.urgency(a.level, short=True),
             labels.assignment_status(a.status), fmt_time(a.ack_due), fmt_time(a.response_due or a.press_due),
             f"{missed(a)[0]}{countdown(missed(a)[1], moment)}"] for a, i in pairs]


def every_line() -> list[list]:
    """The whole list for the exports, read only when a button is clicked (as of this page's moment)."""
    with db() as session:
        return lines(repo.overdue_page(session, viewer=who, at=moment, limit=EXPORT_LIMIT)[0])


table = lines(rows)
shown = pd.DataFrame(table, columns=header)[["事件", "标题", "单位", "超时", "紧急程度", "状态", "答复时限", "交办"]]
shown["超时"] = f"{RED} " + shown["超时"]  # every row here is past due: red, as in the inbox
column = st.column_config
issue_table(shown, [i.id for _, i in rows], key="overdue_table",
            事件=column.NumberColumn(width=60), 标题=column.TextColumn(width="large"), 单位=column.TextColumn(width=130),
            超时=column.TextColumn(width=170), 紧急程度=column.TextColumn(width=70), 状态=column.TextColumn(width=70),
            答复时限=column.TextColumn(width=130), 交办=column.NumberColumn(width=60))
cols = st.columns(3)
if pages > 1:
    # a number, not a list of every page: ten thousand overdue items make hundreds of pages
    cols[2].number_input(f"页码（共 {pages} 页）", min_value=1, max_value=pages, step=1, key="overdue_page")
cols[0].download_button("导出全部 CSV", lambda: to_csv(header, every_line()), file_name="overdue.csv", mime="text/csv", key="overdue_csv")
cols[1].download_button("导出全部 Excel", lambda: to_xlsx(header, every_line(), title="超期清单"), file_name="overdue.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="overdue_xlsx")
