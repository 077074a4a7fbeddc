"""Engines: where the per-article work of a batch runs.

An engine maps a function over a list of tasks and hands the results back in input
order. The pipeline cuts every batch into the same tasks whatever the engine and the
number of workers, so its output never depends on where, or how widely, the work ran.

* ``local`` (the default): a pool of worker processes on this machine, one per core;
  each loads the spaCy model once. ``workers=0`` runs the tasks in the calling process.
* ``dask``: Dask distributed workers (the ``dist`` extra). Without a scheduler address
  it starts a LocalCluster of ``workers`` processes; with one it uses that cluster,
  whose workers need newstrail and the model installed.

Corpus-wide stages (speakers; stories and trails) do not run on an engine: workers
return per-article partial results that the parent merges (see ``newstrail.pipeline``).
"""
from __future__ import annotations

from .base import Engine, EngineError, worker_setup
from .local import LocalEngine

ENGINES = ("local", "dask")

__all__ = ["ENGINES", "Engine", "EngineError", "LocalEngine", "open_engine", "worker_setup"]


def open_engine(name: str = "local", *, workers: int | None = None, scheduler: str | None = None) -> Engine:
    """The engine called ``name``; ``workers`` defaults to one per core."""
    if workers is not None and workers < 0:
        raise EngineError(f"--workers must be 0 or more, not {workers}")
    if name == "local":
        if scheduler:
            raise EngineError("--scheduler needs --engine dask; the local engine runs on this machine")
        return LocalEngine(workers)
    if name == "dask":
        from .dask import DaskEngine

        return DaskEngine(workers, scheduler)
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
