"""Which lines of an article block are page furniture, by label vocabularies that Chinese news and
government CMSs share (not by site): editor and byline lines, 原标题, share bars, 字号 and print
tools, pagers, comment prompts, copyright and disclaimer footers, related/hot list headings.

`trim_lines` keeps the article: furniture lines go anywhere; the headline block at the top
(the title again, 引题/副题 in bold or centred lines, the byline) goes; the first end marker
(an editor line, a related-news heading, a copyright footer…) after the text ends the article.
"""

from __future__ import annotations

import re

_FURNITURE_TOKEN = (
    r"\[\s*(?:收藏|打印|關閉|关闭|返回|頂部|顶部|分享|列印|保存|糾錯|纠错)\s*\]"
    r"|【\s*(?:打印本頁|打印本页|打印本稿|打印|關閉窗口|关闭窗口|關閉|关闭|收藏|推荐|返回頂部|返回顶部|字號|字号|纠错|我来说两句|评论|发表评论|"
    r"大\s*中\s*小|字体\s*[:：]\s*大\s*中\s*小)\s*】"
    r"|(?:字號|字号|字體|字体)\s*[:：]?\s*[\[【]?\s*(?:[大中小](?:\s*[大中小])*|默认|超大)?\s*[\]】]?"
    r"|(?:打印本頁|打印本页|打印|關閉窗口|关闭窗口|分享到|返回頂部|返回顶部|加入收藏|收藏|关闭|纠错|我要纠错|页面功能)"
    r"|(?:瀏覽次數|浏览次数|訪問量|访问量|点击数|點擊數|阅读量|浏览量)\s*[:：]?\s*\d*"
)
FURNITURE_LINE = re.compile(rf"^(?:\s*(?:{_FURNITURE_TOKEN})\s*[|｜/·]?)+\s*$")

END_AFTER_CHARS = 40  # an end marker closes the article once this much text has come before it
_OPEN = r"^[\s（(\[【{「]*"
# lines that credit the people of the page, not its text
_EDITOR = re.compile(
    _OPEN + r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|审校|校对|校對|监制|排版|美编|终审|初审|复审|"
    r"值班编辑|实习编辑|实习生|编审|作者单位|作者简介|作者|撰稿|撰文|通讯员|记者|記者|本报记者|本刊记者|文)"
    r"\s*(?:[:：｜|/]|\s)")
_EXCERPT = re.compile(_OPEN + r"(?:摘自|转自|转载自|选自|原载于?|原文刊于|刊于)\s*[《:：]")
_PHOTO_CREDIT = re.compile(_OPEN + r"(?:图片来源|图片|摄影|摄像|图|视频)\s*[:：｜|/]")
_SOURCE_LINE = re.compile(
    _OPEN + r"(?:来源|來源|信息来源|信息來源|稿件来源|稿源|本文来源|文章来源|出处|发布机构|发布时间|发布日期|发文日期|"
    r"时间|日期|发表时间|更新时间|浏览次数|点击)\s*[:：]")
_BYLINE = re.compile(r"(?:来源|來源)\s*[:：]|(?:记者|記者|作者|通讯员)\s*[:：\s]|^□|\d{4}\s*[年/-]\s*\d{1,2}\s*[月/-]\s*\d{1,2}")
_DATED = re.compile(r"\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}")
_META_LABEL = re.compile(r"(?:来源|來源|发布|發布|作者|浏览|瀏覽|点击|字号|字號|字体|打印|阅读)\s*[:：（(【\[]|【\s*(?:打印|关闭|字体)")
_ORIGINAL_TITLE = re.compile(_OPEN + r"原标题\s*[:：]")
_PRINT_EDITION = re.compile(r"^《\s*\S{2,12}\s*》\s*[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*\S{0,6}\s*版\s*[)）]$")
_SHARE = re.compile(r"分享到|分享至|一键分享|扫一扫|扫描二维码|微信扫|用微信|微信好友|朋友圈|请使用浏览器分享|手机看|手机阅读")
_PAGER = re.compile(r"^(?:(?:首页|上一页|下一页|尾页|末页|上页|下页|前一页|后一页|[\[【]?\d{1,3}[\]】]?|共\s*\d+\s*页|第\s*\d+\s*页|"
                    r"<<|>>|«|»|\.\.\.)[\s|｜]*)+$")
