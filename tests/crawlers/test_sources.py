"""config/sources.yaml is data, validated at load: a bad entry names itself, the others load."""

from __future__ import annotations

import textwrap

import pytest

from yuqing.errors import ConfigError
from yuqing.sources import load_sources


def write(tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_shipped_file_loads_and_demo_sources_follow_the_demo_url(settings_env):
    specs, problems = load_sources()
    assert problems == []
    assert all(not s.name.startswith("demo_") for s in specs)  # not without a demo site
    specs, problems = load_sources(demo_url="http://127.0.0.1:9999/")
    assert problems == []
    by_name = {s.name: s for s in specs}
    assert by_name["demo_board"].url == "http://127.0.0.1:9999/messages?page=1"
    assert by_name["demo_rss"].kind == "rss"
    config = by_name["demo_board"].config_dict()
    assert config["list"]["item"] == "li.msg-item" and config["stop_after_known"] == 20
    assert config["obey_robots"] is True  # defaults are filled in


def test_demo_profile_loads_demo_sources_at_the_configured_address(settings_env, monkeypatch):
    from yuqing.settings import reset_settings_cache

    monkeypatch.setenv("YUQING_PROFILE", "demo")
    monkeypatch.setenv("YUQING_DEMO_PORT", "8799")
    reset_settings_cache()
    specs, _ = load_sources()
    assert {s.name: s.url for s in specs}["demo_rss"] == "http://127.0.0.1:8799/rss.xml"


def test_bad_entries_are_named_and_the_others_still_load(tmp_path, settings_env):
    path = write(tmp_path, """
        sources:
          - {name: good_feed, kind: rss, url: "https://news.example/rss.xml"}
          - {name: no_kind, url: "https://a.example/"}
          - {name: weird_kind, kind: telegram, url: "https://a.example/"}
          - {name: ftp_url, kind: rss, url: "ftp://a.example/feed"}
          - {name: board_without_selectors, kind: board, url: "https://b.example/list", config: {max_pages: 3}}
          - {name: bad_limit, kind: rss, url: "https://c.example/rss", config: {max_pages: 0}}
          - {name: typo_option, kind: rss, url: "https://c.example/rss", config: {folow: true}}
          - {name: good_feed, kind: rss, url: "https://dup.example/rss.xml"}
          - just a string
          - {name: weibo_search, kind: json_api, url: "https://m.weibo.example/api", config: {query: 鲤城, max_pages: 2}}
    """)
    specs, problems = load_sources(path=path)
    assert [s.name for s in specs] == ["good_feed", "weibo_search"]
    assert specs[1].config_dict()["query"] == "鲤城"  # kinds of other modules keep their own keys
    text = "\n".join(problems)
    for name, fragment in [
        ("no_kind", "kind: Field required"), ("weird_kind", "unknown kind 'telegram'"),
        ("ftp_url", "must start with http"), ("board_without_selectors", "list: Field required"),
        ("bad_limit", "max_pages"), ("typo_option", "folow: Extra inputs are not permitted"),
        ("good_feed", "duplicate source name"), ("sources[8]", "must be a mapping"),
    ]:
        assert any(p.startswith(f"sources.yaml: {name}: ") and fragment in p for p in problems), (name, text)
    assert len(problems) == 8


@pytest.mark.parametrize("text", ["sources: [unclosed", "- a list, not a mapping"])
def test_an_unreadable_file_is_a_config_error_naming_it(tmp_path, settings_env, text):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match="sources.yaml"):
        load_sources(path=path)
