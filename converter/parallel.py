"""Planning on every core: the revisions of a legacy history are planned (split, parsed,
translated and proven, `plan.plan_revision`) in a process pool, in the history's order.

Each migration is planned on its own (what one revision becomes never depends on another's
plan), so `plan_all` hands `PlanTask`s to `jobs` worker processes and yields the plans in
the order of the tasks: the output is the same, byte for byte, whatever `jobs` is. A plan
comes back slimmed (`RevisionPlan.slim`: rendered Python instead of operation objects, no
sqlglot tokens), which is also what keeps the plans of a long history small in memory.

What stays in the calling process: a history too small to pay for starting the pool
(`POOL_MIN_TASKS`), and migrations with a very large script, whose data statements are
written to the revision's data file while they are planned (`converter.bulk`). An error in
a worker (a legacy file that does not split: `InputError` naming the file and line) is
raised in the caller, as it would be without the pool; the first one in history order wins.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from converter.bulk import BULK_SCRIPT_CHARS, data_spool
from converter.model import LegacyMigration
from converter.plan import RevisionPlan, plan_revision
from converter.textio import TextFile, script_source

# Below this many migrations to plan, the pool's start-up costs more than it saves.
POOL_MIN_TASKS = 40
# Tasks handed to a worker at once: fewer round trips, still an even spread at the end.
CHUNK = 8
# Chunks submitted ahead of the one the caller waits for, per worker: enough to keep the
# workers busy, few enough that plans do not pile up when the caller is slower.
AHEAD = 4
ORPHAN_CHECK_SECONDS = 0.5  # how often a worker checks that its caller is still there


def default_jobs() -> int:
    """The CPUs this process may run on (the default of `convert --jobs`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class PlanTask:
    """One revision to plan: the legacy migration of each dialect (None: no variant) and
    what the caller decided about the revision (id, parent, file name, date)."""

    variants: dict[str, LegacyMigration | None]
    revision: str
    down_revision: str | tuple[str, ...] | None
    filename: str
    date: datetime
    style: str
    spool: Path | None = None  # where a very large script's data file goes (one dialect)

    @property
    def local(self) -> bool:
        """Planned in the calling process: a very large script streams into a data file."""
        return any(m is not None and _large(m) for m in self.variants.values()) or any(
            m is not None and m.placeholder for m in self.variants.values()
        )


def _large(m: LegacyMigration) -> bool:
    for script in (*m.up, *m.down):
        if script.language == "python":
            continue
        source = script_source(script)
        if isinstance(source, TextFile) or len(source) >= BULK_SCRIPT_CHARS:
            return True
    return False


def plan_task(task: PlanTask) -> dict[str, RevisionPlan | None]:
    """The slimmed plan of each dialect's variant (None where there is none)."""
    plans: dict[str, RevisionPlan | None] = {}
    for dialect, m in task.variants.items():
        if m is None:
            plans[dialect] = None
            continue
        spool = None
        if task.spool is not None:
            spool = data_spool(task.spool, task.filename, m.name or m.version, task.revision)
        plans[dialect] = plan_revision(
            m,
            revision=task.revision,
            down_revision=task.down_revision,
            filename=task.filename,
            date=task.date,
            dialect=dialect,
            style=task.style,
            spool=spool,
        ).slim()
    return plans


def plan_all(tasks: list[PlanTask], jobs: int) -> Iterator[dict[str, RevisionPlan | None]]:
    """`plan_task` of every task, in order; with `jobs` > 1 and enough tasks, in a pool of
    `jobs` processes."""
    pooled = [t for t in tasks if not t.local]
    if jobs <= 1 or len(pooled) < POOL_MIN_TASKS:
        yield from map(plan_task, tasks)
        return
    pool = _pool(jobs)
    chunks = (pooled[i : i + CHUNK] for i in range(0, len(pooled), CHUNK))
    ahead: deque[Future] = deque()  # submitted, in order; at most AHEAD per worker

    def fill() -> None:
        while len(ahead) < AHEAD * jobs:
            chunk = next(chunks, None)
            if chunk is None:
                return
            ahead.append(pool.submit(_plan_chunk, chunk))

    try:
        current: list = []
        for task in tasks:
            if task.local:
                yield plan_task(task)
                continue
            if not current:
                fill()
                current = list(ahead.popleft().result())
                fill()
            yield _with_migrations(current.pop(0), task)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _plan_chunk(tasks: list[PlanTask]) -> list[dict[str, RevisionPlan | None]]:
    """In a worker: the plans, without the legacy migrations the caller already holds (not
    sent back; `_with_migrations` puts the caller's own in their place)."""
    planned = [plan_task(t) for t in tasks]
    for plans in planned:
        for plan in plans.values():
            if plan is not None:
                plan.migration = None  # type: ignore[assignment]
    return planned


def _with_migrations(
    plans: dict[str, RevisionPlan | None], task: PlanTask
) -> dict[str, RevisionPlan | None]:
    for dialect, plan in plans.items():
        m = task.variants[dialect]
        if plan is not None and m is not None:
            plan.migration = m
    return plans


def _pool(jobs: int) -> ProcessPoolExecutor:
    """Workers forked from this process where the platform can (nothing to import again,
    caches warm), which leave Ctrl-C to the caller and end when the caller is gone."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
    )


def _worker_start(caller: int) -> None:
    """Ctrl-C is the caller's to handle; and a worker whose caller was killed (SIGKILL, no
    clean-up) ends instead of waiting for work forever: a forked worker holds the other end
    of its own queue, so it would never see the caller's end close."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(caller,), daemon=True).start()


def _end_with(caller: int) -> None:
    while os.getppid() == caller:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)
