from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import (
    URGENCY_LABELS,
    db,
    flash,
    fmt_time,
    load_names,
    local_naive,
    md_escape,
    missing,
    run_action,
    viewer,
)
from dashboard.tables import chart
from yuqing import lifecycle, repo
from yuqing.errors import NotFound

POSTS_PER_PAGE = 20  # posts drawn in full a page; the others a page number away
MIN_BAR = timedelta(minutes=2)  # an instant (退回, 办结) still shows as a sliver
TIME = "%Y-%m-%d %H:%M"  # Vega's default time formats are English (Dec 07, 03 PM)
FIELD_LABELS = {"topic": "领域", "urgency": "紧急程度", "jurisdiction": "属地"}
who = viewer()
st.title("事件详情")
# an issue opened from another page, or a link's ?issue=N (applied once, so typing a number wins)
default = st.session_state.pop("open_issue_id", None)
param = st.query_params.get("issue")
if default is None and param and param != st.session_state.get("issue_param_seen"):
    default = param
try:
    default = int(default) if default else None
except ValueError:
    default = None
if default is not None:
    st.session_state["issue_id_input"] = default
initial = {} if "issue_id_input" in st.session_state else {"value": None}
issue_id = st.number_input("事件编号", min_value=1, step=1, key="issue_id_input", **initial)
if issue_id is None:
    st.info("请输入事件编号，或从列表/收件箱打开一个事件。")
    st.stop()
issue_id = int(issue_id)
st.query_params["issue"] = st.session_state["issue_param_seen"] = str(issue_id)
POST_PAGE_KEY = f"issue_post_page_{issue_id}"  # each issue opens on its first page of posts
post_page = int(st.session_state.get(POST_PAGE_KEY) or 1)

try:
    with db() as session:
        issue = repo.get_issue(session, viewer=who, issue_id=issue_id)
        posts = repo.issue_posts_with_analysis(session, viewer=who, issue_id=issue_id, limit=POSTS_PER_PAGE,
                                               offset=(post_page - 1) * POSTS_PER_PAGE)
        emotions, negative_intensity = repo.issue_emotion_mix(session, viewer=who, issue_id=issue_id)
        assignments = repo.assignments_of_issue(session, viewer=who, issue_id=issue_id)
        events = repo.timeline(session, viewer=who, issue_id=issue_id)
        bars = repo.issue_gantt(session, viewer=who, issue_id=issue_id)
        names = load_names(session)
        units = repo.list_units(session)
        feedback = repo.list_label_feedback(session, viewer=who, issue_id=issue_id) if who.sees_everything else []
except NotFound:
    st.error(f"事件 #{issue_id} 不存在，或您无权查看。")
    st.stop()
if not posts and post_page > 1:  # past the last page (posts merged elsewhere meanwhile): the first page
    st.session_state[POST_PAGE_KEY] = 1
    st.rerun()

st.subheader(f"事件 #{issue.id}")
st.text(issue.title)  # untrusted: never markdown
cols = st.columns(5)  # topic and unit names are long: each gets two columns' width
cols[0].metric("状态", labels.issue_status(issue.status))
cols[1].metric("紧急程度", labels.urgency(issue.urgency, short=True))
cols[2].metric("热度", f"{issue.heat:.1f}")
cols = st.columns(2)
cols[0].metric("领域", issue.topic or "未分类")
cols[1].metric("属地", names.place(issue.jurisdiction))
st.caption(f"首次发现 {fmt_time(issue.first_seen_at)} · 最近 {fmt_time(issue.last_seen_at)} · "
           f"{issue.post_count} 条帖子，{issue.source_count} 个来源")
if issue.merged_into_id:
    st.warning(f"此事件已合并到 #{issue.merged_into_id}。")
st.text(issue.summary)

st.subheader("模型判断依据")
left, right = st.columns(2)
with left:
    st.markdown("**领域**")
    st.text(f"{issue.topic or '未分类'} / {issue.topic_level2 or '—'}（概率 {issue.topic_prob:.2f}）")
    st.markdown("**紧急程度信号**")
    st.text("、".join(str(s) for s in (issue.urgency_signals or [])) or "无（按一般事件处理）")
with right:
    st.markdown("**地点与属地**")
    st.text(f"识别地点：{'、'.join(str(p) for p in (issue.places or [])) or '无'}；属地：{names.place(issue.jurisdiction)}")
    st.markdown("**关键词 / 情感**")
    st.text(f"{'、'.join(str(k) for k in (issue.keywords or [])) or '—'}；情感：{labels.sentiment(issue.sentiment)}")
if issue.needs_triage or issue.triage_reason:
    st.warning("转人工研判原因：" + (issue.triage_reason or "—"))

