"""The local engine: a process pool on this machine, one worker per core by default."""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from .base import Engine, EngineError, run_inline, submission_order, worker_setup

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use, not the machine's
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class LocalEngine(Engine):
    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 0:
            # spawn, not fork: the parent holds database connections and maybe threads,
            # which a forked child must not inherit.
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=worker_setup, initargs=(os.getpid(),))

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, costs: Sequence[float] | None = None) -> list[R]:
        return self.submit(fn, tasks, costs=costs)()

    def submit(self, fn: Callable[[T], R], tasks: Sequence[T], *,
               costs: Sequence[float] | None = None) -> Callable[[], list[R]]:
        if self._pool is None:
            return lambda: run_inline(fn, tasks)
        # The pool takes tasks first in, first out: a later call's tasks queue behind these.
        futures = {i: self._pool.submit(fn, tasks[i]) for i in submission_order(costs, len(tasks))}

        def results() -> list[R]:
            try:
                return [futures[i].result() for i in range(len(tasks))]
            except BrokenProcessPool as exc:
                raise EngineError("a worker process died (out of memory, or killed); "
                                  "rerun analyze to finish, perhaps with fewer --workers") from exc
            except BaseException:
                for future in futures.values():
                    future.cancel()
                raise

        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
