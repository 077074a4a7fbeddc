"""The engine interface and what every worker process does once when it starts."""
from __future__ import annotations

import abc
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Each worker is one core's worth of work: numerical libraries must not start
# threads of their own on top, or two workers fight over the same cores.
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


class EngineError(RuntimeError):
    """An engine could not be started or used; the message says what to do."""


def single_threaded() -> None:
    for name in _THREAD_VARS:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with most installs
        return
    threadpool_limits(1)


def exit_with(pid: int, every: float = 0.5) -> None:
    """Leave this process as soon as process ``pid`` is gone (killed: no chance to stop us).

    A worker pool's processes otherwise wait for work forever when their parent is
    SIGKILLed, each holding a loaded model.
    """
    import threading

    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent or not _alive(pid):
                os._exit(1)

    threading.Thread(target=watch, name="newstrail-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def worker_setup(parent: int | None = None) -> None:
    """Run once in each worker process: one thread, the spaCy model loaded and kept.

    ``parent``: the pid of the analyze process; the worker exits when it disappears.
    """
    import signal

    # Ctrl-C goes to the whole process group; only the parent decides what to do with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        exit_with(parent)
    single_threaded()
    try:
        from ..nlp import load_nlp

        load_nlp()  # cached for the life of the process
    except Exception:  # noqa: BLE001 - a missing model is reported by the first task, with its hint
        pass


def run_inline(fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
    """The tasks in this process, with numerical libraries on one thread as in a worker."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return [fn(task) for task in tasks]
    with threadpool_limits(1):
        return [fn(task) for task in tasks]


def submission_order(costs: Sequence[float] | None, n: int) -> list[int]:
    """Biggest tasks first, so the last task to finish is a small one (less idle time at the end)."""
    if costs is None:
        return list(range(n))
    return sorted(range(n), key=lambda i: (-costs[i], i))


class Engine(abc.ABC):
    """Runs tasks on workers. ``map`` returns results in input order."""

    name: str
    workers: int  # 0: in the calling process

    @abc.abstractmethod
    def map(self, fn: Callable[[T], R], tasks: Sequence[T], *, costs: Sequence[float] | None = None) -> list[R]:
        """``[fn(t) for t in tasks]``, run on the workers; ``costs`` orders submission only."""

    def submit(self, fn: Callable[[T], R], tasks: Sequence[T], *,
               costs: Sequence[float] | None = None) -> Callable[[], list[R]]:
        """Start ``map`` and return what waits for its results.

        Engines with workers of their own start the tasks now, behind those submitted
        before, so the caller can prepare more work meanwhile; the tasks must not be
        changed after. By default they run when waited for.
        """
        return lambda: self.map(fn, tasks, costs=costs)

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing
        """Stop the workers."""

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
