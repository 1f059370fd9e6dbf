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
