import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import ROLE_LABELS, db, fail, fmt_time, require
from yuqing import auth, repo
from yuqing.errors import YuqingError

who = require("admin")
st.title("用户管理")
with db() as session:
    users = repo.admin_users(session, viewer=who)
    names = repo.unit_names(session)
st.dataframe(pd.DataFrame([{
    "用户名": u.username, "姓名": u.display_name, "角色": ROLE_LABELS.get(u.role, u.role),
    "单位": labels.label(names, u.unit_code), "启用": "是" if u.active else "否",
    "锁定": "已锁定至 " + fmt_time(u.locked_until) if auth.is_locked(u) else labels.MISSING, "失败次数": u.failed_logins,
    "最近登录": fmt_time(u.last_login_at)} for u in users]), hide_index=True, width="stretch", key="users_table")

if "users_flash" in st.session_state:
    st.success(st.session_state.pop("users_flash"))
st.subheader("新建用户")
with st.form("user_create_form", clear_on_submit=True):
    cols = st.columns(2)
    username = cols[0].text_input("用户名", key="user_new_name")
    display = cols[1].text_input("姓名", key="user_new_display")
    role = cols[0].selectbox("角色", list(ROLE_LABELS), format_func=ROLE_LABELS.get, key="user_new_role")
    unit = cols[1].selectbox("单位（责任单位账户必填）", [""] + sorted(names), format_func=lambda c: names.get(c, "—"),
                             key="user_new_unit")
    if st.form_submit_button("创建（生成初始密码）", key="user_create"):
        try:
            with db() as session:
                password = auth.generate_password()
                auth.create_user(session, username=username.strip(), password=password, role=role,
                                 unit_code=unit or None, display_name=display.strip())
        except YuqingError as exc:
            fail(exc)
        else:
            st.session_state["users_flash"] = f"已创建 {username.strip()}，初始密码（只显示一次）：{password}"
            st.rerun()

st.subheader("重置密码 / 解锁 / 停用")
usernames = [u.username for u in users]
target = st.selectbox("用户", usernames, key="user_target")
cols = st.columns(3)
try:
    if cols[0].button("重置密码", key="user_reset"):
        with db() as session:
            password = auth.reset_password(session, username=target)
        st.session_state["users_flash"] = f"{target} 的新密码（只显示一次）：{password}"
        st.rerun()
    if cols[1].button("解锁", key="user_unlock"):
        with db() as session:
            auth.unlock(session, username=target)
        st.session_state["users_flash"] = f"{target} 已解锁"
        st.rerun()
    if cols[2].button("停用/启用", key="user_toggle"):
        if target == who.username:
            st.error("不能停用自己的账户。")
        else:
            with db() as session:
                user = auth.set_active(session, username=target,
                                       active=not next(u.active for u in users if u.username == target))
            st.session_state["users_flash"] = f"{target} 已{'启用' if user.active else '停用'}"
            st.rerun()
except YuqingError as exc:
    fail(exc)
