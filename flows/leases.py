"""Stage leases: at most one worker runs a pipeline stage (analyse, group, route) at a time.

Row-level guards (unique keys, conditional claims) already stop duplicates of one row; grouping
needs more, because two workers that each read "the open issues" would each open their own issue
for the same event. So a stage runs under a lease: a second worker started at the same moment skips
the stage (the first one does the work), and a worker that dies mid-stage leaves a lease that
expires — or, when its process is known dead on this machine, is taken over at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from yuqing import repo
from yuqing.clock import now
from yuqing.db import session_scope
from yuqing.errors import YuqingError
from yuqing.settings import get_settings

log = logging.getLogger(__name__)


class LeaseLost(YuqingError):
    """Another worker took the stage over (this one was too slow to renew); stop without writing more."""


def holder_name() -> str:
    """host:pid:thread — unique per running worker, and tells whether its process is still alive."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def is_dead_local_worker(holder: str | None) -> bool:
    """True only when `holder` names a process on this machine that no longer exists."""
    if not holder:
        return False
    parts = holder.split(":")
    if len(parts) < 2 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


@dataclass
class Lease:
    name: str
    holder: str
    seconds: int
    summary: str | None = None
    batches: int = field(default=0)

    def renew(self) -> None:
        """Called after every committed batch: keeps the stage, or stops if it was taken over."""
        with session_scope() as session:
            if not repo.renew_stage_lease(session, name=self.name, holder=self.holder,
                                          until=now() + timedelta(seconds=self.seconds)):
                raise LeaseLost(f"stage {self.name}: lease lost by {self.holder}")
        self.batches += 1

    def hold(self, session) -> None:
        """Renew the lease inside a batch's own transaction, before the batch reads anything (fencing).
        On PostgreSQL the renewed lease row stays locked until the batch commits, so a worker that
        stalls mid-batch past its lease cannot be taken over until it commits or dies; and a worker
        whose lease was already taken over writes nothing. On SQLite this first write takes the
        database's write lock for the batch, with the same effect."""
        if not repo.renew_stage_lease(session, name=self.name, holder=self.holder,
                                      until=now() + timedelta(seconds=self.seconds)):
            raise LeaseLost(f"stage {self.name}: lease lost by {self.holder}")


@contextmanager
def stage_lease(name: str, *, seconds: int | None = None) -> Iterator[Lease | None]:
    """Yields a Lease while this worker holds stage `name`, or None when another worker runs it."""
    seconds = seconds or get_settings().stage_lease_seconds
    holder = holder_name()
    with session_scope() as session:
        current = repo.stage_holder(session, name=name)
        take_over = current if is_dead_local_worker(current) else None
        moment = now()
        held = repo.acquire_stage_lease(session, name=name, holder=holder, at=moment,
                                        until=moment + timedelta(seconds=seconds), take_over=take_over)
    if not held:
        log.info("stage %s is running elsewhere (%s); skipped", name, current)
        yield None
        return
    if take_over:
        log.warning("stage %s taken over from %s (process gone)", name, take_over)
    lease = Lease(name=name, holder=holder, seconds=seconds)
    try:
        yield lease
    except BaseException:
        _release(lease, success=False)
        raise
    _release(lease, success=True)


def _release(lease: Lease, *, success: bool) -> None:
    try:
        with session_scope() as session:
            repo.release_stage_lease(session, name=lease.name, holder=lease.holder, at=now(),
                                     summary=(lease.summary or "done") if success else None)
    except Exception:  # never hide the stage's own error behind a failed release; the lease expires anyway
        log.exception("stage %s: could not release the lease", lease.name)
