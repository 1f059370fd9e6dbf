"""Official publications close the loop. A post from the district's own sites (a source with an
owner unit) or by one of its recognised accounts (setting official_accounts, e.g. its 政务微博 on a
Weibo source) is never a new task: when it answers a citizen's message — 关于“…”的回复, or a 答复
quoting the message's title — it is linked to the issue the message belongs to and recorded as that
issue's published response (yuqing.lifecycle.answer_officially: the URL `yuqing verify` checks, an
event on the timeline); when it answers nothing it is kept as evidence (OfficialReply without
issue) and not routed. A reply published before its message reached us waits as evidence and is
linked when the message's issue is created (link_waiting_replies)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlmodel import Session

from yuqing import authors, lifecycle, repo
from yuqing.models import Issue, OfficialReply, Post
from yuqing.settings import get_settings

log = logging.getLogger(__name__)

ACTOR = "flow:official"
# 关于“请求B9市公交公司调整6路公交车的运行路线”的回复 / 答复 / 办理情况
ANSWER_TITLE = re.compile(r"关于\s*[“\"「『‘']\s*(.{2,120}?)\s*[”\"」』’']\s*(?:的|之)?\s*(?:回复|答复|办理情况|处理情况|回函|回应)")
QUOTED = re.compile(r"[“「『]\s*(.{4,120}?)\s*[”」』]")
ANSWER_WORDS = ("答复", "回复", "来信收悉", "留言收悉", "留言已收悉", "现回复如下", "现答复如下")


def quoted_titles(title: str, text: str) -> list[str]:
    """The message titles an official post answers: from a 关于“…”的回复 title, else the quoted
    strings of a post that says it answers (答复, 来信收悉 …) near its start."""
    found = ANSWER_TITLE.findall(title or "")
    if found:
        return found
    head = f"{title or ''}\n{(text or '')[:600]}"
    if any(word in head for word in ANSWER_WORDS):
        return QUOTED.findall(head)
    return []


@dataclass(frozen=True)
class Publishers:
    """Who publishes for the district: its own sites (sources with an owner unit) and its recognised
    accounts (setting official_accounts, kept as the author hashes the crawl stores)."""

    sources: frozenset[int]
    accounts: frozenset[str]

    @classmethod
    def load(cls, session: Session) -> Publishers:
        return cls(frozenset(repo.official_source_ids(session)),
                   frozenset(authors.account_hashes(get_settings().official_accounts)))

    def published(self, post: Post) -> bool:
        return post.source_id in self.sources or (post.author_hash is not None and post.author_hash in self.accounts)


def handle_official_post(session: Session, *, post: Post, publishers: Publishers | None = None) -> bool:
    """True when the post is an official publication (answered or kept as evidence): the caller
    must not group or route it. Idempotent per post."""
    publishers = publishers or Publishers.load(session)
    if not publishers.published(post):
        return False
    if repo.official_reply_of_post(session, post_id=post.id) is not None:
        return True
    titles = quoted_titles(post.title, post.text)
    match = repo.issue_of_message_title(session, titles=titles, exclude_sources=set(publishers.sources),
                                        exclude_authors=publishers.accounts) if titles else None
    session.add(OfficialReply(post_id=post.id, issue_id=match[0] if match else None,
                              quoted_title=match[1] if match else (titles[0] if titles else None), url=post.url))
    if match is None:
        log.info("官方发布 #%s 未对应任何事件，作为佐证保存：%s", post.id, (post.title or post.text)[:60])
        return True
    issue = session.get(Issue, match[0])
    outcome = lifecycle.answer_officially(session, actor=ACTOR, issue=issue, url=post.url, title=post.title,
                                          text=post.text)
    log.info("官方发布 #%s 答复了事件 #%s（%s）", post.id, issue.id, outcome)
    return True


def link_waiting_replies(session: Session, *, issue: Issue, post: Post) -> int:
    """A new issue whose first message an earlier official reply already answers: link and answer it."""
    linked = 0
    for reply in repo.waiting_replies(session, title=post.title or ""):
        reply.issue_id = issue.id
        session.add(reply)
        answer = session.get(Post, reply.post_id)
        lifecycle.answer_officially(session, actor=ACTOR, issue=issue, url=reply.url,
                                    title=answer.title if answer else reply.quoted_title or "",
                                    text=answer.text if answer else "")
        linked += 1
    return linked
