"""flows: stage leases, so two pipeline workers never run the same stage at once

Revision ID: 0005
Revises: 0004
"""

from yuqing.migrations._ddl import Table, table_revision

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    Table("stagelease", """
        name             str40   pk
        holder           str100  null
        lease_until      utc     null
        last_started_at  utc     null
        last_success_at  utc     null
        last_summary     text    null
    """),
)

upgrade, downgrade = table_revision(TABLES)
