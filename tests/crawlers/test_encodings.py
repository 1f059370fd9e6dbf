"""UTF-8, GBK, GB18030 and Big5 pages decode right whether the charset is in the header, in a
<meta>, nowhere, or wrongly claimed; traditional text is stored as published, with its simplified
form beside it."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.encoding import EncodingMiddleware, guess_encoding
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
    from crawlers.testsites.board import load_messages

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


# --- real saved pages (../shared/data/pages) as a Tomcat site serves them: charset=ISO-8859-1 ---

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "pages"


def real_rows() -> list[dict]:
    if not (REAL / "truth.csv").exists():
        return []
    with (REAL / "truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def served(body: bytes, content_type: str):
    response = HtmlResponse("http://site.example/a.html", body=body, headers={"Content-Type": content_type})
    return EncodingMiddleware().process_response(None, response)


def shown(row: dict) -> str:
    """A piece of the page's own text that only the right decoding gives back."""
    return row["body_first30"][:10] or row["title"][:8]


def page_text(response) -> str:
    """The decoded page without tags and whitespace (truth.csv's body columns have none)."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", response.text)).split())


needs_real = pytest.mark.skipif(not real_rows(), reason="../shared/data/pages is not on this machine")


@needs_real
@pytest.mark.parametrize("row", [r for r in real_rows() if "GB" in r["encoding"] or "gb" in r["encoding"]],
                         ids=lambda r: r["file"])
@pytest.mark.parametrize("content_type", ["text/html; charset=ISO-8859-1", "text/html; charset=windows-1252",
                                          "text/html"])
def test_real_gbk_and_mislabelled_pages_beat_a_latin1_header(row, content_type):
    response = served((REAL / row["file"]).read_bytes(), content_type)
    assert shown(row) in page_text(response), (row["file"], response.encoding)
    assert response.encoding in ("gb18030", "utf-8")


@needs_real
def test_meta_that_lies_and_invalid_pair_and_wayback_script_charset():
    rows = {r["file"]: r for r in real_rows()}
    # <meta charset=gb2312> over UTF-8 bytes (re-saved page)
    lying = served((REAL / "article/people_1.html").read_bytes(), "text/html")
    assert lying.encoding == "utf-8" and shown(rows["article/people_1.html"]) in page_text(lying)
    # one byte pair invalid in GBK: read as GB18030, nothing lost around it
    invalid = served((REAL / "article/sohu_2.html").read_bytes(), "text/html; charset=gbk")
    assert invalid.encoding == "gb18030" and rows["article/sohu_2.html"]["title"] in invalid.text
    # archive.org's <script charset="utf-8"> comes before the real <meta charset=gb2312>
    wayback = served((REAL / "article/he_xinhuanet_1.html").read_bytes(), "text/html; charset=ISO-8859-1")
    assert wayback.encoding == "gb18030" and "约定无期限" in wayback.text
    # no declaration anywhere
    bare = served((REAL / "article/163_2.html").read_bytes(), "text/html")
    assert bare.encoding == "gb18030" and "国进民退" in bare.text


def test_a_real_latin1_page_keeps_its_header():
    body = "<html><body><p>Café, naïve, Müller — 3 €</p></body></html>".encode("cp1252")
    response = served(body, "text/html; charset=ISO-8859-1")
    assert response.encoding == "cp1252" and "Müller" in response.text


def test_gbk_bytes_under_a_latin1_header():
    text = "<html><head><title>鲤城区人民政府</title></head><body><p>关于做好防汛工作的通知，请各单位认真落实。</p></body></html>"
    for codec, expected in (("gbk", "gb18030"), ("big5", "big5")):
        data = (to_traditional(text) if codec == "big5" else text).encode(codec)
        response = served(data, "text/html; charset=ISO-8859-1")
        assert response.encoding == expected and ("鲤城区" in response.text or "鯉城區" in response.text)


def to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)
