"""The pipeline's stages as plain functions (the Prefect tasks in flows/pipeline.py are thin
wrappers). Each stage reads only what is new since its last success (a marker column on the row
it consumes) and writes in the same transaction as the marker, so a crash, a retry or a second
run never loses or doubles anything.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from tqdm import tqdm

from flows import official, watch
from flows.leases import stage_lease
from flows.routing import IssueFacts, RoutingDecision, route
from yuqing import lifecycle, repo
from yuqing.alerts import enqueue_alert
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.deadlines import compute_deadlines
from yuqing.models import Analysis, Assignment, AssignmentStatus, Issue, IssueStatus, Post
from yuqing.profile import Profile, load_profile
from yuqing.repo import Viewer
from yuqing.settings import get_settings

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- analyse


def analyze_new_posts(*, limit: int | None = None, progress: bool = False, profile: Profile | None = None) -> int:
    """Analyse every post without an analysis yet; returns how many were analysed (0 when another
    worker holds the stage)."""
    with session_scope() as session:
        total = repo.count_posts_to_analyze(session)
    if not total:
        return 0  # nothing new: do not load the models at all
    with stage_lease("analyze") as lease:
        if lease is None:
            return 0
        done = _analyze_batches(lease, limit=limit, progress=progress, total=total, profile=profile)
        lease.summary = f"analysed {done} post(s)"
        return done


def _analyze_batches(lease, *, limit, progress, total, profile) -> int:
    from nlp.analyze import Analyzer

    profile = profile or load_profile()
    settings = get_settings()
    analyzer = _loaded_analyzer(Analyzer, profile, settings.model_dir)
    with session_scope() as session:  # the system page lists the versions the pipeline runs
        repo.register_model_cards(session, cards=analyzer.cards, model_dir=settings.model_dir)
    batch_size = settings.stage_batch_size
    done = 0
    total = min(total, limit) if limit else total
    bar = tqdm(total=total, desc="analyse", unit="post", disable=not progress)
    while limit is None or done < limit:
        with session_scope() as session:
            lease.hold(session)  # fencing: see Lease.hold
            batch = repo.posts_to_analyze(session, limit=min(batch_size, (limit - done) if limit else batch_size))
            if not batch:
                break
            # one classifier call per batch: ~7x the throughput of one call per post
            results = analyzer.analyze_many([(p.title, p.text, p.likes, p.reposts, p.comments) for p in batch])
            site_watch = repo.site_watch_source_ids(session)
            saved = repo.save_analyses(session, pairs=[
                (post, _analysis_of(post, result, site_finding=post.source_id in site_watch))
                for post, result in zip(batch, results, strict=True)
            ])
            # 监测方案: every post, relevant or not, against every active scheme, in this transaction
            watch.match_at_ingest(session, pairs=list(zip(batch, saved, strict=True)))
            done += len(batch)
            bar.update(len(batch))
        lease.renew()
    bar.close()
    return done


_ANALYZERS: dict[tuple, object] = {}


def _loaded_analyzer(analyzer_class, profile: Profile, model_dir):
    """The analyzer of this profile and model folder, loaded once per process and again only when a
    model file changes: a long-lived worker must not pay seconds of model loading on every pass."""
    profile_dir = get_settings().config_dir / "profiles" / profile.meta.name
    files = [*model_dir.glob("*"), *profile_dir.glob("*")]
    key = (profile.meta.name, str(model_dir), str(profile_dir),
           tuple(sorted((str(p), p.stat().st_mtime_ns) for p in files if p.is_file())))
    if key not in _ANALYZERS:
        _ANALYZERS.clear()
        _ANALYZERS[key] = analyzer_class.load(profile, model_dir)
    return _ANALYZERS[key]


def _analysis_of(post: Post, result, *, site_finding: bool = False) -> Analysis:
    """The Analysis row for one result; also marks the post as spam and gives it its SimHash."""
    from nlp.sentiment import EMOTION_NAMES

    # stored as the class (angry, fear, …) like `sentiment`: the display names live in dashboard/labels.py
    emotion = {name: code for code, name in EMOTION_NAMES.items()}.get(result.emotion or "")
    analysis = Analysis(
        post_id=post.id, model_version=result.model_version, topic=result.topic, topic_prob=result.topic_prob,
        topic_level2=result.topic_level2, relevant=result.relevant, relevance_score=result.relevance_score,
        urgency=result.urgency, urgency_score=result.urgency_score, urgency_signals=list(result.urgency_signals),
        sentiment=result.sentiment, sentiment_score=result.sentiment_score, emotion=emotion,
        negative_intensity=result.negative_intensity, places=list(result.places),
        jurisdiction=result.jurisdiction, keywords=list(result.keywords),
    )
    if site_finding:
        # spam injected into, or the defacement of, the district's own website is a government matter
        # whatever the relevance model (trained on citizen messages vs news) makes of the finding's text
        analysis.relevant, analysis.relevance_score = True, 1.0
    if result.spam and not post.spam:
        post.spam, post.spam_reason = True, (result.spam_reason or "spam")[:200]
    if not post.simhash:
        post.simhash = result.simhash
    return analysis


# ---------------------------------------------------------------- group into issues


@dataclass
class ClusterReport:
    new_issues: int = 0
    joined: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    elsewhere: bool = False  # another worker held the stage

    def describe(self) -> str:
        if self.elsewhere:
            return "grouping skipped: another worker is running it"
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        return f"{self.new_issues} new issue(s), {self.joined} post(s) joined existing issues; skipped: {skipped}"

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


# PostgreSQL aborts one of two transactions that wait on each other (deadlock detected) or that cannot
# both commit (serialization failure): the one aborted is run again
CONFLICT_SQLSTATES = ("40P01", "40001")
CONFLICT_ATTEMPTS = 3


def _in_batches(lease, batch, handle=None, *, report=None) -> None:
    """`handle(session, rows)` on each batch `batch(session)` gives, one transaction each, until a batch
    is empty; the stage lease is held in every transaction (fencing: see Lease.hold) and renewed after it.
    A batch that lost a conflict with another worker's transaction (two workers' triggers updating the
    same count rows in different orders) is rolled back and run again, and `report`'s counts with it."""
    while True:
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            counted = copy.deepcopy(report)
            try:
                with session_scope() as session:
                    lease.hold(session)
                    rows = batch(session)
                    if not rows:
                        return
                    if handle is not None:
                        handle(session, rows)
                break
            except DBAPIError as exc:
                if attempt == CONFLICT_ATTEMPTS or getattr(exc.orig, "sqlstate", None) not in CONFLICT_SQLSTATES:
                    raise
                log.warning("批次与其他进程的事务冲突（%s），已回滚，第 %d 次重试", exc.orig.sqlstate, attempt)
                if report is not None:
                    report.__dict__.update(counted.__dict__)
        lease.renew()


