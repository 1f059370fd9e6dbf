"""The one command line, ``yuqing``. Every command calls the same functions the flows call."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from yuqing.errors import YuqingError


class _Group(click.Group):
    """Translates the product's errors into one clear line and an exit code, at the edge."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except YuqingError as exc:
            click.secho(f"错误：{exc}", fg="red", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="yuqing")
def main() -> None:
    """舆情 monitoring and response: crawl public posts, analyse them, group them into issues,
    route each issue to the responsible unit with State Council deadlines, alert, escalate, and
    track every response on the dashboard.

    Settings come from YUQING_* environment variables or .env (see .env.example);
    the database is a SQLite file under var/ unless YUQING_DATABASE_URL / DATABASE_URL is set.
    """
    from flows import configure_prefect
    from yuqing.clock import fake_clock_notice

    configure_prefect()  # before any command imports Prefect
    notice = fake_clock_notice()
    if notice:
        click.secho(notice, fg="yellow", err=True)


@main.command()
@click.option("--profile", default=None, help="Region profile under config/profiles (default: settings.profile).")
def init(profile: str | None) -> None:
    """Create or upgrade the database (migrations), load the region profile's units and the
    sources, and create a first admin account (its generated password is printed once)."""
    from yuqing.bootstrap import initialise

    report = initialise(profile=profile)
    click.echo(report.describe())


@main.command()
@click.option("--port", type=int, default=None, help="Dashboard port (default 8501).")
@click.option("--site-port", type=int, default=None, help="Demo site port (default 8765; 0 picks a free one).")
@click.option("--no-dashboard", is_flag=True, help="Run the pipeline once and stop, without the dashboard.")
@click.option("--interval", type=int, default=120, show_default=True, help="Seconds between pipeline runs while the dashboard is up.")
def demo(port: int | None, site_port: int | None, no_dashboard: bool, interval: int) -> None:
    """The whole product on this machine: start the local demo site, crawl it, analyse, group
    into issues, route with deadlines, then open the dashboard and keep the pipeline running
    as the demo site releases new messages. Prints the dashboard URL and the demo accounts."""
    from flows.demo import run_demo

    run_demo(dashboard_port=port, site_port=site_port, with_dashboard=not no_dashboard, interval=interval)


@main.command("demo-site")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8765).")
@click.option("--release-every", type=float, default=30.0, show_default=True, help="Seconds between newly released messages.")
def demo_site(host: str | None, port: int | None, release_every: float) -> None:
    """Serve the shipped demo message board and RSS feed (real messages, released over time)."""
    from crawlers.demo_site import serve_forever
    from yuqing.settings import get_settings

    settings = get_settings()
    serve_forever(host=host or settings.demo_host, port=settings.demo_port if port is None else port, release_every=release_every)


@main.command()
@click.argument("sources", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Crawl every enabled source (the default when none is named).")
def crawl(sources: tuple[str, ...], all_sources: bool) -> None:
    """Crawl SOURCES (names from config/sources.yaml) into the database, incrementally; with no
    names, every enabled source. Updates each source's health."""
    from crawlers.runner import crawl as run_crawl

    results = run_crawl(list(sources) or None)
    failed = 0
    for result in results:
        click.echo(result.describe())
        failed += bool(result.error)
    if failed:
        sys.exit(1)


@main.command("sources")
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


@main.command()
@click.option("--task", type=click.Choice(["topic", "sentiment", "relevance", "urgency"]), default="topic",
              show_default=True, help="Which model to train (urgency: the emergency classifier beside the rules).")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Training CSV, UTF-8 (optionally .gz): a `text` (raw) or `text_seg` (pre-segmented) column and a "
                   "`label` column; optional `domain` (reported separately). Default: the shipped data in data/nlp/. "
                   "Urgency: one more set (text, label emergency/not_emergency/ordinary) beside the shipped "
                   "data/nlp/urgency_eval*.csv, its own group; or news sentences in DuEE's form (text, disaster 0/1) "
                   "instead of ../shared/data/events/duee_train.csv (used when present).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Model folder (default: settings.model_dir, i.e. replaces the shipped model).")
@click.option("--with-feedback", is_flag=True,
              help="Topic only: also learn from the analysts' topic corrections in the database (dashboard, "
                   "issue page); they join the training part, never the held-out split.")
