"""`yuqing serve`: every deployment of prefect.yaml on this machine, without a Prefect server
(flow.serve), on the same schedules."""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.pipeline import pipeline_flow
from flows.response import notify_flow, report_flow, sla_watch_flow, verify_flow

TZ = "Asia/Shanghai"


def deployments(pipeline_every: int = 60):
    return [
        pipeline_flow.to_deployment(name="pipeline", interval=pipeline_every),
        notify_flow.to_deployment(name="notify", interval=60),
        sla_watch_flow.to_deployment(name="sla-watch", interval=60),
        verify_flow.to_deployment(name="verify", interval=900),
        report_flow.to_deployment(name="daily-brief", schedule=Cron("0 8 * * *", timezone=TZ),
                                  parameters={"kind": "daily"}),
        report_flow.to_deployment(name="weekly-report", schedule=Cron("0 8 * * 1", timezone=TZ),
                                  parameters={"kind": "weekly"}),
    ]


def serve_all(pipeline_every: int = 60) -> None:
    serve(*deployments(pipeline_every))
