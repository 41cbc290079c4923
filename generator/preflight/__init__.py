"""Preflight: read a finished PDF back and check what a print shop checks
(``read_back.py``: the checks in order; ``structure.py``, ``drawing.py``,
``text_layer.py``: the checks; ``report.py``: what they find).

The checks load pikepdf and PDFium, which take a third of a second to import: the
names below load them when first asked for, so that a build with nothing to make,
or a manifest read for its preflight summaries (``report.py``), does not pay it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .read_back import (
        Check,
        PreflightReport,
        detect,
        extract_text,
        page_boxes,
        preflight,
        preflight_file,
    )

__all__ = [
    "Check",
    "PreflightReport",
    "detect",
    "extract_text",
    "page_boxes",
    "preflight",
    "preflight_file",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import read_back

        return getattr(read_back, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
