"""UTF-8, GBK, GB18030 and Big5 pages decode right whether the charset is in the header, in a
<meta>, nowhere, or wrongly claimed; traditional text is stored as published, with its simplified
form beside it."""

from __future__ import annotations

import pytest

from crawlers.encoding import guess_encoding
from crawlers.runner import crawl
from crawlers.testsites.trouble import CODECS, HOWS, TroubleSite
from nlp.normalize import to_simplified
from tests.crawlers.helpers import add_source, stored_posts
from yuqing.sources import load_sources


def board_config(**extra) -> dict:
    specs, _ = load_sources(demo_url="http://x")
    config = next(s for s in specs if s.name == "demo_board").config_dict()
    config.update({"download_delay": 0, "concurrency": 8, **extra})
    return config


@pytest.mark.parametrize("codec", ["gbk", "gb18030", "big5"])
def test_guess_tells_chinese_encodings_apart(codec):
    from crawlers.demo_site import load_messages

    text = next(m.text for m in load_messages()[100:] if len(m.text) > 80)
    if codec == "big5":
        import opencc

        text = opencc.OpenCC("s2t").convert(text)
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        data = text.encode(codec, errors="ignore")
    assert guess_encoding(data) == ("big5" if codec == "big5" else "gb18030")
    assert guess_encoding(text.encode("utf-8")) == "utf-8"
    assert guess_encoding(b"plain ascii") == "utf-8"


@pytest.mark.slow
def test_every_encoding_declared_or_not_is_stored_correctly(db):
    with TroubleSite(per_encoding=3) as site:
        add_source("encodings", "board", f"{site.url}/enc/all/list", board_config())
        result = crawl(["encodings"])[0]
        assert result.error is None, result.describe()
        posts = {p.external_id: p for p in stored_posts("encodings")}
        expected = 0
        for name in CODECS:
            for how in HOWS:
                for message, title, text in site.encoded[name][how]:
                    expected += 1
                    post = posts.get(f"{name}-{how}-{message.msg_id}")
                    assert post is not None, f"{name}-{how} {message.msg_id} missing: {result.describe()}"
                    assert post.title == title, (name, how)
                    assert post.text.replace("\n", "") == text.replace("\n", ""), (name, how)
                    assert "\ufffd" not in post.text
                    assert post.text_simplified == to_simplified(f"{post.title}\n{post.text}")
                    if name == "big5":
                        assert post.text != to_simplified(post.text)  # kept traditional, as published
        assert result.stored == len(posts) == expected == len(CODECS) * len(HOWS) * 3
        assert not result.dropped
