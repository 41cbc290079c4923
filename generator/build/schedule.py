"""Scheduling: posters handed to an executor, seeds first, workers that died recovered."""

from __future__ import annotations

import os
import queue
import traceback
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass

from ..campaign import Campaign
from ..planning.plan import PosterJob
from ..prepress.profiles import PrintSetup
from .cluster import worker_lost
from .limits import WORKER_DIED, Recovery
from .poster import build_poster, seed_fits
from .results import PosterResult
from .workers import INTERRUPTIONS


class Calls:
    """Hands the posters to the executor, each family's seed first, and yields the
    results as they come.

    Every other member of a family waits for its seed's scales, then all of them
    go to the executor at once, so the workers stay busy. The scales a poster
    starts from depend only on the campaign, never on which posters this build
    includes: a seed that is not being built is laid out (not written) for them.
    A poster whose worker died is tried again alone (``limits.Recovery``).
    """

    def __init__(self, executor, campaign, project, folder, keys, setup, limits, shared=None):
        self.executor, self.recovery, self.shared = executor, Recovery(), shared
        self.campaign, self.project, self.folder = campaign, project, folder
        self.keys, self.setup, self.limits = keys, setup, limits
        self.pending: dict[Future, tuple[PosterJob, PosterJob | None, tuple]] = {}
        # Futures as they finish, in order: waiting on all pending futures for each
        # result would make a build of N posters take N² steps.
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()

    def _submit(self, call: tuple, job: PosterJob, seed: PosterJob | None) -> None:
        sent = self.shared.packed(call) if self.shared else call
        future = self.recovery.submit(self.executor, *sent)
        self.pending[future] = (job, seed, call)
        future.add_done_callback(self.finished.put)

    def _poster(self, job: PosterJob, fits: dict | None, seed: PosterJob | None = None) -> None:
        args = (job, self.campaign, self.project, self.folder, self.keys[job.filename])
        self._submit((build_poster, *args, self.setup, fits, self.limits), job, seed)

    def _seed_fits(self, seed: PosterJob) -> None:
        call = (seed_fits, seed, self.campaign, self.project, self.setup, self.limits)
        self._submit(call, seed, seed)

    def run(self, to_build: list[PosterJob], seeds: dict[str, PosterJob]) -> Iterator[PosterResult]:
        members: dict[PosterJob, list[PosterJob]] = {}
        for job in to_build:
            seed = seeds[job.filename]
            members.setdefault(seed, [])
            if job != seed:
                members[seed].append(job)
        building = set(to_build)
        for seed in members:
            if seed in building:
                self._poster(seed, None, seed)
            else:
                self._seed_fits(seed)
        try:
            while self.pending:
                future = self.finished.get()
                done, family, call = self.pending.pop(future)
                outcome = self._outcome(future, done, call)
                if isinstance(outcome, PosterResult):
                    yield outcome
                if family is None:
                    continue  # a member's own result
                fits = outcome.fits if isinstance(outcome, PosterResult) else outcome
                for member in members[family]:
                    self._poster(member, fits or {})
        except INTERRUPTIONS:
            self.recovery.close(now=True)
            raise
        finally:
            self.recovery.close()

    def _outcome(self, future: Future, job: PosterJob, call: tuple):
        """The call's result; if its worker died (a local worker, or on a cluster a task
        whose workers kept dying), the result of trying it again alone."""
        fits_only = call[0] is seed_fits
        try:
            return future.result()
        except Exception as error:
            if not worker_lost(error):  # the worker could not even start this call
                if fits_only:
                    return {}
                return PosterResult(
                    job, False, error=f"unexpected {type(error).__name__}: {error}",
                    detail=traceback.format_exc(),
                )  # fmt: skip
            outcome = self.recovery.run(*call)
            if outcome is None:
                return {} if fits_only else PosterResult(job, False, error=WORKER_DIED)
            return outcome


_KEPT: dict[str, tuple[Campaign, PrintSetup]] = {}  # in a pool's worker: its build's


class Shared:
    """The campaign and print setup of a build, handed to each worker of its pool once
    (the pool's initializer) rather than pickled with every poster: a campaign of
    2,000 posters is half a megabyte, which made each poster's call cost grow with
    the campaign. A call refers to them by this object's key."""

    def __init__(self, campaign: Campaign, setup: PrintSetup):
        self.key = f"{os.getpid()}-{id(campaign)}-{id(setup)}"
        self.campaign, self.setup = campaign, setup

    def keep(self) -> None:
        """In a new worker: keep this build's campaign and setup."""
        _KEPT.clear()
        _KEPT[self.key] = (self.campaign, self.setup)

    def packed(self, call: tuple) -> tuple:
        """``call`` with the campaign and setup replaced by references to them."""
        function, *args = call
        refs = [_Kept(self.key, 0) if a is self.campaign else
                _Kept(self.key, 1) if a is self.setup else a for a in args]  # fmt: skip
        return (_unpacked, function, *refs)


@dataclass(frozen=True)
class _Kept:
    key: str
    index: int  # 0: the campaign, 1: the print setup


def _unpacked(function, *args):
    """In a worker: ``function`` called with the kept campaign and setup put back."""
    return function(*(_KEPT[a.key][a.index] if isinstance(a, _Kept) else a for a in args))


class Inline(Executor):
    """Runs each job at once, in this process: one worker, or a single poster."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:
            future.set_exception(error)
        return future
