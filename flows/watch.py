"""监测方案 at work: every post is matched at ingest (in the analyse stage, relevant or not) against
every active scheme in one pass (nlp.query.SchemeIndex), and a new or edited scheme is back-filled
over history in keyset batches on post id (bounded memory whatever the size of the store). Plain
Python, tested without Prefect; the CLI and the pipeline call it. Rules (预警) are flows/watch_rules.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session
from tqdm import tqdm

from nlp.query import Query, SchemeIndex, parse
from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.errors import BadInput
from yuqing.models import Analysis, Post, Scheme

log = logging.getLogger(__name__)

BACKFILL_BATCH = 1000


def clean_list(values: Iterable[str] | str | None) -> list[str]:
    """A list option as typed (comma, 、 or space separated), trimmed, without repeats."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        for part in str(value).replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
            if part.strip() and part.strip() not in out:
                out.append(part.strip())
    return out


@dataclass(frozen=True)
class Filter:
    """A scheme's places and sources: empty = anywhere / every source."""

    places: frozenset[str]
    sources: frozenset[str]

    def accepts(self, source: str | None, places: Sequence[str], jurisdiction: str | None) -> bool:
        if self.sources and (source or "") not in self.sources:
            return False
        if self.places and jurisdiction not in self.places and not self.places.intersection(places or ()):
            return False
        return True


class Matcher:
    """The active schemes as one index plus their filters."""

    def __init__(self, schemes: Sequence[Scheme]) -> None:
        queries: dict[int, Query] = {}
        self.filters: dict[int, Filter] = {}
        for scheme in schemes:
            try:
                queries[scheme.id] = parse(scheme.query)
            except BadInput as exc:  # saved before a change of the language: skipped, said once per pass
                log.warning("监测方案「%s」的检索式无法解析，已跳过：%s", scheme.name, exc)
                continue
            self.filters[scheme.id] = Filter(frozenset(scheme.places or ()), frozenset(scheme.sources or ()))
        self.index = SchemeIndex(queries)
        self.filtered = any(f.places or f.sources for f in self.filters.values())

    def __len__(self) -> int:
        return len(self.index)

    def match(self, title: str, text: str, source: str | None, places: Sequence[str], jurisdiction: str | None,
              *, simplified: str | None = None) -> dict[int, tuple[str, ...]]:
        """`simplified`: the post's stored text_simplified (the crawl's simplified "title\ntext"), when it has one."""
        if simplified:
            hits = self.index.match(simplified, simplified=True)
        else:
            hits = self.index.match(f"{title or ''}\n{text or ''}")
        if not self.filtered:
            return hits
        return {sid: terms for sid, terms in hits.items()
                if self.filters[sid].accepts(source, places, jurisdiction)}


_MATCHER: tuple[tuple, Matcher] | None = None


def active_matcher(session: Session) -> Matcher:
    """The matcher of the active schemes, rebuilt only when a scheme changed (each batch asks)."""
    global _MATCHER
    signature = (str(session.get_bind().url), *repo.active_schemes_signature(session))
    if _MATCHER is None or _MATCHER[0] != signature:
        _MATCHER = (signature, Matcher(repo.list_schemes(session, active_only=True)))
    return _MATCHER[1]


def match_at_ingest(session: Session, *, pairs: Sequence[tuple[Post, Analysis]]) -> int:
    """Match a batch of just-analysed posts against every active scheme (in the analyse stage's
    transaction); returns how many matches were new."""
    matcher = active_matcher(session)
    if not len(matcher) or not pairs:
        return 0
    names = repo.source_names(session) if any(f.sources for f in matcher.filters.values()) else {}
    moment = now()
    rows = []
    for post, analysis in pairs:
        for scheme_id, terms in matcher.match(post.title, post.text, names.get(post.source_id),
                                              analysis.places or (), analysis.jurisdiction,
                                              simplified=post.text_simplified).items():
            rows.append({"scheme_id": scheme_id, "post_id": post.id, "matched_terms": list(terms),
                         "matched_at": moment})
    return repo.insert_matches(session, rows=rows)


