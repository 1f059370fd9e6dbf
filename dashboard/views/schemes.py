"""监测方案: the analyst's own saved queries over the whole stream — create, edit, pause, delete, and
per scheme the volume, sentiment, sources, places, loudest posts, keywords and issues, exported."""

from collections import Counter

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import db, fmt_time, local_naive, md_escape, open_issue, require, run_action
from dashboard.export import to_csv, to_xlsx
from flows import watch
from nlp.query import QueryError, parse
from yuqing import repo
from yuqing.errors import YuqingError

FLASH = "schemes_flash"
FIRST_BATCHES = 20  # back-filled while the analyst waits; the pipeline finishes a longer history
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面", None: "未分析"}
EXPORT_COLUMNS = [("post_id", "帖子编号"), ("at", "发布时间"), ("source", "数据源"), ("platform", "平台类型"),
                  ("title", "标题"), ("text", "正文"), ("url", "链接"), ("sentiment", "情感"), ("reach", "传播量"),
                  ("jurisdiction", "属地"), ("issue_id", "事件编号"), ("matched_terms", "命中词")]


def query_ok(expression: str) -> bool:
    """Validate a query on the page, showing where it goes wrong."""
    try:
        parse(expression)
    except QueryError as exc:
        st.error(md_escape(exc))
        st.code(expression + "\n" + " " * max(exc.position - 1, 0) + "^", language=None)
        return False
    return True


def backfill_now(name: str) -> None:
    with st.spinner(f"正在回溯「{name}」的历史帖子…"):
        report = watch.backfill(name, limit_batches=FIRST_BATCHES)
    st.session_state[FLASH] = report.describe()


who = require("analyst", "admin")
st.title("监测方案")
if st.session_state.get(FLASH):
    st.success(st.session_state.pop(FLASH))

with st.expander("新建监测方案", expanded=False), st.form("scheme_new"):
    name = st.text_input("方案名称", key="scheme_new_name")
    expression = st.text_input("检索式", key="scheme_new_query", placeholder="鲤城 AND (拆迁 OR 征收) NOT 招聘",
                               help="词或引号短语；AND/OR/NOT，+词 必须，!词 排除；括号；A NEAR/10 B；繁简通配。")
    cols = st.columns(2)
    places = cols[0].text_input("属地（可选，单位代码或地名，逗号分隔）", key="scheme_new_places")
    sources = cols[1].text_input("数据源（可选，逗号分隔）", key="scheme_new_sources")
    if st.form_submit_button("保存并回溯", key="scheme_new_save") and query_ok(expression):
        try:
            watch.create(name=name, query=expression, places=places, sources=sources, owner=who.username)
        except YuqingError as exc:
            st.error(f"未保存：{md_escape(exc)}")
        else:
            backfill_now(name.strip())
            st.rerun()

with db() as session:
    schemes = watch.scheme_summary(session)
if not schemes:
    st.info("还没有监测方案。展开上方「新建监测方案」创建第一个。")
    st.stop()
st.dataframe(pd.DataFrame([{
    "名称": s["name"], "检索式": s["query"], "属地": "、".join(s["places"]) or "不限",
    "数据源": "、".join(s["sources"]) or "全部", "状态": "启用" if s["active"] else "已暂停", "命中": s["matches"],
    "回溯": "完成" if s["backfilled"] else f"进行中（至 #{s['cursor']}）", "负责人": s["owner"],
    "更新": fmt_time(s["updated_at"]),
} for s in schemes]), hide_index=True, width="stretch", key="schemes_table")

by_name = {s["name"]: s for s in schemes}
chosen = st.selectbox("查看方案", list(by_name), key="scheme_choice")
scheme = by_name[chosen]

with st.expander("修改 / 暂停 / 删除", expanded=False):
    with st.form("scheme_edit"):
        new_query = st.text_input("检索式", value=scheme["query"], key="scheme_edit_query")
        cols = st.columns(2)
        new_places = cols[0].text_input("属地", value="，".join(scheme["places"]), key="scheme_edit_places")
        new_sources = cols[1].text_input("数据源", value="，".join(scheme["sources"]), key="scheme_edit_sources")
        if st.form_submit_button("保存修改", key="scheme_edit_save") and query_ok(new_query):
            try:
                changed = watch.edit(chosen, query=new_query, places=new_places, sources=new_sources)
            except YuqingError as exc:
                st.error(f"未保存：{md_escape(exc)}")
            else:
                if changed:
                    backfill_now(chosen)
                else:
                    st.session_state[FLASH] = "没有改变命中范围"
                st.rerun()
    cols = st.columns(3)
    if scheme["active"]:
        if cols[0].button("暂停", key="scheme_pause"):
            run_action(f"已暂停「{chosen}」", lambda s: repo.set_scheme_active(
                s, scheme=repo.get_scheme(s, name=chosen), active=False), flash_key=FLASH)
    elif cols[0].button("恢复", key="scheme_resume"):
        run_action(f"已恢复「{chosen}」，暂停期间的帖子将由流水线回溯", lambda s: repo.set_scheme_active(
            s, scheme=repo.get_scheme(s, name=chosen), active=True), flash_key=FLASH)
    if not scheme["backfilled"] and cols[1].button("继续回溯", key="scheme_backfill"):
        backfill_now(chosen)
        st.rerun()
    sure = cols[2].checkbox("确认删除", key="scheme_delete_sure")
    if cols[2].button("删除方案", key="scheme_delete", disabled=not sure):
        run_action(f"已删除「{chosen}」", lambda s: repo.delete_scheme(s, scheme=repo.get_scheme(s, name=chosen)),
                   flash_key=FLASH)

