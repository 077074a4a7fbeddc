"""The Dask engine: tasks run on Dask distributed workers.

Without a scheduler address a LocalCluster of worker processes is started (and
stopped at the end); with ``tcp://host:port`` the tasks go to that cluster, whose
workers must have newstrail and the spaCy model installed.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .base import Engine, EngineError, exit_with, submission_order, worker_setup
from .local import default_workers

T = TypeVar("T")
R = TypeVar("R")

try:
    import dask
    from distributed import Client, LocalCluster
    from distributed.diagnostics.plugin import NannyPlugin, WorkerPlugin
except ImportError as exc:  # pragma: no cover - depends on the install
    raise EngineError("the dask engine needs Dask distributed: pip install 'newstrail[dist]'") from exc


class _Setup(WorkerPlugin):
    """Loads the model once on every worker, including workers that join later."""

    name = "newstrail-setup"

    def __init__(self, parent: int | None = None) -> None:
        self.parent = parent

    def setup(self, worker: Any) -> None:
        worker_setup(self.parent)


class _Watch(NannyPlugin):
    """A local cluster's nannies leave with the analyze process that started them, even when it is killed."""

    name = "newstrail-watch"

    def __init__(self, parent: int) -> None:
        self.parent = parent

    def setup(self, nanny: Any) -> None:
        exit_with(self.parent)


class DaskEngine(Engine):
    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self._cluster = None
        # Dask keeps the last messages of every connection for debugging (1,000 by default),
        # and ours carry whole articles: that log alone grew the analyze process by about
        # 100 MB a minute. Its workers also sample their own stacks a hundred times a
        # second for the dashboard's profile, which we never show. The workers of a local
        # cluster inherit these settings; a remote cluster's processes keep their own.
        dask.config.set({"distributed.admin.low-level-log-length": 0,
                         "distributed.worker.profile.enabled": False})
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="30s")
            else:
                self._cluster = LocalCluster(
                    n_workers=default_workers() if workers is None else max(1, workers),
                    threads_per_worker=1, processes=True, dashboard_address=None,
                    silence_logs=logging.WARNING,
                )
                self._client = Client(self._cluster)
        except OSError as exc:
            raise EngineError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}; "
                              "check the address, or leave out --scheduler to start a local cluster") from exc
        # Only the workers of our own LocalCluster are tied to this process's life.
        parent = os.getpid() if self._cluster is not None else None
        if parent is not None:
            self._client.register_plugin(_Watch(parent))
        self._client.register_plugin(_Setup(parent))
        self.workers = len(self._client.scheduler_info()["workers"])
        self._submitted = 0

    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, costs: Sequence[float] | None = None) -> list[R]:
        return self.submit(fn, tasks, costs=costs)()

    def submit(self, fn: Callable[[T], R], tasks: Sequence[T], *,
               costs: Sequence[float] | None = None) -> Callable[[], list[R]]:
        order = submission_order(costs, len(tasks))
        # Higher priority runs first: each call's tasks after every earlier call's, biggest
        # first within a call. pure=False because tasks are never repeated.
        futures = {i: self._client.submit(fn, tasks[i], pure=False, priority=-(self._submitted + rank))
                   for rank, i in enumerate(order)}
        self._submitted += len(order)

        def results() -> list[R]:
            try:
                return self._client.gather([futures[i] for i in range(len(tasks))])
            except BaseException:
                self._client.cancel(list(futures.values()))
                raise

        return results

    def close(self) -> None:
        if self._client is None:
            return  # closed already
        self._client.close()
        self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None
