"""态势概览: what an analyst opens first. Every figure follows the 近7天/30天/90天 switch and shows its
change against the period before; hot issues and the items needing attention open on click."""

import pandas as pd
import streamlit as st

from dashboard import labels
from dashboard.common import countdown, fmt_time, require, source_titles
from dashboard.overview_data import board_data, place_grid
from dashboard.tables import chart, integer_axis, issue_table
from yuqing.clock import now

who = require("analyst", "supervisor", "admin")
st.title("态势概览")
days = st.segmented_control("时间范围", options=[7, 30, 90], default=30, format_func=lambda d: f"近{d}天",
                            key="overview_days") or 30
moment = now()
data = board_data(who, int(days), moment)
current, previous = data["current"], data["previous"]


DAY = {"field": "日期", "type": "temporal", "title": None, "axis": {"format": "%m-%d"}}


def delta(key: str) -> int:
    return current[key] - previous[key]


def table_or_note(rows: list, columns: list[str], *, empty: str) -> pd.DataFrame | None:
    """The rows as a table, or the note saying the period has none (then None)."""
    table = pd.DataFrame(rows, columns=columns)
    if table.empty:
        st.info(empty)
        return None
    return table


st.caption(f"与前{days}天相比；「超期未办」指本期交办、现已超过时限仍未办结的事项。")
cols = st.columns(6)
cols[0].metric("新帖", current["posts"], delta(key="posts"), delta_color="off")
cols[1].metric("新事件", current["issues"], delta(key="issues"), delta_color="off")
share, before = current["negative_share"], previous["negative_share"]
cols[2].metric("负面事件占比", "—" if share is None else f"{share:.0%}",
               None if share is None or before is None else f"{(share - before) * 100:+.0f} 个百分点",
               delta_color="inverse")
cols[3].metric("1级/2级 新事件", current["urgent"], delta(key="urgent"), delta_color="inverse")
cols[4].metric("待人工研判", current["triage"], delta(key="triage"), delta_color="inverse")
overdue = current["overdue"]
cols[5].metric(":red[超期未办]" if overdue else "超期未办", overdue, delta(key="overdue"), delta_color="inverse")
if overdue:
    cols[5].markdown(f":red-background[⚠ {overdue} 项超期未办]")


left, right = st.columns(2)
with left:
    st.subheader("声量走势（每日新帖）")
    volume = table_or_note(data["volume"], ["日期", "新帖"], empty="所选时间范围内还没有帖子。")
    if volume is not None:
        chart(volume, {"mark": {"type": "line", "point": True}, "encoding": {
            "x": DAY, "y": integer_axis("新帖", volume["新帖"].max()),
            "tooltip": [{"field": "日期", "type": "temporal"}, {"field": "新帖", "type": "quantitative"}]}},
            key="overview_volume")
with right:
    st.subheader("负面走势（每日负面事件占比）")
    trend = table_or_note(data["issue_days"], ["日期", "事件数", "负面事件"], empty="所选时间范围内还没有事件。")
    if trend is not None:
        trend["负面占比"] = trend["负面事件"] / trend["事件数"]
        chart(trend, {"mark": {"type": "line", "point": True, "color": "#d62728"}, "encoding": {
            "x": DAY, "y": {"field": "负面占比", "type": "quantitative", "axis": {"format": "%"}, "scale": {"domain": [0, 1]}},
            "tooltip": [{"field": "日期", "type": "temporal"}, {"field": "负面占比", "type": "quantitative", "format": ".0%"},
                        {"field": "事件数", "type": "quantitative"}, {"field": "负面事件", "type": "quantitative"}]}},
            key="overview_negative")

