"""Reports: the daily brief (舆情日报) for analysts and leaders, and the weekly supervisor report
(per-unit compliance) — each written as HTML and DOCX. Every value from a post or a unit is
escaped in HTML; nothing is rendered as markup."""

from __future__ import annotations

import contextlib
import html
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from docx import Document
from sqlmodel import col, func, select

from yuqing import repo
from yuqing.clock import local_zone, now, to_local
from yuqing.db import session_scope
from yuqing.errors import BadInput
from yuqing.models import Issue, Post
from yuqing.repo import Viewer
from yuqing.settings import get_settings


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]


@dataclass
class Report:
    kind: str
    title: str
    period: str
    summary: list[str]
    tables: list[Table]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=local_zone())
    return start, start + timedelta(days=1)


def _fmt(moment: datetime | None) -> str:
    return f"{to_local(moment):%m-%d %H:%M}" if moment else "—"


def _hours(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "—"


def daily_brief(day: date) -> Report:
    start, end = _day_bounds(day)
    viewer = Viewer.system("report")
    with session_scope() as session:
        names = repo.unit_names(session)
        posts = session.exec(select(func.count()).select_from(Post).where(Post.fetched_at >= start, Post.fetched_at < end)).one()
        new_issues = session.exec(select(Issue).where(Issue.first_seen_at >= start, Issue.first_seen_at < end)
                                  .order_by(col(Issue.urgency), col(Issue.heat).desc())).all()
        by_topic: dict[str, int] = {}
        for issue in new_issues:
            by_topic[issue.topic or "未分类"] = by_topic.get(issue.topic or "未分类", 0) + 1
        overdue, _ = repo.overdue_page(session, viewer=viewer, at=min(end, now()), limit=100_000)
        triage = session.exec(select(func.count()).select_from(Issue).where(Issue.needs_triage == True)).one()  # noqa: E712
    critical = [i for i in new_issues if i.urgency <= 2]
    return Report(
        kind="daily", title="舆情日报", period=f"{day:%Y-%m-%d}",
        summary=[f"新采集帖子 {posts} 条，新增事件 {len(new_issues)} 件，其中重大/较大 {len(critical)} 件。",
                 f"待研判 {triage} 件；超时未办 {len(overdue)} 项。"],
        tables=[
            Table("按主题", ["主题", "新增事件"], [[t, str(n)] for t, n in sorted(by_topic.items(), key=lambda x: -x[1])]),
            Table("重点事件（按紧急程度、热度）", ["#", "标题", "主题", "紧急程度", "热度", "属地"],
                  [[str(i.id), i.title, i.topic or "", str(i.urgency), f"{i.heat:.1f}", names.get(i.jurisdiction or "", "")]
                   for i in new_issues[:20]]),
            Table("超时未办", ["事件", "单位", "状态", "时限"],
                  [[f"#{a.issue_id} {i.title}", names.get(a.unit_code, a.unit_code), a.status,
                    _fmt(a.response_due or a.press_due or a.ack_due)] for a, i in overdue]),
        ],
    )


def weekly_report(week_ending: date) -> Report:
    start = _day_bounds(week_ending - timedelta(days=6))[0]
    end = _day_bounds(week_ending)[1]
    with session_scope() as session:
        names = repo.unit_names(session)
        rows = repo.compliance_since(session, viewer=Viewer.system("report"), since=start, until=end)
    rate = lambda r: f"{r.on_time_rate:.0%}" if r.on_time_rate is not None else "—"  # noqa: E731
    rows.sort(key=lambda r: (r.on_time_rate if r.on_time_rate is not None else 2, r.unit_code))
    return Report(
        kind="weekly", title="舆情回应督查周报", period=f"{week_ending - timedelta(days=6):%Y-%m-%d} 至 {week_ending:%Y-%m-%d}",
        summary=[f"本周交办 {sum(r.assignments for r in rows)} 项，已答复 {sum(r.done for r in rows)} 项，"
                 f"超时未办 {sum(r.open_overdue for r in rows)} 项，退回 {sum(r.returned for r in rows)} 项，"
                 f"督办 {sum(r.escalated for r in rows)} 次。",
                 "按时率 = 按时答复 ÷（已答复 + 未办结且已超时）。"],
        tables=[Table("各单位回应情况", ["单位", "交办", "已答复", "按时答复", "超时未办", "按时率", "签收中位时长(小时)",
                                   "答复中位时长(小时)", "退回", "督办"],
                      [[names.get(r.unit_code, r.unit_code), str(r.assignments), str(r.done), str(r.done_on_time),
                        str(r.open_overdue), rate(r), _hours(r.median_hours_to_sign), _hours(r.median_hours_to_respond),
                        str(r.returned), str(r.escalated)] for r in rows])],
    )


def html_table(table: Table, *, heading: str) -> list[str]:
    """A titled table as HTML lines; an empty one says （无）."""
    e = html.escape
    parts = [f"<{heading}>{e(table.title)}</{heading}>"]
    if not table.rows:
        return [*parts, "<p>（无）</p>"]
    parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in table.header) + "</tr>")
    parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in table.rows]
    return [*parts, "</table>"]


