"""`yuqing rule …` (预警 rules) and `yuqing alert …` (the alerts they fired) from the command line."""

from __future__ import annotations

import click

KIND_HELP = ("volume：窗口内声量超过 --threshold；surge：窗口内声量超过 --factor × 自身基线（前 --baseline-windows 个窗口均值）；"
             "negative：负面占比超过 --share 且至少 --min-posts 条；terms：出现高危词（--terms，默认内置词表）；"
             "reach：单帖点赞+转发+评论超过 --threshold；author：关注账号发帖（--authors 数据源名:账号名）。")


@click.group()
def rule() -> None:
    """预警规则：按监测方案或全网，声量、激增、负面占比、高危词、单帖传播量、关注账号。"""


@rule.command("add")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice(["volume", "surge", "negative", "terms", "reach", "author"]),
              help=KIND_HELP)
@click.option("--scheme", default=None, help="只看这个监测方案命中的帖子；不填为全网。")
@click.option("--level", default="黄", show_default=True, help="预警级别：红/橙/黄（red/orange/yellow）。")
@click.option("--window", "window_minutes", type=int, default=60, show_default=True, help="时间窗口（分钟）。")
@click.option("--threshold", type=int, default=None, help="volume、reach 的阈值。")
@click.option("--factor", type=float, default=None, help="surge：倍数（大于 1）。")
@click.option("--baseline-windows", type=int, default=24, show_default=True, help="surge：基线取前几个窗口。")
@click.option("--min-count", type=int, default=5, show_default=True, help="surge：至少多少条才预警。")
@click.option("--share", type=float, default=None, help="negative：负面占比阈值（0–1）。")
@click.option("--min-posts", type=int, default=10, show_default=True, help="negative：至少多少条才预警。")
@click.option("--terms", default=None, help="terms：高危词，逗号或顿号分隔；不填用内置词表（跳楼、爆炸、讨薪、聚集、维权…）。")
@click.option("--authors", default=None, help="author：关注账号，逗号分隔，每个写作 数据源名:账号名（只保存加盐哈希）。")
@click.option("--units", default=None, help="除分析员（宣传部）外另行通知的单位代码，逗号分隔。")
def add(name, kind, scheme, level, window_minutes, threshold, factor, baseline_windows, min_count, share, min_posts,
        terms, authors, units) -> None:
    """新建预警规则（保存前校验，错误以中文说明原因，退出码 2）。"""
    from flows.watch import clean_list
    from flows.watch_rules import describe, save

    params = {"window_minutes": window_minutes, "threshold": threshold, "factor": factor,
              "baseline_windows": baseline_windows, "min_count": min_count, "share": share, "min_posts": min_posts}
    if terms:
        params["terms"] = clean_list(terms)
    if authors:
        params["authors"] = [a.strip() for a in authors.replace("，", ",").split(",") if a.strip()]
    saved = save(name=name, kind=kind, params={k: v for k, v in params.items() if v is not None}, level=level,
                 scheme=scheme, units=clean_list(units))
    click.echo(f"已保存预警规则 #{saved.id}「{saved.name}」：{describe(saved)}")


@rule.command("list")
def list_() -> None:
    """列出全部预警规则。"""
    from flows.watch_rules import LEVELS, describe
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        rules = repo.list_rules(session)
        schemes = {s.id: s.name for s in repo.list_schemes(session)}
        if not rules:
            click.echo("还没有预警规则；用 yuqing rule add 新建。")
        for item in rules:
            state = "启用" if item.active else "已停用"
            scope = f"方案「{schemes.get(item.scheme_id, '?')}」" if item.scheme_id else "全网"
            extra = f"  另通知：{'、'.join(item.units)}" if item.units else ""
            click.echo(f"#{item.id} {item.name} [{LEVELS.get(item.level, item.level)}·{state}] {scope}：{describe(item)}{extra}")


@rule.command("delete")
@click.argument("name")
def delete(name: str) -> None:
    """删除预警规则；已触发过的规则改为停用，保留预警记录。"""
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        deleted = repo.delete_rule(session, rule=repo.get_rule(session, name=name), actor="cli")
    click.echo(f"已删除预警规则「{name}」" if deleted else f"预警规则「{name}」曾触发，已停用（记录保留）")


@click.group()
def alert() -> None:
    """预警：检查规则、查看未签收的预警、签收。"""


@alert.command("check")
def check() -> None:
    """立即按全部启用的规则检查一次（流水线每轮分析后也会检查）；可配合 YUQING_FAKE_NOW 演练。"""
    from flows.watch_rules import evaluate_rules

    click.echo(evaluate_rules().describe())


@alert.command("list")
@click.option("--all", "include_all", is_flag=True, help="连同已签收的预警。")
def list_alerts(include_all: bool) -> None:
    """列出未签收的预警（--all 含已签收）。"""
    from flows.watch_rules import LEVELS
    from yuqing import repo
    from yuqing.clock import to_local
    from yuqing.db import session_scope
    from yuqing.repo import Viewer

    with session_scope() as session:
        rows = repo.open_alerts(session, viewer=Viewer.system("cli"), include_acknowledged=include_all)
        if not rows:
            click.echo("没有未签收的预警。")
        for row in rows:
            ack = f"  已签收（{row.acknowledged_by}）" if row.acknowledged_at else ""
            click.echo(f"#{row.id} [{LEVELS.get(row.level, row.level)}] {to_local(row.fired_at):%Y-%m-%d %H:%M} "
                       f"{row.title}{ack}")


@alert.command("ack")
@click.argument("alert_id", type=int)
@click.option("--note", default="", help="签收说明。")
@click.option("--user", "username", default="cli", show_default=True, help="签收人。")
def ack(alert_id: int, note: str, username: str) -> None:
    """签收一条预警（写入审计日志）。"""
    from yuqing import repo
    from yuqing.db import session_scope
    from yuqing.repo import Viewer

    with session_scope() as session:
        row = repo.acknowledge_alert(session, viewer=Viewer(username=username, role="analyst"), alert_id=alert_id,
                                     note=note)
        click.echo(f"已签收预警 #{row.id}：{row.title}")
