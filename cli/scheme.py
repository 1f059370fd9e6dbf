"""`yuqing scheme …`: the analysts' 监测方案 (watch schemes) from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

QUERY_HELP = ("检索表达式：词或引号短语，AND/OR/NOT（也可 +词 表示必须、!词 表示排除），括号分组，"
              "A NEAR/n B 表示两词相距不超过 n 个字；按简体匹配，繁体帖子同样命中。例：鲤城 AND (拆迁 OR 征收) NOT 招聘")


@click.group()
def scheme() -> None:
    """监测方案：分析员自己定义的关键词检索式，对全部帖子（包括模型判为不相关的）持续匹配。"""


@scheme.command("test")
@click.option("--query", "expression", required=True, help=QUERY_HELP)
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="帖子表格：CSV（UTF-8 或 GBK）或 .xlsx，需要 text 列（有 title 列时一并匹配）。")
@click.option("--output", "output_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="写出命中的行（保留全部输入列，另加 matched_terms 列）：.csv（带 BOM 的 UTF-8）或 .xlsx。")
def test_(expression: str, input_path: Path, output_path: Path) -> None:
    """试运行一个检索式：只把命中的行写到 --output，不读写数据库。格式错误的检索式以退出码 2 拒绝，并指出出错的字符位置。"""
    from nlp.query import parse
    from yuqing import tables
    from yuqing.errors import BadInput

    query = parse(expression)
    info = tables.inspect(input_path)
    if "text" not in info.header:
        raise BadInput(f"{input_path}：需要 `text` 列；现有列：{'、'.join(info.header) or '无'}")
    fields = list(dict.fromkeys([*info.header, "matched_terms"]))
    matched = read = 0
    with tables.dict_rows(info) as rows, tables.TableWriter(output_path, fields) as writer:
        for row in tqdm(rows, total=info.rows, desc="匹配", unit="行", file=sys.stderr):
            read += 1
            row.pop(None, None)
            text = "\n".join(v for v in (row.get("title"), row.get("text")) if v)
            terms = query.match(text)
            if terms is not None:
                matched += 1
                writer.writerow({**row, "matched_terms": "; ".join(terms)})
    click.echo(f"读取 {read} 行，命中 {matched} 行；已写入 {output_path}")


def _echo_scheme(row: dict) -> None:
    from yuqing.clock import to_local

    state = "启用" if row["active"] else "已暂停"
    fill = "已回溯" if row["backfilled"] else f"回溯中（至帖子 #{row['cursor']}）"
    click.echo(f"#{row['id']} {row['name']}  [{state}·{fill}]  命中 {row['matches']} 条  v{row['version']}  "
               f"更新于 {to_local(row['updated_at']):%Y-%m-%d %H:%M}")
    click.echo(f"    检索式：{row['query']}")
    if row["places"] or row["sources"]:
        click.echo(f"    属地：{'、'.join(row['places']) or '不限'}  数据源：{'、'.join(row['sources']) or '不限'}")


@scheme.command("add")
@click.argument("name")
@click.option("--query", "expression", required=True, help=QUERY_HELP)
@click.option("--places", multiple=True, help="只看这些属地（单位代码或地名，逗号分隔，可重复）；不填为不限。")
@click.option("--sources", multiple=True, help="只看这些数据源（数据源名称，逗号分隔，可重复）；不填为全部。")
@click.option("--owner", default="cli", show_default=True, help="方案负责人（用户名）。")
@click.option("--no-backfill", is_flag=True, help="先不回溯历史帖子（下一轮流水线会自动回溯）。")
def add(name: str, expression: str, places, sources, owner: str, no_backfill: bool) -> None:
    """新建监测方案：保存前校验检索式，保存后回溯全部历史帖子（带进度条）。"""
    from flows import watch

    created = watch.create(name=name, query=expression, places=places, sources=sources, owner=owner)
    click.echo(f"已新建监测方案 #{created.id}「{created.name}」")
    if not no_backfill:
        click.echo(watch.backfill(created.name, progress=True).describe())


@scheme.command("list")
def list_() -> None:
    """列出全部监测方案：状态、命中数、回溯进度。"""
    from flows import watch
    from yuqing.db import session_scope

    with session_scope() as session:
        rows = watch.scheme_summary(session)
    if not rows:
        click.echo("还没有监测方案；用 yuqing scheme add 新建。")
    for row in rows:
        _echo_scheme(row)


@scheme.command("edit")
@click.argument("name")
@click.option("--query", "expression", default=None, help=QUERY_HELP)
@click.option("--places", multiple=True, help="新的属地列表（给出即替换；传空字符串清空）。")
@click.option("--sources", multiple=True, help="新的数据源列表（给出即替换；传空字符串清空）。")
@click.option("--rename", default=None, help="新名称。")
@click.option("--no-backfill", is_flag=True, help="先不回溯（下一轮流水线会自动回溯）。")
def edit(name: str, expression: str | None, places, sources, rename: str | None, no_backfill: bool) -> None:
    """修改监测方案。检索式、属地或数据源一改，旧命中作废，版本号加一，并重新回溯历史。"""
    from flows import watch

    changed = watch.edit(name, query=expression, places=places or None, sources=sources or None, new_name=rename)
    name = rename or name
    click.echo(f"已修改监测方案「{name}」" + ("，命中范围已变，重新回溯" if changed else ""))
    if changed and not no_backfill:
        click.echo(watch.backfill(name, progress=True).describe())


@scheme.command("pause")
@click.argument("name")
def pause(name: str) -> None:
    """暂停监测方案：新帖子不再匹配，已有命中保留。"""
    from flows import watch

    watch.set_active(name, False)
    click.echo(f"已暂停监测方案「{name}」")


@scheme.command("resume")
@click.argument("name")
def resume(name: str) -> None:
    """恢复已暂停的监测方案（暂停期间的帖子由下一次回溯补上）。"""
    from flows import watch

    watch.set_active(name, True)
    click.echo(f"已恢复监测方案「{name}」；暂停期间的帖子将在回溯中补上")


@scheme.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="不再确认。")
def delete(name: str, yes: bool) -> None:
    """删除监测方案及其全部命中记录（有预警规则的方案需先删规则）。"""
    from flows import watch

    if not yes:
        click.confirm(f"确定删除监测方案「{name}」及其全部命中记录？", abort=True)
    gone = watch.delete(name)
    click.echo(f"已删除监测方案「{name}」（{gone} 条命中记录）")


@scheme.command("backfill")
@click.argument("name", required=False)
@click.option("--batch-size", type=click.IntRange(100, 100_000), default=1000, show_default=True,
              help="每批帖子数（按帖子编号分批，内存占用与总量无关）。")
def backfill_(name: str | None, batch_size: int) -> None:
    """把新建或修改过的方案在历史帖子上回溯（不填 NAME 为全部待回溯的方案），带进度条，可中断后续跑。"""
    from flows import watch

    click.echo(watch.backfill(name, progress=True, batch_size=batch_size).describe())
