"""Builds that are killed or asked to stop: no worker outlives its build, the lock is
free for the next build within seconds, and what was written is consistent.

Real processes: ``poster build`` runs as a subprocess with a pool of two workers,
and is sent SIGKILL or SIGTERM while its workers are busy.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import PROJECT, SMALL_CAMPAIGN, _guard, poster_pdfs
from generator.build.workers import worker_pool
from generator.output.files import LOCK, build_lock, read_manifest, sha256

PLACEMENT = """\
  - id: crossing-{i}
    name: {{lo: ດ່ານທົດລອງ {i}, en: Test crossing {i}}}
    design: border-sign
    languages: [lo, en]
    formats:
      - {{size: A5, quantity: 1}}
"""
POSTERS = 10


@contextmanager
def reading_proc():
    """The test itself reads other processes' /proc entries, which the guard against
    opening files outside the project (conftest) would refuse."""
    _guard["busy"] = True
    try:
        yield
    finally:
        _guard["busy"] = False


def children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (read from /proc)."""
    with reading_proc():
        return _children(pid)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        with reading_proc():
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


def wait_until(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        time.sleep(0.1)
    return time.monotonic() - started


def lock_is_free(folder: Path) -> bool:
    with open(folder / LOCK, "rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


@pytest.fixture
def campaign(project: Path) -> Path:
    path = project / "campaigns" / "small.yaml"
    extra = "".join(PLACEMENT.format(i=i) for i in range(POSTERS - 1))
    path.write_text(SMALL_CAMPAIGN.replace("size: A4", "size: A5") + extra, encoding="utf-8")
    return path


def start_build(campaign: Path, project: Path, out: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "generator.cli", "build", str(campaign), "--jobs", "2"]
    command += ["--project", str(project), "--output", str(out)]
    return subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        cwd=PROJECT,
        start_new_session=True,  # signals for the build alone, not for pytest
    )


def busy_workers(build: subprocess.Popen, log: Path, finished: int) -> set[int]:
    """Wait until the build has two workers and has reported ``finished`` posters built;
    its workers."""
    wait_until(lambda: len(children(build.pid)) >= 2, 120, "the pool's workers start")
    wait_until(
        lambda: log.read_text().count("  built ") >= finished, 300, f"{finished} posters built"
    )
    assert build.poll() is None, "the build ended before it could be interrupted"
    return children(build.pid)


def test_kill_9_of_a_pool_build_leaves_no_worker_and_no_lock(project, campaign, tmp_path):
    out, log = tmp_path / "out", tmp_path / "build.log"
    folder = out / "small-test"
    build = start_build(campaign, project, out, log)
    workers = busy_workers(build, log, finished=0)
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=30)
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "the workers end")
    wait_until(lambda: lock_is_free(folder), 5, "the build lock is free")
    # The next build proceeds at once and makes every poster.
    started = time.monotonic()
    with build_lock(folder, on_wait=lambda message: pytest.fail(message)):
        assert time.monotonic() - started < 5
    again = start_build(campaign, project, out, tmp_path / "again.log")
    assert again.wait(timeout=600) == 0, (tmp_path / "again.log").read_text()
    assert len(poster_pdfs(folder)) == POSTERS
    assert not children(again.pid)


@pytest.mark.parametrize(
    ("signum", "send"),
    [
        (signal.SIGTERM, os.kill),  # to the build's main process alone
        (signal.SIGINT, os.killpg),  # Ctrl-C in a terminal: to every process, workers too
    ],
    ids=["sigterm", "ctrl-c"],
)
def test_an_interrupted_pool_build_stops_cleanly(project, campaign, tmp_path, signum, send):
    out, log = tmp_path / "out", tmp_path / "build.log"
    folder = out / "small-test"
    build = start_build(campaign, project, out, log)
    workers = busy_workers(build, log, finished=1)
    send(build.pid, signum)
    assert build.wait(timeout=30) == 128 + signum
    wait_until(lambda: not any(alive(pid) for pid in workers), 5, "the workers end")
    assert lock_is_free(folder)
    output = log.read_text()
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    name = signal.Signals(signum).name
    assert f"interrupted ({name})" in output and "build again to finish" in output
    # The manifest lists the finished posters, each with the bytes it says; nothing torn.
    manifest = read_manifest(folder)
    listed = sorted(entry.file for entry in manifest.posters)
    assert listed and set(listed) <= set(poster_pdfs(folder))
    for entry in manifest.posters:
        assert sha256((folder / entry.file).read_bytes()) == entry.sha256
    assert len(listed) < POSTERS
    assert not list(folder.glob(".*.part"))
    # The next build keeps them and makes the rest.
    again = start_build(campaign, project, out, tmp_path / "again.log")
    assert again.wait(timeout=600) == 0, (tmp_path / "again.log").read_text()
    assert len(read_manifest(folder).posters) == POSTERS
    assert "unchanged" in (tmp_path / "again.log").read_text()


def _lock_fd_is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_workers_do_not_inherit_the_build_lock(tmp_path):
    folder = tmp_path / "out"
    with build_lock(folder, on_wait=lambda message: None):
        held = [int(name) for name in os.listdir("/proc/self/fd") if _points_at_lock(name, folder)]
        assert held
        with worker_pool(1) as pool:
            assert pool.submit(_lock_fd_is_open, held[0]).result() is False


def _points_at_lock(fd: str, folder: Path) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}") == str(folder / LOCK)
    except OSError:
        return False


def test_sigterm_of_a_build_in_one_process_stops_it_cleanly(project, campaign, tmp_path):
    """With --jobs 1 the posters are made in the command's own process: the signal
    arrives inside the renderer."""
    out, log = tmp_path / "out", tmp_path / "build.log"
    folder = out / "small-test"
    more = "".join(PLACEMENT.format(i=i) for i in range(POSTERS, 4 * POSTERS))
    campaign.write_text(campaign.read_text(encoding="utf-8") + more, encoding="utf-8")
    command = [sys.executable, "-m", "generator.cli", "build", str(campaign), "--jobs", "1"]
    command += ["--project", str(project), "--output", str(out)]
    build = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=PROJECT,
        start_new_session=True,
    )  # fmt: skip
    wait_until(lambda: log.read_text().count("  built ") >= 1, 300, "a poster built")
    os.kill(build.pid, signal.SIGTERM)  # while the next poster is made
    status = build.wait(timeout=30)
    output = log.read_text()
    assert status == 128 + signal.SIGTERM, output
    assert "Traceback" not in output and "interrupted (SIGTERM)" in output
    assert lock_is_free(folder)
    assert not list(folder.glob(".*.part"))
    for entry in read_manifest(folder).posters:
        assert sha256((folder / entry.file).read_bytes()) == entry.sha256
