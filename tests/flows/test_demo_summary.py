"""What `yuqing demo` prints at the end: the counts, and the demo accounts with their units by name."""

from __future__ import annotations

from flows.demo import DemoAccount, _print_summary
from yuqing.profile import load_profile


def test_the_accounts_name_their_units(db, capsys):
    kaiyuan = load_profile("licheng").units["kaiyuan"].name
    _print_summary([DemoAccount(username="analyst", password="p1", role="analyst", unit_code=None),
                    DemoAccount(username="unit_kaiyuan", password="p2", role="unit", unit_code="kaiyuan")])
    out = capsys.readouterr().out
    assert "0 条帖子 → 0 个事件" in out
    assert "分析员" in out and f"责任单位 {kaiyuan}" in out and "责任单位 kaiyuan" not in out
