"""Where chunks run: in this process, in a local process pool, or on a Dask cluster.

Every executor maps a function over tasks and yields results as they finish, with
a bounded number of tasks in flight, so the driver never holds more than a few
chunks' results and the task list can be a lazy generator. Results carry their own
ids (chunk id, run ids, seeds), so completion order does not matter.

An input error found in a worker (a ConfigError: say, a scenario file deleted after
the driver loaded it) reaches the driver as the same ConfigError, from every
executor: the worker catches it and returns it as a value (``_Failed``), and
``map_unordered`` raises it in the driver. So no pool breaks, no worker logs a
traceback, and the CLI prints its one line and exits with status 2.

The local pool's workers leave Ctrl-C to the driver (which prints one line) and watch
it through a pipe only it writes to: when the driver dies, however (even ``kill -9``),
the pipe reaches end of file and each worker exits, so no pool outlives its driver.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from typing import Any

from model.checks import ConfigError

EXECUTORS = ("sequential", "processes", "dask")
CONNECT_TIMEOUT_S = 5
WORKERS_PER_CORE = 8  # --workers above this many per core is a typo, not a plan
WORKER_PRELOAD = ["experiments.runner"]  # imported once by the fork server, not per worker


class _Failed:
    """A worker's ConfigError, returned as a value (picklable: ConfigError.__reduce__)."""

    __slots__ = ("error",)

    def __init__(self, error: ConfigError) -> None:
        self.error = error

    def __reduce__(self) -> tuple[type, tuple[ConfigError]]:
        return (_Failed, (self.error,))


class _Guarded:
    """``fn`` for a worker: a ConfigError comes back as ``_Failed`` instead of raising."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn

    def __reduce__(self) -> tuple[type, tuple[Callable[[Any], Any]]]:
        return (_Guarded, (self.fn,))

    def __call__(self, task: Any) -> Any:
        try:
            return self.fn(task)
        except ConfigError as exc:
            return _Failed(ConfigError(exc.source, exc.key, exc.problem))


def _unwrap(result: Any) -> Any:
    """A worker's result, or its ConfigError raised here in the driver (no traceback)."""
    if isinstance(result, _Failed):
        raise result.error
    return result


class Executor:
    """Base class: ``map_unordered`` yields fn(task) for every task, in completion order."""

    name = "base"
    workers = 1
    in_process = False   # whether tasks run in this process (their counters are readable)

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.name}, {self.workers} worker{'s' * (self.workers != 1)}"

    def abc_sampler(self) -> Any:
        """pyabc's sampler on this executor's workers (calibration). Every executor says
        its own: one without a sampler cannot calibrate, rather than silently run on
        another executor's."""
        raise ConfigError("--executor", self.name, "cannot run a calibration (it has no "
                          "pyabc sampler)")

    def close(self) -> None:
        """Release workers (idempotent)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SequentialExecutor(Executor):
    """Runs every chunk in the driver: for debugging, profiling and tiny sweeps."""

    name = "sequential"
    in_process = True

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def abc_sampler(self) -> Any:
        from pyabc.sampler import SingleCoreSampler

        return SingleCoreSampler(check_max_eval=True)


def _worker_start(driver: Connection) -> None:
    """In each pool worker: leave Ctrl-C to the driver (which stops the pool in one line),
    and exit as soon as the driver is gone, however it ended (even ``kill -9``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(driver,), daemon=True).start()


def _exit_with(driver: Connection) -> None:
    """Block on the driver's pipe, which it never writes: it ends at EOF, when the driver's
    end closes (the kernel closes it when the driver dies); then leave at once."""
    with suppress(EOFError, OSError):
        driver.recv_bytes()
    os._exit(1)


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C in the driver until the block ends, then raise it: for work that
    must not stop half-way (a worker half-started when its pool shuts down prints a
    traceback). Only the main thread handles signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _start_fork_server() -> None:
    """Start the fork server with SIGINT ignored, a disposition that survives ``exec``
    and that Python keeps: a Ctrl-C while the server imports the model (a second or
    so, before it ignores SIGINT itself) is then the driver's alone to report, and the
    server's workers inherit it. (A Ctrl-C in the milliseconds of the start itself is
    not seen by the driver either: the next one is.)"""
    from multiprocessing import forkserver

    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()   # only the main thread may change a disposition
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)


