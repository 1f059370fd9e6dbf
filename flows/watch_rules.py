"""预警 rules: validated before they are saved, evaluated after the analyse stage.

Kinds (per scheme, or over the whole stream when no scheme is named):

* volume   — posts arrived in the last `window_minutes` above `threshold`;
* surge    — posts in the window above `factor` × the scheme's own baseline (the mean of the
             `baseline_windows` windows before it), with at least `min_count` posts;
* negative — share of negative posts in the window above `share`, with at least `min_posts` posts;
* terms    — any post of the window holding a high-risk term (跳楼, 爆炸, 讨薪 …, editable);
* reach    — one post's likes + reposts + comments above `threshold`;
* author   — a post by an account on a watched list (authors are stored as salted hashes, so the
             list is hashed the same way and only the hashes are kept).

A window rule fires once per episode: while its condition keeps holding nothing more is sent; when
it stops, the episode ends and the next breach is a new one. A post rule fires once per post. The
episode key is unique in the database, so two workers evaluating at once fire it once. A fired
alert goes through the outbox to the analysts (the profile's propaganda unit) and the rule's units,
stays on the dashboard until acknowledged, and is on the audit log (an Event without issue, kind
"alerted"; rule edits are "edited" events carrying the rule id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from nlp.query import fold
from yuqing import authors, repo
from yuqing.alerts import enqueue_alert
from yuqing.clock import now, to_local
from yuqing.db import session_scope
from yuqing.errors import BadInput
from yuqing.models import WatchRule
from yuqing.profile import Profile, load_profile

log = logging.getLogger(__name__)

KINDS = {"volume": "声量超过阈值", "surge": "声量超过自身基线的倍数", "negative": "负面占比超过阈值",
         "terms": "出现高危词", "reach": "单帖传播量超过阈值", "author": "关注账号发帖"}
LEVELS = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
LEVEL_ALIASES = {"红": "red", "红色": "red", "橙": "orange", "橙色": "orange", "黄": "yellow", "黄色": "yellow"}
DEFAULT_RISK_TERMS = ["跳楼", "爆炸", "讨薪", "聚集", "维权", "上访", "堵路", "自焚", "罢工", "坍塌", "死亡", "群体性"]
WINDOW_KINDS = ("volume", "surge", "negative")


class RuleError(BadInput):
    """A 预警 rule that cannot be saved; the message says why (exit status 2, like a bad query)."""

    exit_code = 2


def _int(params: dict, key: str, label: str, low: int, high: int, default: int | None = None) -> int:
    value = params.get(key, default)
    try:
        number = int(value)
        if float(value) != number:
            raise ValueError
    except (TypeError, ValueError):
        raise RuleError(f"{label}必须是整数（{low}–{high}）") from None
    if not low <= number <= high:
        raise RuleError(f"{label}必须在 {low} 到 {high} 之间，现为 {number}")
    return number


def _float(params: dict, key: str, label: str, low: float, high: float, default: float | None = None,
           *, open_low: bool = False) -> float:
    value = params.get(key, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RuleError(f"{label}必须是数字") from None
    if number != number or number > high or number < low or (open_low and number == low):
        raise RuleError(f"{label}必须{'大于' if open_low else '不小于'} {low:g} 且不大于 {high:g}，现为 {number:g}")
    return number


def validate(kind: str, params: dict | None, *, level: str = "yellow", units: list[str] | None = None,
             profile: Profile | None = None) -> tuple[dict, str, list[str]]:
    """(clean params, level, units) of a rule, or BadInput saying in Chinese what is wrong."""
    if kind not in KINDS:
        raise RuleError(f"未知的预警类型「{kind}」；可选：" + "、".join(f"{k}（{v}）" for k, v in KINDS.items()))
    level = LEVEL_ALIASES.get(level, level)
    if level not in LEVELS:
        raise RuleError(f"预警级别「{level}」无效；可选：红/橙/黄（red/orange/yellow）")
    params = dict(params or {})
    window = _int(params, "window_minutes", "时间窗口（分钟）", 5, 7 * 24 * 60, 60)
    clean: dict = {"window_minutes": window}
    if kind == "volume":
        clean["threshold"] = _int(params, "threshold", "声量阈值", 1, 10_000_000)
    elif kind == "surge":
        clean["factor"] = _float(params, "factor", "倍数", 1.0, 1000.0, open_low=True)
        clean["baseline_windows"] = _int(params, "baseline_windows", "基线窗口数", 1, 336, 24)
        clean["min_count"] = _int(params, "min_count", "最少帖数", 1, 10_000_000, 5)
    elif kind == "negative":
        clean["share"] = _float(params, "share", "负面占比", 0.0, 1.0, open_low=True)
        clean["min_posts"] = _int(params, "min_posts", "最少帖数", 1, 10_000_000, 10)
    elif kind == "terms":
        terms = params.get("terms") or DEFAULT_RISK_TERMS
        terms = [fold(t).strip() for t in ([terms] if isinstance(terms, str) else terms)]
        terms = list(dict.fromkeys(t for t in terms if t))
        if not terms:
            raise RuleError("高危词表不能为空")
        if len(terms) > 500 or any(len(t) > 30 for t in terms):
            raise RuleError("高危词表最多 500 个词，每个词不超过 30 个字")
        clean["terms"] = terms
    elif kind == "reach":
        clean["threshold"] = _int(params, "threshold", "传播量阈值（点赞+转发+评论）", 1, 10**12)
    elif kind == "author":
        try:
            hashes = [*(params.get("hashes") or ()), *authors.account_hashes(params.get("authors") or ())]
        except ValueError as exc:
            raise RuleError(f"关注{exc}") from None
        if not hashes or any(len(h) != 64 for h in hashes):
            raise RuleError("关注账号名单不能为空（格式：数据源名:账号名）")
        clean["hashes"] = sorted(set(hashes))
    profile = profile or load_profile()
    units = [u for u in dict.fromkeys(units or ()) if u]
    unknown = [u for u in units if u not in profile.units]
    if unknown:
        raise RuleError(f"未知的单位：{'、'.join(unknown)}")
    return clean, level, units


def describe(rule: WatchRule) -> str:
    p = rule.params or {}
    window = f"{p.get('window_minutes', 60)} 分钟内"
    return {
        "volume": f"{window}声量 > {p.get('threshold')}",
        "surge": f"{window}声量 > {p.get('factor')} × 前 {p.get('baseline_windows')} 个窗口均值（至少 {p.get('min_count')} 条）",
        "negative": f"{window}负面占比 > {p.get('share', 0):.0%}（至少 {p.get('min_posts')} 条）",
        "terms": f"{window}出现高危词：{'、'.join((p.get('terms') or [])[:12])}",
        "reach": f"{window}单帖传播量 > {p.get('threshold')}",
        "author": f"{window}关注账号（{len(p.get('hashes') or [])} 个）发帖",
    }.get(rule.kind, rule.kind)


# ---------------------------------------------------------------- evaluation


@dataclass
class Finding:
    key: str  # the episode key (window rules) or the post's (post rules)
    title: str
    detail: str
    data: dict = field(default_factory=dict)


@dataclass
class EvaluationReport:
    fired: list[int] = field(default_factory=list)
    ended: int = 0
    rules: int = 0

    def describe(self) -> str:
        return f"预警：检查 {self.rules} 条规则，新触发 {len(self.fired)} 条，结束 {self.ended} 个事件周期"


def _window_breach(session: Session, rule: WatchRule, at: datetime) -> Finding | None:
    p = rule.params or {}
    window = timedelta(minutes=p.get("window_minutes", 60))
    since = at - window
    count = repo.window_count(session, scheme_id=rule.scheme_id, since=since, until=at)
    span = f"{to_local(since):%m-%d %H:%M}–{to_local(at):%H:%M}"
    if rule.kind == "volume":
        if count > p["threshold"]:
            return Finding("", f"声量 {count} 条，超过阈值 {p['threshold']}", f"{span} 共 {count} 条",
                           {"count": count})
    elif rule.kind == "surge":
        windows = p.get("baseline_windows", 24)
        before = repo.window_count(session, scheme_id=rule.scheme_id, since=since - window * windows, until=since)
        baseline = before / windows
        if count >= p.get("min_count", 5) and count > p["factor"] * baseline:
            return Finding("", f"声量 {count} 条，为基线 {baseline:.1f} 的 {count / baseline:.1f} 倍" if baseline
                           else f"声量 {count} 条，此前无声量", f"{span} 共 {count} 条；前 {windows} 个窗口平均 {baseline:.1f} 条",
                           {"count": count, "baseline": round(baseline, 2)})
    elif rule.kind == "negative":
        sentiments = repo.window_sentiments(session, scheme_id=rule.scheme_id, since=since, until=at)
        negative = sum(1 for s in sentiments if s == "negative")
        if len(sentiments) >= p.get("min_posts", 10) and negative / len(sentiments) > p["share"]:
            share = negative / len(sentiments)
            return Finding("", f"负面占比 {share:.0%}（{negative}/{len(sentiments)}）",
                           f"{span} 已分析 {len(sentiments)} 条，负面 {negative} 条，阈值 {p['share']:.0%}",
                           {"negative": negative, "posts": len(sentiments)})
    return None


def _post_findings(session: Session, rule: WatchRule, at: datetime) -> list[Finding]:
    p = rule.params or {}
    since = at - timedelta(minutes=p.get("window_minutes", 60))
    rows = repo.window_post_rows(session, scheme_id=rule.scheme_id, since=since, until=at,
                                 touched=rule.kind == "reach")
    findings = []
    terms = p.get("terms") or []
    hashes = set(p.get("hashes") or ())
    for pid, title, text, url, reach, author, source in rows:
        label = (title or text or "")[:40].replace("\n", " ")
        if rule.kind == "terms":
            folded = fold(f"{title}\n{text}")
            hit = [t for t in terms if t in folded]
            if hit:
                findings.append(Finding(f"post:{pid}", f"出现高危词「{'、'.join(hit[:5])}」：{label}",
                                        f"{source or ''} {url}", {"post_id": pid, "terms": hit, "url": url}))
        elif rule.kind == "reach" and reach > p["threshold"]:
            findings.append(Finding(f"post:{pid}", f"单帖传播量 {reach}：{label}", f"{source or ''} {url}",
                                    {"post_id": pid, "reach": reach, "url": url}))
        elif rule.kind == "author" and author in hashes:
            findings.append(Finding(f"post:{pid}", f"关注账号发帖：{label}", f"{source or ''} {url}",
                                    {"post_id": pid, "url": url}))
    return findings


def _fire(session: Session, rule: WatchRule, finding: Finding, at: datetime, profile: Profile) -> int | None:
    scheme_name = repo.get_scheme(session, scheme_id=rule.scheme_id).name if rule.scheme_id else "全网"
    title = f"[{scheme_name}] {finding.title}"
    alert_id = repo.insert_alert(session, values={
        "rule_id": rule.id, "scheme_id": rule.scheme_id, "episode_key": finding.key, "level": rule.level,
        "title": title[:500], "detail": finding.detail, "data": finding.data, "fired_at": at,
    })
    if alert_id is None:
        return None  # another worker (or an earlier pass) fired this episode
    units = [profile.units[code] for code in dict.fromkeys([profile.meta.propaganda_unit, *(rule.units or ())])
             if code in profile.units]
    body = "\n".join([f"预警级别：{LEVELS[rule.level]}", f"规则：{rule.name}（{describe(rule)}）", title,
                      finding.detail, f"触发时间：{to_local(at):%Y-%m-%d %H:%M}", "请登录舆情平台「预警」页签收。"])
    enqueue_alert(session, units=units, key=f"watch:{finding.key}", subject=f"【舆情预警·{LEVELS[rule.level]}】{title[:60]}",
                  body=body, issue_id=None, assignment_id=None)
    repo.record_event(session, actor="flow:watch", kind="alerted", to_state=rule.level, note=title,
                      data={"alert_id": alert_id, "rule_id": rule.id, "scheme_id": rule.scheme_id, **finding.data},
                      at=at, dedupe_key=f"alert:{finding.key}"[:200])
    return alert_id


def evaluate_rule(session: Session, rule: WatchRule, *, at: datetime, profile: Profile,
                  report: EvaluationReport) -> None:
    if rule.kind in WINDOW_KINDS:
        finding = _window_breach(session, rule, at)
        last = repo.last_alert(session, rule_id=rule.id)
        if last is not None and last.ended_at is None:
            if finding is None:
                repo.end_episode(session, alert=last, at=at)
                report.ended += 1
            return  # an episode is under way: said once
        if finding is None:
            return
        # numbered after the episode read above (one read, so two workers that saw the same state
        # compute the same key, and only one insert lands)
        number = int(last.episode_key.rsplit(":", 1)[1]) + 1 if last is not None else 1
        finding.key = f"rule:{rule.id}:episode:{number}"
        findings = [finding]
    else:
        findings = _post_findings(session, rule, at)
        for finding in findings:
            finding.key = f"rule:{rule.id}:{finding.key}"
    for finding in findings:
        alert_id = _fire(session, rule, finding, at, profile)
        if alert_id is not None:
            report.fired.append(alert_id)


def evaluate_rules(*, at: datetime | None = None, profile: Profile | None = None) -> EvaluationReport:
    """Evaluate every active rule at `at` (now by default), each in its own transaction."""
    at = at or now()
    profile = profile or load_profile()
    report = EvaluationReport()
    with session_scope() as session:
        rule_ids = [rule.id for rule in repo.list_rules(session, active_only=True)]
    for rule_id in rule_ids:
        report.rules += 1
        with session_scope() as session:
            rule = repo.get_rule(session, rule_id=rule_id)
            evaluate_rule(session, rule, at=at, profile=profile, report=report)
    return report


def save(*, name: str, kind: str, params: dict, level: str = "yellow", scheme: str | None = None,
         units: list[str] | None = None, actor: str = "cli", profile: Profile | None = None,
         rule_id: int | None = None, active: bool = True) -> WatchRule:
    """Validate and save a rule (new, or the one with rule_id); audited."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput("规则名称不能为空，且不超过 100 个字")
    clean, level, units = validate(kind, params, level=level, units=units, profile=profile)
    with session_scope() as session:
        scheme_id = repo.get_scheme(session, name=scheme).id if scheme else None
        rule = repo.get_rule(session, rule_id=rule_id) if rule_id else WatchRule(name=name, kind=kind, owner=actor)
        rule.name, rule.kind, rule.params, rule.level, rule.units = name, kind, clean, level, units
        rule.scheme_id, rule.active = scheme_id, active
        repo.save_rule(session, rule=rule, actor=actor)
        session.expunge(rule)
        return rule