with db() as session:
    posts = repo.scheme_posts(session, scheme_id=scheme["id"])
    issues = repo.scheme_issues(session, scheme_id=scheme["id"])
st.subheader(f"「{md_escape(chosen)}」命中 {scheme['matches']} 条" + ("（图表取最近 5000 条）" if scheme["matches"] > len(posts) else ""))
if not posts:
    st.info("这个方案还没有命中的帖子。")
    st.stop()

frame = pd.DataFrame(posts)
frame["time"] = [local_naive(moment) for moment in frame["at"]]
grain = st.radio("时间粒度", ["按小时", "按天"], horizontal=True, key="scheme_grain")
frame["bucket"] = frame["time"].dt.floor("h" if grain == "按小时" else "D")
left, right = st.columns(2)
left.markdown("**声量走势**")
left.bar_chart(frame.groupby("bucket").size().rename("帖子数"))
right.markdown("**情感占比走势**")
share = (frame.assign(情感=frame["sentiment"].map(lambda s: SENTIMENT_LABELS.get(s, s)))
         .groupby(["bucket", "情感"]).size().unstack(fill_value=0))
right.area_chart(share.div(share.sum(axis=1), axis=0), color=labels.sentiment_colors(share.columns))

cols = st.columns(3)
for col, field, label in ((cols[0], "source", "数据源"), (cols[1], "platform", "平台类型")):
    col.markdown(f"**{label}**")
    col.dataframe(frame[field].replace("", "—").value_counts().rename_axis(label).reset_index(name="帖子数"),
                  hide_index=True, width="stretch", key=f"scheme_{field}")
cols[2].markdown("**属地**")
places = Counter(p for row in posts for p in (row["places"] or [row["jurisdiction"] or "未识别"]))
cols[2].dataframe(pd.DataFrame(places.most_common(20), columns=["属地", "帖子数"]), hide_index=True,
                  width="stretch", key="scheme_places")

left, right = st.columns([2, 1])
left.markdown("**传播量最高的帖子**")
loud = frame.sort_values("reach", ascending=False).head(10)
left.dataframe(pd.DataFrame({"编号": loud["post_id"], "标题": loud["title"], "数据源": loud["source"],
                             "传播量": loud["reach"], "链接": loud["url"]}),
               hide_index=True, width="stretch", key="scheme_loud")
right.markdown("**高频关键词**")
keywords = Counter(k for row in posts for k in row["keywords"])
right.dataframe(pd.DataFrame(keywords.most_common(20), columns=["关键词", "次数"]), hide_index=True,
                width="stretch", key="scheme_keywords")

st.markdown("**所属事件**")
if issues:
    st.dataframe(pd.DataFrame([{"编号": i.id, "标题": i.title, "状态": i.status, "本方案帖子": n,
                                "首次发现": fmt_time(i.first_seen_at)} for i, n in issues]),
                 hide_index=True, width="stretch", key="scheme_issues")
    target = st.selectbox("打开事件", [i.id for i, _ in issues], key="scheme_issue_choice",
                          format_func=lambda n: f"#{n} " + next(i.title for i, _ in issues if i.id == n)[:40])
    if st.button("查看事件", key="scheme_issue_open"):
        open_issue(target)
else:
    st.caption("命中的帖子尚未归入任何事件（例如模型判为不相关的帖子）。")

header = [label for _, label in EXPORT_COLUMNS]
rows = [[fmt_time(row["at"]) if key == "at" else SENTIMENT_LABELS.get(row[key], row[key]) if key == "sentiment"
         else row[key] for key, _ in EXPORT_COLUMNS] for row in posts]
cols = st.columns(2)
cols[0].download_button("导出 CSV", lambda: to_csv(header, rows), file_name=f"scheme-{scheme['id']}.csv",
                        mime="text/csv", key="scheme_csv")
cols[1].download_button("导出 Excel", lambda: to_xlsx(header, rows, title=chosen), file_name=f"scheme-{scheme['id']}.xlsx",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="scheme_xlsx")