class ProcessExecutor(Executor):
    """A local process pool (all cores by default) whose workers watch the driver: a
    driver killed outright leaves no worker (nor, then, the fork server) behind."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self._alive: Connection | None = None   # the driver's end of the workers' pipe

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver: fork-safety with a threaded driver (progress bar), with the
            # model imported once in the server rather than once per worker.
            method = "forkserver" if sys.platform != "win32" else "spawn"
            context = multiprocessing.get_context(method)
            with _interrupts_deferred():
                if method == "forkserver":
                    context.set_forkserver_preload(WORKER_PRELOAD)
                    _start_fork_server()
                watched, self._alive = context.Pipe(duplex=False)
                pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                           initializer=_worker_start, initargs=(watched,))
                for started in [pool.submit(os.getpid) for _ in range(self.workers)]:
                    started.result()   # every worker up: none is half-started at a stop
                self._pool = pool
        return self._pool

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        pool = self._start()
        pending_tasks = iter(tasks)
        guarded = _Guarded(fn)
        running: set[Future] = {pool.submit(guarded, t)
                                for t in itertools.islice(pending_tasks, 2 * self.workers)}
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            if any(isinstance(f.result(), _Failed) for f in done if not f.exception()):
                for future in running:  # an input error: stop, do not start more
                    future.cancel()
                running = set()
            else:  # refill first, so workers stay busy while the driver writes results
                running |= {pool.submit(guarded, t)
                            for t in itertools.islice(pending_tasks, len(done))}
            for future in done:
                yield _unwrap(future.result())

    def abc_sampler(self) -> Any:
        from pyabc.sampler import MulticoreEvalParallelSampler

        return MulticoreEvalParallelSampler(n_procs=self.workers, check_max_eval=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._alive is not None:   # after the workers ended: they would take it as death
            self._alive.close()
            self._alive = None


class DaskExecutor(Executor):
    """dask.distributed: a LocalCluster by default, or an existing scheduler's cluster."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 processes: bool = True) -> None:
        from distributed import Client, LocalCluster

        self.scheduler = scheduler
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
            except Exception as exc:  # OSError / TimeoutError; ValueError for a bad address
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                problem = (f"bad scheduler address ({reason})" if isinstance(exc, ValueError)
                           else f"no dask scheduler answered within {CONNECT_TIMEOUT_S} s "
                                f"({reason})")
                raise ConfigError("--scheduler", scheduler, problem) from None
        else:
            with warnings.catch_warnings():  # its HTTP port taken: it picks another, fine
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                self._cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1,
                                             threads_per_worker=1, processes=processes,
                                             dashboard_address=None,
                                             silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def abc_sampler(self) -> Any:
        from pyabc.sampler import DaskDistributedSampler

        return DaskDistributedSampler(dask_client=self._client)

    def describe(self) -> str:
        where = f"scheduler {self.scheduler}" if self.scheduler else "LocalCluster"
        return f"dask ({where}), {self.workers} worker thread{'s' * (self.workers != 1)}"

    def map_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        client = self._client
        slots = max(4, 2 * sum(client.nthreads().values()))
        pending_tasks = iter(tasks)
        guarded = _Guarded(fn)
        running = as_completed([client.submit(guarded, t, pure=False)
                                for t in itertools.islice(pending_tasks, slots)])
        for future in running:
            result = future.result()
            future.release()
            if isinstance(result, _Failed):
                for other in list(running.futures):  # an input error: stop, do not start more
                    other.cancel()
                raise result.error
            for task in itertools.islice(pending_tasks, 1):
                running.add(client.submit(guarded, task, pure=False))
            yield result

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None
                  ) -> Executor:
    """Validate the choice and start the executor (a scheduler must answer within 5 s)."""
    if name not in EXECUTORS:
        raise ConfigError("--executor", name, f"unknown executor (choose {', '.join(EXECUTORS)})")
    if workers is not None and workers < 1:
        raise ConfigError("--workers", str(workers), "must be a positive whole number")
    cores = os.cpu_count() or 1
    if workers is not None and workers > WORKERS_PER_CORE * cores and not scheduler:
        raise ConfigError("--workers", str(workers), f"must be at most {WORKERS_PER_CORE * cores} "
                          f"({WORKERS_PER_CORE} per core on this machine's {cores})")
    if scheduler and name != "dask":
        raise ConfigError("--scheduler", scheduler, "needs --executor dask")
    if name == "sequential":
        return SequentialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
