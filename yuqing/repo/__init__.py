"""Every query of the product. Functions take the session first and keyword-only arguments after it;
access rules (who may see what) are applied here, not only in the pages. Call sites say
``from yuqing import repo`` and ``repo.x(session, ...)``; the modules are named for their concern:

access (Viewer and the role rules) · units · sources · posts (crawl store, queues, analyses) ·
issues · assignments (and a unit's inbox) · events (audit log, timeline) · outbox (notifications) ·
leases (pipeline stages) · users · model_versions · overview (the board's aggregates) ·
compliance (the one overdue and on-time rule, for the page and the weekly report) · feedback
(label corrections) · search (issue index) · sitewatch (page baselines) · schemes (监测方案 and
their matches) · watch_alerts (预警 rules and alerts) · official (the district's own publications:
replies that answer an issue, evidence).
"""

from __future__ import annotations

from yuqing.repo.access import Viewer
from yuqing.repo.assignments import (
    assignments_of_issue,
    existing_assignment,
    get_assignment,
    list_assignments,
    returned_units,
    unit_inbox,
)
from yuqing.repo.compliance import UnitCompliance, compliance_since, overdue_ids, overdue_page
from yuqing.repo.events import event_key_used, issue_gantt, latest_event, record_event, timeline
from yuqing.repo.feedback import label_corrections, list_label_feedback, record_label_feedback
from yuqing.repo.issues import get_issue, issue_post_stats, issues_to_route, lock_issue, open_issues_since
from yuqing.repo.leases import acquire_stage_lease, release_stage_lease, renew_stage_lease, stage_holder
from yuqing.repo.model_versions import list_model_versions, register_model_cards, register_model_version
from yuqing.repo.official import (
    issue_of_message_title,
    official_replies_of_issue,
    official_reply_of_post,
    official_source_ids,
    save_official_reply,
    waiting_replies,
)
from yuqing.repo.outbox import (
    claim_notifications,
    dead_letters,
    enqueue_notification,
    list_notifications,
    local_claimants,
    notification_counts,
    release_claims_of,
)
from yuqing.repo.overview import dashboard_overview, issue_counts_by, topic_spikes, topic_volume_by_day
from yuqing.repo.posts import (
    add_post_metrics,
    count_posts_to_analyze,
    first_posts_with_content,
    insert_crawled_posts,
    issue_posts_with_analysis,
    known_posts,
    posts_to_analyze,
    posts_to_cluster,
    recent_simhashes,
    save_analyses,
    update_crawled_post,
)
from yuqing.repo.schemes import (
    advance_backfill,
    count_posts_after,
    create_scheme,
    delete_scheme,
    get_scheme,
    insert_matches,
    list_schemes,
    match_counts,
    posts_after,
    scheme_issues,
    scheme_posts,
    schemes_to_backfill,
    set_scheme_active,
    source_names,
    update_scheme,
)
from yuqing.repo.search import index_issues_for_search, match_snippet, recent_issue_choices, search_issues
from yuqing.repo.sitewatch import save_site_baseline, site_baseline
from yuqing.repo.sources import (
    due_sources,
    get_source,
    list_sources,
    next_due_at,
    record_source_run,
    site_owner_of_issue,
    site_watch_source_ids,
    source_health,
    upsert_source,
)
from yuqing.repo.units import list_units, sync_units, unit_names
from yuqing.repo.users import admin_users, get_user, save_user, user_display_names
from yuqing.repo.watch_alerts import (
    acknowledge_alert,
    count_alerts,
    delete_rule,
    end_episode,
    get_rule,
    insert_alert,
    last_alert,
    list_rules,
    open_alerts,
    save_rule,
    window_count,
    window_post_rows,
    window_sentiments,
)

__all__ = [
    "UnitCompliance",
    "Viewer",
    "acknowledge_alert",
    "acquire_stage_lease",
    "add_post_metrics",
    "admin_users",
    "user_display_names",
    "advance_backfill",
    "assignments_of_issue",
    "claim_notifications",
    "compliance_since",
    "count_alerts",
    "count_posts_after",
    "count_posts_to_analyze",
    "create_scheme",
    "dashboard_overview",
    "dead_letters",
    "delete_rule",
    "delete_scheme",
    "due_sources",
    "end_episode",
    "enqueue_notification",
    "event_key_used",
    "existing_assignment",
    "first_posts_with_content",
    "get_assignment",
    "get_issue",
    "get_rule",
    "get_scheme",
    "get_source",
    "get_user",
    "index_issues_for_search",
    "insert_alert",
    "insert_crawled_posts",
    "insert_matches",
    "issue_counts_by",
    "issue_gantt",
    "issue_of_message_title",
    "issue_post_stats",
    "issue_posts_with_analysis",
    "issues_to_route",
    "known_posts",
    "label_corrections",
    "last_alert",
    "list_assignments",
    "list_label_feedback",
    "list_model_versions",
    "list_notifications",
    "list_rules",
    "list_schemes",
    "list_sources",
    "list_units",
    "local_claimants",
    "lock_issue",
    "match_counts",
    "match_snippet",
    "next_due_at",
    "notification_counts",
    "official_replies_of_issue",
    "official_reply_of_post",
    "official_source_ids",
    "open_alerts",
    "open_issues_since",
    "overdue_ids",
    "overdue_page",
    "posts_after",
    "posts_to_analyze",
    "posts_to_cluster",
    "recent_simhashes",
    "recent_issue_choices",
    "record_event",
    "latest_event",
    "record_label_feedback",
    "record_source_run",
    "register_model_cards",
    "register_model_version",
    "release_claims_of",
    "release_stage_lease",
    "renew_stage_lease",
    "returned_units",
    "save_analyses",
    "save_official_reply",
    "save_rule",
    "save_site_baseline",
    "save_user",
    "scheme_issues",
    "scheme_posts",
    "schemes_to_backfill",
    "search_issues",
    "set_scheme_active",
    "site_baseline",
    "site_owner_of_issue",
    "site_watch_source_ids",
    "source_health",
    "source_names",
    "stage_holder",
    "sync_units",
    "timeline",
    "topic_spikes",
    "topic_volume_by_day",
    "unit_inbox",
    "unit_names",
    "update_crawled_post",
    "update_scheme",
    "upsert_source",
    "waiting_replies",
    "window_count",
    "window_post_rows",
    "window_sentiments",
]
