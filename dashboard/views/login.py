import streamlit as st

from dashboard.serve import begin_warm_up
from dashboard.session import AUTH_KEY
from yuqing.errors import AuthError

# the first board's imports, in the background: begun when the server became ready (dashboard/serve.py);
# begun here if that hook is gone with a Streamlit release (once per process either way)
begin_warm_up()
st.title("舆情监测与回应平台")
st.caption("请使用管理员分配的账户登录。连续输错密码多次后账户将被临时锁定。")
with st.form("login_form"):
    username = st.text_input("用户名", key="login_username")
    password = st.text_input("密码", type="password", key="login_password")
    submitted = st.form_submit_button("登录", key="login_submit")
# Below the form and never shown: a table and a chart, so that the browser fetches and compiles their
# code (about 2 MB) while the user types, instead of after the login when 态势概览 draws its first ones
with st.container(key="login_preload"):
    st.html("<style>.st-key-login_preload {display: none}</style>")
    st.dataframe({"时间": ["—"]}, hide_index=True, key="login_preload_table")
    st.vega_lite_chart({"data": {"values": [{"x": 0}]}, "mark": "point", "encoding": {"x": {"field": "x"}}},
                       key="login_preload_chart")
if submitted:
    # imported here, not above: the form draws without waiting for the repository layer, which the
    # warm-up imports meanwhile (dashboard/serve.py)
    from yuqing.auth import login

    try:
        user = login(username=username.strip(), password=password)
        st.session_state[AUTH_KEY] = {"username": user.username, "role": user.role, "unit_code": user.unit_code,
                                      "display_name": user.display_name or user.username}
    except AuthError as exc:
        st.error(f"登录失败：{exc}")
    else:
        st.rerun()
