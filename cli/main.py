"""The one command line, ``yuqing`` (the application layer, on top of every other package).
Every command calls the same functions the flows call; the commands live in modules by concern."""

from __future__ import annotations

import sys

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
@click.version_option(package_name="yuqing", message="%(prog)s %(version)s", help="显示版本并退出。")
def main() -> None:
    """舆情监测与回应：抓取公开帖子，分析并归并为事件，按国务院时限要求交办责任单位，提醒、督办，
    并在看板上跟踪每一次回应。

    设置来自 YUQING_* 环境变量或 .env 文件（见 .env.example）；未设置 YUQING_DATABASE_URL /
    DATABASE_URL 时，数据库是 var/ 下的 SQLite 文件。每个命令都有 --help。
    """
    from flows import configure_prefect
    from yuqing.clock import fake_clock_notice

    configure_prefect()  # before any command imports Prefect
    notice = fake_clock_notice()
    if notice:
        click.secho(notice, fg="yellow", err=True)


def _register() -> None:
    from cli import alerts, crawl, models, response, scheme, setup

    for module in (setup, crawl, models, response):
        for command in module.COMMANDS:
            main.add_command(command)
    main.add_command(scheme.scheme)
    main.add_command(alerts.rule)
    main.add_command(alerts.alert)
    _chinese_help_option(main)


def _chinese_help_option(command: click.Command) -> None:
    """Every command's -h/--help described in Chinese, like the rest of its help."""
    original = command.get_help_option

    def get_help_option(ctx: click.Context):
        option = original(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        _chinese_help_option(sub)


_register()

if __name__ == "__main__":
    main()