def cluster_new_posts(*, profile: Profile | None = None) -> ClusterReport:
    """Group analysed posts into issues (online clustering within a time window)."""
    from nlp.cluster import Candidate, best_match, heat

    settings = get_settings()
    report = ClusterReport()
    window = timedelta(hours=settings.cluster_window_hours)
    with stage_lease("cluster") as lease:
        if lease is None:
            report.elsewhere = True
            return report
        def cluster(session, rows) -> None:
            for post, analysis in rows:
                _cluster_one(session, post, analysis, report, window, settings.cluster_min_similarity,
                             Candidate, best_match, heat)

        _in_batches(lease, lambda session: repo.posts_to_cluster(session, limit=settings.stage_batch_size), cluster,
                    report=report)
        # new and grown issues become searchable now, not when an analyst first opens the list
        _in_batches(lease, lambda session: repo.index_issues_for_search(session, limit=settings.stage_batch_size))
        lease.summary = report.describe()
    return report


def _cluster_one(session, post, analysis, report, window, min_similarity, Candidate, best_match, heat) -> None:
    moment = now()
    post.clustered_at = moment
    session.add(post)
    if post.spam:
        report.skip("spam")
        log.info("post %s not grouped: spam (%s)", post.id, post.spam_reason)
        return
    if official.handle_official_post(session, post=post):  # the district's own publication: never a new task
        report.skip("official publication")
        return
    if not analysis.relevant:
        report.skip("not relevant")
        return
    seen = post.published_at or post.fetched_at
    issue = None
    if post.duplicate_of_id:
        original = session.get(Post, post.duplicate_of_id)
        issue = session.get(Issue, original.issue_id) if original and original.issue_id else None
    if issue is None:
        candidates = [
            Candidate(id=i.id, simhash=i.simhash, keywords=frozenset(i.keywords or ()), last_seen=i.last_seen_at,
                      jurisdiction=i.jurisdiction, topic=i.topic)
            for i in repo.open_issues_since(session, since=seen - window)
        ]
        match = best_match(
            Candidate(id=None, simhash=post.simhash, keywords=frozenset(analysis.keywords or ()), last_seen=seen,
                      jurisdiction=analysis.jurisdiction, topic=analysis.topic),
            candidates, window=window, min_similarity=min_similarity,
        )
        issue = session.get(Issue, match) if match is not None else None
    if issue is None:
        issue = Issue(
            title=(post.title or post.text[:40]).strip()[:200] or "(无标题)", summary=post.text[:300],
            topic=analysis.topic, topic_level2=analysis.topic_level2, topic_prob=analysis.topic_prob,
            urgency=analysis.urgency, urgency_signals=analysis.urgency_signals, sentiment=analysis.sentiment,
            jurisdiction=analysis.jurisdiction, places=analysis.places, keywords=analysis.keywords,
            simhash=post.simhash, first_seen_at=seen, last_seen_at=seen,
        )
        session.add(issue)
        session.flush()
        repo.record_event(session, actor="flow:cluster", kind="created", issue_id=issue.id, to_state=IssueStatus.NEW,
                          note=f"由帖子 #{post.id} 生成", data={"post_id": post.id, "url": post.url})
        official.link_waiting_replies(session, issue=issue, post=post)  # answered before it reached us
        report.new_issues += 1
    else:
        report.joined += 1
        if analysis.urgency < issue.urgency:
            repo.record_event(session, actor="flow:cluster", kind="edited", issue_id=issue.id,
                              from_state=f"urgency {issue.urgency}", to_state=f"urgency {analysis.urgency}",
                              note=f"帖子 #{post.id} 提高了紧急程度", data={"signals": analysis.urgency_signals})
            issue.urgency, issue.urgency_signals = analysis.urgency, analysis.urgency_signals
        issue.last_seen_at = max(issue.last_seen_at, seen)
        issue.first_seen_at = min(issue.first_seen_at, seen)
    post.issue_id = issue.id
    session.flush()
    stats = repo.issue_post_stats(session, issue_id=issue.id)
    issue.post_count, issue.source_count = stats["posts"], stats["sources"]
    hours = max((issue.last_seen_at - issue.first_seen_at).total_seconds() / 3600, 0.0)
    issue.heat = heat(stats["posts"], stats["sources"], stats["engagement"], hours)
    issue.updated_at = moment
    session.add(issue)


