"""Hostile designs and runaway posters: a template from outside the team cannot reach
Python's internals or files outside templates/, a poster over its time or memory
limit fails alone, a dying worker takes no other poster with it, two builds into
one folder take turns, and a refused URL names the campaign line it came from."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build.schedule
from conftest import PROJECT, SMALL_CAMPAIGN, _guard, poster_pdfs
from generator.build.campaign import build_campaign
from generator.build.limits import WORKER_DIED, Limits, Recovery
from generator.build.poster import build_poster
from generator.campaign import load_campaign
from generator.cli import main
from generator.output.files import LOCK, build_lock, read_manifest, sha256
from generator.planning.plan import plan

CAMPAIGN = SMALL_CAMPAIGN.replace("size: A4", "size: A5")
EVIL_DESIGN = """\
  - id: evil
    template: evil
    headline: headline
    messages:
      - {text: employer}
    call_to_action: call
"""
EVIL_PLACEMENT = """\
  - id: bad-crossing
    name: {lo: ດ່ານອື່ນ, en: Bad crossing}
    design: evil
    languages: [lo, en]
    formats:
      - {size: A5, quantity: 1}
"""
EVIL_CAMPAIGN = CAMPAIGN.replace("\nplacements:\n", "\n" + EVIL_DESIGN + "placements:\n", 1) + (
    EVIL_PLACEMENT
)
GOOD_FILE = "test-crossing_border-sign_A5_lo-en_DRAFT.pdf"
BAD_FILE = "bad-crossing_evil_A5_lo-en_DRAFT.pdf"


def evil_project(project: Path, body: str) -> Path:
    """The project with a design 'evil' whose poster block is ``body`` (line 3 of its
    template), and a campaign with one good and one evil placement. Returns the campaign."""
    folder = project / "templates" / "evil"
    folder.mkdir()
    (folder / "poster.html.j2").write_text(
        '{% extends "base.html.j2" %}\n{% block poster %}\n' + body + "\n{% endblock %}\n"
    )
    path = project / "campaigns" / "evil.yaml"
    path.write_text(EVIL_CAMPAIGN, encoding="utf-8")
    return path


def job_of(loaded, placement: str):
    return next(job for job in plan(loaded.campaign) if job.placement_id == placement)


# --- the sandbox --------------------------------------------------------------------

TEMPLATE_LINE = "templates/evil/poster.html.j2:3"
HOSTILE_TEMPLATES = {
    "class-of-a-string": ("{{ ''.__class__.__mro__ }}", [TEMPLATE_LINE, "unsafe"]),
    "globals-of-a-method": ("{{ headline.__init__.__globals__ }}", [TEMPLATE_LINE, "unsafe"]),
    "globals-of-a-jinja-global": ("{{ lipsum.__globals__['os'] }}", [TEMPLATE_LINE, "unsafe"]),
    "format-string": ("{{ '{0.__class__}'.format(headline) }}", [TEMPLATE_LINE, "unsafe"]),
    "private-attribute": ("{{ self._TemplateReference__context }}", [TEMPLATE_LINE, "unsafe"]),
    "undefined-name": ("{{ config.items() }}", [TEMPLATE_LINE, "'config' is undefined"]),
    "include-climbing-out": (
        "{% include '../../campaigns/evil.yaml' %}",
        [TEMPLATE_LINE, "../../campaigns/evil.yaml"],
    ),
    "include-absolute-path": ("{% include '/etc/passwd' %}", [TEMPLATE_LINE, "/etc/passwd"]),
    "include-through-a-link": (
        "{% include 'evil/leak.txt' %}",
        [TEMPLATE_LINE, "evil/leak.txt (a link to a file outside templates/)"],
    ),
    "huge-range": ("{{ range(10**9)|list|length }}", ["Range too big"]),
    "stylesheet-file-url": (
        '<link rel="stylesheet" href="file:///etc/passwd">',
        ["refused file:///etc/passwd", "outside", "template 'evil'"],
    ),
    "image-web-address": (
        '<img src="http://example.com/track.png">',
        ["refused http://example.com/track.png", "only project files", "template 'evil'"],
    ),
    "css-import-web-address": (
        '<style>@import url("https://example.com/x.css");</style>',
        ["refused https://example.com/x.css", "template 'evil'"],
    ),
    "relative-url-to-a-campaign": (
        '<img src="campaigns/evil.yaml">',
        ["campaigns/evil.yaml", "outside the project's templates/ and assets/"],
    ),
}


@pytest.mark.parametrize(
    ("body", "expected"), HOSTILE_TEMPLATES.values(), ids=list(HOSTILE_TEMPLATES)
)
def test_a_hostile_template_fails_its_poster_with_a_message(project, tmp_path, body, expected):
    path = evil_project(project, body)
    (project / "templates" / "evil" / "leak.txt").symlink_to("/etc/passwd")
    loaded = load_campaign(path, project)
    result = build_poster(job_of(loaded, "bad-crossing"), loaded.campaign, project, tmp_path)
    assert not result.ok
    for part in expected:
        assert part in result.error, result.error
    assert "root:" not in result.error  # nothing of /etc/passwd
    assert not (tmp_path / BAD_FILE).exists()


def test_a_hostile_design_fails_alone_in_a_real_build(project, tmp_path):
    path = evil_project(project, "{{ headline.__init__.__globals__ }}")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator.cli", "build", str(path)]
    command += ["--project", str(project), "--output", str(out), "--jobs", "2"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"failed {BAD_FILE[:-4]}: template error in {TEMPLATE_LINE}" in result.stderr
    assert "unsafe" in result.stderr
    assert poster_pdfs(out / "small-test") == [GOOD_FILE]


def test_a_refused_asset_names_its_campaign_line_in_the_output_and_the_log(
    project, tmp_path, caplog
):
    """An icon that became a link out of the project after the campaign was checked."""
    path = project / "campaigns" / "small.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    loaded = load_campaign(path, project)
    icon = project / "assets" / "pictograms" / "contract.svg"
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    icon.unlink()
    icon.symlink_to(secret)

    failures = []
    with caplog.at_level(logging.WARNING, logger="generator.render.fetcher"):
        result = build_campaign(
            loaded, project, tmp_path / "out", jobs=1, on_result=failures.append
        )
    [failed] = result.failed
    line = CAMPAIGN.splitlines().index(
        "      - {text: contract, icon: assets/pictograms/contract.svg}"
    )
    where = f"{path}:{line + 1}:"
    assert failed.error.startswith(where), failed.error
    assert "designs[0].messages[1].icon: refused file://" in failed.error
    assert "outside the project's templates/ and assets/" in failed.error
    [record] = [r for r in caplog.records if r.name == "generator.render.fetcher"]
    logged = record.getMessage()
    assert "poster test-crossing_border-sign_A5_lo-en_DRAFT (template 'border-sign')" in logged
    assert "from campaign field designs[0].messages[1].icon" in logged
    assert failures == [failed]


# --- limits ---------------------------------------------------------------------------

ENDLESS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
GREEDY = "{% set big = 'x' * (4 * 1024 * 1024 * 1024) %}{{ big|length }}"


def test_a_poster_over_the_time_limit_fails_alone(project, tmp_path):
    path = evil_project(project, ENDLESS)
    loaded = load_campaign(path, project)
    warm = build_poster(job_of(loaded, "test-crossing"), loaded.campaign, project, tmp_path)
    assert warm.ok, warm.error  # so the good poster's time below is not the renderer's start

    started = time.monotonic()
    result = build_campaign(
        loaded, project, tmp_path / "out", jobs=1, limits=Limits(seconds=3, memory_mb=None)
    )
    took = time.monotonic() - started
    by_file = {r.job.filename: r for r in result.results}
    assert by_file[GOOD_FILE].ok, by_file[GOOD_FILE].error
    bad = by_file[BAD_FILE]
    assert not bad.ok
    assert bad.error.startswith("stopped after the time limit of 3 s"), bad.error
    assert took < 60
    assert poster_pdfs(result.folder) == [GOOD_FILE]
    # The timer is gone: a later slow step in this process is not interrupted.
    time.sleep(3.5)


def test_the_time_limit_works_in_worker_processes_too(project, tmp_path):
    path = evil_project(project, ENDLESS)
    result = build_campaign(
        load_campaign(path, project),
        project,
        tmp_path / "out",
        jobs=2,
        limits=Limits(seconds=4, memory_mb=None),
    )
    by_file = {r.job.filename: r for r in result.results}
    assert by_file[GOOD_FILE].ok, by_file[GOOD_FILE].error
    assert by_file[BAD_FILE].error.startswith("stopped after the time limit of 4 s")


def test_a_poster_over_the_memory_limit_fails_alone(project, tmp_path):
    path = evil_project(project, GREEDY)
    result = build_campaign(
        load_campaign(path, project),
        project,
        tmp_path / "out",
        jobs=2,
        limits=Limits(seconds=None, memory_mb=64),
    )
    by_file = {r.job.filename: r for r in result.results}
    assert by_file[GOOD_FILE].ok, by_file[GOOD_FILE].error
    assert by_file[BAD_FILE].error.startswith("stopped at the memory limit of 64 MB")
    assert poster_pdfs(result.folder) == [GOOD_FILE]


def test_the_command_takes_limits_and_reports_them(project, tmp_path):
    path = evil_project(project, GREEDY)
    out = tmp_path / "out"
    args = ["build", str(path), "--project", str(project), "--output", str(out)]
    args += ["--memory-limit", "64", "--time-limit", "120"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"failed {BAD_FILE[:-4]}: stopped at the memory limit of 64 MB" in result.output
    assert poster_pdfs(out / "small-test") == [GOOD_FILE]


def test_a_tiny_memory_limit_never_breaks_the_build(project, tmp_path):
    """A limit too small for the renderer itself. What fails depends on how much free
    memory the worker already holds (in a fresh process, Pango aborts the whole worker
    when it cannot start a thread): each poster is built, or fails with the limit's
    message, or with its worker's death; the build itself always ends well."""
    path = project / "campaigns" / "small.yaml"
    path.write_text(CAMPAIGN + EVIL_PLACEMENT.replace("design: evil", "design: border-sign"))
    result = build_campaign(
        load_campaign(path, project),
        project,
        tmp_path / "out",
        jobs=2,
        limits=Limits(seconds=None, memory_mb=1),
    )
    assert len(result.results) == 2
    for poster in result.results:
        assert (
            poster.ok
            or poster.error == WORKER_DIED
            or poster.error.startswith("stopped at the memory limit of 1 MB")
        ), poster.error
    built = sorted(poster.file for poster in result.results if poster.ok)
    assert poster_pdfs(result.folder) == built