def render_html(report: Report) -> str:
    e = html.escape
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(report.title)} {e(report.period)}</title>",
             "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #999;padding:4px 8px}th{background:#eee}</style></head><body>",
             f"<h1>{e(report.title)}</h1><p>{e(report.period)}</p>"]
    parts += [f"<p>{e(line)}</p>" for line in report.summary]
    for table in report.tables:
        parts += html_table(table, heading="h2")
    parts.append(f"<p><small>生成于 {to_local(now()):%Y-%m-%d %H:%M}</small></p></body></html>")
    return "\n".join(parts)


def render_docx(report: Report, path: Path) -> None:
    document = Document()
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.period)
    for line in report.summary:
        document.add_paragraph(line)
    for table in report.tables:
        add_docx_table(document, table, level=1)
    document.save(str(path))


def add_docx_table(document, table: Table, *, level: int) -> None:
    """A titled table in a Word document; an empty one says （无）."""
    document.add_heading(table.title, level=level)
    if not table.rows:
        document.add_paragraph("（无）")
        return
    grid = document.add_table(rows=1, cols=len(table.header))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, table.header, strict=True):
        cell.text = text
    for row in table.rows:
        for cell, text in zip(grid.add_row().cells, row, strict=True):
            cell.text = text


def write_report(kind: str, day: date | None = None, out_dir: Path | None = None) -> list[Path]:
    """Build a report and write it as HTML and DOCX; returns the two paths."""
    day = day or (to_local(now()).date() - timedelta(days=1))
    if kind == "daily":
        report = daily_brief(day)
    elif kind == "weekly":
        report = weekly_report(day)
    else:
        raise BadInput(f"unknown report kind {kind!r}; use daily or weekly")
    out_dir = out_dir or get_settings().data_dir / "reports"
    return write_pair(out_dir, f"{report.kind}-{day:%Y%m%d}", render_html(report), lambda path: render_docx(report, path))


def write_pair(out_dir: Path, stem: str, html_text: str, write_docx) -> list[Path]:
    """Write `stem`.html and `stem`.docx (write_docx(path) makes the latter) into out_dir; returns both paths."""
    html_path, docx_path = out_dir / f"{stem}.html", out_dir / f"{stem}.docx"
    # written under temporary names and renamed only when both are complete: a full disk midway
    # leaves no truncated file under a report's name
    html_tmp, docx_tmp = (out_dir / f".{p.name}.partial" for p in (html_path, docx_path))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        html_tmp.write_text(html_text, encoding="utf-8")
        write_docx(docx_tmp)
        os.replace(html_tmp, html_path)
        os.replace(docx_tmp, docx_path)
    except OSError as exc:
        for partial in (html_tmp, docx_tmp):
            with contextlib.suppress(OSError):  # e.g. the folder itself could not be made
                partial.unlink()
        raise BadInput(f"cannot write the report to {out_dir}: {exc.strerror or exc}") from exc
    return [html_path, docx_path]
