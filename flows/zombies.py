"""Flow runs whose worker died (machine lost, container evicted, SIGKILL) stay "Running" on the
Prefect server forever: nobody is left to report their end. The cure Prefect documents is a
heartbeat from every run (PREFECT_FLOWS_HEARTBEAT_FREQUENCY on the workers) and an automation that
marks a run Crashed when its heartbeats stop. This module installs that automation on a server.

Only the bookkeeping is at stake: the work a dead run left half done is picked up by the next run
(stage leases are taken over, every stage reads only what is still unmarked).
"""

from __future__ import annotations

from datetime import timedelta

AUTOMATION_NAME = "yuqing: crash flow runs whose heartbeats stopped"
HEARTBEAT_SECONDS = 30  # Prefect's minimum; workers must run with PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30


def zombie_automation(*, silence_seconds: int = 90):
    """The automation: a run that started or sent a heartbeat and then, within `silence_seconds`, sent
    neither a heartbeat nor a final state is marked Crashed.

    The window also opens at Running, an event the server emits itself: a heartbeat is sent from a
    background thread of the flow-run process, so a process killed in its first seconds may never
    have delivered one, and a window opened only by heartbeats would never open for it."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    if silence_seconds <= HEARTBEAT_SECONDS:
        raise ValueError(f"silence_seconds must exceed the heartbeat interval ({HEARTBEAT_SECONDS} s), "
                         "or every live run would be marked crashed")
    return Automation(
        name=AUTOMATION_NAME,
        trigger=EventTrigger(
            after={"prefect.flow-run.Running", "prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=silence_seconds),
        ),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"No heartbeat for {silence_seconds} s: its worker is gone.")],
    )


def install(*, silence_seconds: int = 90) -> str:
    """Create the automation on the server in PREFECT_API_URL, or bring an installed one up to date
    (another --silence, or a definition from an older release); a second identical call changes nothing."""
    from prefect.automations import Automation

    automation = zombie_automation(silence_seconds=silence_seconds)  # a bad silence fails before any call
    try:
        existing = Automation.read(name=AUTOMATION_NAME)
    except ValueError:  # Prefect's "not found"
        existing = None
    if existing is None:
        created = automation.create()
        return f"automation {AUTOMATION_NAME!r} installed ({created.id})"
    if _definition(existing) == _definition(automation):
        return f"automation {AUTOMATION_NAME!r} already installed ({existing.id})"
    automation.id = existing.id
    automation.update()
    return f"automation {AUTOMATION_NAME!r} updated ({existing.id})"


def _definition(automation) -> tuple:
    trigger = automation.trigger
    return (sorted(trigger.after), sorted(trigger.expect), trigger.within, trigger.posture, trigger.threshold,
            [action.model_dump(mode="json") for action in automation.actions])
