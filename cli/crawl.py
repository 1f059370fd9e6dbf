"""Crawling: crawl, sources."""

from __future__ import annotations

import sys

import click


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="抓取全部已启用的数据源（不写名称时即如此）。")
@click.option("--due", is_flag=True, help="只抓取按各自频率已到期的数据源（流水线的做法）。")
def crawl(sources: tuple[str, ...], all_sources: bool, due: bool) -> None:
    """增量抓取 SOURCES（config/sources.yaml 中的名称）入库；不写名称则抓取全部已启用的数据源。
    各数据源在同一个抓取进程中并行抓取，并更新各自的健康状况。"""
    from crawlers.runner import crawl as run_crawl

    results = run_crawl(list(sources) or None, due_only=due and not sources)
    failed = 0
    for result in results:
        click.echo(result.describe())
        failed += bool(result.error)
    if not results:
        click.echo("没有到期的数据源。")
    if failed:
        sys.exit(1)


@click.command("sources")
def sources_() -> None:
    """列出已登记的数据源及其健康状况：抓取频率与下次到期时间、最近运行、最近成功、连续失败次数、
    上次与累计条数、距最近新帖的小时数、最近错误；以及会触发告警的问题（连续失败 / 长时间无新帖）。"""
    from crawlers.health import source_problems
    from yuqing import repo
    from yuqing.clock import now, to_local
    from yuqing.db import session_scope

    def when(moment):
        return f"{to_local(moment):%m-%d %H:%M}" if moment else "—"

    def every(delta):
        seconds = int(delta.total_seconds())
        return f"{seconds // 3600}小时" if seconds % 3600 == 0 else (
            f"{seconds // 60}分钟" if seconds % 60 == 0 else f"{seconds}秒")

    with session_scope() as session:
        rows = repo.source_health(session)
    if not rows:
        click.echo("还没有登记数据源：请先运行 `yuqing init`")
        return
    moment = now()
    click.echo(f"{'数据源':24} {'类型':10} {'启用':4} {'频率':6} {'下次到期':11} {'最近运行':11} {'最近成功':11} "
               f"{'连续失败':>4} {'上次条数':>4} {'累计':>6} {'距新帖(时)':>8}")
    for row in rows:
        hours = "—" if row["hours_since_new_post"] is None else f"{row['hours_since_new_post']:.1f}"
        due = row["next_due_at"]
        due_text = ("现在" if due is None or due <= moment else when(due)) if row["enabled"] else "—"
        click.echo(f"{row['name']:24} {row['kind']:10} {'是' if row['enabled'] else '否':4} {every(row['every']):6} "
                   f"{due_text:11} {when(row['last_run_at']):11} {when(row['last_ok_at']):11} "
                   f"{row['consecutive_failures']:>8} {row['last_items']:>8} {row['total_items']:>6} {hours:>12}")
        if row["last_error"] and row["consecutive_failures"]:
            click.echo(f"    最近错误：{row['last_error'][:200]}")
    for problem in source_problems(rows):
        click.secho(f"告警 {problem.kind}：{problem.message}", fg="red")


COMMANDS = (crawl, sources_)
