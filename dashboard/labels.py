"""The one place that names things for display: every state, role, sentiment, urgency level, action,
actor, source, unit and place a page shows. Pages never print a code; a value that is missing shows
as MISSING (never `None`). Names that live in the database (units, users, source titles) come in
through a Names object built once per page run from yuqing.repo."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MISSING = "—"
PLACEHOLDER = "请选择"  # multiselect / selectbox placeholder (Streamlit's default is English)

ROLE_LABELS = {"analyst": "分析员（宣传部）", "unit": "责任单位", "supervisor": "督查", "admin": "管理员",
               "system": "系统"}
URGENCY_LABELS = {1: "1级 特别重大/重大", 2: "2级 较大", 3: "3级 一般", 4: "4级 关注"}
URGENCY_SHORT = {1: "1级", 2: "2级", 3: "3级", 4: "4级"}
ISSUE_STATUS_LABELS = {"new": "新发现", "triaged": "已研判", "assigned": "已交办", "responded": "已答复",
                       "closed": "已办结", "dismissed": "已排除", "merged": "已合并"}
ASSIGNMENT_STATUS_LABELS = {"notified": "待签收", "acknowledged": "已签收", "responding": "办理中",
                            "responded": "已答复", "closed": "已办结", "returned": "已退回"}
# from/to states of audit events: the two status tables plus the few other states events record
STATE_LABELS = {**ISSUE_STATUS_LABELS, **ASSIGNMENT_STATUS_LABELS, "triage": "待人工研判", "lead": "牵头",
                "co": "协办", "rule created": "规则已新建", "rule changed": "规则已修改",
                "rule disabled": "规则已停用", "rule deleted": "规则已删除", "alert acknowledged": "预警已确认"}
EVENT_LABELS = {"created": "生成事件", "analyzed": "分析", "triage": "转人工研判", "routed": "交办", "notified": "通知",
                "acknowledged": "签收", "progress": "进展", "responded": "答复", "verified": "核验", "closed": "办结",
                "escalated": "督办", "reminded": "提醒", "returned": "退回", "reassigned": "改派", "edited": "修改",
                "merged": "合并", "dismissed": "排除", "confirmed": "确认", "note": "备注",
                "alerted": "预警"}
SENTIMENT_LABELS = {"negative": "负面", "neutral": "中性", "positive": "正面"}
# a fixed colour per sentiment for every chart (negative red, neutral grey, positive green)
SENTIMENT_COLORS = {"负面": "#d62728", "中性": "#9e9e9e", "正面": "#2ca02c"}
# the emotion classes of an analysis (nlp/sentiment.py), the negative ones first: anger and fear weigh
# more than sadness in a 舆情 brief
EMOTION_LABELS = {"angry": "愤怒", "fear": "恐惧", "sad": "悲伤", "happy": "喜悦", "neutral": "中性", "surprise": "惊奇"}
ASSIGNMENT_ROLE_LABELS = {"lead": "牵头", "co": "协办"}
CHANNEL_LABELS = {"email": "邮件", "wecom": "企业微信", "dingtalk": "钉钉", "feishu": "飞书", "webhook": "网络回调",
                  "sms": "短信"}
SOURCE_KIND_LABELS = {"board": "留言板", "rss": "订阅源", "article": "网站文章", "json_api": "微博",
                      "site_watch": "政府网站监测", "forum": "论坛"}
UNIT_KIND_LABELS = {"street": "街道", "department": "部门", "park": "园区", "coordinator": "统筹协调",
                    "supervisor": "督查"}
MODEL_KIND_LABELS = {"topic": "领域分类", "urgency": "紧急程度", "sentiment": "情感", "relevance": "相关性",
                     "embedding": "向量"}
METRIC_LABELS = {"accuracy": "准确率", "macro_f1": "宏平均 F1", "f1": "F1", "precision": "精确率", "recall": "召回率",
                 "rows": "样本数", "train_rows": "训练样本", "eval_rows": "评测样本", "auc": "AUC"}
RULE_KIND_LABELS = {"explicit": "明确规则", "place": "属地规则", "topic": "主管规则", "owner": "主管规则",
                    "critical": "重大舆情", "fallback": "兜底单位", "manual": "人工指定", "triage": "人工研判"}
# the flows' actors (Viewer.system(name) → "flow:name", the CLI → "cli")
SYSTEM_ACTORS = {"flow:cluster": "系统（事件归并）", "flow:route": "系统（自动交办）", "flow:notify": "系统（通知发送）",
                 "flow:sla-watch": "系统（时限监督）", "flow:watch": "系统（预警规则）", "flow:lifecycle": "系统（状态同步）",
                 "flow:official": "系统（官方答复识别）", "flow:verify": "系统（答复核验）", "flow:report": "系统（报告）",
                 "flow:brief": "系统（舆情专报）", "flow:demo": "系统（演示）", "cli": "命令行"}
_CHANNEL_NOTE = re.compile("^({}) → ".format("|".join(CHANNEL_LABELS)))
_STATE_URGENCY = re.compile(r"^urgency (\d)$")


def missing(value: object) -> object:
    """MISSING for None, NaN or an empty string; the value otherwise."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return MISSING
    return value