_real_build_poster = generator.build.schedule.build_poster


def _build_poster_or_die(job, *args):
    """In a worker: dies as a crash in a C library would, for one placement."""
    if job.placement_id == "bad-crossing":
        os._exit(70)
    return _real_build_poster(job, *args)


def test_a_dying_worker_takes_no_other_poster_with_it(project, tmp_path, monkeypatch):
    monkeypatch.setattr(
        generator.build.schedule, "build_poster", _build_poster_or_die
    )  # forked workers
    path = project / "campaigns" / "small.yaml"
    third = EVIL_PLACEMENT.replace("bad-crossing", "third-crossing")
    path.write_text(
        CAMPAIGN
        + EVIL_PLACEMENT.replace("design: evil", "design: border-sign")
        + third.replace("design: evil", "design: border-sign"),
        encoding="utf-8",
    )
    result = build_campaign(load_campaign(path, project), project, tmp_path / "out", jobs=2)
    by_place = {r.job.placement_id: r for r in result.results}
    assert by_place["bad-crossing"].error == WORKER_DIED
    assert by_place["test-crossing"].ok and by_place["third-crossing"].ok
    assert len(poster_pdfs(result.folder)) == 2


def test_posters_handed_to_a_pool_that_already_broke_are_tried_again(project):
    pool = ProcessPoolExecutor(max_workers=1)
    with pytest.raises(BrokenProcessPool):
        pool.submit(os._exit, 70).result()
    future = Recovery.submit(pool, sum, [1, 2])  # pool.submit itself would raise here
    with pytest.raises(BrokenProcessPool):
        future.result()
    recovery = Recovery()
    try:
        assert recovery.run(sum, [1, 2]) == 3
        assert recovery.run(os._exit, 70) is None
        assert recovery.run(sum, [3, 4]) == 7  # a fresh worker after the death
    finally:
        recovery.close()
        pool.shutdown()


