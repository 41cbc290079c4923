"""Worker processes that never outlive their build, and builds that stop cleanly.

A process pool's workers are forked from the build's main process and so
inherit its open files, the build lock among them: a worker that lived on
after its build was killed would keep the lock held and the next build would
wait for ever. So every worker

- closes, first thing, the files the main process marked as its own
  (``keep_from_workers``: the build lock);
- asks the kernel to kill it when its parent dies, by any signal, ``kill -9``
  included (Linux's ``PR_SET_PDEATHSIG``), and, where that is not to be had or
  came too late, watches its parent from a thread and ends when it is gone;
- leaves SIGINT to the main process (a Ctrl-C in a terminal reaches every
  process of the group), which stops the workers itself.

In the main process, ``interruptible`` turns SIGTERM into ``BuildInterrupted``
(as SIGINT is turned into KeyboardInterrupt), so that a build that is asked to
stop stops its workers, records what it finished and releases its lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_SECONDS = 0.5

_parent_only_fds: set[int] = set()


class BuildInterrupted(BaseException):
    """The build was asked to stop (SIGTERM); like KeyboardInterrupt, not an Exception,
    so that no library's ``except Exception`` swallows it."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


INTERRUPTIONS = (KeyboardInterrupt, BuildInterrupted)


def exit_status(interruption: BaseException) -> int:
    """The shell's status for a process ended by the signal: 128 + its number."""
    return 128 + int(getattr(interruption, "signum", signal.SIGINT))


def signal_name(interruption: BaseException) -> str:
    return signal.Signals(getattr(interruption, "signum", signal.SIGINT)).name


@contextlib.contextmanager
def keep_from_workers(fd: int) -> Iterator[None]:
    """Mark ``fd`` as the main process's alone: workers forked meanwhile close it."""
    _parent_only_fds.add(fd)
    try:
        yield
    finally:
        _parent_only_fds.discard(fd)


def worker_pool(
    max_workers: int, initializer: Callable[..., object] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A process pool whose workers follow the rules above, then run ``initializer``."""
    return ProcessPoolExecutor(
        max_workers, initializer=start_worker, initargs=(os.getpid(), initializer, initargs)
    )


def start_worker(
    parent_pid: int, initializer: Callable[..., object] | None = None, initargs: tuple = ()
) -> None:
    """The initializer of every worker process."""
    for fd in list(_parent_only_fds):
        with contextlib.suppress(OSError):
            os.close(fd)
    _parent_only_fds.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the kernel was asked
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """SIGTERM raises ``BuildInterrupted`` in the main thread while the build runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise BuildInterrupted(signum)

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_now(executor: Executor | None) -> None:
    """End a process pool's workers at once (a build that was interrupted): the
    posters they were making are not finished, and are built by the next build."""
    if not isinstance(executor, ProcessPoolExecutor):
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, AttributeError):
            process.kill()
    executor.shutdown(wait=True, cancel_futures=True)
