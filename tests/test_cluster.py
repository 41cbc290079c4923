"""Building on a real Dask distributed cluster: a LocalCluster of two worker *processes*
on 127.0.0.1, the same PDFs as a local build, a dying worker, and the shared-folder check."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build.cluster
import generator.build.schedule
from conftest import BAD_PLACEMENT, PROJECT, SMALL_CAMPAIGN, make_project, poster_pdfs
from generator.build.campaign import build_campaign
from generator.build.limits import WORKER_DIED
from generator.campaign import load_campaign
from generator.cli import main
from generator.output.files import read_manifest

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

# Two formats of one placement (a fit family: seed and member), and a poster that fails.
CAMPAIGN = (
    SMALL_CAMPAIGN.replace(
        "- {size: A4, quantity: 3}",
        "- {size: A4, quantity: 3}\n      - {size: A3, orientation: landscape, quantity: 5}",
    )
    + BAD_PLACEMENT
)
GOOD_FILES = [
    "test-crossing_border-sign_A3-landscape_lo-en_DRAFT.pdf",
    "test-crossing_border-sign_A4_lo-en_DRAFT.pdf",
]


def _loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else None
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except (TypeError, ValueError):
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Connections only to the cluster this module starts on 127.0.0.1 (this overrides
    conftest's fixture, which refuses every connection)."""
    real_connect, real_create = socket.socket.connect, socket.create_connection

    def connect(sock, address):
        if not _loopback(address):
            raise AssertionError(f"a test tried to open a network connection: {address!r}")
        return real_connect(sock, address)

    def create_connection(address, *args, **kwargs):
        if not _loopback(address):
            raise AssertionError(f"a test tried to open a network connection: {address!r}")
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)


# What Dask reads in this process besides the project: the state of its worker processes
# (/proc/PID/..., through psutil) and the machine's memory and CPU limits.
DASK_READS = re.compile(r"/proc/(\d+/.*|net/dev|diskstats|meminfo|stat|cpuinfo)|/sys/fs/cgroup/.*")


@pytest.fixture(scope="module", autouse=True)
def dask_reads_system_state():
    """The file guard (conftest) also lets Dask read ``DASK_READS``, in this module only."""
    import conftest

    readable = conftest._readable
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            conftest, "_readable", lambda path: bool(DASK_READS.fullmatch(path)) or readable(path)
        )
        yield


@pytest.fixture(scope="module")
def cluster(dask_reads_system_state):
    """Two worker processes with one thread each. A task is given up (KilledWorker) after
    its second worker died, not its fourth as by default: the dying-worker test is
    quicker, and the build's handling is the same."""
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 1}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as local,
    ):
        yield local


@pytest.fixture
def campaign(project: Path) -> Path:
    path = project / "campaigns" / "small.yaml"
    path.write_text(CAMPAIGN, encoding="utf-8")
    return path


