import streamlit as st

from dashboard.common import ROLE_LABELS, current_user, db, fail, flash, md_escape, viewer
from yuqing import auth, repo
from yuqing.errors import YuqingError

who = viewer()
user = current_user()
st.title("账户")
st.markdown(f"**{md_escape(user.get('display_name') or who.username)}**（{ROLE_LABELS.get(who.role, who.role)}）")
if who.unit_code:
    with db() as session:
        name = repo.unit_names(session).get(who.unit_code, who.unit_code)
    st.markdown(f"所属单位：{md_escape(name)}")

st.subheader("修改密码")
st.caption(f"新密码至少 {auth.MIN_PASSWORD_LENGTH} 个字符，且不能与当前密码相同。")
FIELDS = ("password_current", "password_new", "password_repeat")
with st.form("password_form"):
    current = st.text_input("当前密码", type="password", key=FIELDS[0])
    new = st.text_input("新密码", type="password", key=FIELDS[1])
    repeat = st.text_input("再次输入新密码", type="password", key=FIELDS[2])
    if st.form_submit_button("修改密码", key="password_submit"):
        try:
            with db() as session:
                auth.change_password(session, username=who.username, current=current, new=new, repeat=repeat)
        except YuqingError as exc:
            fail(exc)
        else:
            st.session_state["password_flash"] = "密码已修改，下次登录请使用新密码。"
            for key in FIELDS:  # a password never stays in the form
                st.session_state.pop(key, None)
            st.rerun()
flash("password_flash")

st.divider()
if st.button("退出登录", key="logout", type="primary"):
    st.session_state.clear()
    st.rerun()
