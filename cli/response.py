"""The response side: route, pipeline, notify, sla-watch, verify, report, zombie-guard."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
def route() -> None:
    """把每个新事件交办给责任单位（DESIGN.md §5：明确规则、谁主管谁负责、属地管理，重大事件加宣传部
    和政府办公室；拿不准的进入分析员的人工研判队列），按地区配置的时限计算期限，每项交办一条审计记录、
    一条提醒。被牵头单位退回的事件会排除该单位后重新交办。"""
    from flows.stages import route_new_issues

    click.echo(route_new_issues().describe())


@click.command()
@click.option("--no-crawl", is_flag=True, help="不抓取，只处理已入库的帖子。")
@click.option("--source", "sources", multiple=True,
              help="只抓取这个数据源（可重复；默认抓取按各自频率已到期的数据源）。")
def pipeline(no_crawl: bool, sources: tuple[str, ...]) -> None:
    """以 Prefect 流程运行一遍完整流水线：抓取、分析、归并为事件、按时限交办、发送提醒。
    同时运行两次也安全：每个阶段同一时间只在一个进程里运行，每次写入都是幂等的。"""
    from flows.pipeline import pipeline_flow

    click.echo(pipeline_flow(crawl=not no_crawl, sources=list(sources) or None))


@click.command()
@click.option("--dead-letters", is_flag=True, help="改为列出死信（达到最大重试次数后放弃的通知）。")
@click.option("--requeue", type=int, default=None, metavar="ID", help="重新发送编号为 ID 的死信（修正联系方式或接收端之后）。")
def notify(dead_letters: bool, requeue: int | None) -> None:
    """发送发件箱中所有到期的通知（邮件、企业微信/钉钉/飞书机器人、签名 webhook、短信网关）：失败的按退避
    重试，超过 YUQING_NOTIFY_MAX_ATTEMPTS 次后成为死信，用 --dead-letters 查看。"""
    from flows.outbox import deliver_due, describe_dead_letters, requeue_dead

    if requeue is not None:
        requeue_dead(notification_id=requeue, actor="cli")
        click.echo(f"通知 {requeue} 已重新排队")
    elif dead_letters:
        click.echo(describe_dead_letters())
    else:
        click.echo(deliver_due().describe())


@click.command("sla-watch")
def sla_watch() -> None:
    """在每个未办结时限的 50% / 80% 时发送提醒，超时即督办（发给单位负责人和督查；再晚一级发给值班室）。
    每次提醒都是一条审计记录和一条通知，绝不重复。设置 YUQING_FAKE_NOW 可在模拟时钟上演练。"""
    from flows.sla import sla_watch as watch

    click.echo(watch().describe())


@click.command()
def verify() -> None:
    """访问每条答复的公开链接，核验答复内容是否确已公开发布（无论结果都记一条审计记录；
    单位的交办事项显示已核验 / 未找到）。"""
    from flows.verify import verify_responses

    click.echo(verify_responses().describe())


@click.command()
@click.option("--kind", type=click.Choice(["daily", "weekly", "issue"]), default="daily", show_default=True,
              help="daily：某一天的舆情日报；weekly：截至 --date 的 7 天督查周报；issue：--issue 指定事件的舆情专报。")
@click.option("--issue", "issue_id", type=int, default=None, help="事件编号（--kind issue）。")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="日期（YYYY-MM-DD，按 YUQING_TIMEZONE）；默认昨天。")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="输出目录（默认 var/reports）。")
def report(kind: str, day, out: Path | None, issue_id: int | None) -> None:
    """生成舆情日报、督查周报或某个事件的舆情专报，HTML 与 DOCX 两种格式（原子写入）。"""
    from flows.reports import write_report

    if kind == "issue":
        from flows.brief import write_issue_brief

        if issue_id is None:
            raise click.UsageError("--kind issue 需要 --issue 事件编号")
        paths = write_issue_brief(issue_id, out)
    else:
        paths = write_report(kind, day.date() if day else None, out)
    for path in paths:
        click.echo(path)


@click.command("zombie-guard")
@click.option("--silence", "silence_seconds", type=int, default=90, show_default=True,
              help="流程运行（自开始或上次心跳起）多少秒没有心跳即标记为 Crashed（须大于 30）。")
def zombie_guard(silence_seconds: int) -> None:
    """在 PREFECT_API_URL 指向的 Prefect 服务器上安装自动化规则：工作进程死亡（--silence 秒内没有心跳）
    时把流程运行标记为 Crashed。工作进程须以 PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 运行。
    可重复运行：已安装的规则会被更新。"""
    from flows.zombies import install

    try:
        click.echo(install(silence_seconds=silence_seconds))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--silence") from exc


COMMANDS = (route, pipeline, notify, sla_watch, verify, report, zombie_guard)
