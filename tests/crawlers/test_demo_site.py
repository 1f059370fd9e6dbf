"""The shipped demo site over real HTTP: list/detail/RSS/robots, and its release clock."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request

import pytest

from crawlers.testsites.board import PAGE_SIZE, load_messages, start_demo_site


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


@pytest.fixture
def site():
    with start_demo_site("127.0.0.1", 0, initial=45, release_every=0, reply_lag=3) as running:
        yield running


def test_shipped_data_is_real_and_about_A_city():
    messages = load_messages()
    assert 500 <= len(messages) <= 1000
    assert all(re.search(r"A市|A\d[区县市]", m.title + m.text) for m in messages)
    assert [m.time for m in messages] == sorted(m.time for m in messages)
    assert sum(bool(m.reply) for m in messages) >= 90


def test_list_pages_newest_first_and_paginated(site):
    status, first = get(f"{site.url}/messages?page=1")
    assert status == 200
    ids = re.findall(r'data-id="(\d+)"', first)
    visible = site.visible_ids()
    assert ids == list(reversed(visible))[:PAGE_SIZE]
    assert 'href="/messages?page=2"' in first
    _, last = get(f"{site.url}/messages?page=3")
    assert len(re.findall(r'class="msg-item"', last)) == 45 - 2 * PAGE_SIZE and "下一页" not in last
    assert get(f"{site.url}/messages?page=4")[0] == 404
    assert get(f"{site.url}/messages?page=abc")[0] == 404


def test_unreleased_messages_are_not_served_until_released(site):
    upcoming = load_messages()[45].msg_id
    assert get(f"{site.url}/messages/{upcoming}.html")[0] == 404
    assert site.release(2) == 47
    status, page = get(f"{site.url}/messages/{upcoming}.html")
    assert status == 200 and "留言时间" in page
    assert re.findall(r'data-id="(\d+)"', get(f"{site.url}/messages?page=1")[1])[1] == upcoming


def test_replies_appear_some_releases_after_the_message(site):
    messages = load_messages()
    with_reply = next(i for i, m in enumerate(messages) if m.reply and i >= 45)
    site.release(max(0, with_reply + 1 - site.released))
    assert "答复意见" not in get(f"{site.url}/messages/{messages[with_reply].msg_id}.html")[1]
    site.release(3)
    assert "答复意见" in get(f"{site.url}/messages/{messages[with_reply].msg_id}.html")[1]


def test_rss_robots_and_admin(site):
    status, feed = get(f"{site.url}/rss.xml")
    assert status == 200 and feed.count("<item>") == 30 and f"{site.url}/messages/" in feed
    assert "Disallow: /admin/" in get(f"{site.url}/robots.txt")[1]
    state = json.loads(get(f"{site.url}/admin/release?n=5")[1])
    assert state == {"released": 50, "total": len(load_messages()), "release_every": 0}


def test_release_clock_runs_by_itself():
    with start_demo_site("127.0.0.1", 0, initial=10, release_every=0.05) as running:
        deadline = time.monotonic() + 10
        while running.released < 13 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.released >= 13


def test_replay_dates_the_initial_batch_up_to_now_and_later_messages_at_their_release():
    from datetime import datetime, timedelta

    from crawlers.testsites.board import CHINA

    messages = load_messages()
    with start_demo_site("127.0.0.1", 0, initial=20, release_every=0, reply_lag=2, replay=True) as running:
        started = datetime.now(CHINA)
        board = running.board
        newest, oldest = board.shown(19), board.shown(0)
        assert abs(newest.time - started) < timedelta(seconds=5)
        assert newest.time - oldest.time == messages[19].time - messages[0].time  # the real spacing is kept
        running.release(1)
        status, page = get(f"{running.url}/messages/{messages[20].msg_id}.html")
        assert status == 200
        later = board.shown(20).time
        assert started - timedelta(seconds=5) < later <= datetime.now(CHINA)
        assert f"{later:%Y-%m-%d %H:%M:%S}" in page
        assert all(board.shown(i).time <= datetime.now(CHINA) for i in range(21))
        replied = [i for i in range(21) if board.shown(i).reply_time]
        assert all(board.shown(i).reply_time <= datetime.now(CHINA) for i in replied)