@dataclass
class BackfillReport:
    schemes: int = 0
    posts: int = 0
    matches: int = 0

    def describe(self) -> str:
        if not self.schemes:
            return "监测方案：无需回溯"
        return f"监测方案回溯：{self.schemes} 个方案，扫描 {self.posts} 条帖子，新增命中 {self.matches} 条"


def backfill(name: str | None = None, *, progress: bool = False, batch_size: int = BACKFILL_BATCH,
             limit_batches: int | None = None) -> BackfillReport:
    """Back-fill every active scheme whose current version is not yet matched over history (or the
    one named): keyset batches on post id, one transaction each, the cursor saved with the matches,
    so an interrupted back-fill resumes where it stopped and a second worker doubles nothing."""
    report = BackfillReport()
    with session_scope() as session:
        if name:
            repo.get_scheme(session, name=name)  # an unknown name is an error, not "nothing to do"
        todo = [(s.id, s.name, s.version, s.backfill_cursor) for s in repo.schemes_to_backfill(session, name=name)]
    for scheme_id, scheme_name, version, cursor in todo:
        report.schemes += 1
        with session_scope() as session:
            scheme = repo.get_scheme(session, scheme_id=scheme_id)
            matcher = Matcher([scheme])
            total = repo.count_posts_after(session, after_id=cursor)
        bar = tqdm(total=total, desc=f"回溯 {scheme_name}", unit="帖", disable=not progress)
        batches = 0
        while True:
            with session_scope() as session:
                rows = repo.posts_after(session, after_id=cursor, limit=batch_size)
                matches = []
                moment = now()
                for pid, title, text, simplified, source, places, jurisdiction in rows:
                    for sid, terms in matcher.match(title, text, source, places, jurisdiction,
                                                    simplified=simplified).items():
                        matches.append({"scheme_id": sid, "post_id": pid, "matched_terms": list(terms),
                                        "matched_at": moment})
                new = repo.insert_matches(session, rows=matches)
                cursor = rows[-1][0] if rows else cursor
                if not repo.advance_backfill(session, scheme_id=scheme_id, version=version, cursor=cursor,
                                             done=len(rows) < batch_size):
                    session.rollback()  # edited meanwhile: the next pass back-fills the new version
                    log.info("监测方案「%s」在回溯中被修改，本次回溯停止", scheme_name)
                    break
            report.posts += len(rows)
            report.matches += new
            bar.update(len(rows))
            batches += 1
            if len(rows) < batch_size or (limit_batches and batches >= limit_batches):
                break
        bar.close()
    return report


def scheme_summary(session: Session) -> list[dict]:
    """Every scheme with its match count and back-fill state (CLI list, dashboard)."""
    counts = repo.match_counts(session)
    return [{"id": s.id, "name": s.name, "query": s.query, "places": list(s.places or ()),
             "sources": list(s.sources or ()), "owner": s.owner, "active": s.active, "version": s.version,
             "matches": counts.get(s.id, 0), "backfilled": s.backfilled_version >= s.version,
             "cursor": s.backfill_cursor, "updated_at": s.updated_at}
            for s in repo.list_schemes(session)]


def create(*, name: str, query: str, places=None, sources=None, owner: str = "") -> Scheme:
    """Save a new scheme (the query validated first: QueryError names the position)."""
    parse(query)
    with session_scope() as session:
        scheme = repo.create_scheme(session, name=name, query=query.strip(), places=clean_list(places),
                                    sources=clean_list(sources), owner=owner)
        session.expunge(scheme)
        return scheme


def edit(name: str, *, query: str | None = None, places=None, sources=None, new_name: str | None = None) -> bool:
    if query is not None:
        parse(query)
        query = query.strip()
    with session_scope() as session:
        scheme = repo.get_scheme(session, name=name)
        return repo.update_scheme(session, scheme=scheme, query=query,
                                  places=None if places is None else clean_list(places),
                                  sources=None if sources is None else clean_list(sources), new_name=new_name)


def set_active(name: str, active: bool) -> None:
    with session_scope() as session:
        repo.set_scheme_active(session, scheme=repo.get_scheme(session, name=name), active=active)


def delete(name: str) -> int:
    with session_scope() as session:
        return repo.delete_scheme(session, scheme=repo.get_scheme(session, name=name))
