"""The models: train, eval, analyze."""

from __future__ import annotations

from pathlib import Path

import click

# what a path option accepts, named once for every option of the model commands
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
NEW_FILE = click.Path(dir_okay=False, path_type=Path)
FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)
NEW_FOLDER = click.Path(file_okay=False, path_type=Path)

MODELS = click.option("--models", "model_dir", type=NEW_FOLDER, default=None, help="模型目录（默认：设置 model_dir）。")


def profile_option(used_by: str = ""):
    """--profile: the region profile whose user words and gazetteer the analysis uses."""
    return click.option("--profile", default=None, help=f"地区配置，提供用户词和地名库（{used_by}默认取设置 YUQING_PROFILE）。")


@click.command()
@click.option("--task", type=click.Choice(["topic", "sentiment", "relevance", "urgency"]), default="topic",
              show_default=True, help="训练哪个模型（urgency：与规则并用的突发事件分类器）。")
@click.option("--data", type=FILE, default=None,
              help="训练用 CSV（UTF-8，可为 .gz）：`text`（原文）或 `text_seg`（已分词）列，加 `label` 列；可选 `domain` 列"
                   "（分别报告）。默认：data/nlp/ 中随产品发布的数据。urgency：在随产品发布的 data/nlp/urgency_eval*.csv "
                   "之外再加一组（text，label 为 emergency/not_emergency/ordinary），自成一组；或 DuEE 格式的新闻句子"
                   "（text，disaster 0/1），代替 ../shared/data/events/duee_train.csv（存在时使用）。")
@click.option("--out", type=NEW_FOLDER, default=None,
              help="模型目录（默认：设置 model_dir，即替换随产品发布的模型）。")
@click.option("--with-feedback", is_flag=True,
              help="仅 topic：同时学习分析员在事件详情页上对领域的修正（数据库中）；它们只进入训练部分，从不进入留出集。")
def train(task: str, data: Path | None, out: Path | None, with_feedback: bool) -> None:
    """在 CSV 上训练模型（地区可用自己的记录重新训练），在从未见过的 20% 留出集上测量，
    连同模型卡（版本、数据哈希、指标）一起保存。

    领域模型除 CSV 的标签外，总会从分类体系的词条学习 15 个一级类别。"""
    from nlp.train import TRAINERS

    if with_feedback and task != "topic":
        raise click.BadParameter("只有 --task topic 会学习分析员的修正", param_hint="--with-feedback")
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
    click.echo(f"学习的分析员修正：{card.split['feedback_rows']} 条")
    for reason in card.split["feedback_dropped"]:
        click.echo(f"  未采用：{reason}")
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


@click.command("eval")
@click.option("--task", type=click.Choice(["topic", "sentiment", "relevance", "urgency", "crawl"]), required=True,
              help="测量哪个模型（或紧急程度规则；crawl 为网页解析器）。")
@click.option("--pages", type=FOLDER, default=None,
              help="仅 crawl：存有网页和 truth.csv 的目录（file, kind, title, published, body_first30, body_last30, "
                   "injected_spam）。")
@click.option("--data", type=FILE, default=None,
              help="带标签的 CSV（text 或 text_seg，label）。topic：可有 title 列（与正文一起按原文分析）。sentiment：label 可为"
                   "情绪（SMP2020 六类、NLPCC 七类）或极性；不给 --data 时，对 data/nlp 的每个来源用不含它训练的模型测量。"
                   "urgency：label 为 1–4，或 `emergency`（须得 ≤2 级）/ `ordinary`（不得为 1 级）/ `not_emergency`"
                   "（≤2 级算误报）；或 DuEE 格式：`disaster` 1（须得 ≤2 级）/ 0（其他新闻事件：1 级和 ≤2 级都算误报）。")
@click.option("--card", is_flag=True, help="改为打印模型卡：训练时在留出集上测得的指标。")
@MODELS
@profile_option("urgency；")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="仅 urgency：只测量 `split` 列为 dev 或 test 的行（如 urgency_eval_4.csv）。")
@click.option("--rules-only", is_flag=True,
              help="仅 urgency：只测量规则，不用监督学习的突发事件模型（该模型在 data/nlp/urgency_eval*.csv 上训练，"
                   "所以在这些文件上只有规则能无偏测量）。")
@click.option("--loso", is_flag=True,
              help="仅 urgency：在 data/nlp/urgency_eval*.csv 上留一组测量突发事件分类器（每次用其余各组重新训练，"
                   "阈值也在其中选定），并列出规则、规则或模型的结果。")
def eval_(task: str, data: Path | None, card: bool, model_dir: Path | None, profile: str | None,
          split: str | None, rules_only: bool, loso: bool, pages: Path | None) -> None:
    """在带标签的 CSV 上打印模型的准确率、macro-F1、校准和分类别表（--card 则打印训练时在留出集上测得的指标）。
    --task crawl：在保存的网页上测量文章与网站监测解析器，每页一行，最后一行为汇总。"""
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
            raise click.UsageError("--loso 只用于 --task urgency")
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
        raise click.UsageError("需要 --data（或 --card）")
    if task == "urgency":
        from nlp.analyze import Analyzer
        from yuqing.profile import load_profile

        analyzer = Analyzer.load(load_profile(profile), model_dir)
        click.echo(evaluate_urgency(data, analyzer.without_emergency_model() if rules_only else analyzer, split=split,
                                    trained_on=None if rules_only else analyzer.cards.get("urgency")))
    else:
        if split or rules_only:
            raise click.UsageError("--split 和 --rules-only 只用于 --task urgency")
        click.echo(evaluate_model(task, data, model_dir))


@click.command()
@click.option("--limit", type=int, default=None, help="最多分析多少条新帖子（数据库模式）。")
@click.option("--input", "input_path", type=FILE, default=None,
              help="分析这个表格而不是数据库：CSV（UTF-8，带或不带 BOM；Excel/WPS 存的 GBK/GB18030 也可）或 .xlsx；"
                   "需要 `text` 列，可选 title、time、likes、reposts、comments。")
@click.option("--output", "output_path", type=NEW_FILE, default=None,
              help="结果写到哪里（与 --input 同用）：.csv 为带 BOM 的 UTF-8（Excel/WPS 直接打开），.xlsx 为 Excel 工作簿；"
                   "保留全部输入列，再加 topic, topic_prob, topic_level2, relevant, urgency, urgency_signals, sentiment, "
                   "sentiment_score, places, jurisdiction, keywords, spam（以及 spam_reason, triage, emotion, "
                   "negative_intensity, error）。")
@profile_option()
@MODELS
def analyze(limit: int | None, input_path: Path | None, output_path: Path | None, profile: str | None,
            model_dir: Path | None) -> None:
    """不带 --input：分析尚未分析的帖子（领域、紧急程度、地点……）并归并为事件。
    带 --input/--output：流式分析一个表格文件（内存有界），显示进度条。"""
    if input_path is not None or output_path is not None:
        if input_path is None or output_path is None:
            raise click.UsageError("--input 和 --output 必须同时给出")
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
    click.echo(f"分析了 {analysed} 条帖子；{grouped.describe()}")


COMMANDS = (train, eval_, analyze)