st.subheader("需要关注：未办结的1级/2级事件与24小时内到期事项")
attention = data["attention"]
if attention:
    issue_table(pd.DataFrame([{
        "编号": item["id"], "标题": item["title"], "紧急程度": labels.urgency(item["urgency"]),
        "状态": labels.issue_status(item["status"]),
        "下一时限": countdown(item["next_due"], moment) if item["next_due"] else "未交办",
        "责任单位": "、".join(data["unit_names"].get(u, u) for u in item["units"]) or "—",
    } for item in attention]), [item["id"] for item in attention], key="overview_attention",
        编号=st.column_config.NumberColumn(width="small"), 标题=st.column_config.TextColumn(width="large"))
else:
    st.success("目前没有未办结的1级/2级事件，也没有24小时内到期的事项。")

st.subheader(f"热点事件 TOP 10（近{days}天，按热度）")
hot = data["hot"]
if hot:
    issue_table(pd.DataFrame([{
        "编号": i["id"], "标题": i["title"], "热度": round(i["heat"], 1), "帖子": i["post_count"],
        "紧急程度": labels.urgency(i["urgency"]), "属地": data["place_names"].get(i["place"], "—"),
    } for i in hot]), [i["id"] for i in hot], key="overview_hot",
        编号=st.column_config.NumberColumn(width="small"), 标题=st.column_config.TextColumn(width="large"),
        热度=st.column_config.ProgressColumn(min_value=0, max_value=max(100.0, max(i["heat"] for i in hot)),
                                             format="%.1f"))
else:
    st.info("所选时间范围内没有活跃的未办结事件。")

left, right = st.columns(2)
with left:
    st.subheader("属地分布（街道）")
    grid, unknown = place_grid(data["places"], data["streets"])
    if grid.empty:
        st.info("暂无属地数据。")
    else:
        column, row = {"field": "列", "type": "ordinal", "axis": None}, {"field": "行", "type": "ordinal", "axis": None}
        chart(grid, {"height": 70 * (int(grid["行"].max()) + 1), "layer": [
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 3}, "encoding": {
                "x": column, "y": row, "tooltip": [{"field": "属地", "type": "nominal"}, {"field": "事件数", "type": "quantitative"}],
                "color": {"field": "事件数", "type": "quantitative", "scale": {"scheme": "oranges"}, "legend": None}}},
            {"mark": {"type": "text", "fontSize": 13, "lineBreak": "\n"}, "encoding": {
                "x": column, "y": row, "text": {"field": "标签", "type": "nominal"}}}]}, key="overview_places")
    st.caption(f"未能定位到街道的事件：{unknown} 个（不计入上图）。")
with right:
    st.subheader("平台与来源（帖子）")
    sources = table_or_note(data["sources"], ["类型", "来源", "帖子"], empty="所选时间范围内还没有帖子。")
    if sources is not None:
        sources["平台"] = sources["类型"].map(lambda k: "未知来源" if k == "unknown" else labels.source_kind(k))
        sources["来源"] = sources["来源"].map(lambda name: source_titles().get(name, name))
        kinds = sources.groupby("平台", as_index=False)["帖子"].sum()
        chart(kinds, {"mark": "bar", "encoding": {
            "y": {"field": "平台", "type": "nominal", "sort": "-x", "title": None}, "x": integer_axis("帖子", kinds["帖子"].max()),
            "tooltip": [{"field": "平台", "type": "nominal"}, {"field": "帖子", "type": "quantitative"}]}},
            key="overview_platforms")
        st.dataframe(sources[["来源", "平台", "帖子"]].head(10), hide_index=True, width="stretch",
                     key="overview_sources")

st.subheader("热点突增（近24小时）")
if data["spikes"]:
    st.dataframe(pd.DataFrame([{"领域": s["topic"], "近24小时新事件": s["last_24h"], "此前日均": s["daily_average"],
                                "倍数": s["ratio"] if s["ratio"] is not None else "—"} for s in data["spikes"]]),
                 hide_index=True, key="overview_spikes")
else:
    st.info("近24小时没有明显突增的领域。")
st.caption(f"数据截至 {fmt_time(moment)}（每分钟更新）。")
