"""Where the demo's local sites listen, in one place.

`yuqing demo` starts three sites on 127.0.0.1 (crawlers/testsites/): the 问政 board (real citizen
messages, released over time), the district portal (articles, site watch) and the Weibo-shaped
JSON API. The `demo:` entries of config/sources.yaml point at them through the placeholders
{demo_url}, {demo_gov_url} and {demo_weibo_url}; the sources loader fills them from here and the
demo runner starts the sites on these ports (or on free ones, whose URLs it then passes on).
"""

from __future__ import annotations

PROFILE = "demo"  # the region profile matching the anonymised places of the demo data
BOARD_PORT, GOV_PORT, WEIBO_PORT = 8765, 8766, 8767  # the board's port is settings.demo_port


def default_urls() -> dict[str, str]:
    """The placeholders' values when every site listens on its default port."""
    from yuqing.settings import get_settings

    settings = get_settings()
    host = settings.demo_host
    return {"demo_url": f"http://{host}:{settings.demo_port}", "demo_gov_url": f"http://{host}:{GOV_PORT}",
            "demo_weibo_url": f"http://{host}:{WEIBO_PORT}"}


def source_urls(demo_url: str | None, others: dict[str, str] | None = None) -> dict[str, str] | None:
    """The placeholders' values for loading sources, or None when the demo entries stay out: no board
    URL was given and the active profile is not the demo's."""
    from yuqing.settings import get_settings

    defaults = default_urls()
    if demo_url is None and get_settings().profile == PROFILE:
        demo_url = defaults["demo_url"]
    if not demo_url:
        return None
    values = {**defaults, **(others or {}), "demo_url": demo_url}
    return {name: value.rstrip("/") for name, value in values.items()}


def fill(url: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    return url
