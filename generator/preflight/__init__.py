"""Preflight: read a finished PDF back and check what a print shop checks
(``read_back.py``: the checks in order; ``structure.py``, ``drawing.py``,
``text_layer.py``: the checks; ``report.py``: what they find).

The checks load pikepdf and PDFium, which take a third of a second to import: the
names below load them when first asked for, so that a build with nothing to make,
or a manifest read for its preflight summaries (``report.py``), does not pay it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .read_back import detect as detect
    from .read_back import extract_text as extract_text
    from .read_back import preflight as preflight
    from .read_back import preflight_file as preflight_file
    from .report import Check as Check
    from .report import PreflightReport as PreflightReport
    from .structure import page_boxes as page_boxes

# Each name, and the module it comes from.
_HOMES = {
    "Check": "report",
    "PreflightReport": "report",
    "detect": "read_back",
    "extract_text": "read_back",
    "page_boxes": "structure",
    "preflight": "read_back",
    "preflight_file": "read_back",
}
__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
