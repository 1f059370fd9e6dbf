"""Post text is untrusted: HTML, script, markdown images and links are shown as inert text."""

from dashboard.common import md_escape
from tests.dashboard.conftest import HOSTILE_TEXT, HOSTILE_TITLE, app_as


def test_markdown_escaping_leaves_nothing_active():
    escaped = md_escape("![x](http://e/p.png) [a](javascript:alert(1)) <script>x</script> **b** # h")
    for active in ("![", "](", "<", "**", "[a]", "http://", "e/p.png"):
        assert active not in escaped
    import html

    assert html.unescape(escaped.replace("\\", "")) == (
        "![x](http://e/p.png) [a](javascript:alert(1)) <script>x</script> **b** # h")


def test_a_hostile_post_renders_as_plain_text(board):
    at = app_as("ana")
    at.session_state["open_issue_id"] = board.hostile
    at.switch_page("views/issue.py").run()
    assert not at.exception
    texts = [t.value for t in at.text]
    assert HOSTILE_TEXT in texts and HOSTILE_TITLE in texts  # shown verbatim, in text elements
    # wherever the title reaches markdown (the heading, captions) it is escaped: no tag, link or image survives
    for element in [*at.markdown, *at.subheader, *at.caption, *at.title]:
        value = element.value
        assert "<b>" not in value and "<script" not in value and "](" not in value and "![" not in value, value
    assert any(f"事件 #{board.hostile}" == s.value for s in at.subheader)
    # and the unit that owns it sees the same inert text in its own view
    unit = app_as("unit_a")
    unit.session_state["open_issue_id"] = board.hostile
    unit.switch_page("views/issue.py").run()
    assert HOSTILE_TEXT in [t.value for t in unit.text]