def train(task: str, data: Path | None, out: Path | None, with_feedback: bool) -> None:
    """Train a model on a CSV (a district retrains on its own records), measure it on a held-out
    20 % split it never saw, and save it with its model card (versions, data hash, metrics).

    The topic model always learns the 15 first-level classes of the taxonomy from its terms, in
    addition to the labels of the CSV."""
    from nlp.train import TRAINERS

    if with_feedback and task != "topic":
        raise click.BadParameter("only --task topic learns from the analysts' corrections", param_hint="--with-feedback")
    if task == "urgency":
        from nlp.urgency_model import describe_card

        card = TRAINERS[task](data=data, out_dir=out)
        click.echo(describe_card(card))
        _register_trained(task, card, out)
        return
    if not with_feedback:
        card = TRAINERS[task](data=data, out_dir=out)
        click.echo(card.describe())
        _register_trained(task, card, out)
        return
    from yuqing import repo
    from yuqing.db import session_scope

    with session_scope() as session:
        corrections = repo.label_corrections(session, field="topic")
    card = TRAINERS["topic"](data=data, out_dir=out, corrections=corrections)
    click.echo(card.describe())
    click.echo(f"analysts' corrections learnt: {card.split['feedback_rows']}")
    for reason in card.split["feedback_dropped"]:
        click.echo(f"  left out: {reason}")
    _register_trained("topic", card, out)


def _register_trained(kind: str, card, out: Path | None) -> None:
    """A model saved where the pipeline loads its models becomes the active version of its kind (the
    system page's 模型版本); one saved elsewhere is not in use, so it is not registered."""
    from sqlalchemy import inspect

    from yuqing import repo
    from yuqing.db import get_engine, session_scope
    from yuqing.models import ModelVersion
    from yuqing.settings import get_settings

    model_dir = get_settings().model_dir
    if out is not None and out.resolve() != model_dir.resolve():
        return
    if not inspect(get_engine()).has_table(ModelVersion.__tablename__):
        click.echo("模型版本未登记：数据库尚未初始化（yuqing init 之后，分析阶段加载模型时会登记）。")
        return
    with session_scope() as session:
        repo.register_model_cards(session, cards={kind: card}, model_dir=model_dir)
    click.echo(f"模型版本已登记：{kind} {card.version}")


@main.command("eval")
@click.option("--task", type=click.Choice(["topic", "sentiment", "relevance", "urgency", "crawl"]), required=True,
              help="Which model (or the urgency rules, or with crawl the page parsers) to measure.")
@click.option("--pages", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Crawl only: a folder of saved pages with truth.csv (file, kind, title, published, body_first30, "
                   "body_last30, injected_spam).")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled CSV (text or text_seg, label). Sentiment: label an emotion (SMP2020 six, NLPCC seven) "
                   "or a polarity; without --data, models trained without each source of data/nlp are measured on it. "
                   "For urgency: label 1–4, or `emergency` (must get level ≤ 2) "
                   "/ `ordinary` (must not get level 1) / `not_emergency` (level ≤ 2 counts as a false alarm); "
                   "or DuEE's form: `disaster` 1 (must get level ≤ 2) / 0 (news of another event: level 1 and ≤ 2 "
                   "are false alarms).")
@click.option("--card", is_flag=True, help="Print the model card of the model instead: its held-out figures.")
@click.option("--models", "model_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Model folder (default: settings.model_dir).")
@click.option("--profile", default=None, help="Region profile for user words and gazetteer (urgency; default: settings.profile).")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="Urgency only: measure just the rows whose `split` column is dev or test (e.g. urgency_eval_4.csv).")
@click.option("--rules-only", is_flag=True,
              help="Urgency only: measure the rules without the supervised emergency model (which was trained on "
                   "data/nlp/urgency_eval*.csv, so only the rules can be measured on those files without bias).")
@click.option("--loso", is_flag=True,
              help="Urgency only: the emergency classifier measured leave one set out over data/nlp/urgency_eval*.csv "
                   "(trained afresh on the other sets, threshold chosen inside them), beside the rules and rules OR model.")