_MORE = re.compile(r"^(?:返回\S{0,6}[，,]?\s*查看更多|阅读剩余全文|展开全文|查看全文|点击查看|点击此处|阅读原文|更多\s*>+|>>|进入\S{0,8}>>)")
_COMMENTS = re.compile(r"网友评论|发表评论|我来说两句|查看评论|\d+\s*条评论|评论\s*\d+|跟贴|跟帖|已有\d+人|参与互动|我要评论")
_FOOTER = re.compile(
    r"copyright|©|版权所有|版权声明|免责声明|特别声明|原创版权|禁止.{0,6}转载|未经.{0,10}授权|转载.{0,12}(?:请|须|申请)|"
    r"违法和不良信息|不良信息举报|互联网新闻信息服务许可|联系我们|网站地图|ICP备|ICP证|公网安备|网友评论仅供|不代表.{0,10}(?:观点|立场)|"
    r"Notice\s*:|授权\s*>>",
    re.I)
_RELATED = re.compile(
    r"^[\s【\[]*(?:相关(?:新闻|阅读|链接|文章|报道|稿件|推荐|专题)|推荐(?:新闻|阅读|文章)|延伸阅读|热点(?:新闻|推荐|关注)|"
    r"热门(?:推荐|文章|新闻|排行)|精彩推荐|猜你喜欢|为您推荐|大家都在看|今日推荐|图片新闻|排行榜|点击排行|最新(?:新闻|文章)|"
    r"往期回顾|更多精彩|编辑推荐|新闻排行|专题推荐)[\s】\]>：:]*")
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|\d+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[）)]|第[一二三四五六七八九十\d]+[章条节部分])")
_NAMES_LINE = re.compile(r"^[\u4e00-\u9fff·]{2,5}(?:\s*[、，,]\s*[\u4e00-\u9fff·]{2,5})+$")  # 赵延东、风笑天: the authors
_END_SENTENCE = re.compile(r"[。！？!?…”」』）)]$")


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u3000\xa0\u200b\u200c\u200d\u2060\ufeff]+", "", text or "")


_BARE_DATE = re.compile(r"^\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?$")
_TRAILING_MORE = re.compile(r"\s*返回\S{0,6}[，,]\s*查看更多\s*$")
_TRAILING_SOURCE = re.compile(r"\s*[（(]\s*(?:本文|文章|稿件)?来源\s*[:：].*[）)]\s*$")
_ORG_END = re.compile(r"(?:政府|委员会|委|办公室|办公厅|厅|局|院|部|会|中心|公司|处|所|组|室|站|队|社|党委|支部)$")


def is_credit(line: str) -> bool:
    """An editor/author/source line that starts with its label (short, no sentence in it)."""
    if _EXCERPT.match(line) and len(line) <= 80:
        return True  # (摘自《…》2000年第2期，原文约15，000字) may hold commas
    if len(line) > 60 or _SENTENCE.search(line):
        return False  # 记者：你怎样看？ is an interview question, not a credit
    return bool(_EDITOR.match(line) or _SOURCE_LINE.match(line) or _PRINT_EDITION.match(squeeze(line)))