# ---------------------------------------------------------------- route


@dataclass
class RouteReport:
    routed: int = 0
    triaged: int = 0
    assignments: int = 0
    elsewhere: bool = False  # another worker held the stage

    def describe(self) -> str:
        if self.elsewhere:
            return "routing skipped: another worker is running it"
        return f"routed {self.routed} issue(s) with {self.assignments} assignment(s); {self.triaged} to triage"


def route_new_issues(*, profile: Profile | None = None) -> RouteReport:
    profile = profile or load_profile()
    report = RouteReport()
    with stage_lease("route") as lease:
        if lease is None:
            report.elsewhere = True
            return report
        def route_all(session, issues) -> None:
            for issue in issues:
                route_issue(session, issue=issue, profile=profile, report=report)

        _in_batches(lease, lambda session: repo.issues_to_route(session, limit=get_settings().stage_batch_size),
                    route_all, report=report)
        lease.summary = report.describe()
    return report


def facts_of(issue: Issue, *, site_owner: str | None = None) -> IssueFacts:
    return IssueFacts(
        title=issue.title, text=issue.summary, topic=issue.topic, topic_level2=issue.topic_level2,
        topic_prob=issue.topic_prob, urgency=issue.urgency, jurisdiction=issue.jurisdiction,
        places=tuple(issue.places or ()), site_owner=site_owner,
    )


