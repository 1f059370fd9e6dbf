"""Normalisation for analysis (the original text is always kept as published elsewhere):
traditional → simplified, full-width → half-width, page furniture / URLs / @mentions removed;
and spam / SEO-injection detection that marks instead of dropping."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_URL = re.compile(r"(https?://|www\.)\S+", re.I)
_MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
_FURNITURE = re.compile(r"\[(收藏|打印|關閉|关闭|返回|顶部|分享)\]|【(打印|关闭|收藏)】|(字体|字號|字号)[:：]?\s*[大中小]\s*[大中小]?\s*[大中小]?")
_SPACE = re.compile(r"\s+")
# C0, DEL and C1 controls (U+0080-U+009F arrive from mis-decoded GBK/Latin-1 pages)
_CONTROL = {c: None for c in (*range(32), *range(127, 160)) if chr(c) not in "\n\t"}
# and lone surrogates (half of a pair cut by a broken encoder): no text, and nothing can encode them
_CONTROL.update({c: None for c in range(0xD800, 0xE000)})
_HAS_CONTROL = re.compile("[" + "".join(chr(c) for c in _CONTROL if c < 0xD800) + "\ud800-\udfff]")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0000FE0F\U0001F000-\U0001F2FF]+")
_WEIBO_EMOTICON = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]")

SPAM_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("porn", re.compile(r"(三级|成人|色情|黄色)(电影|片|视频|网站)|av(在线|网站)|(日本|欧美|国产)[^，。\s]{0,4}(三级|av)", re.I)),
    ("gambling", re.compile(r"(博彩|赌场|百家乐|六合彩|时时彩|老虎机|真人娱乐|彩票网|赌博网|澳门(新)?葡京|bet365)", re.I)),
    ("seo", re.compile(r"(代开发票|发票代开|刷单|代孕|办证|私服|外挂|seo优化|快速排名|黑帽)", re.I)),
)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _converter().convert(text) if text else text


def to_halfwidth(text: str) -> str:
    # NFKC folds full-width ASCII (Ａ１，！) to half-width; 。、“” stay as they are. The check costs
    # ~1/50 of normalize(), which does not skip a text that is NFKC already (one in five)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


# polarity cues the analysis form drops but the sentiment model reads: Weibo emoticons, single emoji
_CUE = re.compile(r"\[[\u4e00-\u9fff]{1,4}\]|[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F2FF]")


def clean(text: str) -> str:
    """The analysis form of a text: simplified, half-width, without furniture, links, mentions or emoji."""
    return clean_keeping_cues(text)[0]


def normalise(text: str) -> str:
    """Control characters out, simplified, half-width; lines and spaces as they were."""
    if not text:
        return ""
    if _HAS_CONTROL.search(text):  # rare, and translate() looks up every character
        text = text.translate(_CONTROL)
    return to_halfwidth(to_simplified(text))


def clean_keeping_cues(text: str, *, normalised: bool = False) -> tuple[str, list[str]]:
    """(`clean(text)`, the emoticons and emoji it removed, in order), from one normalisation.
    `normalised`: the text is already `normalise(text)`."""
    if not text:
        return "", []
    if not normalised:
        text = normalise(text)
    text = _FURNITURE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    cues = _CUE.findall(text)
    if cues:
        text = _WEIBO_EMOTICON.sub(" ", text)
        text = _EMOJI.sub(" ", text)
    elif "\ufe0f" in text:  # a variation selector without its emoji is noise too
        text = _EMOJI.sub(" ", text)
    return _SPACE.sub(" ", text).strip(), cues


# an advertisement carries a way to act on it; a citizen complaining about gambling or 办证 does not
_AD_CUE = re.compile(r"qq|q群|微信|加v|vx|威信|电话\s*[:：]?\s*\d|\d{8,}|网址|www\.|https?://|\.(com|net|cn)\b|点击|在线|官网|"
                     r"注册送|送彩金|开户|首存|包过|秒到|诚信经营|信誉", re.I)
_COMPLAINT = re.compile(r"举报|投诉|反映|查处|打击|取缔|整治|请求|恳请|希望|被骗|诈骗|没有|不|难|问题|何时|怎么|为什么|吗|[?？]")
_STUFFING_REST = 10  # an injected line is little more than its spam words


# any spam word anywhere: no pattern can match across a line break, so a text without one has no line with one
_ANY_SPAM = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in SPAM_PATTERNS), re.I)


def detect_spam(text: str, *, simplified: bool = False) -> tuple[bool, str | None]:
    """(is_spam, reason). Looks at the simplified text, line by line, so one injected line is named.
    Pornography is spam wherever it appears; gambling and SEO words only in an advertisement (a contact,
    link or call to act) or a line that is little more than those words, and never in a complaint about them.
    `simplified`: the text is already simplified (`normalise`)."""
    simplified = (text or "") if simplified else to_simplified(text or "")
    if not _ANY_SPAM.search(simplified):
        return False, None
    for line in simplified.splitlines() or [simplified]:
        for kind, pattern in SPAM_PATTERNS:
            match = pattern.search(line)
            if not match:
                continue
            if kind != "porn":
                rest = len(re.sub(r"\s", "", line)) - len(match.group(0))
                if _COMPLAINT.search(line) or not (_AD_CUE.search(line) or rest <= _STUFFING_REST):
                    continue
            return True, f"{kind}: “{match.group(0)}” in “{line.strip()[:60]}”"
    return False, None
