"""``poster serve`` itself: the command starts the server, prints its address, answers.

Connections go only to the server the test starts, on 127.0.0.1.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from test_workspace import WORKSPACE_CAMPAIGN


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """As conftest's, but the browser's driver and our own server on 127.0.0.1 are allowed."""
    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def loopback(address) -> bool:
        return isinstance(address, tuple) and address[0] in ("127.0.0.1", "localhost", "::1")

    def connect(self, address):
        if not loopback(address):
            raise AssertionError(f"a test tried to open a network connection: {address!r}")
        return real_connect(self, address)

    def create_connection(address, *args, **kwargs):
        if not loopback(address):
            raise AssertionError(f"a test tried to open a network connection: {address!r}")
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_answer(url: str) -> httpx.Response:
    """The server's answer to ``url`` once it listens (it prints its address just before)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=30)
        except httpx.ConnectError:
            assert time.monotonic() < deadline, f"nothing listens at {url}"
            time.sleep(0.2)


def test_poster_serve_prints_its_address_and_serves(project: Path):
    (project / "campaigns" / "small.yaml").write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    port = free_port()
    command = [sys.executable, "-m", "generator.cli", "serve", "--port", str(port), "--no-browser"]
    process = subprocess.Popen(
        command, cwd=project, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    try:
        printed = ""
        deadline = time.monotonic() + 60
        while f"http://127.0.0.1:{port}/" not in printed and time.monotonic() < deadline:
            printed += process.stderr.readline()
        assert re.search(rf"Workspace at http://127\.0\.0\.1:{port}/ ", printed), printed
        assert "serving campaigns/small.yaml" in printed
        page = first_answer(f"http://127.0.0.1:{port}/c/small")
        assert page.status_code == 200 and "small-test" in page.text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def test_poster_serve_refuses_a_file_outside_campaigns(project: Path, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "generator.cli", "serve", str(elsewhere), "--no-browser"],
        cwd=project, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "only campaign files in" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["0.0.0.0"])
def test_another_host_prints_the_token(project: Path, host: str):
    (project / "campaigns" / "small.yaml").write_text(WORKSPACE_CAMPAIGN, encoding="utf-8")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--host", host, "--port", str(port),
         "--no-browser"],
        cwd=project, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        printed = ""
        deadline = time.monotonic() + 60
        while "?token=" not in printed and time.monotonic() < deadline:
            printed += process.stderr.readline()
        token = re.search(r"\?token=([\w-]+)", printed).group(1)
        assert len(token) >= 24 and "access token" in printed + process.stderr.readline()
        refused = first_answer(f"http://127.0.0.1:{port}/c/small")
        assert refused.status_code == 403
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=30, follow_redirects=True
        ) as client:
            assert client.get(f"/c/small?token={token}").status_code == 200  # cookie kept
            assert client.get("/c/small/texts").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)
