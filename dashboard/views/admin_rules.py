import streamlit as st

from dashboard.common import fail, require
from dashboard.profile_edit import EDITABLE, read_profile_file, save_profile_file
from yuqing.errors import YuqingError

who = require("admin")
st.title("路由规则与时限政策")
st.caption("routing.yaml：明确规则、主管部门、属地规则；profile.yaml：办理时限、提醒比例、兜底单位。"
           "保存前用系统自身的校验加载整个区域配置，校验不通过则不写入。")
filename = st.radio("文件", ["routing.yaml", "profile.yaml"], format_func=lambda f: f"{f}（{EDITABLE[f]}）",
                    horizontal=True, key="rules_file")
text = st.text_area(filename, value=read_profile_file(filename), height=500, key=f"rules_text_{filename}")
if st.button("校验并保存", key="rules_save"):
    try:
        save_profile_file(filename, text)
    except YuqingError as exc:
        fail(exc)
    else:
        st.success(f"{filename} 校验通过并已保存；新规则对之后的交办生效。")
