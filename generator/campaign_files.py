"""Safe writing of a campaign file: the workspace's (and any editor's) one way to change it.

``write_campaign_text`` takes the file's lock, checks that the file still has
the content that was read (its SHA-256), and replaces it atomically, keeping
its mode and owner; a link is followed, so the file it points at is the one
changed. A write refused for a changed file writes nothing.

(A small version written for the workspace, issue 13; the fuller one of issue 17
keeps this signature.)
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path


class CampaignFileChanged(Exception):
    """The file is not what the caller read: someone else changed it meanwhile."""


def text_sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def _lock_path(real: Path) -> Path:
    return real.with_name(f".{real.name}.lock")


def write_campaign_text(path: Path, new_text: str, expected_sha256: str) -> None:
    """Replace the campaign file at ``path`` by ``new_text`` if it still has the hash
    ``expected_sha256``; raise ``CampaignFileChanged`` (writing nothing) if not."""
    real = Path(os.path.realpath(path))
    with open(_lock_path(real), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                current = real.read_bytes()
            except FileNotFoundError:
                raise CampaignFileChanged(f"{path} was removed") from None
            if text_sha256(current) != expected_sha256:
                raise CampaignFileChanged(f"{path} was changed by someone else")
            stat = real.stat()
            handle, temporary = tempfile.mkstemp(
                prefix=f".{real.name}.", suffix=".part", dir=real.parent
            )
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(new_text.encode("utf-8"))
                    file.flush()
                    os.fsync(file.fileno())
                os.chmod(temporary, stat.st_mode & 0o7777)
                if os.geteuid() == 0:
                    os.chown(temporary, stat.st_uid, stat.st_gid)
                os.replace(temporary, real)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
