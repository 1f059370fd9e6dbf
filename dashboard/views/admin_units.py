import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fail, require
from dashboard.profile_edit import read_profile_file, save_profile_file
from yuqing import repo
from yuqing.errors import YuqingError

who = require("admin")
st.title("单位与联系人")
with db() as session:
    units = repo.list_units(session, active_only=False)
    names = repo.unit_names(session)
if units:
    st.dataframe(pd.DataFrame([{
        "代码": u.code, "名称": u.name, "类型": labels.label(labels.UNIT_KIND_LABELS, u.kind),
        "上级": labels.label(names, u.parent_code), "属地": "、".join(u.jurisdiction or []),
        "主管领域": "、".join(u.topics or []), "联系方式": "；".join(f"{labels.contact(k)}：{v}" for k, v in (u.contacts or {}).items())
        or labels.MISSING,
        "启用": "是" if u.active else "否"} for u in units]), hide_index=True, width="stretch", key="units_table")
else:
    st.info("还没有单位（由管理员在命令行运行初始化命令，载入区域配置）。")
st.subheader("编辑 units.yaml")
st.caption("保存前会用与系统相同的校验加载整个区域配置；校验不通过则不写入。联系方式可填 email（邮件）、wecom（企业微信）、"
           "dingtalk（钉钉）、feishu（飞书）、webhook（网络回调）、sms（短信）。")
text = st.text_area("units.yaml", value=read_profile_file("units.yaml"), height=400, key="units_yaml")
if st.button("校验并保存", key="units_save"):
    try:
        profile = save_profile_file("units.yaml", text)
        with db() as session:
            count = repo.sync_units(session, units=profile.units.values())
    except YuqingError as exc:
        fail(exc)
    else:
        st.success(f"已保存并同步 {count} 个单位。")