st.markdown("**情绪构成**（全部帖子，按各帖最新分析）")
known = {code: n for code, n in emotions.items() if code}
if known:
    # negative emotions first (anger and fear weigh most in a brief), then the rest; unnamed codes last
    order = [*labels.EMOTION_LABELS, *sorted(set(known) - set(labels.EMOTION_LABELS))]
    total = sum(known.values())
    st.dataframe(pd.DataFrame([{"情绪": labels.emotion(code), "帖子数": known[code], "占比": f"{known[code] / total:.0%}"}
                               for code in order if code in known]), hide_index=True, key="issue_emotions")
    unknown = emotions.get(None, 0)
    st.caption((f"负面情绪强度 {negative_intensity:.2f}（0–1，愤怒、恐惧的权重高于悲伤）"
                if negative_intensity is not None else "负面情绪强度：—")
               + (f"；另有 {unknown} 条帖子的分析早于情绪识别" if unknown else ""))
else:
    st.caption("此事件的帖子尚无情绪识别结果。")
rows = [{"帖子": p.id, "模型版本": a.model_version, "领域": missing(a.topic), "领域概率": round(a.topic_prob, 3),
         "二级分类": missing(a.topic_level2), "相关": "是" if a.relevant else "否", "相关度": round(a.relevance_score, 3),
         "紧急": labels.urgency(a.urgency, short=True), "紧急分": round(a.urgency_score, 3),
         "信号": "、".join(map(str, a.urgency_signals or [])) or labels.MISSING, "情感": labels.sentiment(a.sentiment),
         "情绪": labels.emotion(a.emotion), "情感分": round(a.sentiment_score, 3), "地点": "、".join(map(str, a.places or [])) or labels.MISSING,
         "属地": names.place(a.jurisdiction)} for p, _, a in posts if a is not None]
if rows:
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="issue_analyses")

st.subheader("交办与路由理由")
if assignments:
    st.dataframe(pd.DataFrame([{
        "单位": names.unit(a.unit_code), "角色": labels.assignment_role(a.role), "规则": labels.rule(a.rule_id),
        "理由": missing(a.reason), "状态": labels.assignment_status(a.status), "签收时限": fmt_time(a.ack_due),
        "答复时限": fmt_time(a.response_due or a.press_due), "答复": missing(a.response_text),
        "公开链接": missing(a.response_url), "退回理由": missing(a.return_reason)} for a in assignments]),
        hide_index=True, width="stretch",
        key="issue_assignments")
else:
    st.info("尚未交办。")

