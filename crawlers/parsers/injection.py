"""What counts as injected on a watched page: the words, the host names, and who is trusted.

Real government pages carry a lot of hidden, off-site furniture (the national 政府网站找错 widget,
the conac 党政机关 badge, share bars, login dialogs, site-group menus, 适老 duplicates, CMS
credits), so "hidden and external" alone is no evidence. What black-hat injections have in common
is their purpose, SEO for gambling, porn, loans, private game servers or fake papers: the words in
the anchor text, title or meta tags, and the host name of the site they push. Hosts are judged as
whole names (labels and their hyphen/digit-separated tokens), never by substring: 隰县's own
``www.sxxx.gov.cn`` is not ``xxx``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from nlp.normalize import to_simplified

# Words that only an advertisement for the business uses, never a report about it (that is what
# the negation check below is for). Lottery platforms count as gambling: a 福彩 notice says 福利彩票.
# One pattern, a named group a kind: a line is read once, and the kind is the group that matched.
ADVERT = re.compile(
    # bare 赌场/百家乐/六合彩 also appear in news: detect_spam judges those by their advertising cues
    r"(?P<gambling>彩票(?:赚钱|平台|app|下载|注册|娱乐|网址)|(?:网上|在线|手机)购彩|北京赛车(?:pk|计划|开奖|平台)|pk10|pk拾|"
    r"幸运飞艇|娱乐城|娱乐(?:官网|网址|开户)|真人(?:视讯|娱乐|荷官)|网上赌场|线上赌场|体育投注|足球投注|赌球|"
    r"(?:开户|注册|首存|充值)送彩金|送\d+元?彩金|威尼斯人(?:娱乐|官网|网址|注册)|澳门(?:新)?(?:葡京|金沙|永利|银河)|"
    r"太阳城(?:娱乐|集团|官网|网址)|皇冠(?:体育|娱乐|足球|网址)|(?:ag|bbin)(?:真人|视讯|娱乐)|亚博(?:体育|娱乐)|"
    r"开元棋牌|棋牌(?:游戏|平台|娱乐|app)|捕鱼(?:游戏|达人|平台)|电子游艺(?:平台|官网|开户))"
    r"|(?P<porn>(?:三级|成人|色情|黄色|激情|情色)(?:电影|片|视频|网站|网|小说|图片|直播)|av(?:在线|女优|网站)|一本道|"
    r"无码(?:视频|电影|av)|国产自拍|约炮|同城(?:约|交友)|(?:日本|欧美|国产)[^，。\s]{0,4}(?:三级|av))"
    r"|(?P<loan>(?:无抵押|黑户|秒批|秒到|秒下|私人)(?:贷款|借款|放款|借钱)|(?:网贷|贷款)口子|下款(?:快|秒)|"
    r"信用卡(?:套现|代还)|花呗套现|借钱(?:平台|app))"
    r"|(?P<game>(?:传奇|魔域|奇迹|游戏)私服|私服(?:发布|网站|游戏|传奇)|传奇(?:sf|发布网)|(?:游戏|手游)(?:外挂|辅助)|"
    r"外挂(?:辅助|下载|科技)|变态(?:手游|传奇|服))"
    r"|(?P<seo>代开发票|发票代开|(?:代办|办理)(?:假证|毕业证|驾照)|刻章办证|假证|迷药|春药|伟哥|出售(?:枪|仿真枪)|"
    r"seo优化|快速排名|黑帽|蜘蛛池|寄生虫|刷单)",
    re.I)
# names news and notices use too (澳门赌场, 民警身着私服): advertising in the anchor of a hidden link
# to another site, not in text (a hidden 适老 copy of an article may report on anything)
BARE = re.compile(r"博彩|赌场|百家乐|六合彩|时时彩|老虎机|bet365|赌博网|私服|代孕", re.I)
_BARE_KIND = {"私服": "game", "代孕": "seo"}
# a line that reports on, warns about or fights the business is news, not an advertisement
_AGAINST = re.compile(
    r"打击|整治|查处|严禁|禁止|取缔|举报|防范|警惕|谨防|非法|违法|诈骗|骗局|曝光|扫黄|打非|专项|治理|涉赌|涉黄|"
    r"处罚|执法|检查|通报|判决|案件|警方|公安|法院|检察")

# host tokens of spam sites: long words anywhere in a token, short ones only as a whole token
_HOST_LONG = ("casino", "gambling", "baijiale", "bocai", "caipiao", "liuhecai", "pujing", "fapiao", "daikai",
              "bet365", "poker", "porn", "sanji", "shishicai", "duchang", "yulecheng", "weinisiren")
_HOST_SHORT = frozenset({"xxx", "sex", "seo", "dubo", "ssc", "pk10", "av", "bet"})

# second-level suffixes under which the registrable name is three labels deep
_TWO_LEVEL = frozenset(
    f"{sld}.{tld}" for tld in ("cn", "hk", "tw", "uk", "jp")
    for sld in ("com", "net", "org", "gov", "edu", "ac", "mil", "co", "or", "ne", "go", "idv")
) | frozenset(f"{province}.cn" for province in (
    "bj", "sh", "tj", "cq", "he", "sx", "nm", "ln", "jl", "hl", "js", "zj", "ah", "fj", "jx", "sd", "ha", "hb",
    "hn", "gd", "gx", "hi", "sc", "gz", "yn", "xz", "sn", "gs", "qh", "nx", "xj"))
# services every government site is required or used to embed (badges, error reporting, 举报, share
# and statistics widgets, CMS vendors' credits): their links are furniture wherever they sit
TRUSTED_SERVICES = frozenset({
    "conac.cn", "kaipuyun.cn", "12377.cn", "cyberpolice.cn", "12321.cn", "beian.gov.cn",
    "bshare.cn", "jiathis.com", "hanweb.com", "trs.com.cn", "trs.cn", "foundertech.com", "cnzz.com",
})
# a hidden CMS credit: "Produced By 大汉网络", "Powered by TRS", "技术支持：拓尔思"
CREDIT = re.compile(r"produced\s*by|powered\s*by|技术支持|大汉网络|大汉版通|拓尔思|\bTRS\b|方正(?:电子|翔宇)|网站建设", re.I)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # not a URL (a broken IPv6 bracket): no host to trust
        return ""


def registrable(host: str) -> str:
    """The name a site owner registers: www.sxxx.gov.cn → sxxx.gov.cn, news.163.com → 163.com."""
    labels = [label for label in host.lower().strip(".").split(".") if label]
    if len(labels) <= 2 or re.fullmatch(r"[\d.]+", host):
        return ".".join(labels)
    depth = 3 if ".".join(labels[-2:]) in _TWO_LEVEL else 2
    return ".".join(labels[-depth:])


def trusted(host: str, own: set[str]) -> bool:
    """The site itself (its registrable name or one given in its config), any government host, or
    a service every government site embeds."""
    if not host:
        return True
    if host == "gov.cn" or host.endswith(".gov.cn") or host.endswith(".政务.cn"):
        return True
    name = registrable(host)
    return name in own or name in TRUSTED_SERVICES or any(host == o or host.endswith("." + o) for o in own)


def spam_host(host: str) -> str | None:
    """The spam word a host name is built from ("baijiale-casino.example" → casino), judged on the
    labels left of the registrable suffix and on their hyphen/digit-separated tokens."""
    name = registrable(host)
    suffix = name.split(".", 1)[1] if "." in name else ""
    labels = host[: len(host) - len(suffix)].strip(".").split(".") if suffix else host.split(".")
    for label in labels:
        if label == "www":
            continue
        parts = [t for t in re.split(r"[-_]", label) if t]
        tokens = parts + [t for part in parts for t in re.split(r"\d+", part) if t]
        for word in _HOST_LONG:
            if word in label:
                return word
        for token in [label, *tokens]:
            if token in _HOST_SHORT:
                return token
    return None


def spam_words(text: str, *, simplified: bool = False, hidden: bool = False) -> str | None:
    """'kind: “word” in “line”' when `text` advertises gambling, porn, loans, game servers or fake
    papers, else None. A line that reports on or fights the business is not an advertisement.
    `hidden`: the anchor of a hidden link to another site, where the bare names of those businesses
    count too. `simplified`: the text is already simplified Chinese."""
    if not text or not text.strip():
        return None
    simplified = text if simplified else to_simplified(text)
    for line in simplified.splitlines() or [simplified]:
        if _AGAINST.search(line):
            continue
        if match := ADVERT.search(line):
            return f"{match.lastgroup}: “{match.group(0)}” in “{line.strip()[:60]}”"
        if hidden and (match := BARE.search(line)):
            kind = _BARE_KIND.get(match.group(0), "gambling")
            return f"{kind}: “{match.group(0)}” in hidden “{line.strip()[:60]}”"
    return None
