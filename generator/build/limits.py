"""How long and how much memory one poster may take, and what happens past that.

A design may come from a volunteer and a campaign from anyone: a template that
loops for ever or builds a gigabyte string must fail its own poster, with a
message, and leave the others to build.

- Time: a timer (SIGALRM) interrupts the poster; it repeats every second, since
  a library may swallow one interruption (WeasyPrint catches everything while
  drawing an SVG). Only in a process's main thread, where signals arrive: a
  process pool's workers and the ``poster`` command run posters there.
- Memory: the process's data size (RLIMIT_DATA: the heap and private mappings,
  not the mapped font files) may grow by at most the limit during one poster;
  past it Python raises MemoryError. A C library that cannot allocate may abort
  its whole process instead, so the limit is applied only in a process other
  than the build's own, a worker; a worker that dies is replaced (``Recovery``).
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

DEFAULT_SECONDS = 300.0  # a large poster in Burmese takes some seconds on a slow machine
DEFAULT_MEMORY_MB = 2048  # a poster needs some tens of MB

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """Per poster; None turns a limit off."""

    seconds: float | None = DEFAULT_SECONDS
    memory_mb: float | None = DEFAULT_MEMORY_MB
    # The process that runs the build: never memory-limited (see the module's doc).
    builder_pid: int = field(default_factory=os.getpid)

    def describe(self, error: BaseException) -> str:
        """The message for a poster stopped by a limit."""
        if isinstance(error, PosterTimeout):
            return (
                f"stopped after the time limit of {self.seconds:g} s: a template or text that "
                "takes this long is broken (or raise the limit with --time-limit)"
            )
        return (
            f"stopped at the memory limit of {self.memory_mb:g} MB: a template or text that "
            "needs this much is broken (or raise the limit with --memory-limit)"
        )


class PosterTimeout(BaseException):
    """A poster ran past its time limit. A BaseException, like KeyboardInterrupt, so that
    a library's ``except Exception`` does not swallow it."""


LIMIT_ERRORS = (PosterTimeout, MemoryError)
_memory_limited = False  # a memory limit is in force in this process now


def out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` means the poster ran out of memory: a C extension that cannot
    allocate often raises only "SystemError: error return without exception set"."""
    return isinstance(error, MemoryError) or (isinstance(error, SystemError) and _memory_limited)


@contextmanager
def poster_limits(limits: Limits | None) -> Iterator[None]:
    """Apply ``limits`` while one poster is made; everything is as before afterwards."""
    with ExitStack() as stack:
        if limits and limits.seconds and threading.current_thread() is threading.main_thread():
            stack.enter_context(_time_limit(limits.seconds))
        if limits and limits.memory_mb and os.getpid() != limits.builder_pid:
            stack.enter_context(_memory_limit(limits.memory_mb))
        yield


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    armed = True

    def on_alarm(signum, frame):
        if armed:
            raise PosterTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        while True:  # an alarm due just now must not escape half-way through disarming
            try:
                armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
                break
            except PosterTimeout:
                continue


@contextmanager
def _memory_limit(memory_mb: float) -> Iterator[None]:
    used = _data_size()
    if used is None:  # not Linux: no way to measure, so no limit
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    allowed = used + int(memory_mb * 2**20)
    if hard != resource.RLIM_INFINITY:
        allowed = min(allowed, hard)
    global _memory_limited
    resource.setrlimit(resource.RLIMIT_DATA, (allowed, hard))
    _memory_limited = True
    try:
        yield
    finally:
        _memory_limited = False
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _data_size() -> int | None:
    """This process's data size in bytes (what RLIMIT_DATA limits)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class Recovery:
    """Runs again, one at a time and each in a worker process of its own, the posters
    whose worker died (a crash in a C library, or the system killing it): the poster
    that kills its worker again fails alone, the others are built."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None

    @staticmethod
    def submit(pool: Executor, function: Callable[..., T], *args) -> Future[T]:
        """``pool.submit``; if the pool broke while posters were still being handed to it,
        a future that says so, like those of the posters it had taken."""
        try:
            return pool.submit(function, *args)
        except BrokenProcessPool as error:
            broken: Future[T] = Future()
            broken.set_exception(error)
            return broken

    def run(self, function: Callable[..., T], *args) -> T | None:
        """``function(*args)`` in a worker; None when the worker died doing it."""
        if self.pool is None:
            from .workers import worker_pool

            self.pool = worker_pool(1)
        try:
            return self.pool.submit(function, *args).result()
        except BrokenProcessPool:
            self.close()
            return None

    def close(self, now: bool = False) -> None:
        """Shut the pool down; ``now``: its worker is killed first (an interrupted build)."""
        if self.pool is not None:
            if now:
                from .workers import stop_now

                stop_now(self.pool)
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


WORKER_DIED = (
    "the worker process building this poster died (a crash in the renderer, or the "
    "system ran out of memory); it was tried again alone and died again"
)
