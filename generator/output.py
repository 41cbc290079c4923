"""Write results so that nothing is ever half-written: temporary file, then rename.

A reader (or a print shop's upload) sees either the previous complete file or
the new complete file, never a torn one, even when a build is killed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

MANIFEST = "manifest.json"
LOCK = ".build.lock"


def _file_mode() -> int:
    """The mode an ordinary new file gets (mkstemp would make it private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def write_atomically(path: Path, data: bytes) -> None:
    with atomic_file(path) as temporary, temporary.open("wb") as file:
        file.write(data)


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` for the caller to write (a library that writes
    to a path, without the whole file in memory); on success it replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with temporary.open("rb+") as file:
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path) -> None:
    """Delete temporary files a killed build left behind; they were never renamed into place."""
    for leftover in (*folder.glob(".*.part"), *folder.glob(".*/.*.part")):
        leftover.unlink(missing_ok=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomically(folder / MANIFEST, text.encode("utf-8"))


@contextmanager
def build_lock(folder: Path, on_wait: Callable[[str], None]) -> Iterator[None]:
    """Hold the folder's build lock: two builds into one folder take turns, so the
    manifest, the proof sheet and the PDFs always come from one build. The lock
    is the kernel's (flock), so a killed build never leaves it held."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait(f"waiting for another build of {folder} to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
