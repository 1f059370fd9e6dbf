import streamlit as st

from dashboard.common import ROLE_LABELS, current_user, db, md_escape, viewer
from yuqing import repo

who = viewer()
user = current_user()
st.title("账户")
st.markdown(f"**{md_escape(user.get('display_name') or who.username)}**（{ROLE_LABELS.get(who.role, who.role)}）")
if who.unit_code:
    with db() as session:
        name = repo.unit_names(session).get(who.unit_code, who.unit_code)
    st.markdown(f"所属单位：{md_escape(name)}")
if st.button("退出登录", key="logout", type="primary"):
    st.session_state.clear()
    st.rerun()
