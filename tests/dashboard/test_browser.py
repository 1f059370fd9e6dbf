"""The real board in a real browser: `streamlit run` on 127.0.0.1, headless Debian Chromium driven by
Playwright. Each role logs in; a unit signs for an assignment and submits its response; the
supervisor's timeline shows it; hostile post text stays inert; CJK text renders with real glyphs;
every role walks every page of its navigation and no page shows an English word (ENGLISH_ALLOWED).
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import os
import re
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.conftest import HOSTILE_TEXT, HOSTILE_TITLE, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(board, settings_env):
    from dashboard.launch import start_dashboard
    from yuqing.db import dispose_engines

    dispose_engines()  # the server process opens the database itself
    port = _free_port()
    env = {"YUQING_DATA_DIR": str(settings_env.data_dir), "YUQING_CONFIG_DIR": os.environ["YUQING_CONFIG_DIR"],
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    if settings_env.database_url:
        env["YUQING_DATABASE_URL"] = settings_env.database_url
    process = start_dashboard(port, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start (exit code {process.poll()})")
        time.sleep(0.3)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:  # noqa: BLE001
        process.kill()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()


def _session(browser, url: str, username: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("账户与退出").wait_for()
    page.dialogs = dialogs
    return page


def _go(page, title: str, heading: str):
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("heading", name=heading).first.wait_for()


def _alert(page, text: str) -> None:
    page.locator("[data-testid='stAlert']", has_text=text).first.wait_for()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # dataframes and charts load their code lazily: wait until no skeleton is left and every chart
    # has drawn (a chart that never draws fails the test)
    page.wait_for_function("""() => !document.querySelector('[data-testid*="Skeleton"]')
        && [...document.querySelectorAll('.vega-embed')].every(e => e.querySelector('canvas, svg'))""")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _pick_issue(page, issue_id: int) -> None:
    """The timeline's issue picker: type to filter the list, Enter takes the first match."""
    box = page.get_by_label("选择事件", exact=False)
    box.click()
    page.keyboard.type(f"#{issue_id} ")
    page.keyboard.press("Enter")


def _timeline(page, issue_id: int) -> str:
    _pick_issue(page, issue_id)
    page.get_by_text("开元街道办事处：").first.wait_for()
    return page.get_by_text("开元街道办事处：").first.inner_text()


def test_roles_in_a_real_browser(server, board, browser):
    # the supervisor looks at the issue's timeline before the unit acts
    supervisor = _session(browser, server, "sup")
    supervisor.get_by_role("heading", name="单位回应合规").wait_for()
    _shot(supervisor, "supervisor-compliance")
    _go(supervisor, "办理时间线", "办理时间线")
    before = _timeline(supervisor, board.issue_a)
    assert "待签收" in before and "已答复" not in before

    unit = _session(browser, server, "unit_a")
    unit.get_by_role("heading", name="待办收件箱").wait_for()
    choice = unit.get_by_label("交办事项（或点击上表的一行）")
    choice.click()
    unit.keyboard.type(f"交办 {board.assignment_a} ")
    unit.keyboard.press("Enter")
    unit.get_by_role("button", name="签收").click()
    _alert(unit, "已签收")
    _shot(unit, "unit-signed")
    unit.get_by_label("答复内容（将公开发布的回应）").fill("经核查，相关问题已责令整改，现予公开答复。")
    unit.get_by_label("公开发布链接（http/https）").fill("https://www.licheng.gov.cn/hd/2026/001")
    unit.get_by_role("button", name="提交答复").click()
    try:
        _alert(unit, "答复已提交")
    finally:
        _shot(unit, "unit-after-submit")
    _shot(unit, "unit-responded")

    supervisor.reload()  # a reload is a new session: log in again, as a supervisor would
    supervisor = _session(browser, server, "sup")
    _go(supervisor, "办理时间线", "办理时间线")
    after = _timeline(supervisor, board.issue_a)
    assert "待签收 → 办理中 → 已答复" in after
    _shot(supervisor, "supervisor-timeline")

    analyst = _session(browser, server, "ana")
    analyst.get_by_role("heading", name="态势概览").wait_for()
    _shot(analyst, "analyst-overview")
    assert analyst.locator(".vega-embed canvas, .vega-embed svg").count() >= 3
    _go(analyst, "事件详情", "事件详情")
    field = analyst.get_by_label("事件编号")
    field.fill(str(board.hostile))
    field.press("Enter")
    analyst.get_by_text("帖子与来源").wait_for()
    analyst.get_by_text(HOSTILE_TEXT).first.wait_for()  # the markup is shown as the literal text
    assert analyst.locator("img[src*='evil.example']").count() == 0
    links = analyst.locator("a[href*='evil.example'], a[href^='javascript']")
    assert links.count() == 0
    assert analyst.locator("b", has_text="开元街道").count() == 0
    assert analyst.dialogs == []  # no script ran
    _shot(analyst, "analyst-hostile-post")
    # CJK glyphs are real glyphs: two different characters must not draw the same (tofu) box
    glyphs = analyst.evaluate("""() => {
        const draw = (ch) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
            const x = c.getContext('2d'); x.font = '48px sans-serif'; x.fillText(ch, 4, 52); return c.toDataURL(); };
        return [draw('舆'), draw('情'), draw('\\u{10FFFD}')];
    }""")
    assert glyphs[0] != glyphs[1] and glyphs[0] != glyphs[2]
    assert "态势概览" in analyst.get_by_role("link", name="态势概览").first.inner_text()

    admin = _session(browser, server, "root")
    admin.get_by_role("heading", name="用户管理").wait_for()
    _shot(admin, "admin-users")
    for page in (supervisor, unit, analyst, admin):
        assert page.dialogs == []


