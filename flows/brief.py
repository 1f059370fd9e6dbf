"""舆情专报: the one-click special report on one issue, as HTML and DOCX — 事件概述, 传播态势 (first
post, peak, volume by hour, platforms), 情感走势, 网民主要观点 (representative posts of the main
opinion groups), 处置情况 (routing, deadlines, responses from the audit log) and a 研判建议 section
left for the analyst. Every value from a post is escaped in HTML; files are written atomically
(flows/reports.py write_pair)."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document

from flows.reports import Table, add_docx_table, html_table, write_pair
from yuqing import repo
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.repo import Viewer
from yuqing.settings import get_settings

MAX_POSTS = 2000
SENTIMENTS = (("negative", "负面"), ("neutral", "中性"), ("positive", "正面"))
# the emotion classes an analysis stores (nlp/sentiment.py), the negative ones first
EMOTIONS = (("angry", "愤怒"), ("fear", "恐惧"), ("sad", "悲伤"), ("happy", "喜悦"), ("neutral", "中性"), ("surprise", "惊奇"))
NEGATIVE_EMOTIONS = ("angry", "fear", "sad")
STATUS = {"new": "新发现", "triaged": "已研判", "assigned": "已交办", "responded": "已答复", "closed": "已办结",
          "dismissed": "已排除", "merged": "已合并", "notified": "待签收", "acknowledged": "已签收",
          "responding": "办理中", "returned": "已退回"}
KIND_LABELS = {"board": "留言板", "rss": "新闻/RSS", "article": "政府网站", "json_api": "社交媒体", "site_watch": "网站监测"}
ADVICE_PLACEHOLDER = "（由分析员填写：研判结论、风险点、处置与回应建议。）"


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Brief:
    issue_id: int
    title: str
    sections: list[Section]


def _fmt(moment) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}" if moment else "—"


def _fmt_intensity(values) -> str:
    mean = _mean(values)
    return "—" if mean is None else f"{mean:.2f}"


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def emotion_lines(analyses) -> list[str]:
    """The 情感走势 sentences on emotion: the mix, the negative emotions with the leading one, and the
    negative intensity, in which anger and fear weigh more than sadness (nlp/sentiment.py
    NEGATIVE_WEIGHTS). Analyses saved before emotions were kept (None) are left out and counted."""
    from nlp.sentiment import NEGATIVE_WEIGHTS

    analyses = [a for a in analyses if a is not None]
    names = dict(EMOTIONS)
    known = Counter(a.emotion for a in analyses if a.emotion)
    if not known:
        return ["情绪：暂无情绪识别结果。"]
    lines = ["情绪构成：" + "，".join(f"{names.get(code, code)} {n} 条（{n / known.total():.0%}）"
                                 for code, n in sorted(known.items(), key=lambda item: _emotion_order(item[0]))) + "。"]
    negative = {code: known[code] for code in NEGATIVE_EMOTIONS if known[code]}
    if negative:
        # the most frequent negative emotion; on a tie the one that weighs more (anger, fear before sadness)
        lead = max(negative, key=lambda code: (negative[code], NEGATIVE_WEIGHTS.get(code, 0.0)))
        top = max(NEGATIVE_WEIGHTS.get(code, 0.0) for code in NEGATIVE_EMOTIONS)
        heavy = [code for code in NEGATIVE_EMOTIONS if NEGATIVE_WEIGHTS.get(code, 0.0) == top]
        weighty = sum(negative.get(code, 0) for code in heavy)
        lines.append(f"负面情绪帖子 {sum(negative.values())} 条，以{names[lead]}为主（{negative[lead]} 条）；"
                     f"其中{'、'.join(names[code] for code in heavy)}（权重较高）合计 {weighty} 条，"
                     f"占负面情绪的 {weighty / sum(negative.values()):.0%}。")
    else:
        lines.append("未见愤怒、恐惧、悲伤等负面情绪。")
    intensity = _mean(a.negative_intensity for a in analyses)
    if intensity is not None:
        weights = "，".join(f"{names[code]}计 {NEGATIVE_WEIGHTS[code]:g}" for code in NEGATIVE_EMOTIONS)
        lines.append(f"负面情绪强度 {intensity:.2f}（0–1，各帖负面情绪概率的加权平均：{weights}）。")
    unknown = len(analyses) - known.total()
    if unknown:
        lines.append(f"另有 {unknown} 条帖子的分析早于情绪识别，未计入情绪。")
    return lines


def _emotion_order(code: str) -> int:
    order = [code for code, _ in EMOTIONS]
    return order.index(code) if code in order else len(order)


def issue_brief(issue_id: int, *, viewer: Viewer | None = None) -> Brief:
    from nlp.opinions import opinion_groups

    viewer = viewer or Viewer.system("brief")
    with session_scope() as session:
        issue = repo.get_issue(session, viewer=viewer, issue_id=issue_id)
        rows = repo.issue_posts_with_analysis(session, viewer=viewer, issue_id=issue_id, limit=MAX_POSTS)
        kinds = {s.name: s.kind for s in repo.list_sources(session)}
        names = repo.unit_names(session)
        assignments = repo.assignments_of_issue(session, viewer=viewer, issue_id=issue_id)
        events = repo.timeline(session, viewer=viewer, issue_id=issue_id)
        replies = repo.official_replies_of_issue(session, issue_id=issue_id)
    posts = [(post, source, analysis, post.published_at or post.fetched_at) for post, source, analysis in rows]
    posts.sort(key=lambda row: row[3])
    hours = Counter(to_local(at).replace(minute=0, second=0, microsecond=0) for *_, at in posts)
    peak = max(hours.items(), key=lambda item: (item[1], -item[0].timestamp())) if hours else None
    platforms = Counter(KIND_LABELS.get(kinds.get(source or ""), kinds.get(source or "") or "未知") for _, source, _, _ in posts)
    sources = Counter(source or "未知" for _, source, _, _ in posts)
    reach = sum(p.likes + p.reposts + p.comments for p, *_ in posts)

    overview = Section("一、事件概述", [
        f"事件：{issue.title}",
        f"领域：{issue.topic or '未分类'}{('／' + issue.topic_level2) if issue.topic_level2 else ''}；"
        f"属地：{names.get(issue.jurisdiction or '', issue.jurisdiction or '未识别')}；紧急程度：{issue.urgency} 级；"
        f"当前状态：{STATUS.get(issue.status, issue.status)}。",
        f"截至 {_fmt(now())}，共监测到相关帖子 {issue.post_count or len(posts)} 条，来自 {len(sources)} 个数据源，"
        f"累计互动（点赞+转发+评论）{reach} 次，热度 {issue.heat:.1f}。",
        f"概要：{issue.summary.strip()[:300]}" if issue.summary.strip() else "概要：—",
    ])
    first = posts[0] if posts else None
    spread = Section("二、传播态势", [
        f"首发：{_fmt(first[3])}，{first[1] or '未知来源'}：《{first[0].title or first[0].text[:30]}》 {first[0].url}"
        if first else "首发：—",
        f"峰值：{peak[0]:%Y-%m-%d %H}时，{peak[1]} 条。" if peak else "峰值：—",
    ], [
        Table("分时声量", ["时段", "帖子数"], [[f"{hour:%m-%d %H}:00", str(n)] for hour, n in sorted(hours.items())]),
        Table("平台分布", ["平台", "帖子数"], [[k, str(n)] for k, n in platforms.most_common()]),
        Table("数据源分布", ["数据源", "帖子数"], [[k, str(n)] for k, n in sources.most_common(10)]),
    ])
    by_hour: dict = {}
    intensity_by_hour: dict = {}
    for _, _, analysis, at in posts:
        hour = to_local(at).replace(minute=0, second=0, microsecond=0)
        by_hour.setdefault(hour, Counter())[analysis.sentiment if analysis else None] += 1
        intensity_by_hour.setdefault(hour, []).append(analysis.negative_intensity if analysis else None)
    totals = Counter(analysis.sentiment if analysis else None for _, _, analysis, _ in posts)
    mood = Section("三、情感走势", [
        "整体：" + "，".join(f"{label} {totals[key]} 条（{totals[key] / max(len(posts), 1):.0%}）"
                           for key, label in SENTIMENTS) + "。",
        *emotion_lines(analysis for _, _, analysis, _ in posts),
    ], [Table("分时情感", ["时段", *(label for _, label in SENTIMENTS), "负面情绪强度"],
              [[f"{hour:%m-%d %H}:00", *(str(c[key]) for key, _ in SENTIMENTS), _fmt_intensity(intensity_by_hour[hour])]
               for hour, c in sorted(by_hour.items())])])
    groups = opinion_groups([f"{p.title}\n{p.text}" for p, *_ in posts])
    views = Section("四、网民主要观点", [] if groups else ["暂无帖子。"], [Table(
        "主要观点（按帖子数）", ["观点", "占比", "关键词", "代表性帖子", "来源"],
        [[f"观点{i}", f"{g.share:.0%}（{g.size} 条）", "、".join(g.terms) or "—",
          (posts[g.representative][0].title + "：" + posts[g.representative][0].text)[:200],
          posts[g.representative][0].url] for i, g in enumerate(groups, 1)])] if groups else [])
    handled = Section("五、处置情况", [], [
        Table("交办与时限", ["单位", "角色", "状态", "交办时间", "签收时限", "答复时限", "答复", "答复链接"],
              [[names.get(a.unit_code, a.unit_code), "牵头" if a.role == "lead" else "协办", STATUS.get(a.status, a.status),
                _fmt(a.created_at), _fmt(a.ack_due), _fmt(a.response_due), (a.response_text or "")[:200],
                a.response_url or ""] for a in assignments]),
        Table("官方公开答复", ["发布时间", "链接"], [[_fmt(r.created_at), r.url] for r in replies]),
        Table("办理记录（审计日志）", ["时间", "操作人", "动作", "单位", "说明"],
              [[_fmt(e.at), e.actor, e.kind, names.get(e.unit_code or "", e.unit_code or ""), (e.note or "")[:200]]
               for e in events]),
    ])
    if not assignments:
        handled.paragraphs.append("尚未交办。")
    advice = Section("六、研判建议", [ADVICE_PLACEHOLDER])
    return Brief(issue_id=issue.id, title=f"舆情专报：{issue.title}",
                 sections=[overview, spread, mood, views, handled, advice])


def render_html(brief: Brief) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(brief.title)}</title>",
             "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em;max-width:60em}table{border-collapse:"
             "collapse;margin:1em 0}td,th{border:1px solid #999;padding:4px 8px;vertical-align:top}th{background:#eee}"
             ".advice{min-height:8em;border:1px dashed #999;padding:1em}</style></head><body>",
             f"<h1>{e(brief.title)}</h1><p>事件编号 #{brief.issue_id}　生成于 {to_local(now()):%Y-%m-%d %H:%M}</p>"]
    for section in brief.sections:
        parts.append(f"<h2>{e(section.title)}</h2>")
        css = " class='advice'" if section.paragraphs == [ADVICE_PLACEHOLDER] else ""
        parts += [f"<p{css}>{e(line)}</p>" for line in section.paragraphs]
        for table in section.tables:
            parts += html_table(table, heading="h3")
    parts.append("</body></html>")
    return "\n".join(parts)


def render_docx(brief: Brief, path: Path) -> None:
    document = Document()
    document.add_heading(brief.title, level=0)
    document.add_paragraph(f"事件编号 #{brief.issue_id}　生成于 {to_local(now()):%Y-%m-%d %H:%M}")
    for section in brief.sections:
        document.add_heading(section.title, level=1)
        for line in section.paragraphs:
            document.add_paragraph(line)
        for table in section.tables:
            add_docx_table(document, table, level=2)
    document.save(str(path))


def write_issue_brief(issue_id: int, out_dir: Path | None = None, *, viewer: Viewer | None = None) -> list[Path]:
    """Build the 专报 of one issue and write it as HTML and DOCX (atomically); returns the two paths."""
    brief = issue_brief(issue_id, viewer=viewer)
    out_dir = out_dir or get_settings().data_dir / "reports"
    stem = f"issue-{issue_id}-{to_local(now()):%Y%m%d%H%M}"
    return write_pair(out_dir, stem, render_html(brief), lambda path: render_docx(brief, path))
