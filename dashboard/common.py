"""What every page shares: the logged-in viewer, a database session, safe rendering of untrusted
text, Chinese labels and time formatting. No queries here: those live in yuqing.repo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st
from sqlmodel import Session

from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.errors import YuqingError
from yuqing.repo import Viewer

AUTH_KEY = "auth"
ROLE_LABELS = {"analyst": "分析员（宣传部）", "unit": "责任单位", "supervisor": "督查", "admin": "管理员"}
URGENCY_LABELS = {1: "1级 特别重大/重大", 2: "2级 较大", 3: "3级 一般", 4: "4级 关注"}
ISSUE_STATUS_LABELS = {"new": "新发现", "triaged": "已研判", "assigned": "已交办", "responded": "已答复",
                       "closed": "已办结", "dismissed": "已排除", "merged": "已合并"}
ASSIGNMENT_STATUS_LABELS = {"notified": "待签收", "acknowledged": "已签收", "responding": "办理中",
                            "responded": "已答复", "closed": "已办结", "returned": "已退回"}
EVENT_LABELS = {"created": "生成事件", "analyzed": "分析", "triage": "转人工研判", "routed": "交办", "notified": "通知",
                "acknowledged": "签收", "progress": "进展", "responded": "答复", "verified": "核验", "closed": "办结",
                "escalated": "督办", "reminded": "提醒", "returned": "退回", "reassigned": "改派", "edited": "修改",
                "merged": "合并", "dismissed": "排除", "confirmed": "确认", "note": "备注",
                "alerted": "预警"}

# every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all makes
# untrusted text inert in st.markdown (no links, images, emphasis, HTML)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~$\"'=])")


def md_escape(text: object) -> str:
    """Untrusted text made inert for st.markdown. Pages show post text with st.text; this is for the
    few places where a name sits inside markdown. ':' and '.' become entities so that no URL or
    www. address is auto-linked (GFM links bare URLs even when punctuation is backslash-escaped)."""
    text = str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace(":", "&#58;").replace(".", "&#46;").replace("@", "&#64;").replace("\n", "  \n")


def current_user() -> dict | None:
    return st.session_state.get(AUTH_KEY)


def viewer() -> Viewer:
    user = current_user()
    if not user:
        st.warning("请先登录。")
        st.stop()
    return Viewer(username=user["username"], role=user["role"], unit_code=user.get("unit_code"))


def require(*roles: str) -> Viewer:
    """The page's own guard (navigation already hides it; the queries check again)."""
    who = viewer()
    if who.role not in roles:
        st.error("您的角色无权访问此页面。")
        st.stop()
    return who


@contextmanager
def db() -> Iterator[Session]:
    with session_scope() as session:
        yield session


def fail(exc: YuqingError) -> None:
    st.error(f"操作未完成：{exc}")


def run_action(label: str, action, *, flash_key: str) -> None:
    """Run one action in its own transaction; on success show `label` after the rerun, on a
    product error show why and change nothing."""
    try:
        with db() as session:
            action(session)
    except YuqingError as exc:
        fail(exc)
    else:
        st.session_state[flash_key] = label
        st.rerun()


def fmt_time(moment: datetime | None) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}" if moment else "—"


def local_naive(moment: datetime) -> datetime:
    """A timestamp as local wall-clock time for charts (they would otherwise draw UTC)."""
    return to_local(moment).replace(tzinfo=None)


def countdown(due: datetime | None, at: datetime | None = None) -> str:
    """「剩余 3小时12分」 or 「已超时 1天2小时」."""
    if due is None:
        return "—"
    seconds = int((due - (at or now())).total_seconds())
    late, seconds = seconds < 0, abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = (f"{days}天" if days else "") + (f"{hours}小时" if hours or days else "") + f"{minutes}分"
    return f"已超时 {text}" if late else f"剩余 {text}"


def open_issue(issue_id: int) -> None:
    """Go to the issue page showing this issue (the page reads it from the session and the URL)."""
    st.session_state["open_issue_id"] = int(issue_id)
    st.switch_page("views/issue.py")