def eval_(task: str, data: Path | None, card: bool, model_dir: Path | None, profile: str | None,
          split: str | None, rules_only: bool, loso: bool, pages: Path | None) -> None:
    """Print accuracy, macro-F1, calibration and a per-class table of a model on a labelled CSV
    (or, with --card, the figures measured on its held-out split when it was trained).
    With --task crawl: the article and site-watch parsers on saved pages, one line per page and a totals line."""
    if task == "crawl" or pages is not None:
        if task != "crawl" or pages is None:
            raise click.UsageError("--task crawl 需要 --pages 目录（--pages 只用于 --task crawl）")
        from crawlers.evaluate import crawl_report

        click.echo(crawl_report(pages))
        return
    from nlp.evaluate import evaluate_model, evaluate_urgency
    from yuqing.settings import get_settings

    model_dir = model_dir or get_settings().model_dir
    if loso:
        if task != "urgency":
            raise click.UsageError("--loso is for --task urgency")
        from nlp.analyze import Analyzer
        from nlp.urgency_model import loso_report
        from yuqing.profile import load_profile

        click.echo(loso_report(analyzer=Analyzer.load(load_profile(profile), model_dir))[0])
        return
    if card:
        from nlp.models import load_model

        if task == "urgency":
            from nlp.urgency_model import describe_card

            click.echo(describe_card(load_model("urgency", model_dir)[1]))
            return

        click.echo(load_model(task, model_dir)[1].describe())
        if task == "relevance":
            from nlp.evaluate import relevance_override_now

            click.echo(relevance_override_now(model_dir))
        return
    if data is None and task == "sentiment":  # trained afresh without each source, measured on it
        from nlp.sentiment import cross_source_report
        from nlp.train import DEFAULT_DATA

        click.echo(cross_source_report(DEFAULT_DATA["sentiment"]))
        return
    if data is None:
        raise click.UsageError("--data is required (or --card)")
    if task == "urgency":
        from nlp.analyze import Analyzer
        from yuqing.profile import load_profile

        analyzer = Analyzer.load(load_profile(profile), model_dir)
        click.echo(evaluate_urgency(data, analyzer.without_emergency_model() if rules_only else analyzer, split=split,
                                    trained_on=None if rules_only else analyzer.cards.get("urgency")))
    else:
        if split or rules_only:
            raise click.UsageError("--split and --rules-only are for --task urgency")
        click.echo(evaluate_model(task, data, model_dir))


@main.command()
@click.option("--limit", type=int, default=None, help="Analyse at most this many new posts (database mode).")
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="分析这个表格而不是数据库：CSV（UTF-8，带或不带 BOM；Excel/WPS 存的 GBK/GB18030 也可）或 .xlsx；"
                   "需要 `text` 列，可选 title、time、likes、reposts、comments。")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="结果写到哪里（与 --input 同用）：.csv 为带 BOM 的 UTF-8（Excel/WPS 直接打开），.xlsx 为 Excel 工作簿；"
                   "保留全部输入列，再加 topic, topic_prob, "
                   "topic_level2, relevant, urgency, urgency_signals, sentiment, sentiment_score, places, "
                   "jurisdiction, keywords, spam (and spam_reason, triage, emotion, negative_intensity, error).")
@click.option("--profile", default=None, help="Region profile for user words and gazetteer (default: settings.profile).")
@click.option("--models", "model_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Model folder (default: settings.model_dir).")
def analyze(limit: int | None, input_path: Path | None, output_path: Path | None, profile: str | None,
            model_dir: Path | None) -> None:
    """Without --input: analyse posts not analysed yet (topic, urgency, place, …) and group them
    into issues. With --input/--output: analyse a CSV file, streaming, with a progress bar."""
    if input_path is not None or output_path is not None:
        if input_path is None or output_path is None:
            raise click.UsageError("--input and --output go together")
        from nlp.analyze import Analyzer
        from nlp.batch import analyze_csv
        from yuqing.profile import load_profile

        report = analyze_csv(input_path, output_path, Analyzer.load(load_profile(profile), model_dir))
        click.echo(f"{report.describe()}；已写入 {output_path}")
        return
    from flows.stages import analyze_new_posts, cluster_new_posts
    from yuqing.profile import load_profile

    analysed = analyze_new_posts(limit=limit, progress=True, profile=load_profile(profile) if profile else None)
    grouped = cluster_new_posts()
    click.echo(f"analysed {analysed} post(s); {grouped.describe()}")


@main.command()
def route() -> None:
    """Route every new issue to its responsible units (DESIGN.md §5: explicit rules, 谁主管谁负责,
    属地管理, critical issues add 宣传部 and 政府办公室; unsure ones go to the analysts' triage queue)
    with deadlines from the profile's SLA policy, one audit event and one alert per assignment.
    Issues returned (退回) by their lead unit are routed again without that unit."""
    from flows.stages import route_new_issues

    click.echo(route_new_issues().describe())


