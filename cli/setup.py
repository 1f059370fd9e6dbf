"""Setting up and running the product: init, demo, demo-site, serve, dashboard."""

from __future__ import annotations

import click


@click.command()
@click.option("--profile", default=None, help="地区配置（config/profiles 下的目录名；默认取设置 YUQING_PROFILE）。")
def init(profile: str | None) -> None:
    """创建或升级数据库（迁移，数据保留），载入地区配置的单位和 config/sources.yaml 的数据源，
    并创建第一个管理员账户（生成的密码只显示这一次）。"""
    from yuqing.bootstrap import initialise

    report = initialise(profile=profile)
    click.echo(report.describe())


@click.command()
@click.option("--port", type=int, default=None, help="看板端口（默认 8501）。")
@click.option("--site-port", type=int, default=None, help="演示网站端口（默认 8765；0 表示任取空闲端口）。")
@click.option("--no-dashboard", is_flag=True, help="只运行一次流水线然后退出，不启动看板。")
@click.option("--interval", type=int, default=120, show_default=True, help="看板运行期间流水线的间隔秒数。")
def demo(port: int | None, site_port: int | None, no_dashboard: bool, interval: int) -> None:
    """在本机运行整个产品：启动本地演示网站，抓取、分析、归并为事件、按时限交办，然后打开看板，
    并随着演示网站不断发布新留言持续运行流水线。会打印看板地址和演示账户。"""
    from flows.demo import run_demo

    run_demo(dashboard_port=port, site_port=site_port, with_dashboard=not no_dashboard, interval=interval)


@click.command("demo-site")
@click.option("--host", default=None, help="绑定地址（默认 127.0.0.1）。")
@click.option("--port", type=int, default=None, help="端口（默认 8765）。")
@click.option("--release-every", type=float, default=30.0, show_default=True, help="每隔多少秒发布一条新留言。")
def demo_site(host: str | None, port: int | None, release_every: float) -> None:
    """只启动随产品发布的演示问政留言板及其 RSS（真实留言，随时间陆续发布）。"""
    from crawlers.testsites.board import serve_forever
    from yuqing.settings import get_settings

    settings = get_settings()
    serve_forever(host=host or settings.demo_host, port=settings.demo_port if port is None else port,
                  release_every=release_every)


@click.command()
@click.option("--tick", type=float, default=5.0, show_default=True,
              help="每隔多少秒检查一次是否有数据源到期（各数据源按自己的频率抓取，见 sources.yaml 的 every）。")
def serve(tick: float) -> None:
    """在本机按计划运行全部流程（无需 Prefect 服务器）：流水线常驻本进程，每个数据源按自己的频率
    （留言板每分钟、门户每 15 分钟、网站监测每小时）到期即抓取、分析、归并、交办、发送提醒；
    通知与时限监督每分钟，公开核验每 15 分钟，日报与周报 08:00。"""
    from flows.serve import serve_all

    serve_all(tick)


@click.command()
@click.option("--port", type=int, default=None, help="端口（默认 8501）。")
def dashboard(port: int | None) -> None:
    """在 127.0.0.1 上启动 Streamlit 看板并打印其地址。"""
    from flows.demo import run_dashboard

    run_dashboard(port=port)


COMMANDS = (init, demo, demo_site, serve, dashboard)
