"""Assets that stand in for the real thing (a neutral wordmark where a logo goes).

They are listed in ``assets/placeholders.txt``, one path per line with what it
is after ``#``. A build warns for each poster that shows one; a press build
refuses such a poster unless the campaign allows placeholders for proofs
(``print: allow_placeholders: true``): a print shop must never get a stand-in.
"""

from __future__ import annotations

from pathlib import Path

PLACEHOLDER_LIST = "assets/placeholders.txt"


def placeholder_assets(project: Path) -> dict[str, str]:
    """Each placeholder asset's path (``assets/...``) → what it is ("" when not said)."""
    listed = project / PLACEHOLDER_LIST
    if not listed.is_file():
        return {}
    found = {}
    for line in listed.read_text(encoding="utf-8").splitlines():
        path, _, note = line.partition("#")
        if path.strip():
            found[path.strip()] = note.strip()
    return found


def describe(path: str, note: str) -> str:
    return f"{path} ({note})" if note else path
