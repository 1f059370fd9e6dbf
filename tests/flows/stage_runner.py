"""Run in a child process by the idempotence tests: the pipeline once, as plain stages or as the
real Prefect flow (against the API in PREFECT_API_URL). The tests shrink the stages' batches
(YUQING_STAGE_BATCH_SIZE) so a kill lands between commits."""

import sys

from flows import stages

if sys.argv[1] == "stages":
    from flows.outbox import deliver_due

    print(stages.cluster_new_posts().describe())
    print(stages.route_new_issues().describe())
    print(deliver_due().describe())
elif sys.argv[1] == "flow":
    from flows.pipeline import pipeline_flow

    pipeline_flow(crawl=False)
else:
    raise SystemExit(f"unknown mode {sys.argv[1]!r}")
