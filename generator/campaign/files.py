"""Writing a campaign file safely: one writer at a time, never over someone else's change.

Every program that changes a campaign file (``poster strings import``, the
workspace) goes through ``write_campaign_text``:

- a lock (the kernel's ``flock``, on a sidecar file ``.NAME.lock`` beside the
  real file), so two writers take turns; the kernel releases it when its holder
  dies, so a killed writer never leaves it held;
- a hash check under the lock: the file must still be what the writer read,
  else the write is refused, saying who changed it when the change was made by
  a writer of this tool (the lock file records the last one);
- the file's mode and owner are kept; a symbolic link is followed and the real
  file is written (a link to no regular file is refused);
- the new text goes to a temporary ``.NAME.*.part`` file, then replaces the old
  one in one rename; such files left by a killed writer are removed by the next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from glob import escape as glob_escape
from pathlib import Path

from ..output.files import describe_fault


class CampaignWriteError(Exception):
    """The campaign file was not written; the message says why and what to do."""


class CampaignFileChanged(CampaignWriteError):
    """The file is not what the caller read: someone else changed (or removed) it
    meanwhile. Nothing was written; read it again and redo the change."""


def text_sha256(text: str | bytes) -> str:
    """The hash ``write_campaign_text`` expects: of the file's bytes (UTF-8)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def read_campaign_text(path: Path) -> tuple[str, str]:
    """The campaign file's text and the hash to give ``write_campaign_text`` when writing
    a change of it back (what an editor, such as the workspace, keeps between the two)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CampaignWriteError(f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8"), text_sha256(data)
    except UnicodeDecodeError:
        raise CampaignWriteError(f"{path} is not UTF-8 text") from None


def real_campaign_path(path: Path) -> Path:
    """The regular file behind ``path`` (itself, or what its links point to)."""
    real = Path(os.path.realpath(path))
    if path.is_symlink() and not real.is_file():
        raise CampaignWriteError(
            f"{path} is a link to {real}, which is not a regular file: "
            "point the link at the campaign file, or replace it by the file"
        )
    if not real.is_file():
        raise CampaignFileChanged(f"{path} was removed: no such campaign file")
    return real


def lock_path(real: Path) -> Path:
    return real.with_name(f".{real.name}.lock")


_held = threading.local()  # the files whose lock this thread holds: taking it again is a no-op


@contextlib.contextmanager
def campaign_lock(path: Path) -> Iterator[Path]:
    """Hold the campaign file's lock; yields the real file (links followed). A thread that
    holds it may take it again (a read-modify-write calls the write inside)."""
    real = real_campaign_path(path)
    held = _held.__dict__.setdefault("files", set())
    if real in held:
        yield real
        return
    try:
        fd = os.open(lock_path(real), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except OSError as error:
        raise CampaignWriteError(describe_fault(lock_path(real), error)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(real)
        yield real
    finally:
        held.discard(real)
        os.close(fd)  # releases the lock


def _last_writer(real: Path) -> dict:
    try:
        record = json.loads(lock_path(real).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _record_writer(real: Path, writer: str, digest: str) -> None:
    record = {
        "writer": writer,
        "pid": os.getpid(),
        "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "sha256": digest,
    }
    with contextlib.suppress(OSError):  # a note for the next message, not the write itself
        lock_path(real).write_text(json.dumps(record) + "\n", encoding="utf-8")


def _changed_message(path: Path, real: Path, current: str) -> str:
    last = _last_writer(real)
    if last.get("sha256") == current:
        who = f"by {last.get('writer', 'another writer')} at {last.get('time', '?')}"
    else:
        when = dt.datetime.fromtimestamp(real.stat().st_mtime).astimezone()
        who = f"by another program (an editor?) at {when.isoformat(timespec='seconds')}"
    return (
        f"{path} changed since it was read ({who}): nothing written; "
        "run the command again on the file as it is now"
    )


def remove_leftover_parts(real: Path) -> None:
    """Delete temporary files of this campaign file that a killed writer left; only
    while holding its lock, when no writer can be using one."""
    for leftover in real.parent.glob(f".{glob_escape(real.name)}.*.part"):
        with contextlib.suppress(OSError):  # a folder this writer cannot change
            leftover.unlink(missing_ok=True)


def write_campaign_text(
    path: Path, new_text: str, expected_sha256: str, writer: str | None = None
) -> None:
    """Replace the campaign file at ``path`` by ``new_text``, if it still hashes to
    ``expected_sha256`` (``text_sha256`` of what was read); else raise
    ``CampaignFileChanged`` (or, for a fault, ``CampaignWriteError``) and write nothing."""
    writer = writer or "another writer of this tool"
    with campaign_lock(path) as real:
        remove_leftover_parts(real)
        try:
            current = text_sha256(real.read_bytes())
        except OSError as error:
            raise CampaignWriteError(describe_fault(real, error)) from None
        if current != expected_sha256:
            raise CampaignFileChanged(_changed_message(path, real, current))
        _replace(real, new_text.encode("utf-8"))
        _record_writer(real, writer, text_sha256(new_text))


def _replace(real: Path, data: bytes) -> None:
    """Write ``data`` in place of ``real``, atomically, with its mode and owner."""
    info = real.stat()
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{real.name}.", suffix=".part", dir=real.parent
        )
    except OSError as error:
        raise CampaignWriteError(describe_fault(real.parent, error)) from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
            os.fchmod(file.fileno(), info.st_mode & 0o7777)
            if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.fchown(file.fileno(), info.st_uid, info.st_gid)
                except PermissionError:
                    raise CampaignWriteError(
                        f"{real} belongs to another user (uid {info.st_uid}): writing it would "
                        "change its owner; run the command as that user"
                    ) from None
        os.replace(temporary, real)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise CampaignWriteError(describe_fault(real, error)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    with contextlib.suppress(OSError):  # the rename itself on disk, where the system allows
        directory = os.open(real.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
