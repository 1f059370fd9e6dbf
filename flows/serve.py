"""`yuqing serve`: every deployment of prefect.yaml on this machine, without a Prefect server
(flow.serve), on the same schedules, in the district's zone (setting timezone). The caller runs
`flows.configure_prefect()` first (the CLI does), since Prefect reads its settings at import."""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.pipeline import pipeline_flow
from flows.response import notify_flow, report_flow, sla_watch_flow, verify_flow
from yuqing.clock import zone_name


def deployments(pipeline_every: int = 60):
    zone = zone_name()
    return [
        pipeline_flow.to_deployment(name="pipeline", interval=pipeline_every),
        notify_flow.to_deployment(name="notify", interval=60),
        sla_watch_flow.to_deployment(name="sla-watch", interval=60),
        verify_flow.to_deployment(name="verify", interval=900),
        report_flow.to_deployment(name="daily-brief", schedule=Cron("0 8 * * *", timezone=zone),
                                  parameters={"kind": "daily"}),
        report_flow.to_deployment(name="weekly-report", schedule=Cron("0 8 * * 1", timezone=zone),
                                  parameters={"kind": "weekly"}),
    ]


def serve_all(pipeline_every: int = 60) -> None:
    serve(*deployments(pipeline_every))
