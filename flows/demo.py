"""`yuqing demo`: the whole product on one machine with the embedded defaults.

Starts the demo's local sites (crawlers/testsites/: the 问政 board, the district portal, the
Weibo-shaped API; ports in yuqing.demo_urls) and a local mailbox for the alerts, initialises a separate demo database (var/demo, profile `demo`,
which matches the anonymised places of the demo data), runs the pipeline flow once, resets the
demo accounts with fresh passwords and prints them, then serves the dashboard while the pipeline
runs again every few minutes as the demo site releases new messages.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import click

from yuqing import demo_urls
from yuqing.settings import PROJECT_ROOT, get_settings, reset_settings_cache


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    unit_code: str | None
    password: str


def _free_port(preferred: int = 0) -> int:
    """`preferred` when it is free on 127.0.0.1, else any free port (0: any)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
        except OSError:
            probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_demo_environment() -> None:
    os.environ.setdefault("YUQING_DATA_DIR", str(PROJECT_ROOT / "var" / "demo"))
    os.environ.setdefault("YUQING_PROFILE", demo_urls.PROFILE)
    reset_settings_cache()


def reset_demo_accounts(*, unit_codes: list[str]) -> list[DemoAccount]:
    """(Re)create the demo users with passwords generated now, so no fixed password exists anywhere."""
    from yuqing import repo
    from yuqing.auth import create_user, generate_password, hash_password
    from yuqing.db import session_scope

    wanted = [("analyst", "analyst", None), ("supervisor", "supervisor", None)]
    wanted += [(f"unit_{code}", "unit", code) for code in unit_codes]
    accounts = []
    with session_scope() as session:
        for username, role, unit in wanted:
            password = generate_password()
            user = repo.get_user(session, username=username)
            if user is None:
                create_user(session, username=username, password=password, role=role, unit_code=unit)
            else:
                user.password_hash, user.failed_logins, user.locked_until = hash_password(password), 0, None
                repo.save_user(session, user=user)
            accounts.append(DemoAccount(username, role, unit, password))
    return accounts


def _busiest_units(limit: int) -> list[str]:
    from yuqing import repo
    from yuqing.db import session_scope
    from yuqing.repo import Viewer

    with session_scope() as session:
        counts: dict[str, int] = {}
        for assignment in repo.list_assignments(session, viewer=Viewer.system("demo"), limit=100_000):
            counts[assignment.unit_code] = counts.get(assignment.unit_code, 0) + 1
    return [code for code, _ in sorted(counts.items(), key=lambda item: -item[1])[:limit]]


def run_demo(*, dashboard_port: int | None, site_port: int | None, with_dashboard: bool, interval: int) -> None:
    _use_demo_environment()
    settings = get_settings()
    from crawlers.testsites.board import start_demo_site
    from flows.pipeline import pipeline_flow
    from yuqing.bootstrap import initialise

    site = start_demo_site(host=settings.demo_host, port=_free_port(settings.demo_port if site_port is None else site_port),
                           replay=True)
    click.secho(f"演示问政留言板（真实留言，陆续发布）：{site.url}", fg="cyan")
    portal, weibo = _start_test_sites(site)
    click.secho(f"区政府门户（文章、网站监测）：{portal.url}   微博式接口：{weibo.url}", fg="cyan")
    mailbox = _start_mailbox(settings.data_dir / "mailbox")
    click.secho(f"提醒邮件发到本机邮箱：smtp://127.0.0.1:{mailbox.port} → {mailbox.folder}", fg="cyan")
    report = initialise(demo_url=site.url, demo_urls={"demo_gov_url": portal.url, "demo_weibo_url": weibo.url})
    click.echo(report.describe())
    click.secho("运行流水线：抓取 → 分析 → 归并为事件 → 交办 → 提醒 …", fg="cyan")
    pipeline_flow()
    accounts = reset_demo_accounts(unit_codes=_busiest_units(3))
    _print_summary(accounts)
    click.echo(f"已送达提醒：{mailbox.received()} 封邮件，在 {mailbox.folder}")
    if not with_dashboard:
        for server in (site, portal, weibo, mailbox):
            server.stop()
        return
    from dashboard.launch import start_dashboard

    port = _free_port(dashboard_port or settings.dashboard_port)
    process = start_dashboard(port)
    click.secho(f"\n看板：http://127.0.0.1:{port}   （Ctrl-C 停止演示）", fg="green", bold=True)
    try:
        while process.poll() is None:
            time.sleep(interval)
            if process.poll() is None:
                weibo.tick()  # reposts, comments and likes grow; a new post appears now and then
                weibo.release(1)
                pipeline_flow()
    except KeyboardInterrupt:
        click.echo("正在停止 …")
    finally:
        process.terminate()
        process.wait(timeout=20)
        for server in (site, portal, weibo, mailbox):
            server.stop()