# Latin text a page may show, each for a reason: URLs and e-mail addresses (contacts, public links),
# file formats people know by these names (DOCX, CSV, Excel, HTML, Word, WPS), F1 (the model metric's
# name), file names (routing.yaml), and ID-like codes — tokens with a digit, '_' , '-' or '.' such as
# model versions (test-fixed-labels), routing rule ids (kaiyuan-temple) and unit codes the admin types
# in units.yaml — plus the seeded login names (account names are codes the admin assigns), TOP as in
# 热点事件 TOP 10 (how Chinese lists name a ranking), and the contact keys an admin types in units.yaml,
# which the units page lists beside their Chinese names (email（邮件）).
ENGLISH_ALLOWED = {"DOCX", "CSV", "Excel", "HTML", "Word", "WPS", "F1", "TOP", "ana", "sup", "root", "admin",
                   "email", "wecom", "dingtalk", "feishu", "webhook", "sms"}
_URL = re.compile(r"(https?|ftp)://\S*|\S+@\S+|www\.\S+")
_CODE = re.compile(r"[A-Za-z0-9]*[0-9_\-./][A-Za-z0-9_\-./]*")
_WORD = re.compile(r"[A-Za-z]{2,}")
# the seeded posts' own text is the public's, not the product's (and the hostile post is English markup)
_UNTRUSTED = (HOSTILE_TEXT, HOSTILE_TITLE)
# Streamlit's keyboard skip link: off screen until the Tab key focuses it, and not translatable
_OFF_SCREEN = ("Skip to main content",)

# the page text a user reads: Material icons are ligature words in the DOM ("search"), and the
# screen-reader announcements of a select box ("3 options available", a 1-pixel live region that no
# one sees), hidden first
_VISIBLE_TEXT = """() => {
    const live = [...document.querySelectorAll('[aria-live]')].filter(e => {
        const box = e.getBoundingClientRect();
        return box.width <= 1 || box.height <= 1;
    });
    const icons = [...document.querySelectorAll('[data-testid="stIconMaterial"], span[translate="no"]'), ...live];
    const before = icons.map(e => e.style.display);
    icons.forEach(e => { e.style.display = 'none'; });
    const text = document.body.innerText;
    icons.forEach((e, i) => { e.style.display = before[i]; });
    return text;
}"""


def english_words(text: str) -> set[str]:
    for untrusted in (*_UNTRUSTED, *_OFF_SCREEN):
        text = text.replace(untrusted, " ")
    text = _URL.sub(" ", text)
    words = set()
    for token in text.split():
        for piece in re.split(r"[^\x00-\x7F]+", token):  # Chinese around a code separates it
            piece = piece.strip("()（）,，.。:：;；!?\"'[]<>|*#`")
            if not piece or _CODE.fullmatch(piece) and re.search(r"[0-9_\-./]", piece):
                continue
            words |= {w for w in _WORD.findall(piece) if w not in ENGLISH_ALLOWED}
    return words


def _idle(page) -> None:
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"] *')
        && !document.querySelector('[data-testid*="Skeleton"]')""")
    page.wait_for_timeout(400)


def _check_page(page, role: str, name: str, problems: list[str]) -> None:
    _idle(page)
    # the page scrolls inside Streamlit's main block: a window as tall as the page shows all of it
    size = page.viewport_size
    height = page.evaluate("() => (document.querySelector('[data-testid=\"stMain\"]') || document.body).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    _shot(page, f"walk-{role}-{name}")
    page.set_viewport_size(size)
    words = english_words(page.evaluate(_VISIBLE_TEXT))
    if words:
        problems.append(f"{role} · {name}: {sorted(words)}")
    if page.get_by_text("Deploy", exact=True).count():
        problems.append(f"{role} · {name}: Deploy button")


def test_every_role_walks_every_page_without_english(server, board, browser):
    problems: list[str] = []
    for username in ("ana", "unit_a", "sup", "root"):
        page = _session(browser, server, username)
        links = page.locator("[data-testid='stSidebarNav'] a")
        # a link's text starts with its icon's ligature name ("inbox"): the title is the last line
        titles = [links.nth(i).inner_text().strip().split("\n")[-1].strip() for i in range(links.count())]
        assert titles, username
        for index, title in enumerate(titles):
            links.nth(index).click()
            # while the page runs, Streamlit's status widget shows in the corner: sample its text
            running = " ".join(page.evaluate(
                "() => document.querySelector('[data-testid=\"stStatusWidget\"]')?.innerText || ''")
                for _ in range(6))
            if english_words(running):
                problems.append(f"{username} · {title} (running): {sorted(english_words(running))}")
            _idle(page)
            if title == "事件详情":
                field = page.get_by_label("事件编号")
                field.fill(str(board.issue_a))
                field.press("Enter")
            if title == "办理时间线":
                _pick_issue(page, board.issue_a)
            if title in ("事件详情", "办理时间线"):
                page.get_by_role("heading", name=f"事件 #{board.issue_a}").first.wait_for()
            _check_page(page, username, title, problems)
        page.close()
    assert not problems, "\n".join(problems)


def test_login_errors_are_chinese_in_the_browser(server, browser):
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(server)
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码").fill("not-the-password")
    problems: list[str] = []
    # while typing, Streamlit hints at the Enter key under the field (in English unless hidden)
    words = english_words(page.evaluate(_VISIBLE_TEXT))
    if words:
        problems.append(f"anonymous · typing: {sorted(words)}")
    page.get_by_role("button", name="登录").click()
    _alert(page, "用户名或密码错误")
    _check_page(page, "anonymous", "login-error", problems)
    assert not problems, problems
