"""What every page shares: the logged-in viewer, a database session, safe rendering of untrusted
text, Chinese labels and time formatting. No queries here: those live in yuqing.repo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import streamlit as st
from sqlmodel import Session

from dashboard.labels import (  # noqa: F401 - re-exported: pages import their labels from here
    ASSIGNMENT_STATUS_LABELS,
    EVENT_LABELS,
    ISSUE_STATUS_LABELS,
    MISSING,
    PLACEHOLDER,
    ROLE_LABELS,
    SENTIMENT_COLORS,
    SENTIMENT_LABELS,
    URGENCY_LABELS,
    Names,
    load_names,
    missing,
)
from dashboard.session import AUTH_KEY, current_user  # noqa: F401 - re-exported for the pages
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.errors import YuqingError
from yuqing.repo import Viewer

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


def run_action(label: str, action, *, flash_key: str, clear: tuple[str, ...] = ()) -> None:
    """Run one action in its own transaction; on success show `label` after the rerun (as a toast,
    where the user is looking, and under the form via `flash`), empty the form fields named in
    `clear` so a second click has nothing to resend; on a product error show why and change nothing."""
    try:
        with db() as session:
            action(session)
    except YuqingError as exc:
        fail(exc)
    else:
        st.session_state[flash_key] = label
        for key in clear:
            st.session_state.pop(key, None)
        st.rerun()


def flash(flash_key: str) -> None:
    """The success message of the last action, where the action was (call it right under the form)."""
    if flash_key in st.session_state:
        message = st.session_state.pop(flash_key)
        st.toast(message, icon=":material/check_circle:")
        st.success(message)


@st.cache_data(ttl=60, show_spinner=False)
def source_titles() -> dict[str, str]:
    """Source name → the title people read (sources.yaml `title`, else its kind), for pages that get
    bare source names from an aggregate; a minute old at most."""
    from dashboard.labels import source_title
    from yuqing import repo

    with db() as session:
        return {s.name: source_title(s.name, s.kind, s.config) for s in repo.list_sources(session)}


def fmt_time(moment: datetime | None) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}" if moment else MISSING


def local_naive(moment: datetime) -> datetime:
    """A timestamp as local wall-clock time for charts (they would otherwise draw UTC)."""
    return to_local(moment).replace(tzinfo=None)


def countdown(due: datetime | None, at: datetime | None = None) -> str:
    """「剩余 3小时12分」 or 「已超时 1天2小时」."""
    if due is None:
        return MISSING
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
