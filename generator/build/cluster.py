"""Posters built on a Dask distributed cluster: ``poster build --scheduler tcp://HOST:PORT``.

The build itself (plan, manifest, proof sheet) stays in this process; each
poster is one task on a Dask worker. A worker reads the project folder and
writes its poster and previews straight into the output folder, so both must
be on a file system that every worker shares with this machine, at the same
paths, and every worker needs this project installed (the same version).
``cluster_executor`` checks that before it hands out a single poster: each
worker must find a marker file this process has just written into the output
folder, write a file there itself, and see the same templates. A worker that
joins the cluster later is not checked.

A worker that dies mid-poster: Dask hands its tasks to other workers, and
gives up on a task whose workers kept dying (``KilledWorker``). The build then
treats that poster as the local pool treats a poster whose worker died
(``limits.Recovery``): it is tried again alone, in a worker process on this
machine, and fails alone if that one dies too.

Dask runs tasks in worker threads: the per-poster time limit (a signal) needs
a process's main thread and does not apply there; the memory limit does.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from concurrent.futures import CancelledError, Executor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from ..planning.inputs import templates_digest

MARKER_PREFIX = ".poster-cluster-check-"
CONNECT_SECONDS = 10
WORKERS_SECONDS = 30
SHARED_FOLDERS = (
    "every worker must see the project folder and the output folder at the same paths as "
    "this machine (a shared file system, such as NFS) and have this project installed"
)


class ClusterError(Exception):
    """The cluster cannot build this campaign; the message says why and what to do."""


def worker_lost(error: BaseException) -> bool:
    """Whether ``error`` means the worker running a call died: the local pool broke, Dask
    gave up on a task whose workers kept dying, or the cluster cancelled it (the build
    cancels nothing while it waits for results)."""
    if isinstance(error, BrokenProcessPool | CancelledError):  # cancelled: not by the build
        return True
    distributed = sys.modules.get("distributed")  # never imported for a local build
    return distributed is not None and isinstance(error, distributed.KilledWorker)


@contextmanager
def cluster_executor(address: str, project: Path, output_root: Path) -> Iterator[Executor]:
    """A ``concurrent.futures.Executor`` running calls on the cluster at ``address``,
    whose workers have been checked to share the project and output folders."""
    try:
        from distributed import Client
    except ImportError as error:
        raise ClusterError(
            f"--scheduler needs Dask ({error}): pip install -e '.[cluster]' "
            "(make setup installs it)"
        ) from None
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {error}; start it with "
            f"'dask scheduler' and its workers with 'dask worker {address}'"
        ) from None
    with client:
        _wait_for_workers(client, address)
        check_shared_folders(client, project, output_root)
        executor = client.get_executor()
        try:
            yield executor
        finally:
            executor.shutdown(wait=False)  # cancels what an interrupted build left


def _wait_for_workers(client, address: str) -> None:
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers after {WORKERS_SECONDS} s; "
            f"start some with 'dask worker {address}'"
        ) from None


def check_shared_folders(client, project: Path, output_root: Path) -> None:
    """Fail with a clear message unless every worker sees ``project`` and ``output_root``
    as this process does."""
    output_root.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    marker = output_root.resolve() / f"{MARKER_PREFIX}{token}"
    write_marker(marker, token)
    try:
        answers = client.run(
            folders_seen,
            str(project.resolve()),
            str(marker),
            token,
            templates_digest(project),
            on_error="return",
        )
    finally:
        marker.unlink(missing_ok=True)
    problems = []
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, ModuleNotFoundError | ImportError):
            answer = f"cannot import the poster generator ({answer})"
        elif isinstance(answer, BaseException):
            answer = f"{type(answer).__name__}: {answer}"
        if answer:
            problems.append(f"worker {worker}: {answer}")
    if problems:
        raise ClusterError(f"{SHARED_FOLDERS}; " + "; ".join(problems))


def write_marker(marker: Path, token: str) -> None:
    marker.write_text(token, encoding="ascii")


def folders_seen(project: str, marker: str, token: str, digest: str) -> str | None:
    """On a worker: what it does not see as the build's machine does, or None."""
    templates = Path(project) / "templates"
    if not templates.is_dir():
        return f"no project folder with templates/ at {project}"
    try:
        found = Path(marker).read_text(encoding="ascii")
    except OSError:
        found = None
    if found != token:
        return f"the output folder {Path(marker).parent} is not the build's (marker file not found)"
    probe = Path(marker).with_name(f"{Path(marker).name}-{os.getpid()}")
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        return f"cannot write into the output folder {probe.parent}: {error.strerror}"
    if templates_digest(Path(project)) != digest:
        return f"the templates at {templates} differ from the build's"
    return None