def label(table: dict, value: object) -> str:
    """A code's display name from `table`; MISSING when there is no value; the value itself when the
    table does not know it (new codes must show, even unnamed)."""
    if value is None or value == "":
        return MISSING
    return str(table.get(value, value))


def state(value: str | None) -> str:
    if value and (match := _STATE_URGENCY.match(value)):
        return URGENCY_SHORT.get(int(match.group(1)), value)
    return label(STATE_LABELS, value)


def issue_status(value: str | None) -> str:
    return label(ISSUE_STATUS_LABELS, value)


def assignment_status(value: str | None) -> str:
    return label(ASSIGNMENT_STATUS_LABELS, value)


def role(value: str | None) -> str:
    return label(ROLE_LABELS, value)


def urgency(value: int | None, *, short: bool = False) -> str:
    return label(URGENCY_SHORT if short else URGENCY_LABELS, value)


def sentiment(value: str | None) -> str:
    return label(SENTIMENT_LABELS, value)


def emotion(value: str | None) -> str:
    return label(EMOTION_LABELS, value)


def contact(key: str | None) -> str:
    """A contact key of units.yaml: email → 邮件, head_email → 负责人邮件 (the escalation contact)."""
    if key and key.startswith("head_"):
        return "负责人" + label(CHANNEL_LABELS, key.removeprefix("head_"))
    return label(CHANNEL_LABELS, key)


def sentiment_colors(columns: Iterable[str]) -> list[str]:
    """Colours for a chart whose series are sentiment labels (st.area_chart(..., color=...))."""
    return [SENTIMENT_COLORS.get(c, "#bdbdbd") for c in columns]


def event_kind(value: str | None) -> str:
    return label(EVENT_LABELS, value)


def assignment_role(value: str | None) -> str:
    return label(ASSIGNMENT_ROLE_LABELS, value)


def rule(rule_id: str | None) -> str:
    """A routing rule: its kind in words; an explicit rule keeps its own id (named in routing.yaml)."""
    if not rule_id:
        return MISSING
    kind, _, name = rule_id.partition(":")
    text = RULE_KIND_LABELS.get(kind, rule_id)
    return f"{text}（{name}）" if kind == "explicit" and name and name != "site-owner" else text


def source_kind(kind: str | None) -> str:
    return label(SOURCE_KIND_LABELS, kind)


def source_title(name: str | None, kind: str | None = None, config: dict | None = None) -> str:
    """A source as people call it: its `title` in sources.yaml, else its name when that is already
    words (问政留言板), else what kind of channel it is (a slug like demo_board is a code)."""
    title = (config or {}).get("title")
    if title:
        return str(title)
    if name and not re.search(r"[A-Za-z]", name):
        return name
    if kind:
        return source_kind(kind)
    return label({}, name)


def event_note(note: str | None) -> str:
    """Audit notes are mostly Chinese already; the notification note starts with its channel code."""
    if not note:
        return MISSING
    return _CHANNEL_NOTE.sub(lambda m: f"{CHANNEL_LABELS[m.group(1)]} → ", note)


def metrics(values: dict | None) -> str:
    parts = []
    for key, value in (values or {}).items():
        shown = f"{value:.3f}" if isinstance(value, float) else value
        parts.append(f"{METRIC_LABELS.get(key, key)} {shown}")
    return "，".join(parts) or MISSING


@dataclass
class Names:
    """Display names read from the database once per page run: units (also the names of the
    jurisdiction codes places resolve to), users and sources."""

    units: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def unit(self, code: str | None) -> str:
        return label(self.units, code)

    def place(self, code: str | None) -> str:
        """A jurisdiction code as the unit that holds it; 未识别 when the model found none."""
        return self.units.get(code, code) if code else "未识别"

    def places(self, codes: Iterable[str] | None) -> str:
        return "、".join(self.place(c) for c in (codes or [])) or MISSING

    def actor(self, actor: str | None) -> str:
        if not actor:
            return MISSING
        if actor in SYSTEM_ACTORS:
            return SYSTEM_ACTORS[actor]
        if actor.startswith("flow:"):
            return "系统"
        return self.users.get(actor) or actor

    def source(self, name: str | None) -> str:
        return self.sources.get(name, label({}, name)) if name else "未知来源"


def load_names(session) -> Names:
    """Every display name a page needs, in three small queries."""
    from yuqing import repo

    return Names(units=repo.unit_names(session), users=repo.user_display_names(session),
                 sources={s.name: source_title(s.name, s.kind, s.config) for s in repo.list_sources(session)})