# --- two builds at once ------------------------------------------------------------------


def test_two_builds_into_one_folder_take_turns_and_agree(project, tmp_path):
    path = project / "campaigns" / "small.yaml"
    path.write_text(
        CAMPAIGN + EVIL_PLACEMENT.replace("design: evil", "design: border-sign"), encoding="utf-8"
    )
    out = tmp_path / "out"
    folder = out / "small-test"
    command = [sys.executable, "-m", "generator.cli", "build", str(path)]
    command += ["--project", str(project), "--output", str(out), "--force"]
    logs = [tmp_path / f"build-{i}.log" for i in (1, 2)]
    with build_lock(folder, on_wait=lambda message: None):  # both must wait for this test
        builds = [
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log.open("w"), cwd=PROJECT)
            for log in logs
        ]
        deadline = time.monotonic() + 120
        while not all("waiting for another build" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            assert all(build.poll() is None for build in builds)
            time.sleep(0.2)
    for build, log in zip(builds, logs, strict=True):
        assert build.wait(timeout=300) == 0, log.read_text()
        assert "Traceback" not in log.read_text()

    manifest = read_manifest(folder)
    files = sorted(entry.file for entry in manifest.posters)
    assert files == poster_pdfs(folder) and len(files) == 2
    for entry in manifest.posters:
        assert sha256((folder / entry.file).read_bytes()) == entry.sha256
    assert not list(folder.glob(".*.part"))
    assert (folder / LOCK).exists()  # the lock file stays; the lock itself is released
    assert json.loads((folder / "manifest.json").read_text())["campaign"] == "small-test"


def test_a_broken_campaign_leaves_the_last_build_as_it_was(project, tmp_path):
    path = project / "campaigns" / "small.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    args = ["build", str(path), "--project", str(project), "--output", str(out), "-j", "1"]
    assert runner.invoke(main, args).exit_code == 0
    folder = out / "small-test"
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}

    bomb = (PROJECT / "tests" / "corpus" / "hostile" / "yaml-bomb.yaml").read_text()
    path.write_text(bomb, encoding="utf-8")
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "aliases" in result.output
    after = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert after == before


# --- the guard against reads outside the project (tests/conftest.py) ------------------------


def test_the_tests_cannot_open_files_outside_the_project(tmp_path):
    with pytest.raises(PermissionError, match="outside the project"):
        Path("/etc/hostname").read_bytes()
    link = tmp_path / "innocent.txt"
    link.symlink_to("/etc/passwd")
    with pytest.raises(PermissionError, match="outside the project"):
        link.read_text()
    assert _guard["refused"] == ["/etc/hostname", str(link)]
    _guard["refused"].clear()  # expected here; any other test doing this fails
    (tmp_path / "fine.txt").write_text("inside")
    assert (PROJECT / "pyproject.toml").read_text()
