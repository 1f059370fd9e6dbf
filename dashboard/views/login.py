import streamlit as st

from dashboard.common import AUTH_KEY
from yuqing.auth import login
from yuqing.errors import AuthError

st.title("舆情监测与回应平台")
st.caption("请使用管理员分配的账户登录。连续输错密码多次后账户将被临时锁定。")
with st.form("login_form"):
    username = st.text_input("用户名", key="login_username")
    password = st.text_input("密码", type="password", key="login_password")
    submitted = st.form_submit_button("登录", key="login_submit")
if submitted:
    try:
        user = login(username=username.strip(), password=password)
        st.session_state[AUTH_KEY] = {"username": user.username, "role": user.role, "unit_code": user.unit_code,
                                      "display_name": user.display_name or user.username}
    except AuthError as exc:
        st.error(f"登录失败：{exc}")
    else:
        st.rerun()
