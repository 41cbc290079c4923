"""PDFium (through pypdfium2), for reading PDFs back: one thread at a time.

PDFium is not thread-safe, and a build may run its posters on threads (any
``concurrent.futures.Executor`` will do, a thread pool among them): two threads
in PDFium at once crashed the process. Every use goes through ``open_pdf``,
which holds one lock per process; in the usual process pool it is never
contended.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = threading.RLock()


@contextmanager
def open_pdf(source: Path | bytes) -> Iterator:
    """A ``pypdfium2.PdfDocument`` of a file or its bytes, closed afterwards, used
    while this thread holds the PDFium lock."""
    import pypdfium2

    with LOCK:
        document = pypdfium2.PdfDocument(source)
        try:
            yield document
        finally:
            document.close()
