"""Disk full, read-only folders, failed writes: a message with the path and what to do,
never a traceback; a build with nothing to do writes nothing; and the proof sheet and
print order follow what they are made from, even after their write failed.

Faults are made two ways: a patched write (always), and a real small tmpfs, full or
remounted read-only, where this machine lets the tests mount one (root, as in CI).
"""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.output.files
from conftest import SMALL_CAMPAIGN, poster_pdfs
from generator.cli import main
from generator.output.files import SHEETS, made_from, read_manifest

POSTER = "test-crossing_border-sign_A5_lo-en_DRAFT.pdf"
NEW_HEADLINE = "Working abroad? Be safe"


@pytest.fixture
def campaign(project: Path) -> Path:
    path = project / "campaigns" / "small.yaml"
    path.write_text(SMALL_CAMPAIGN.replace("size: A4", "size: A5"), encoding="utf-8")
    return path


def build(campaign: Path, project: Path, out: Path):
    args = ["build", str(campaign), "--project", str(project), "--output", str(out), "-j", "1"]
    result = CliRunner().invoke(main, args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, re.sub(r"\s+", " ", result.output)


def failing_writes(monkeypatch, name_start: str, code: int = errno.ENOSPC) -> None:
    """Writing a file whose name starts so fails, as on a full disk."""
    real = tempfile.mkstemp

    def mkstemp(*args, prefix="", **kwargs):
        if prefix.startswith("." + name_start):
            raise OSError(code, os.strerror(code))
        return real(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(generator.output.files.tempfile, "mkstemp", mkstemp)


def proof_is_fresh(folder: Path) -> bool:
    records = json.loads((folder / SHEETS).read_text())
    digest = made_from(read_manifest(folder))
    return all(records[name]["made_from"] == digest for name in ("proof.pdf", "print-order.csv"))


def test_a_full_disk_while_writing_the_proof_is_a_message_and_the_next_build_redoes_it(
    project, campaign, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    folder = out / "small-test"
    assert build(campaign, project, out)[0] == 0
    first_proof = (folder / "proof.pdf").read_bytes()
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace("Working abroad? Stay safe", NEW_HEADLINE),
        encoding="utf-8",
    )
    failing_writes(monkeypatch, "proof.pdf")
    status, output = build(campaign, project, out)
    assert status == 1
    assert f"cannot write {folder / 'proof.pdf'}: No space left on device" in output
    assert "the disk is full: free some space and run the command again" in output
    assert (folder / "proof.pdf").read_bytes() == first_proof  # the old one, not torn
    assert not proof_is_fresh(folder)
    assert not list(folder.glob(".*.part"))
    poster = (folder / POSTER).stat().st_mtime_ns  # rebuilt with the new headline
    monkeypatch.undo()
    # Space freed: the posters are as built, but the proof is made again from them.
    status, output = build(campaign, project, out)
    assert status == 0, output
    assert (folder / POSTER).stat().st_mtime_ns == poster
    assert (folder / "proof.pdf").read_bytes() != first_proof
    assert proof_is_fresh(folder)


def test_a_full_disk_while_writing_a_poster_names_the_file(
    project, campaign, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    failing_writes(monkeypatch, POSTER)
    status, output = build(campaign, project, out)
    assert status == 1
    assert f"cannot write {out / 'small-test' / POSTER}: No space left on device" in output
    assert "unexpected" not in output
    assert not poster_pdfs(out / "small-test")


def test_no_permission_is_a_message(project, campaign, tmp_path, monkeypatch):
    out = tmp_path / "out"
    failing_writes(monkeypatch, "manifest.json", errno.EACCES)
    status, output = build(campaign, project, out)
    assert status == 1
    assert f"cannot write {out / 'small-test' / 'manifest.json'}: Permission denied" in output
    assert "ask for write access" in output


def test_a_build_with_nothing_to_do_writes_nothing(project, campaign, tmp_path):
    out = tmp_path / "out"
    folder = out / "small-test"
    assert build(campaign, project, out)[0] == 0

    def stamps():
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.iterdir()}

    before = stamps()
    status, output = build(campaign, project, out)
    assert status == 0 and "unchanged" in output
    assert stamps() == before


# --- a real small file system --------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path: Path):
    point = tmp_path / "disk"
    point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True)

    try:
        yield point, remount
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def test_a_really_full_disk_then_space_freed(project, campaign, tmpfs):
    point, remount = tmpfs
    (point / "filler").write_bytes(b"\0" * 200_000)
    status, output = build(campaign, project, point)
    assert status == 1
    assert "No space left on device; the disk is full" in output
    assert str(point) in output
    remount("size=64m")
    status, output = build(campaign, project, point)
    assert status == 0, output
    folder = point / "small-test"
    assert poster_pdfs(folder) == [POSTER]
    assert proof_is_fresh(folder)
    assert not list(folder.glob(".*.part"))


def test_a_read_only_output_folder(project, campaign, tmpfs):
    point, remount = tmpfs
    remount("size=64m")
    assert build(campaign, project, point)[0] == 0
    remount("ro")
    status, output = build(campaign, project, point)  # nothing to do: fine
    assert status == 0, output
    assert "unchanged" in output
    campaign.write_text(
        campaign.read_text(encoding="utf-8").replace("Working abroad? Stay safe", NEW_HEADLINE),
        encoding="utf-8",
    )
    status, output = build(campaign, project, point)
    assert status == 1
    assert "Read-only file system; the file system is read-only: write to another folder" in output
    assert str(point / "small-test") in output