def route_issue(session: Session, *, issue: Issue, profile: Profile, report: RouteReport | None = None,
                actor: str = "flow:route") -> RoutingDecision:
    report = report or RouteReport()
    moment = now()
    facts = facts_of(issue, site_owner=repo.site_owner_of_issue(session, issue_id=issue.id))
    decision = route(facts, profile, exclude=repo.returned_units(session, issue_id=issue.id))
    issue.updated_at = moment
    if decision.triage:
        lifecycle.send_to_triage(session, actor=actor, issue=issue, reason=decision.triage_reason)
        report.triaged += 1
        return decision
    for choice in decision.units():
        existing = repo.existing_assignment(session, issue_id=issue.id, unit_code=choice.unit_code)
        if existing is not None:
            if choice.role == "lead" and existing.role == "co" and existing.status != AssignmentStatus.RETURNED:
                # after a 退回 the co-unit may become the lead: same assignment, new role, on the record
                existing.role, existing.rule_id, existing.reason, existing.updated_at = "lead", choice.rule_id, choice.reason, moment
                session.add(existing)
                repo.record_event(session, actor=actor, kind="reassigned", issue_id=issue.id,
                                  assignment_id=existing.id, unit_code=existing.unit_code, from_state="co",
                                  to_state="lead", note=choice.reason, data={"rule": choice.rule_id})
            continue
        deadlines = compute_deadlines(issue.urgency, moment, profile.meta.sla)
        assignment, _ = lifecycle.notify_unit(
            session, actor=actor, issue=issue, unit_code=choice.unit_code, role=choice.role, rule_id=choice.rule_id,
            reason=choice.reason, deadlines=deadlines.as_dict(), at=moment,
            data={"rule": choice.rule_id, "role": choice.role,
                  **{k: v.isoformat() if v else None for k, v in deadlines.as_dict().items()}},
        )
        unit = profile.units.get(choice.unit_code)
        if unit is not None:
            role = "牵头办理" if choice.role == "lead" else "协办"
            enqueue_alert(
                session, units=[unit], key=f"assignment:{assignment.id}:new", issue_id=issue.id,
                assignment_id=assignment.id, subject=f"【舆情交办·{role}】{issue.title[:60]}",
                body=_assignment_text(issue, choice.reason, deadlines),
            )
        report.assignments += 1
    lifecycle.mark_assigned(session, actor=actor, issue=issue, at=moment, note=decision.reason,
                            data={"rule": decision.rule_id})
    report.routed += 1
    return decision


def _assignment_text(issue: Issue, reason: str, deadlines) -> str:
    from yuqing.clock import to_local

    lines = [f"事件 #{issue.id}：{issue.title}", f"紧急程度：{issue.urgency} 级", f"交办理由：{reason}"]
    for label, due in (("签收", deadlines.ack_due), ("首次发布权威信息", deadlines.info_due),
                       ("新闻发布会", deadlines.press_due), ("答复", deadlines.response_due)):
        if due:
            lines.append(f"{label}时限：{to_local(due):%Y-%m-%d %H:%M}")
    lines.append("请登录舆情平台签收并办理。")
    return "\n".join(lines)


def route_manually(session: Session, *, viewer: Viewer, issue_id: int, unit_code: str, profile: Profile | None = None,
                   note: str = "") -> Assignment:
    """An analyst routes (or re-routes) an issue from the triage queue to a unit of their choice."""
    from yuqing.errors import AccessDenied, BadInput

    if not viewer.may_edit_issues:
        raise AccessDenied(f"{viewer.username} 无权交办事件")
    profile = profile or load_profile()
    if unit_code not in profile.units:
        raise BadInput(f"没有这个单位：{unit_code}")
    issue = repo.get_issue(session, viewer=viewer, issue_id=issue_id)
    moment = now()
    assignment = repo.existing_assignment(session, issue_id=issue.id, unit_code=unit_code)
    deadlines = compute_deadlines(issue.urgency, moment, profile.meta.sla)
    reason = f"分析员 {viewer.username} 指定" + (f"：{note}" if note else "")
    if assignment is None:
        assignment, event = lifecycle.notify_unit(
            session, actor=viewer.username, issue=issue, unit_code=unit_code, role="lead", rule_id="manual",
            reason=reason, deadlines=deadlines.as_dict(), at=moment, data={"rule": "manual"})
    else:
        event = lifecycle.notify_again(session, actor=viewer.username, assignment=assignment, rule_id="manual",
                                       reason=reason, deadlines=deadlines.as_dict(), data={"rule": "manual"})
    enqueue_alert(session, units=[profile.units[unit_code]], key=f"assignment:{assignment.id}:manual:{event.id}",
                  issue_id=issue.id, assignment_id=assignment.id, subject=f"【舆情交办·牵头办理】{issue.title[:60]}",
                  body=_assignment_text(issue, reason, deadlines))
    lifecycle.mark_assigned(session, actor=viewer.username, issue=issue, at=moment, audit=False)
    return assignment