st.subheader("帖子与来源")
post_pages = max(1, -(-issue.post_count // POSTS_PER_PAGE)) if posts else 1  # a merged issue keeps its count
if not posts:
    st.info("此事件没有帖子。")
elif post_pages > 1:
    st.caption(f"共 {issue.post_count} 条帖子，按发布时间排列；第 {post_page} / {post_pages} 页（上方分析表为本页帖子）。")
for post, source, _ in posts:
    with st.container(border=True):
        st.caption(f"来源：{md_escape(names.source(source))} · 发布 {fmt_time(post.published_at)} · "
                   f"赞 {post.likes} 转 {post.reposts} 评 {post.comments}" + (" · 疑似垃圾" if post.spam else ""))
        st.text(f"{post.title}\n{post.text[:3000]}\n{post.url}")  # one element a post, not three
if post_pages > 1:
    if post_page > post_pages:  # fewer posts than when the page was picked
        st.session_state[POST_PAGE_KEY] = post_pages
    st.number_input(f"帖子页码（共 {post_pages} 页）", min_value=1, max_value=post_pages, step=1, key=POST_PAGE_KEY)

st.subheader("时间线")
if bars:
    frame = pd.DataFrame([{"对象": names.units.get(b["lane"], b["lane"]), "阶段": b["stage"], "开始": local_naive(b["start"]),
                           "结束": local_naive(max(b["end"], b["start"] + MIN_BAR))} for b in bars])
    lane, stage = {"field": "对象", "type": "nominal"}, {"field": "阶段", "type": "nominal"}
    start, end = {"field": "开始", "type": "temporal"}, {"field": "结束", "type": "temporal"}
    chart(frame, {"mark": "bar", "encoding": {
        "x": start | {"title": "时间", "axis": {"format": "%m-%d %H:%M"}}, "x2": {"field": "结束"}, "y": lane | {"title": None},
        "color": stage, "tooltip": [lane, stage, start | {"format": TIME}, end | {"format": TIME}]}}, key="issue_gantt")
if events:
    st.dataframe(pd.DataFrame([{"时间": fmt_time(e.at), "操作": labels.event_kind(e.kind), "执行者": names.actor(e.actor),
                                "单位": names.unit(e.unit_code), "从": labels.state(e.from_state),
                                "到": labels.state(e.to_state), "说明": labels.event_note(e.note)} for e in events]),
                 hide_index=True, width="stretch", key="issue_events")

if who.sees_everything:  # 舆情专报 in one click: the builder of `yuqing report --kind issue`, run on click
    from dashboard.brief import brief_docx_bytes, brief_html_bytes

    cols = st.columns([1, 1, 3])
    cols[0].download_button("舆情专报（Word）", lambda: brief_docx_bytes(issue_id, who), key="issue_brief_docx",
                            file_name=f"issue-{issue_id}-brief.docx",
                            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    cols[1].download_button("舆情专报（HTML）", lambda: brief_html_bytes(issue_id, who), key="issue_brief_html",
                            file_name=f"issue-{issue_id}-brief.html", mime="text/html")

if who.role == "supervisor":
    st.stop()
st.subheader("操作")
# only the actions the lifecycle allows from the issue's current status (yuqing.lifecycle.issue_actions)
allowed = lifecycle.issue_actions(issue) if who.may_edit_issues else frozenset({"note"})
TABS = [("confirm", "确认"), ("correct", "修正标签"), ("merge", "合并"), ("dismiss", "排除"), ("route", "交办/改派"),
        ("note", "备注")]
offered = [(key, title) for key, title in TABS if key in allowed]
flash("issue_flash")
if "issue_flash_warning" in st.session_state:
    st.warning(st.session_state.pop("issue_flash_warning"))
if not offered:
    st.info(f"此事件{labels.issue_status(issue.status)}，没有可执行的操作。")
    st.stop()
tabs = dict(zip([key for key, _ in offered], st.tabs([title for _, title in offered]), strict=True))


def act(label: str, action, *clear: str) -> None:
    run_action(label, action, flash_key="issue_flash", clear=clear)


if who.may_edit_issues:
    from flows.stages import route_issue, route_manually
    from yuqing.analyst import correct_with_feedback, merge_issue
    from yuqing.profile import load_profile

if "confirm" in tabs:
    with tabs["confirm"]:
        st.caption("确认这是一个需要关注的真实事件（新发现 → 已研判）。")
        if st.button("确认事件", key="action_confirm"):
            act("已确认", lambda s: lifecycle.confirm_issue(s, viewer=who, issue_id=issue_id))
if "correct" in tabs:
    with tabs["correct"]:
        with st.form("correct_form"):
            topic = st.text_input("领域", value=issue.topic or "", key="correct_topic")
            urgency = st.selectbox("紧急程度", [1, 2, 3, 4], index=[1, 2, 3, 4].index(issue.urgency),
                                   format_func=URGENCY_LABELS.get, key="correct_urgency")
            place = st.text_input("属地（单位代码）", value=issue.jurisdiction or "", key="correct_jurisdiction")
            if st.form_submit_button("保存修正（作为训练反馈）", key="correct_submit"):
                version = next((a.model_version for _, _, a in posts if a is not None), None)
                act("标签已修正", lambda s: correct_with_feedback(
                    s, viewer=who, issue_id=issue_id, topic=topic.strip() or None, urgency=int(urgency),
                    jurisdiction=place.strip() or None, model_version=version))
        if feedback:
            st.dataframe(pd.DataFrame([{"时间": fmt_time(f.created_at), "字段": FIELD_LABELS.get(f.field, f.field),
                                        "原值": missing(f.old_value), "新值": missing(f.new_value),
                                        "分析员": names.actor(f.actor)} for f in feedback]),
                         hide_index=True, key="issue_feedback")
if "merge" in tabs:
    with tabs["merge"]:
        with st.form("merge_form"):
            into = st.number_input("合并到事件编号", min_value=1, step=1, value=None, key="merge_into")
            merge_note = st.text_input("说明", key="merge_note")
            if st.form_submit_button("合并", key="merge_submit"):
                if into is None:
                    st.error("请填写目标事件编号。")
                else:
                    act(f"已合并到 #{int(into)}", lambda s: merge_issue(s, viewer=who, issue_id=issue_id,
                                                                    into_id=int(into), note=merge_note),
                        "merge_into", "merge_note")
if "dismiss" in tabs:
    with tabs["dismiss"]:
        with st.form("dismiss_form"):
            reason = st.text_input("排除理由", key="dismiss_reason", placeholder="例如：与本区无关的娱乐新闻")
            if st.form_submit_button("排除事件", key="dismiss_submit"):
                act("已排除", lambda s: lifecycle.dismiss_issue(s, viewer=who, issue_id=issue_id, reason=reason),
                    "dismiss_reason")
if "route" in tabs:
    with tabs["route"]:
        if st.button("按规则自动交办", key="route_auto"):
            def auto(session):
                decision = route_issue(session, issue=repo.get_issue(session, viewer=who, issue_id=issue_id),
                                       profile=load_profile(), actor=who.username)
                if decision.triage:
                    st.session_state["issue_flash_warning"] = f"规则无法确定责任单位：{decision.triage_reason}"
            act("已按规则交办", auto)
        with st.form("route_form"):
            codes = [u.code for u in units]
            unit = st.selectbox("指定牵头单位", codes, format_func=names.unit, key="route_unit",
                                placeholder=labels.PLACEHOLDER)
            route_note = st.text_input("交办说明", key="route_note")
            if st.form_submit_button("交办 / 改派", key="route_submit"):
                act(f"已交办给 {names.unit(unit)}", lambda s: route_manually(
                    s, viewer=who, issue_id=issue_id, unit_code=unit, note=route_note.strip()), "route_note")
if "note" in tabs:
    with tabs["note"]:
        with st.form("note_form"):
            note = st.text_area("备注", key="note_text")
            if st.form_submit_button("添加备注", key="note_submit"):
                act("备注已添加", lambda s: lifecycle.add_note(s, viewer=who, issue_id=issue_id, note=note), "note_text")
