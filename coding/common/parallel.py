"""Process-pool helpers that keep memory flat: never more than a window of work in flight."""

from __future__ import annotations

import gc
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import TypeVar

# Allocations between collections of the youngest generation during batch work (Python's
# default is 700). A batch of `code` holds thousands of analysed texts, none in a cycle,
# which every collection walked again: a quarter of the rules' CPU. Memory is still freed
# by reference counting as each batch goes.
GC_THRESHOLD = 100_000

T = TypeVar("T")
R = TypeVar("R")


def bounded_map(
    pool: Executor, fn: Callable[[T], R], items: Iterable[T], window: int
) -> Iterator[R]:
    """Like ``pool.map`` but submits at most ``window`` items ahead of the consumer."""
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def default_workers() -> int:
    """Return one worker per core (measured: a spare worker made ingest and coding slower)."""
    return min(os.cpu_count() or 1, 8)


def single_threaded_blas() -> None:
    """Keep NumPy's BLAS (OpenBLAS, MKL, OpenMP) to one thread in this process and its
    workers, unless the user chose a number or NumPy is loaded already (too late)."""
    # a process whose pool fills the cores has no core for BLAS threads: started with
    # NumPy, one spun about 0.1 s of CPU while `code` built its coders on the main core
    if "numpy" in sys.modules:
        return
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, "1")


@contextmanager
def few_collections() -> Iterator[None]:
    """Collect cyclic garbage less often for a while (``GC_THRESHOLD``), then as before."""
    before = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def quiet_collector() -> None:
    """For a pool worker's whole life: what it built at start is never walked again, and
    the collector runs only when the worker calls ``collect_between_batches``."""
    gc.freeze()
    gc.disable()


def collect_between_batches() -> None:
    """Collect cyclic garbage in a worker between two batches: with the batch's objects
    gone (freed by reference counting), it walks only what the worker returns. Collections
    that came during a batch walked all its live objects: 4% of `code`'s workers' time."""
    gc.collect()
