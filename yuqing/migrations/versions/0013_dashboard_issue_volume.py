"""dashboard: issues counted as they are written, by triggers on issue like post_volume_hour: per hour
of first sight with the overview's figures (issue_volume_hour), and per day and place
(issue_place_day). A period's figures, negative-share trend and street grid sum a few thousand rows
instead of reading every issue of the period. Two indexes of the open assignments: by response
deadline, for the overview's deadlines within a day; by creation, for its overdue count of a period
(the open ones of the period instead of all of them). And for 事件详情: an issue's first posts in
order, and each post's newest analysis with its emotion, both from an index alone

Revision ID: 0013
Revises: 0012
"""

from alembic import op

from yuqing.migrations._ddl import (
    Table,
    analyze_if_kept,
    create_indexes,
    create_row_triggers,
    create_tables,
    drop_row_triggers,
    drop_indexes,
    drop_tables,
    lock_while_back_filling,
)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = [
    Table("issue_volume_hour", """
        hour int pk fixed
        issues int
        negative int
        urgent int
        triage int
    """),
    Table("issue_place_day", """
        day int pk
        place str50 pk
        issues int
    """),
]
INDEXES = {
    "assignment": "ix_assignment_open_response: status response_due press_due acknowledged_at ack_due issue_id;"
                  " ix_assignment_open_period: status created_at acknowledged_at ack_due response_due press_due",
    "post": "ix_post_issue_published: issue_id published_at id",
    "analysis": "ix_analysis_post_emotion: post_id id emotion negative_intensity",
}
# What one issue adds to each table's row: the counts are the board's rules (repo/overview.py). A
# merged issue counts nowhere (it is counted in the one it joined). The open statuses are
# yuqing.models.OPEN_ISSUE_STATUSES as of this revision (a test holds the two equal).
OPEN_STATUSES = ("new", "triaged", "assigned", "responded")
FIGURES = {
    "issue_volume_hour": {
        "issues": "1",
        "negative": "CASE WHEN {row}.sentiment = 'negative' THEN 1 ELSE 0 END",
        "urgent": "CASE WHEN {row}.urgency <= 2 THEN 1 ELSE 0 END",
        "triage": "CASE WHEN {row}.needs_triage AND {row}.status IN ("
                  + ", ".join(f"'{status}'" for status in OPEN_STATUSES) + ") THEN 1 ELSE 0 END",
    },
    "issue_place_day": {"issues": "1"},
}
WATCHED = ("first_seen_at", "status", "sentiment", "urgency", "needs_triage", "jurisdiction")
# whole hours / days since 1970 (UTC) of first sight
SQLITE_SECONDS = "CAST(strftime('%s', {row}.first_seen_at) AS INTEGER) / {size}"
POSTGRES_SECONDS = "floor(extract(epoch FROM {row}.first_seen_at) / {size})::integer"


def _keys(table: str, row: str, postgres: bool) -> dict[str, str]:
    bucket = POSTGRES_SECONDS if postgres else SQLITE_SECONDS
    if table == "issue_volume_hour":
        return {"hour": bucket.format(row=row, size=3600)}
    return {"day": bucket.format(row=row, size=86400), "place": f"COALESCE({row}.jurisdiction, '')"}


def _add(table: str, row: str, postgres: bool) -> str:
    """The statement counting `row` in (an upsert: the first issue of a bucket makes its row)."""
    keys, figures = _keys(table, row, postgres), FIGURES[table]
    values = ", ".join([*keys.values(), *(figure.format(row=row) for figure in figures.values())])
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in figures)
    return (f"INSERT INTO {table} ({', '.join([*keys, *figures])}) SELECT {values} WHERE {row}.status <> 'merged' "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}")


def _remove(table: str, row: str, postgres: bool) -> str:
    """The statement counting `row` out."""
    updates = ", ".join(f"{name} = {name} - {figure.format(row=row)}" for name, figure in FIGURES[table].items())
    keys = " AND ".join(f"{name} = {value}" for name, value in _keys(table, row, postgres).items())
    return f"UPDATE {table} SET {updates} WHERE {keys} AND {row}.status <> 'merged'"


def _statements(kind, row: str, postgres: bool) -> str:
    return "; ".join(kind(table, row, postgres) for table in FIGURES)


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in WATCHED)
    return [
        f"CREATE TRIGGER issue_volume_insert AFTER INSERT ON issue BEGIN {_statements(_add, 'NEW', False)}; END",
        f"CREATE TRIGGER issue_volume_delete AFTER DELETE ON issue BEGIN {_statements(_remove, 'OLD', False)}; END",
        f"CREATE TRIGGER issue_volume_update AFTER UPDATE OF {', '.join(WATCHED)} ON issue WHEN {changed} BEGIN "
        f"{_statements(_remove, 'OLD', False)}; {_statements(_add, 'NEW', False)}; END",
    ]


def _postgres_function() -> str:
    unchanged = " AND ".join(f"OLD.{column} IS NOT DISTINCT FROM NEW.{column}" for column in WATCHED)
    return f"""
CREATE OR REPLACE FUNCTION yuqing_issue_volume() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {unchanged} THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {_statements(_remove, 'OLD', True)};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {_statements(_add, 'NEW', True)};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    create_tables(TABLES)
    for table, spec in INDEXES.items():
        create_indexes(table, spec)
        analyze_if_kept(table)
    postgres = op.get_bind().dialect.name == "postgresql"
    lock_while_back_filling("issue")
    for table, figures in FIGURES.items():
        keys = _keys(table, "issue", postgres)
        sums = ", ".join(f"sum({figure.format(row='issue')})" for figure in figures.values())
        op.execute(f"INSERT INTO {table} ({', '.join([*keys, *figures])}) SELECT {', '.join(keys.values())}, {sums} "
                   f"FROM issue WHERE status <> 'merged' GROUP BY {', '.join(str(k + 1) for k in range(len(keys)))}")
    create_row_triggers("issue_volume", table="issue", when=f"AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)}",
                        postgres_function=_postgres_function(), sqlite=_sqlite_triggers())


def downgrade() -> None:
    drop_row_triggers("issue", "issue_volume")
    for table, spec in reversed(INDEXES.items()):
        drop_indexes(table, spec)
    drop_tables(TABLES)
