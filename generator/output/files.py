"""Write results so that nothing is ever half-written: temporary file, then rename.

A reader (or a print shop's upload) sees either the previous complete file or
the new complete file, never a torn one, even when a build is killed.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .manifest import Manifest

MANIFEST = "manifest.json"
LOCK = ".build.lock"


def _file_mode() -> int:
    """The mode an ordinary new file gets (mkstemp would make it private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename; a fault of the
    file system (disk full, read-only, no permission) raises ``OutputError``, which
    names the path and what to do, and leaves the previous file as it was."""
    with atomic_file(path) as temporary, temporary.open("wb") as file:
        file.write(data)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the caller to write (a library that writes
    to a path, without the whole file in memory); on success it replaces ``path``.
    A fault of the file system raises ``OutputError``, as for ``write_atomically``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as error:
        raise OutputError(path, error) from None
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as file:
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except OutputError:
        temporary.unlink(missing_ok=True)
        raise
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(path, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files a killed build left behind; they were never renamed into place."""
    for leftover in (*folder.glob(".*.part"), *folder.glob(".*/.*.part")):
        # (In a folder this build cannot write, it writes nothing either.)
        with suppress(OSError):
            leftover.unlink(missing_ok=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(folder: Path) -> Manifest:
    """The folder's manifest; an empty one when there is none or it does not parse."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return Manifest.from_json(data)


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the manifest, unless it already says exactly this: a build with nothing to
    do writes nothing (and works in a folder it cannot write)."""
    as_json = manifest.to_json()
    data = (json.dumps(as_json, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode()
    write_if_changed(folder / MANIFEST, data)


def write_if_changed(path: Path, data: bytes) -> bool:
    """``write_atomically`` unless the file already holds ``data``; whether it wrote."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomically(path, data)
    return True


# --- what the proof sheet and the print order were made from --------------------------

SHEETS = ".sheets.json"


def made_from(manifest: Manifest) -> str:
    """The digest of what a sheet is made from: the whole manifest (texts' files, their
    bytes' hashes, quantities, preflight, draft state), as it is written."""
    as_json = manifest.to_json()
    return sha256(json.dumps(as_json, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def sheet_is_fresh(folder: Path, name: str, digest: str) -> bool:
    """The sheet was made from ``digest`` and is still the file that was written then."""
    record = _sheet_records(folder).get(name)
    if not isinstance(record, dict) or record.get("made_from") != digest:
        return False
    try:
        return sha256((folder / name).read_bytes()) == record.get("sha256")
    except OSError:
        return False


def record_sheet(folder: Path, name: str, digest: str) -> None:
    """Note what the sheet just written was made from (only once it is complete)."""
    records = _sheet_records(folder)
    records[name] = {"made_from": digest, "sha256": sha256((folder / name).read_bytes())}
    text = json.dumps(records, indent=2, sort_keys=True) + "\n"
    write_if_changed(folder / SHEETS, text.encode("utf-8"))


def _sheet_records(folder: Path) -> dict:
    try:
        records = json.loads((folder / SHEETS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return records if isinstance(records, dict) else {}


@contextmanager
def build_lock(folder: Path, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the folder's build lock: two builds into one folder take turns, so the
    manifest, the proof sheet and the PDFs always come from one build. The lock
    is the kernel's (flock), so a killed build never leaves it held; its worker
    processes do not keep it (``workers.keep_from_workers``)."""
    from ..build.workers import keep_from_workers

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(folder, error) from None
    fd = _open_lock(folder)
    try:
        with keep_from_workers(fd):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                on_wait(f"waiting for another build of {folder} to finish")
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
    finally:
        os.close(fd)  # and the lock with it


def _open_lock(folder: Path) -> int:
    """The lock file; in a folder this build cannot write, the folder itself (flock
    works on any open file), so that a build with nothing to do still runs."""
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    try:
        return os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | flags, 0o666)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise OutputError(folder / LOCK, error) from None
    for path in (folder / LOCK, folder):
        try:
            return os.open(path, os.O_RDONLY | flags)
        except OSError:
            continue
    raise OutputError(folder, PermissionError(errno.EACCES, "permission denied"))


FAULT_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space and run the command again",
    errno.EROFS: "the file system is read-only: write to another folder (--output)",
    errno.EACCES: "no permission to write there: ask for write access, or use another folder",
    errno.EPERM: "no permission to write there: ask for write access, or use another folder",
}


def describe_fault(path: Path | str, error: OSError) -> str:
    """A file-system fault in plain words: the path, what happened, what to do."""
    advice = FAULT_ADVICE.get(error.errno or 0, "check the folder and run the command again")
    return f"cannot write {path}: {error.strerror or error}; {advice}"


class OutputError(OSError):
    """A result could not be written (disk full, read-only folder, no permission); an
    OSError still, for callers that handle those."""

    def __init__(self, path: Path | str, error: OSError):
        super().__init__(error.errno, describe_fault(path, error), str(path))
        self.message = describe_fault(path, error)

    def __str__(self) -> str:
        return self.message


def companion_names(filename: str) -> list[str]:
    """The files that go with a card's PNG (its JPEG and post text); none for a PDF."""
    path = Path(filename)
    if path.suffix != ".png":
        return []
    return [path.with_suffix(".jpg").name, path.with_suffix(".txt").name]
