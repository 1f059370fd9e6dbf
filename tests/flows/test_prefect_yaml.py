from pathlib import Path

import yaml
from prefect.flows import load_flow_from_entrypoint

ROOT = Path(__file__).resolve().parents[2]


def test_every_deployment_entrypoint_resolves_to_a_flow(monkeypatch):
    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert config["deployments"]
    for deployment in config["deployments"]:
        flow = load_flow_from_entrypoint(deployment["entrypoint"])
        assert flow.name, deployment["name"]
        assert deployment.get("schedules"), f"{deployment['name']} has no schedule"


def _schedule_of(deployment) -> tuple:
    (schedule,) = deployment.schedules
    inner = schedule.schedule
    if getattr(inner, "interval", None) is not None:
        return ("interval", int(inner.interval.total_seconds()))
    return ("cron", inner.cron, inner.timezone)


def test_yuqing_serve_runs_every_deployment_of_prefect_yaml_on_the_same_schedule(monkeypatch):
    """All but the pipeline, which `yuqing serve` runs in its own warm loop (flows/serve.pipeline_loop)."""
    from flows.serve import deployments

    monkeypatch.chdir(ROOT)
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    expected = {}
    for entry in config["deployments"]:
        if entry["name"] == "pipeline":
            continue
        (schedule,) = entry["schedules"]
        expected[entry["name"]] = (("interval", schedule["interval"]) if "interval" in schedule
                                   else ("cron", schedule["cron"], schedule["timezone"]))
    served = {deployment.name: _schedule_of(deployment) for deployment in deployments()}
    assert served == expected
    parameters = {d.name: d.parameters for d in deployments()}
    assert parameters["daily-brief"] == {"kind": "daily"} and parameters["weekly-report"] == {"kind": "weekly"}
