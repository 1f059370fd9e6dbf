"""The Streamlit entry point: it only builds the navigation for the logged-in user's role.
Run with `yuqing dashboard` (or `streamlit run dashboard/app.py`)."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `streamlit run` puts only dashboard/ on the path

from dashboard.session import current_user  # noqa: E402

st.set_page_config(page_title="舆情监测与回应平台", page_icon=":material/radar:", layout="wide")
# Streamlit's typing hint under a field ("Press Enter to submit form") is English and cannot be
# translated: hidden (Enter still submits)
st.html("<style>[data-testid='InputInstructions'] {display: none !important}</style>")


def page(path: str, title: str, icon: str, **kwargs):
    return st.Page(path, title=title, icon=icon, **kwargs)


ISSUE = page("views/issue.py", "事件详情", ":material/search:")
ACCOUNT = page("views/account.py", "账户与退出", ":material/account_circle:")
OVERVIEW = page("views/overview.py", "态势概览", ":material/monitoring:")
ISSUES = page("views/issues.py", "事件列表", ":material/list_alt:")
TIMELINE = page("views/timeline.py", "办理时间线", ":material/timeline:")
OVERDUE = page("views/overdue.py", "超期清单", ":material/alarm:")
SYSTEM = page("views/system.py", "数据源与模型", ":material/health_and_safety:")
SCHEMES = page("views/schemes.py", "监测方案", ":material/manage_search:")
WARNINGS = page("views/warnings.py", "预警", ":material/notifications_active:")
PAGES = {
    "analyst": {"研判": [OVERVIEW, ISSUES, ISSUE], "监测": [SCHEMES, WARNINGS], "跟踪": [TIMELINE, OVERDUE, SYSTEM], "": [ACCOUNT]},
    "unit": {"本单位": [page("views/inbox.py", "待办收件箱", ":material/inbox:"), ISSUE], "": [ACCOUNT]},
    "supervisor": {"督查": [page("views/compliance.py", "单位回应合规", ":material/fact_check:"), OVERDUE, TIMELINE,
                          page("views/weekly.py", "督查周报", ":material/description:")],
                   "查阅": [OVERVIEW, ISSUES, ISSUE, SYSTEM], "": [ACCOUNT]},
    "admin": {"管理": [page("views/admin_users.py", "用户", ":material/key:"), page("views/admin_units.py", "单位与联系人", ":material/account_balance:"),
                     page("views/admin_rules.py", "路由规则与时限", ":material/alt_route:"), SYSTEM,
                     page("views/admin_outbox.py", "通知死信队列", ":material/mail:")],
              "查阅": [OVERVIEW, ISSUES, ISSUE], "": [ACCOUNT]},
}

user = current_user()
if user is None:
    st.navigation([page("views/login.py", "登录", ":material/login:")], position="hidden").run()
else:
    st.navigation(PAGES.get(user["role"], {"": [ACCOUNT]})).run()