# the portal publishes the official replies of this many board messages visible from the start, so an
# analyst sees the district's own answers close citizens' issues (flows/official.py) instead of new tasks
PUBLISHED_REPLIES = 8


def _board_answers(site) -> list[tuple]:
    """(title, reply, reply time) of the newest messages visible at start that carry an official reply."""
    board, visible = site.board, site.released
    shown = [board.shown(i) for i in range(visible)]
    answered = [m for m in shown if m.reply and m.reply_time is not None]
    return [(m.title, m.reply, m.reply_time) for m in answered[-PUBLISHED_REPLIES:]]


def _start_test_sites(site=None):
    """The local district portal and Weibo-shaped API, so every source kind has something real to crawl."""
    from crawlers.testsites.govsite import GovSite
    from crawlers.testsites.weiboapi import WeiboApi

    answers = _board_answers(site) if site is not None else []
    return (GovSite(port=_free_port(demo_urls.GOV_PORT), answers=answers).start(),
            WeiboApi(port=_free_port(demo_urls.WEIBO_PORT)).start())


def _start_mailbox(folder):
    """Unit contacts of the demo profile are placeholders, so alerts go to a mailbox on this machine."""
    mailbox = LocalMailbox(folder).start()
    os.environ["YUQING_SMTP_HOST"], os.environ["YUQING_SMTP_PORT"] = "127.0.0.1", str(mailbox.port)
    reset_settings_cache()
    return mailbox


def _print_summary(accounts: list[DemoAccount]) -> None:
    from sqlmodel import func, select

    from yuqing.db import session_scope
    from yuqing.models import Assignment, Issue, IssueStatus, Post, Unit

    with session_scope() as session:
        unit_names = dict(session.exec(select(Unit.code, Unit.name)).all())
        posts = session.exec(select(func.count()).select_from(Post)).one()
        issues = session.exec(select(func.count()).select_from(Issue)).one()
        routed = session.exec(select(func.count()).select_from(Issue).where(Issue.status == IssueStatus.ASSIGNED)).one()
        triage = session.exec(select(func.count()).select_from(Issue).where(Issue.needs_triage == True)).one()  # noqa: E712
        assignments = session.exec(select(func.count()).select_from(Assignment)).one()
    click.secho(
        f"\n{posts} 条帖子 → {issues} 个事件：{routed} 个已交办（{assignments} 项交办），{triage} 个待人工研判",
        fg="green",
    )
    click.secho("演示账户（每次运行 `yuqing demo` 都生成新密码）：", bold=True)
    for account in accounts:
        who = f"责任单位 {unit_names.get(account.unit_code, account.unit_code)}" if account.unit_code else {"analyst": "分析员", "supervisor": "督查"}.get(account.role, account.role)
        click.echo(f"  {account.username:<28} {account.password:<20} {who}")


class LoopbackSmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port; a subclass says what to do with each e-mail in `handle_DATA`."""

    def __init__(self) -> None:
        self.port = _free_port()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        raise NotImplementedError

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class LocalMailbox(LoopbackSmtpServer):
    """The demo's mailbox: files every alert it receives as an .eml file, so `yuqing demo` delivers
    its alerts for real without reaching outside the machine."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.folder.mkdir(parents=True, exist_ok=True)
        count = sum(1 for _ in self.folder.glob("*.eml"))
        (self.folder / f"{count + 1:06d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"

    def received(self) -> int:
        return sum(1 for _ in self.folder.glob("*.eml")) if self.folder.exists() else 0


def run_dashboard(*, port: int | None) -> None:
    from dashboard.launch import start_dashboard

    port = _free_port(port or get_settings().dashboard_port)
    process = start_dashboard(port)
    click.secho(f"看板：http://127.0.0.1:{port}   （Ctrl-C 停止）", fg="green", bold=True)
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait(timeout=20)