@main.command()
@click.option("--no-crawl", is_flag=True, help="Skip crawling; work on the posts already stored.")
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable; default every enabled one).")
def pipeline(no_crawl: bool, sources: tuple[str, ...]) -> None:
    """Run one pass of the whole pipeline as a Prefect flow: crawl, analyse, group into issues,
    route with deadlines, deliver the alerts. Safe to run twice at once: each stage runs on one
    worker at a time and every write is idempotent."""
    from flows.pipeline import pipeline_flow

    click.echo(pipeline_flow(crawl=not no_crawl, sources=list(sources) or None))


@main.command()
@click.option("--dead-letters", is_flag=True, help="List the dead letters (gave up after the maximum attempts) instead.")
@click.option("--requeue", type=int, default=None, metavar="ID", help="Send dead letter ID again (after fixing its contact or receiver).")
def notify(dead_letters: bool, requeue: int | None) -> None:
    """Deliver every due notification of the outbox (e-mail, 企业微信/钉钉/飞书 robots, signed webhook,
    SMS gateway): failures retry with back-off, and after YUQING_NOTIFY_MAX_ATTEMPTS a message
    becomes a dead letter shown by --dead-letters."""
    from flows.outbox import deliver_due, describe_dead_letters, requeue_dead

    if requeue is not None:
        requeue_dead(notification_id=requeue, actor="cli")
        click.echo(f"notification {requeue} queued again")
    elif dead_letters:
        click.echo(describe_dead_letters())
    else:
        click.echo(deliver_due().describe())


@main.command("sla-watch")
def sla_watch() -> None:
    """Send reminders at 50 % / 80 % of each open deadline and 督办 escalations at breach (to the
    unit head and the supervisors; a second level later to the duty office). Each is one audit
    event and one notification, never twice. Set YUQING_FAKE_NOW to drill it on a fake clock."""
    from flows.sla import sla_watch as watch

    click.echo(watch().describe())


@main.command()
def verify() -> None:
    """Fetch each response's public URL and record whether the response text is really published
    there (an audit event either way; the unit's assignment shows verified / not found)."""
    from flows.verify import verify_responses

    click.echo(verify_responses().describe())


@main.command()
@click.option("--kind", type=click.Choice(["daily", "weekly", "issue"]), default="daily", show_default=True,
              help="daily: 舆情日报 of one day; weekly: supervisor report of the 7 days ending on --date; "
                   "issue: 舆情专报 of the issue given by --issue.")
@click.option("--issue", "issue_id", type=int, default=None, help="事件编号（--kind issue）。")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day (YYYY-MM-DD, Asia/Shanghai); default yesterday.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder (default var/reports).")
def report(kind: str, day, out: Path | None, issue_id: int | None) -> None:
    """Write the daily brief, the weekly supervisor report or an issue's 舆情专报 as HTML and DOCX."""
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


@main.command("zombie-guard")
@click.option("--silence", "silence_seconds", type=int, default=90, show_default=True,
              help="Seconds without a heartbeat (from the run's start) after which it is marked Crashed (more than 30).")
def zombie_guard(silence_seconds: int) -> None:
    """Install, on the Prefect server in PREFECT_API_URL, the automation that marks a flow run Crashed
    when its worker dies (no heartbeat for --silence seconds after it started or after its last
    heartbeat). Workers must run with PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30. Safe to run again: it
    brings an installed automation up to date."""
    from flows.zombies import install

    try:
        click.echo(install(silence_seconds=silence_seconds))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--silence") from exc


@main.command()
@click.option("--tick", type=float, default=5.0, show_default=True,
              help="每隔多少秒检查一次是否有数据源到期（各数据源按自己的频率抓取，见 sources.yaml 的 every）。")
def serve(tick: float) -> None:
    """在本机按计划运行全部流程（无需 Prefect 服务器）：流水线常驻本进程，每个数据源按自己的频率
    （留言板每分钟、门户每 15 分钟、网站监测每小时）到期即抓取、分析、归并、交办、发送提醒；
    通知与时限监督每分钟，公开核验每 15 分钟，日报与周报 08:00。"""
    from flows.serve import serve_all

    serve_all(tick)


@main.command()
@click.option("--port", type=int, default=None, help="Port (default 8501).")
def dashboard(port: int | None) -> None:
    """Start the Streamlit dashboard on 127.0.0.1 and print its URL."""
    from flows.demo import run_dashboard

    run_dashboard(port=port)


if __name__ == "__main__":
    main()


def _register_application_commands() -> None:
    from cli.alerts import alert, rule
    from cli.scheme import scheme

    main.add_command(scheme)
    main.add_command(rule)
    main.add_command(alert)


_register_application_commands()
