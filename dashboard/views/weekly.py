import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.common import require
from flows.reports import render_docx, render_html, weekly_report
from yuqing.clock import now, to_local

who = require("supervisor", "analyst", "admin")
st.title("督查周报")
week_ending = st.date_input("截止日期（含）", value=to_local(now()).date() - timedelta(days=1), key="weekly_date")
report = weekly_report(week_ending)
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
cols[0].download_button("下载 HTML", render_html(report).encode("utf-8"), file_name=f"weekly-{week_ending:%Y%m%d}.html",
                        mime="text/html", key="weekly_html")
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "weekly.docx"
    render_docx(report, path)
    cols[1].download_button("下载 Word", path.read_bytes(), file_name=f"weekly-{week_ending:%Y%m%d}.docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            key="weekly_docx")