def readme_example() -> str:
    """The README's Dask example, as it is printed there."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    (example,) = [block for block in blocks if "dask.distributed" in block]
    return example


def test_the_readme_example_builds_on_worker_processes_the_same_bytes(
    cluster, project, campaign, tmp_path, monkeypatch, capsys
):
    example = readme_example()
    for placeholder in ('"tcp://scheduler:8786"', '"campaigns/laos-border-crossings.yaml"'):
        assert placeholder in example
    code = example.replace('"tcp://scheduler:8786"', repr(cluster.scheduler_address))
    code = code.replace('"campaigns/laos-border-crossings.yaml"', repr(str(campaign)))
    monkeypatch.chdir(project)  # the example names the project and output folders from here
    exec(compile(code, "README.md", "exec"), {"__name__": "readme_example"})
    assert "2 built, 1 failed" in capsys.readouterr().out

    on_cluster = project / "output" / "small-test"
    local = build_campaign(load_campaign(campaign, project), project, tmp_path / "local", jobs=1)
    assert poster_pdfs(on_cluster) == poster_pdfs(local.folder) == GOOD_FILES
    for name in [*GOOD_FILES, "proof.pdf", "print-order.csv", *_previews(local.folder)]:
        assert (on_cluster / name).read_bytes() == (local.folder / name).read_bytes(), name
    cluster_manifest, local_manifest = read_manifest(on_cluster), read_manifest(local.folder)
    assert cluster_manifest == local_manifest
    assert not list(on_cluster.glob(generator.build.cluster.MARKER_PREFIX + "*"))


def _previews(folder: Path) -> list[str]:
    names = sorted(p.name for p in folder.glob("*.png"))
    assert len(names) == len(GOOD_FILES)
    return names


def test_the_workers_really_are_other_processes(cluster):
    with distributed.Client(cluster) as client:
        pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()


def test_the_command_builds_on_the_cluster(cluster, project, campaign, tmp_path):
    out = tmp_path / "out"
    args = ["build", str(campaign), "--project", str(project), "--output", str(out)]
    result = CliRunner().invoke(main, [*args, "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 1, result.output  # the bad poster fails, the others build
    assert f"cluster {cluster.scheduler_address}: checking" in result.output
    assert "failed bad-crossing" in result.output and "Traceback" not in result.output
    assert poster_pdfs(out / "small-test") == GOOD_FILES
    local = build_campaign(load_campaign(campaign, project), project, tmp_path / "local", jobs=1)
    for name in GOOD_FILES:
        assert (out / "small-test" / name).read_bytes() == (local.folder / name).read_bytes()


def test_scheduler_and_jobs_exclude_each_other(project, campaign):
    args = ["build", str(campaign), "--project", str(project), "--jobs", "2"]
    result = CliRunner().invoke(main, [*args, "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "--jobs and --scheduler exclude each other" in result.output


def test_workers_that_do_not_see_the_output_folder_stop_the_build_before_any_poster(
    cluster, project, campaign, tmp_path, monkeypatch
):
    # As on a worker whose output folder is another disk: the marker is not there.
    monkeypatch.setattr(generator.build.cluster, "write_marker", lambda marker, token: None)
    out = tmp_path / "out"
    args = ["build", str(campaign), "--project", str(project), "--output", str(out)]
    result = CliRunner().invoke(main, [*args, "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "shared file system" in text
    assert text.count("is not the build's (marker file not found)") == 2  # each worker
    assert "tcp://127.0.0.1:" in text  # names the worker
    assert not (out / "small-test").exists()


def test_workers_with_other_templates_are_refused(cluster, project, tmp_path):
    other = make_project(tmp_path / "other")
    (other / "templates" / "base.css").write_text("/* changed */", encoding="utf-8")
    with distributed.Client(cluster) as client:
        answers = client.run(
            generator.build.cluster.folders_seen,
            str(other),
            str(tmp_path / "nowhere"),
            "token",
            generator.build.cluster.templates_digest(project),
        )
    assert all("marker file not found" in answer for answer in answers.values())
    marker = tmp_path / "marker"
    marker.write_text("token")
    with distributed.Client(cluster) as client:
        answers = client.run(
            generator.build.cluster.folders_seen,
            str(other),
            str(marker),
            "token",
            generator.build.cluster.templates_digest(project),
        )
    assert all("templates" in answer and "differ" in answer for answer in answers.values())


def test_an_unreachable_scheduler_is_named(project, campaign, monkeypatch):
    monkeypatch.setattr(generator.build.cluster, "CONNECT_SECONDS", 1)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{unused.getsockname()[1]}"  # nothing listens there
    args = ["build", str(campaign), "--project", str(project), "--scheduler", address]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"cannot reach the Dask scheduler at {address}" in " ".join(result.output.split())


_real_build_poster = generator.build.schedule.build_poster


def _build_poster_or_die(job, *args):
    """Dies as a crash in a C library would, for one placement: on a cluster worker (this
    module is imported there by name), and in the build's own recovery worker."""
    if job.placement_id == "bad-crossing":
        os._exit(70)
    return _real_build_poster(job, *args)


def test_a_worker_that_dies_mid_poster_takes_no_other_poster_with_it(
    cluster, project, tmp_path, monkeypatch
):
    monkeypatch.setattr(generator.build.schedule, "build_poster", _build_poster_or_die)
    path = project / "campaigns" / "small.yaml"
    good = BAD_PLACEMENT.replace("ດ່ານ ა", "ດ່ານ")  # drawable: only its worker dies
    path.write_text(
        SMALL_CAMPAIGN + good + good.replace("bad-crossing", "third-crossing"), encoding="utf-8"
    )
    with (
        distributed.Client(cluster) as client,
        client.get_executor() as executor,
    ):
        result = build_campaign(
            load_campaign(path, project), project, tmp_path / "out", executor=executor
        )
        client.wait_for_workers(2, timeout=120)  # the dead workers are replaced
    by_place = {r.job.placement_id: r for r in result.results}
    assert by_place["bad-crossing"].error == WORKER_DIED
    assert by_place["test-crossing"].ok and by_place["third-crossing"].ok
    assert len(poster_pdfs(result.folder)) == 2


def test_a_dying_worker_on_the_commands_cluster_executor(cluster, project, tmp_path, monkeypatch):
    """As above, through the executor ``--scheduler`` uses."""
    monkeypatch.setattr(generator.build.schedule, "build_poster", _build_poster_or_die)
    path = project / "campaigns" / "small.yaml"
    good = BAD_PLACEMENT.replace("ດ່ານ ა", "ດ່ານ")
    path.write_text(
        SMALL_CAMPAIGN + good + good.replace("bad-crossing", "third-crossing"), encoding="utf-8"
    )
    out = tmp_path / "out"
    with generator.build.cluster.cluster_executor(
        cluster.scheduler_address, project, out
    ) as executor:
        result = build_campaign(load_campaign(path, project), project, out, executor=executor)
    by_place = {r.job.placement_id: r for r in result.results}
    assert by_place["bad-crossing"].error == WORKER_DIED
    assert by_place["test-crossing"].ok and by_place["third-crossing"].ok, [
        r.error for r in result.results
    ]
