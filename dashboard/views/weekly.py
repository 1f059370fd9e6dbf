import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.common import require
from flows.reports import Report, render_docx, render_html, weekly_report
from yuqing.clock import now, to_local
from yuqing.settings import get_settings


@st.cache_data(ttl=60, show_spinner="正在汇总本周数据…")
def _report(week_ending: date, database: str) -> Report:
    # the same function as `yuqing report weekly`; a minute-old weekly summary is fresh enough, and
    # clicking around the page must not recount every assignment of the week
    return weekly_report(week_ending)


def _docx(report: Report) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "weekly.docx"
        render_docx(report, path)
        return path.read_bytes()


who = require("supervisor", "analyst", "admin")
st.title("督查周报")
# the last 7 days ending today by default: on a Monday "last week" would otherwise be empty so far
week_ending = st.date_input("截止日期（含，统计此前7天）", value=to_local(now()).date(), key="weekly_date")
report = _report(week_ending, get_settings().resolved_database_url())
st.subheader(f"{report.title}（{report.period}）")
for line in report.summary:
    st.text(line)
for table in report.tables:
    st.markdown(f"**{table.title}**")
    if table.rows:
        st.dataframe(pd.DataFrame(table.rows, columns=table.header), hide_index=True, width="stretch",
                     key=f"weekly_table_{table.title}")
    else:
        st.info("本周没有交办事项。")
cols = st.columns(2)
# the files are built only when a button is clicked
cols[0].download_button("下载 HTML", lambda: render_html(report).encode("utf-8"),
                        file_name=f"weekly-{week_ending:%Y%m%d}.html", mime="text/html", key="weekly_html")
cols[1].download_button("下载 Word", lambda: _docx(report), file_name=f"weekly-{week_ending:%Y%m%d}.docx",
                        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        key="weekly_docx")