def furniture_kind(line: str) -> str | None:
    """Why `line` is page furniture, or None when it may be article text. `byline` (a date or a
    source inside a short line) is furniture only around the text, never inside it."""
    if FURNITURE_LINE.match(line):
        return "furniture"
    if _ORIGINAL_TITLE.match(line):
        return "original_title"
    short = len(line) <= 40
    if len(line) <= 60 and (_PHOTO_CREDIT.match(line) or "图片来源" in line):
        return "photo_credit"
    if is_credit(line):
        return "credit"
    if len(line) <= 50 and not _BARE_DATE.match(line) and _BYLINE.search(line) \
            and len(_SENTENCE.findall(line)) <= 1 and "。" not in line:
        return "byline"
    if len(line) <= 150 and "。" not in line and _DATED.search(line) and _META_LABEL.search(line):
        return "byline"  # 发布时间：… 来源：… 【字体：大 中 小】【打印】 on one long line
    if short and _SHARE.search(line):
        return "share"
    if _PAGER.match(line):
        return "pager"
    if short and _MORE.match(line):
        return "more"
    if short and _COMMENTS.search(line) and not _END_SENTENCE.search(line):
        return "comments"
    if len(line) <= 300 and _FOOTER.search(line):
        return "footer"
    if len(line) <= 20 and _RELATED.match(line):
        return "related"
    return None


def _closing_note(line: str) -> bool:
    """A short note set apart after the text (化名 notes, thanks) — not a sign-off or a 落款."""
    return (len(line) <= 40 and not _END_SENTENCE.search(line) and not line.startswith(("（", "("))
            and not _BARE_DATE.match(line) and not _ORG_END.search(line)
            and not re.search(r"[:：\d]", line))  # 联系人：… 电话：… is the notice's own text


_END_KINDS = frozenset({"credit", "footer", "related", "comments"})


def _headline_like(line: str, title: str, emphasised: set[str]) -> bool:
    flat = squeeze(line)
    flat_title = squeeze(title)
    if not flat:
        return True
    if flat_title and (flat == flat_title or (flat in flat_title and len(flat) >= 4)
                       or (flat_title in flat and len(flat) <= len(flat_title) + 16)):
        return True
    # 引题/副题: a short bold or centred line without a sentence in it (a label such as 个人简介： or a
    # numbered heading such as 一、基本情况 is not one)
    return (len(flat) <= 40 and not _SENTENCE.search(line) and not line.endswith(("：", ":"))
            and not _NUMBERED.match(line) and flat in emphasised)


def _walk_back(kept: list[str], removed: list[str], *, notes: bool) -> None:
    """Bylines (and, before the credits, closing notes) trailing the text go with the furniture."""
    for _ in range(3):
        if not kept:
            return
        last = kept[-1]
        if furniture_kind(last) == "byline" or (notes and _closing_note(last)):
            removed.append(kept.pop())
        else:
            return


def trim_lines(lines: list[str], *, title: str, emphasised: set[str]) -> tuple[list[str], list[str]]:
    """(article lines, removed lines)."""
    removed: list[str] = []
    kept: list[str] = []
    started = False
    ended = False
    body_chars = 0
    for index, line in enumerate(lines):
        kind = furniture_kind(line)
        if not started:
            if kind or _BARE_DATE.match(line) or _NAMES_LINE.match(line) or _headline_like(line, title, emphasised):
                removed.append(line)
                continue
            started = True
        if kind == "byline":
            kept.append(line)  # a dated line inside the text is text; around it, a byline
            continue
        if kind:
            removed.append(line)
            if kind in _END_KINDS and body_chars >= END_AFTER_CHARS:
                # the article is over: what follows is the byline, related lists or the footer
                _walk_back(kept, removed, notes=kind == "credit")
                removed += lines[index + 1:]
                ended = True
                break
            continue
        kept.append(line)
        body_chars += len(line)
    if not ended:
        _walk_back(kept, removed, notes=False)
    if kept:
        last = _TRAILING_SOURCE.sub("", _TRAILING_MORE.sub("", kept[-1]))
        if last != kept[-1]:
            removed.append(kept[-1][len(last):])
            kept[-1] = last
    return kept, removed
